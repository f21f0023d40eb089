"""Replaying a git history through the cache model: which paths each commit changed.

Real git through safegit (no hook, fsmonitor or filter of the repository runs): ``git log --first-parent`` for the last commits and
``git diff --name-only --no-renames`` between each commit and its first parent (a
rename is a deletion plus an addition, and both may matter to a COPY).  The root
commit has no parent: it is a first build, not a rebuild, so it is not replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...io import git as safegit
from ...io.git import GitError

__all__ = ["Commit", "GitError", "last_commits", "repo_root", "to_context"]


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    paths: tuple[str, ...]  # changed paths, relative to the repository root

    @property
    def short(self) -> str:
        return self.sha[:10]


def _git(repo: Path, *args: str) -> str:
    done = safegit.run(repo, *args, check=False)
    if done.returncode != 0:
        raise GitError(_reason(done.stderr) or f"git {args[0]} failed")
    return done.stdout


def _reason(stderr: str) -> str:
    """git's own reason: its ``fatal:`` line (after it, a dubious-ownership refusal only gives advice)."""
    lines = [line.strip() for line in stderr.split("\n") if line.strip()]
    fatal = [line for line in lines if line.startswith("fatal:")]
    return (fatal or lines[-1:] or [""])[0]


def repo_root(path: Path) -> Path:
    """The top of the work tree holding ``path``."""
    directory = path if path.is_dir() else path.parent
    return Path(_git(directory, "rev-parse", "--show-toplevel").strip())


def last_commits(repo: Path, count: int, rev: str = "HEAD") -> list[Commit]:
    """The last ``count`` commits on the first-parent line from ``rev``, newest first, with their changes."""
    # NUL between records: a subject may hold a form feed or U+2028, which splitlines() splits on.
    log = _git(repo, "log", "--first-parent", f"-n{count + 1}", "--format=%H%x1f%P%x1f%s%x00", rev)
    commits: list[Commit] = []
    for row in [r.lstrip("\n") for r in log.split("\0") if r.strip()][:count]:
        sha, parents, subject = row.split("\x1f", 2)
        if not parents:
            break  # the root commit: a first build
        parent = parents.split()[0]
        changed = _git(repo, "diff", "--name-only", "--no-renames", "-z", parent, sha)
        commits.append(Commit(sha, subject, tuple(p for p in changed.split("\0") if p)))
    return commits


def to_context(paths: tuple[str, ...], context_in_repo: str) -> list[str]:
    """The paths that fall inside the build context, relative to it."""
    if context_in_repo in ("", "."):
        return list(paths)
    prefix = context_in_repo.rstrip("/") + "/"
    return [p[len(prefix):] for p in paths if p.startswith(prefix)]
