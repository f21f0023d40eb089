"""Open or update the bot's one pull request through the GitHub REST API, with PyGithub.

PyGithub rather than githubkit: it is synchronous like the rest of dfix, needs no pydantic
models or multi-megabyte schema package, and its ``base_url`` takes a GitHub Enterprise
Server API root (``https://HOST/api/v3``) as is. Endpoints used: get a repository, list
pull requests filtered by head branch, create a pull request, update a pull request.
"""

from __future__ import annotations

from dataclasses import dataclass

from .git import BotError

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    action: str  # "opened", "updated" or "unchanged"


def open_or_update(*, api_url: str, token: str, repo: str, head: str, base: str | None,
                   title: str, body: str) -> PullRequest:
    """The open pull request from ``head`` gets this title and body; without one, one is opened."""
    from github import Auth, Github, GithubException

    client = Github(base_url=api_url.rstrip("/"), auth=Auth.Token(token), timeout=30)
    try:
        repository = client.get_repo(repo)
        owner = repo.split("/", 1)[0]
        existing = list(repository.get_pulls(state="open", head=f"{owner}:{head}"))
        if existing:
            pr = existing[0]
            if pr.title == title and (pr.body or "") == body:
                return PullRequest(pr.number, pr.html_url, "unchanged")
            pr.edit(title=title, body=body)
            return PullRequest(pr.number, pr.html_url, "updated")
        pr = repository.create_pull(base=base or repository.default_branch, head=head, title=title, body=body)
        return PullRequest(pr.number, pr.html_url, "opened")
    except GithubException as exc:
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        raise BotError(f"GitHub API at {api_url} answered {exc.status}: {message or exc}") from None
    finally:
        client.close()
