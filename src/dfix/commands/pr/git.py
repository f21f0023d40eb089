"""Real git through subprocess: the bot's only way to read and change a repository.

Every call goes through safegit, which keeps the repository's hooks, fsmonitor, filter
drivers and included config from running; a remote is a configured remote's name, and
every ref or path a user gives comes after ``--``.
"""

from __future__ import annotations

from pathlib import Path

from ...io import git as safegit


class BotError(RuntimeError):
    """Something the user must fix (dirty tree, no remote, API refusal); exit code 2."""


class Git:
    def __init__(self, cwd: Path, overrides: tuple[str, ...] | None = None):
        self.cwd = Path(cwd)
        self._overrides = overrides

    @property
    def overrides(self) -> tuple[str, ...]:
        """The filter switches for this repository, read once (and refusal of in-tree config)."""
        if self._overrides is None:
            try:
                self._overrides = safegit.config_overrides(self.cwd)
            except safegit.GitError as exc:
                raise BotError(str(exc)) from None
        return self._overrides

    def at(self, cwd: Path) -> Git:
        """The same repository's git in another of its worktrees."""
        return Git(cwd, self.overrides)

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
        try:
            proc = safegit.run(self.cwd, *args, check=check, env=env, stdin=stdin, overrides=self.overrides)
        except safegit.GitError as exc:
            raise BotError(str(exc)) from None
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def ok(self, *args: str) -> bool:
        return safegit.run(self.cwd, *args, check=False, overrides=self.overrides).returncode == 0

    def toplevel(self) -> Path:
        proc = safegit.run(self.cwd, "rev-parse", "--show-toplevel", check=False)
        if proc.returncode != 0 or not proc.stdout.strip():
            if "dubious ownership" in proc.stderr:
                raise BotError(f"git refuses {self.cwd}: it is owned by another user (dubious ownership; "
                               "see git's safe.directory)")
            raise BotError(f"{self.cwd} is not in a git repository")
        return Path(proc.stdout.strip())

    def dirty(self) -> list[str]:
        """Changed, staged and untracked paths (what `git status --porcelain` lists)."""
        return [entry for entry in self.run("status", "--porcelain", "-z").split("\0") if entry]

    def head(self) -> str:
        sha = self.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
        if not sha:
            raise BotError("the repository has no commits yet")
        return sha

    def current_branch(self) -> str | None:
        return self.run("symbolic-ref", "--short", "-q", "HEAD", check=False) or None

    def remote_url(self, remote: str) -> str:
        # Only a configured remote's name: anything else reaches git as an option or a URL
        # (`--upload-pack=CMD`, `ext::CMD`).
        if remote not in self.run("remote").splitlines():
            raise BotError(f"no git remote named {remote!r}")
        return self.run("remote", "get-url", "--", remote, check=False)

    def remote_branch(self, remote: str, branch: str) -> str | None:
        """The commit the remote's branch points at, or None when it has no such branch."""
        out = self.run("ls-remote", "--heads", "--", remote, f"refs/heads/{branch}")
        return out.split()[0] if out else None

    def remote_default_branch(self, remote: str) -> str | None:
        """The branch the remote's HEAD points at (its default branch)."""
        for line in self.run("ls-remote", "--symref", "--", remote, "HEAD").splitlines():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                return line[len("ref: refs/heads/"):-len("\tHEAD")]
        return None

    def fetch_branch(self, remote: str, branch: str) -> str:
        """Fetch the remote's branch and return its commit (refused when the remote lacks it)."""
        sha = self.remote_branch(remote, branch)
        if sha is None:
            raise BotError(f"remote {remote!r} has no branch {branch!r}; push it first or pass --base")
        self.run("fetch", "-q", "--no-recurse-submodules", "--", remote, f"refs/heads/{branch}")
        return sha

    def identity_env(self) -> dict[str, str]:
        """Author and committer for the bot's commit: the configured user, else dfix itself."""
        if self.run("config", "user.email", check=False) and self.run("config", "user.name", check=False):
            return {}
        return {"GIT_AUTHOR_NAME": "dfix", "GIT_AUTHOR_EMAIL": "dfix@users.noreply.github.com",
                "GIT_COMMITTER_NAME": "dfix", "GIT_COMMITTER_EMAIL": "dfix@users.noreply.github.com"}
