"""``dfix pr``: fix the repository's Dockerfiles on the bot branch and open or update one PR.

The fixes are made in a temporary git worktree of the base branch as the remote has it, so
the user's working tree, index and current branch are never touched, and the pull request
holds exactly dfix's rewrite of what the base already has (local commits not pushed yet stay
out of it). dfix runs there as its own command line (``--write --format
json``), the same code path as ``dfix --write``, in isolated mode and without the token: the
worktree is the repository's code, and ``python -m`` would otherwise import from it first.
Running twice changes nothing: the branch
is reused when it already holds the same rewrite of the same base commit, otherwise it is
force-pushed (with a lease on what the remote had), and the one open pull request from
that branch is updated instead of a second one being opened.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .body import COMMIT_SUBJECT_PREFIX, FixItem, RebuildRow, SkipItem, commit_message, pr_body
from .git import BotError, Git
from .github import DEFAULT_API_URL, PullRequest, check_access, open_or_update
from .remote import repo_from_url

BOT_PREFIX = "dfix/"
# The fixer needs no credentials; a variable it never sees cannot leak.
_TOKEN_VARIABLES = frozenset({"GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT", "GITLAB_TOKEN", "ACTIONS_RUNTIME_TOKEN",
                              "ACTIONS_ID_TOKEN_REQUEST_TOKEN"})
DEFAULT_BRANCH = "dfix/cache-friendly-builds"
DEFAULT_TITLE = "dfix: cache-friendly Dockerfile builds"


@dataclass(frozen=True)
class PrOptions:
    paths: tuple[Path, ...] = ()
    remote: str = "origin"
    repo: str | None = None
    api_url: str = DEFAULT_API_URL
    token: str | None = None
    base: str | None = None
    branch: str | None = None
    title: str = DEFAULT_TITLE
    dry_run: bool = False
    allow_dirty: bool = False
    fix_args: tuple[str, ...] = ()  # --select/--ignore/--unsafe-fixes/--syntax, passed to dfix
    history: int = 50  # commits `dfix explain` replays for the rebuild evidence (0: none)


@dataclass
class PrOutcome:
    status: str  # "nothing", "dry-run", "opened", "updated", "unchanged"
    branch: str
    commit: str | None = None
    pushed: bool = False
    pull: PullRequest | None = None
    fixes: list[FixItem] = field(default_factory=list)
    skipped: list[SkipItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def branch_for(paths: Sequence[str]) -> str:
    """``dfix/<slug>``: from the PATH arguments when given (one PR per service), else a fixed name.

    Never from the set of fixable files: that set changes between runs, and a new name
    would open a second pull request next to the first.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(p.lower() for p in paths if p not in (".", ""))).strip("-")
    return f"dfix/{slug[:60].strip('-')}" if slug else DEFAULT_BRANCH


@dataclass(frozen=True)
class _Plan:
    git: Git
    paths: list[str]  # repository-relative
    branch: str
    repo: str | None
    base: str
    head: str  # the base branch's commit on the remote: what the fix is made on


def _plan(cwd: Path, options: PrOptions) -> _Plan:
    """Everything checked before anything is written: clean tree, repository, token, base."""
    root = Git(cwd).toplevel()
    git = Git(root)
    paths = _repo_paths(cwd, root, options.paths)
    branch = options.branch or branch_for(paths)
    _check_bot_branch(git, branch)
    dirty = git.dirty()
    if dirty and not options.allow_dirty:
        raise BotError(f"the working tree has uncommitted changes ({len(dirty)} path(s), e.g. {dirty[0][3:]}); "
                       "commit or stash them, or pass --allow-dirty (they are not part of the pull request)")
    current = git.current_branch()
    if current == branch:
        raise BotError(f"{branch} is checked out; run dfix pr from the branch the pull request should target")
    url = git.remote_url(options.remote)  # refuses what is not a configured remote's name
    repo = options.repo or repo_from_url(url)
    if repo is None and not options.dry_run:
        raise BotError(f"cannot tell the GitHub repository from remote {options.remote!r}; pass --repo OWNER/NAME")
    if not options.token and not options.dry_run:
        raise BotError("GITHUB_TOKEN is not set; the pull request needs a token with pull-request write access")
    git.head()  # a repository without commits has nothing to fix
    # The pull request's base is the remote branch, so the fix is made on its tip: commits
    # not pushed yet stay out of the bot's branch.
    base = options.base or current or git.remote_default_branch(options.remote)
    if base is None:
        raise BotError(f"cannot tell which branch of {options.remote!r} to target; pass --base")
    if branch == base:
        raise BotError(f"the bot branch {branch!r} is the pull request's base; pass another --branch")
    return _Plan(git, paths, branch, repo, base, git.fetch_branch(options.remote, base))


def _check_bot_branch(git: Git, branch: str) -> None:
    """The bot force-pushes its branch: it must be one of the bot's, never a person's."""
    if not git.ok("check-ref-format", f"refs/heads/{branch}") or branch.startswith("-"):
        raise BotError(f"{branch!r} is not a valid branch name")
    if not branch.startswith(BOT_PREFIX):
        raise BotError(f"the bot branch must start with {BOT_PREFIX!r} (it is force-pushed): {branch!r}")


def run_pr(cwd: Path, options: PrOptions, rebuild_rows: Sequence[RebuildRow] | None = None,
           echo: Callable[[str], None] = print) -> PrOutcome:
    plan = _plan(cwd, options)
    with _worktree(plan.git, plan.head) as tree:
        outcome = _fix_in(tree, plan.paths, options.fix_args, plan.branch)
        for warning in outcome.warnings:
            echo(f"dfix pr: warning: {warning}")
        changed = sorted({f.path for f in outcome.fixes} | set(outcome.extra_paths))
        if not changed:
            echo(f"dfix pr: nothing to fix at {options.remote}/{plan.base} ({plan.head[:12]}); no pull request")
            return outcome
        message = commit_message(outcome.fixes, outcome.skipped)
        if rebuild_rows is None and options.history > 0:
            rebuild_rows = _rebuild_evidence(plan.git.at(tree), changed, options, echo)
        body = pr_body(outcome.fixes, outcome.skipped, rebuild_rows, diffs=outcome.diffs,
                       warnings=outcome.warnings)
        if options.dry_run:
            _describe(echo, outcome, plan, options, message, body)
            outcome.status = "dry-run"
            return outcome
        # Talk to the API before pushing: a failed run must not leave a pushed branch and no PR.
        check_access(api_url=options.api_url, token=options.token or "", repo=plan.repo or "")
        outcome.commit, outcome.pushed = _commit_and_push(plan.git, plan.git.at(tree), changed, message, plan.head,
                                                          plan.branch, options.remote)
    outcome.pull = open_or_update(api_url=options.api_url, token=options.token or "", repo=plan.repo or "",
                                  head=plan.branch, base=plan.base, title=options.title, body=body)
    outcome.status = outcome.pull.action
    echo(f"dfix pr: {outcome.pull.action} pull request #{outcome.pull.number} {outcome.pull.url} "
         f"({plan.branch} {'pushed' if outcome.pushed else 'already up to date'}, {len(outcome.fixes)} fix(es))")
    return outcome


def _rebuild_evidence(tree_git: Git, changed: Sequence[str], options: PrOptions,
                      echo: Callable[[str], None]) -> list[RebuildRow]:
    """Per step, how many of the last commits re-run it, original versus rewritten (dfix explain)."""
    from ..explain.compare import rebuild_rows as explain_rows

    tree = tree_git.cwd
    dockerfiles = [p for p in changed if not p.endswith(".dockerignore")]
    rows: list[RebuildRow] = []
    # explain compares a file with dfix's rewrite of it: give it the files as committed.
    fixed = {p: (tree / p).read_bytes() if (tree / p).exists() else None for p in changed}
    try:
        for path in changed:
            original = tree_git.run("show", f"HEAD:{path}", check=False)
            if (tree / path).exists() and not _in_head(tree_git, path):
                (tree / path).unlink()
            elif _in_head(tree_git, path):
                (tree / path).write_text(original)
        rows = _explain_each(tree, dockerfiles, options, echo, explain_rows)
    finally:
        for path, data in fixed.items():
            if data is not None:
                (tree / path).write_bytes(data)
    return rows


def _in_head(tree_git: Git, path: str) -> bool:
    return bool(tree_git.run("ls-tree", "--name-only", "HEAD", "--", path, check=False).strip())


def _explain_each(tree: Path, dockerfiles: Sequence[str], options: PrOptions, echo: Callable[[str], None],
                  explain_rows) -> list[RebuildRow]:
    rows: list[RebuildRow] = []
    for path in dockerfiles:
        try:
            found = explain_rows(tree / path, history=options.history)
        except Exception as exc:  # the evidence is a bonus; the pull request goes on without it
            echo(f"dfix pr: no rebuild evidence for {path}: {exc}")
            continue
        prefix = f"{path}: " if len(dockerfiles) > 1 else ""
        rows += [(f"{prefix}{label}", original, rewritten) for label, original, rewritten in found]
    return rows


def _repo_paths(cwd: Path, root: Path, paths: Sequence[Path]) -> list[str]:
    out = []
    for p in paths:
        full = (cwd / p).resolve()
        try:
            out.append(full.relative_to(root.resolve()).as_posix() or ".")
        except ValueError:
            raise BotError(f"{p} is outside the repository {root}") from None
    return out


class _worktree:
    """A detached worktree of ``commit`` in a temporary directory, removed afterwards."""

    def __init__(self, git: Git, commit: str):
        self.git, self.commit = git, commit

    def __enter__(self) -> Path:
        self.tmp = Path(tempfile.mkdtemp(prefix="dfix-pr-"))
        self.path = self.tmp / "tree"
        self.git.run("worktree", "add", "-q", "--detach", "--", str(self.path), self.commit)
        return self.path

    def __exit__(self, *exc) -> None:
        self.git.run("worktree", "remove", "--force", "--", str(self.path), check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.git.run("worktree", "prune", check=False)


@dataclass
class _FixRun(PrOutcome):
    diffs: list[tuple[str, str]] = field(default_factory=list)
    extra_paths: list[str] = field(default_factory=list)  # other files the fixes wrote (.dockerignore)
    warnings: list[str] = field(default_factory=list)  # the fixer's, e.g. a configured frontend not Docker's


def _fix_in(tree: Path, rel_paths: list[str], fix_args: tuple[str, ...], branch: str) -> _FixRun:
    # -I: the worktree is not on sys.path (a committed dfix/ or bashlex.py would be imported
    # first), and PYTHON* variables do not apply; the fixer needs no token, so it gets none.
    cmd = [sys.executable, "-I", "-m", "dfix", "--write", "--format", "json", *fix_args, "--", *(rel_paths or ["."])]
    env = {k: v for k, v in os.environ.items() if k not in _TOKEN_VARIABLES}
    proc = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise BotError(f"dfix failed in the worktree (exit {proc.returncode}): {proc.stderr.strip()[-500:]}") from None
    run = _FixRun("nothing", branch)
    # The fixer prints warnings on stderr (already made safe to print); a reviewer must see them.
    run.warnings = [line.removeprefix("warning: ") for line in proc.stderr.split("\n")
                    if line.startswith("warning: ")]
    for f in report["files"]:
        path = Path(f["path"]).as_posix()
        if f["error"]:
            run.errors.append(f"{path}: {f['error']}")
            continue
        if f["diff"]:
            run.fixes += [FixItem(path, x["line"], x["code"], x["message"], x["safety"]) for x in f["fixes"]]
            run.diffs.append((path, f["diff"]))
            run.extra_paths += [Path(x["path"]).as_posix() for x in f.get("extra_files", [])]
        run.skipped += [SkipItem(path, s["line"], s["code"], s["reason"]) for s in f["skipped"]]
    return run


def _commit_and_push(git: Git, tree_git: Git, changed: list[str], message: str, head: str, branch: str,
                     remote: str) -> tuple[str, bool]:
    tree_git.run("add", "--", *changed)
    # The message on stdin: one -m argument of 300 services' fixes passes the argument limit.
    tree_git.run("commit", "-q", "--no-verify", "-F", "-", env=git.identity_env(), stdin=message)
    new = tree_git.run("rev-parse", "HEAD")
    old = git.remote_branch(remote, branch)
    if old and _same_rewrite(git, remote, branch, old, new, head):
        _follow_local_branch(git, branch, old, old)
        return old, False
    if old:
        _refuse_foreign_commits(git, branch, old, head)
    git.run("push", "-q", "--no-verify", f"--force-with-lease=refs/heads/{branch}:{old or ''}", "--", remote,
            f"{new}:refs/heads/{branch}")
    _follow_local_branch(git, branch, old, new)
    return new, True


def _refuse_foreign_commits(git: Git, branch: str, old: str, head: str) -> None:
    """The push replaces ``old``: only when it is one dfix commit on a commit of the base's history."""
    commits = git.run("rev-list", f"{head}..{old}", "--").splitlines()
    foreign = [sha for sha in commits if not _made_by_dfix(git, sha)] or commits[:-1]
    if foreign:
        raise BotError(f"the remote's {branch} holds {len(foreign)} commit(s) dfix did not make "
                       f"(e.g. {foreign[0][:12]}); merge or close that pull request, or delete the branch, "
                       "and run dfix pr again")


def _made_by_dfix(git: Git, sha: str) -> bool:
    return git.run("show", "-s", "--format=%s", sha).startswith(COMMIT_SUBJECT_PREFIX)


def _follow_local_branch(git: Git, branch: str, old: str | None, new: str) -> None:
    """Point a local branch of that name at ``new`` only when dfix made it (absent, or at ``old``)."""
    local = git.run("rev-parse", "--verify", "-q", f"refs/heads/{branch}^{{commit}}", check=False)
    if not local or local == old:
        git.run("update-ref", f"refs/heads/{branch}", new, local or "0" * 40)


def _same_rewrite(git: Git, remote: str, branch: str, old: str, new: str, head: str) -> bool:
    """The remote branch already holds this rewrite of this base: same tree, parent and message."""
    git.run("fetch", "-q", "--no-recurse-submodules", "--", remote, f"refs/heads/{branch}")
    fmt = "%T %P%n%B"
    return git.run("show", "-s", f"--format={fmt}", old) == git.run("show", "-s", f"--format={fmt}", new) \
        and git.run("rev-parse", f"{new}^") == head


def _describe(echo, outcome: PrOutcome, plan: _Plan, options: PrOptions, message: str, body: str) -> None:
    files = sorted({f.path for f in outcome.fixes})
    echo(f"dfix pr (dry run): would commit {len(outcome.fixes)} fix(es) in {len(files)} file(s) "
         f"({', '.join(files)}) on top of {options.remote}/{plan.base} ({plan.head[:12]}) as branch {plan.branch},")
    echo(f"  force-push it to remote {options.remote!r}, and open or update the pull request "
         f"{plan.branch} -> {plan.base} in {plan.repo or '(repository unknown)'} via {options.api_url}")
    echo("\n--- commit message ---\n" + message + "--- pull request body ---\n" + body)
