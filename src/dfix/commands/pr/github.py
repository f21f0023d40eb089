"""Open or update the bot's one pull request through the GitHub REST API, with PyGithub.

PyGithub rather than githubkit: it is synchronous like the rest of dfix, needs no pydantic
models or multi-megabyte schema package, and its ``base_url`` takes a GitHub Enterprise
Server API root (``https://HOST/api/v3``) as is. Endpoints used: get a repository, list
pull requests filtered by head branch, create a pull request, update a pull request.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from .git import BotError

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    action: str  # "opened", "updated" or "unchanged"


# A stuck or failing API must cost a bounded time: 20 s per request, three tries of a GET
# with at most 8 s between them, and never the hour a rate-limit reset can ask for
# (PyGithub's own retry sleeps until the reset).
_TIMEOUT = 20
_MAX_ERROR_CHARS = 300


def _retry():
    from urllib3.util import Retry

    return Retry(total=3, connect=3, read=2, status=3, backoff_factor=1, backoff_max=8,
                 status_forcelist=(500, 502, 503, 504), allowed_methods=frozenset({"GET"}),
                 respect_retry_after_header=False, raise_on_status=False)


@contextmanager
def _api(api_url: str, token: str):
    """A client whose every failure is one line naming the service, never a dfix bug."""
    import requests
    from github import Auth, Github, GithubException

    client = Github(base_url=api_url.rstrip("/"), auth=Auth.Token(token), timeout=_TIMEOUT, retry=_retry())
    try:
        yield client
    except GithubException as exc:
        message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
        raise BotError(f"GitHub API at {api_url} answered {exc.status}: {_one_line(message or exc)}") from None
    except (requests.RequestException, OSError) as exc:
        raise BotError(f"GitHub API at {api_url} could not be reached: {_one_line(exc)}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # An answer that is not the API's JSON (an HTML login page, a proxy's error page).
        raise BotError(f"GitHub API at {api_url} gave an answer that is not GitHub's API: {_one_line(exc)}") from None
    finally:
        client.close()


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS] + "..."


def check_access(*, api_url: str, token: str, repo: str) -> None:
    """Fail before anything is pushed when the API cannot be reached or the token cannot see the repository."""
    with _api(api_url, token) as client:
        # PyGithub fills full_name in from the URL; the answer itself must carry it.
        name = client.get_repo(repo).raw_data.get("full_name")
        if not isinstance(name, str) or "/" not in name:
            raise BotError(f"GitHub API at {api_url} gave an answer that is not GitHub's API "
                           f"(no repository {repo} in it)")


def open_or_update(*, api_url: str, token: str, repo: str, head: str, base: str | None,
                   title: str, body: str) -> PullRequest:
    """The open pull request from ``head`` gets this title and body; without one, one is opened."""
    with _api(api_url, token) as client:
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
