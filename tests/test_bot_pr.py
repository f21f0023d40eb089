"""dfix pr against real git (a local bare remote) and the GitHub API served on 127.0.0.1."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from github_fake import FakeGitHub

from dfix.commands.pr import FixItem, SkipItem, pr_body
from dfix.commands.pr.pr import PrOptions, branch_for, run_pr
from dfix.commands.pr.remote import repo_from_url
from dfix.cli import main

pytest.importorskip("github")

TOKEN = "ghp_test_token"
NODE = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "s.js"]\n'
GIT_ENV = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}


def git(cwd: Path, *args: str) -> str:
    import os

    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone of a bare remote with one commit on main holding a fixable Dockerfile."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    git(work, "checkout", "-q", "-b", "main")
    (work / "Dockerfile").write_text(NODE)
    (work / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "app")
    git(work, "push", "-q", "origin", "main")
    return work


@pytest.fixture
def api(repo: Path):
    with FakeGitHub("acme", "app", repo.parent / "remote.git", TOKEN) as fake:
        yield fake


def invoke_pr(repo: Path, api: FakeGitHub, *args: str, monkeypatch):
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return CliRunner().invoke(main, ["pr", "--repo", "acme/app", "--api-url", api.url, *args])


def test_first_run_pushes_the_branch_and_opens_one_pr(repo: Path, api: FakeGitHub, monkeypatch):
    head_before = git(repo, "rev-parse", "HEAD")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert api.violations == []
    [pr] = api.pulls
    assert (pr["head"], pr["base"], pr["state"]) == ("dfix/cache-friendly-builds", "main", "open")
    assert "| `Dockerfile` | 4 | DF102 |" in pr["body"] and "DF103" in pr["body"]
    assert "opened pull request #1" in r.output

    bare = repo.parent / "remote.git"
    pushed = git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds")
    assert git(bare, "rev-parse", f"{pushed}^") == head_before
    rewritten = git(bare, "show", f"{pushed}:Dockerfile") + "\n"
    assert "--mount=type=cache,target=/root/.npm" in rewritten
    message = git(bare, "log", "-1", "--format=%B", pushed)
    assert "Dockerfile:4 DF102" in message and "Dockerfile:4 DF103" in message
    # The user's checkout is untouched: same branch, same commit, same file.
    assert git(repo, "rev-parse", "HEAD") == head_before
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert (repo / "Dockerfile").read_text() == NODE
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "worktree", "list").count("\n") == 0  # the temporary worktree is gone


def test_second_run_updates_the_same_branch_and_pr(repo: Path, api: FakeGitHub, monkeypatch):
    assert invoke_pr(repo, api, monkeypatch=monkeypatch).exit_code == 0
    bare = repo.parent / "remote.git"
    first = git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds")

    again = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert again.exit_code == 0, again.output
    assert len(api.pulls) == 1 and "unchanged pull request #1" in again.output
    assert git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds") == first  # nothing re-pushed

    # New work on main: the bot branch is rebuilt on it and force-pushed, the same PR updated.
    (repo / "README.md").write_text("docs\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "docs")
    git(repo, "push", "-q", "origin", "main")
    third = invoke_pr(repo, api, "--unsafe-fixes", monkeypatch=monkeypatch)
    assert third.exit_code == 0, third.output
    assert len(api.pulls) == 1 and "updated pull request #1" in third.output
    moved = git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds")
    assert moved != first and git(bare, "rev-parse", f"{moved}^") == git(repo, "rev-parse", "HEAD")
    assert api.violations == []
    methods = [m for m, _ in api.requests]
    assert methods.count("POST") == 1 and methods.count("PATCH") == 1


def test_clean_repository_opens_no_pr(repo: Path, api: FakeGitHub, monkeypatch):
    CliRunner().invoke(main, ["--write", "--unsafe-fixes", str(repo)])
    git(repo, "add", "-A")  # DF301 may have created a .dockerignore
    git(repo, "commit", "-q", "-m", "fixed by hand")
    git(repo, "push", "-q", "origin", "main")
    r = invoke_pr(repo, api, "--unsafe-fixes", monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert "nothing to fix" in r.output
    assert api.pulls == [] and api.requests == []
    assert git(repo.parent / "remote.git", "branch", "--list", "dfix/*") == ""


def test_the_pr_is_based_on_the_remote_branch_not_on_unpushed_commits(repo: Path, api: FakeGitHub, monkeypatch):
    pushed_tip = git(repo, "rev-parse", "HEAD")
    (repo / "local.txt").write_text("not pushed\n")
    git(repo, "add", "local.txt")
    git(repo, "commit", "-q", "-m", "local only")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    bare = repo.parent / "remote.git"
    bot = git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds")
    assert git(bare, "rev-parse", f"{bot}^") == pushed_tip
    assert "local.txt" not in git(bare, "ls-tree", "--name-only", bot)


def test_detached_head_targets_the_remote_default_branch(repo: Path, api: FakeGitHub, monkeypatch):
    git(repo, "checkout", "-q", "--detach")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert api.pulls[0]["base"] == "main"


def test_dirty_tree_is_refused_unless_allowed(repo: Path, api: FakeGitHub, monkeypatch):
    (repo / "notes.txt").write_text("wip\n")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 2
    assert "uncommitted changes" in r.stderr and api.requests == []
    allowed = invoke_pr(repo, api, "--allow-dirty", monkeypatch=monkeypatch)
    assert allowed.exit_code == 0, allowed.output
    assert len(api.pulls) == 1
    assert (repo / "notes.txt").read_text() == "wip\n"


def test_dry_run_changes_nothing(repo: Path, api: FakeGitHub, monkeypatch):
    r = invoke_pr(repo, api, "--dry-run", monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert "would commit" in r.output and "--- pull request body ---" in r.output
    assert api.requests == []
    assert git(repo.parent / "remote.git", "branch", "--list", "dfix/*") == ""
    assert git(repo, "branch", "--list", "dfix/*") == ""


def test_missing_token_is_an_error_before_anything_is_pushed(repo: Path, api: FakeGitHub, monkeypatch):
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    r = CliRunner().invoke(main, ["pr", "--repo", "acme/app", "--api-url", api.url])
    assert r.exit_code == 2 and "GITHUB_TOKEN" in r.stderr
    assert git(repo.parent / "remote.git", "branch", "--list", "dfix/*") == ""


def test_a_wrong_token_is_reported_with_the_api_answer(repo: Path, api: FakeGitHub, monkeypatch):
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    r = CliRunner().invoke(main, ["pr", "--repo", "acme/app", "--api-url", api.url])
    assert r.exit_code == 2
    assert "401" in r.stderr and "Bad credentials" in r.stderr


def test_run_pr_renders_rebuild_evidence_in_the_pr(repo: Path, api: FakeGitHub):
    rows = [("RUN npm install", 50, 3), ("COPY . .", 50, 50)]
    options = PrOptions(repo="acme/app", api_url=api.url, token=TOKEN)
    outcome = run_pr(repo, options, rebuild_rows=rows, echo=lambda _: None)
    assert outcome.status == "opened"
    body = api.pulls[0]["body"]
    assert "```mermaid" in body and "xychart-beta" in body
    assert 'x-axis ["RUN npm install", "COPY . ."]' in body
    assert "bar [50, 50]" in body and "bar [3, 50]" in body
    assert "| `RUN npm install` | 50 | 3 |" in body


def test_github_enterprise_api_root_with_a_path(repo: Path, monkeypatch):
    with FakeGitHub("acme", "app", repo.parent / "remote.git", TOKEN, api_prefix="/api/v3") as ghe:
        r = invoke_pr(repo, ghe, monkeypatch=monkeypatch)
        assert r.exit_code == 0, r.output
        assert ghe.violations == [] and len(ghe.pulls) == 1
        assert all(path.startswith("/api/v3/repos/acme/app") for _, path in ghe.requests)


def test_pr_body_leaves_out_the_evidence_without_rows():
    body = pr_body([FixItem("Dockerfile", 4, "DF102", "cache npm downloads")],
                   [SkipItem("Dockerfile", 4, "DF103", "no package-lock.json | here")], None)
    assert "DF102" in body and "no package-lock.json \\| here" in body
    assert "mermaid" not in body and "Rebuild evidence" not in body


def test_pr_body_chart_labels_cannot_break_the_chart():
    body = pr_body([], [], [('RUN echo "a" \\\n  && b', 2, 1)])
    chart = body.split("```mermaid", 1)[1].split("```", 1)[0]
    x_axis = next(line for line in chart.splitlines() if "x-axis" in line)
    assert x_axis.strip() == "x-axis [\"RUN echo 'a' \\ && b\"]"


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/acme/app.git", "acme/app"),
    ("https://ghe.example.com/acme/app", "acme/app"),
    ("git@github.com:acme/app.git", "acme/app"),
    ("ssh://git@github.com/acme/app.git", "acme/app"),
    ("/srv/git/app.git", None),
    ("file:///srv/git/acme/app.git", None),
    ("https://example.com/a/b/c", None),
])
def test_repository_from_remote_url(url: str, expected: str | None):
    assert repo_from_url(url) == expected


def test_branch_names():
    assert branch_for([]) == "dfix/cache-friendly-builds"
    assert branch_for(["."]) == "dfix/cache-friendly-builds"
    assert branch_for(["services/API/Dockerfile"]) == "dfix/services-api-dockerfile"


def test_pr_body_stays_under_githubs_limit():
    from dfix.commands.pr.body import MAX_BODY

    fixes = [FixItem(f"svc{i}/Dockerfile", 4, "DF102", "cache npm downloads in /root/.npm") for i in range(300)]
    diffs = [(f.path, "--- a\n+++ b\n" + "+RUN true\n" * 40) for f in fixes]
    body = pr_body(fixes, [], [("RUN npm ci", 9, 1)], diffs=diffs)
    assert len(body) <= MAX_BODY
    assert "diffs of the 300 changed file(s) are in the commit" in body and "```diff" not in body
    assert "xychart-beta" in body  # the evidence comes first and survives
    many = [SkipItem(f"s{i}/Dockerfile", 1, "DF101", "x" * 200) for i in range(2000)]
    cut = pr_body(fixes, many, None)
    assert len(cut) <= MAX_BODY and cut.endswith("*(cut: the full list is in the commit message)*\n")


def test_a_diff_with_backticks_cannot_close_its_fence():
    body = pr_body([], [], None, diffs=[("Dockerfile", "--- a\n+++ b\n+RUN echo ````\n")])
    assert "`````diff\n--- a\n+++ b\n+RUN echo ````\n`````" in body


def test_the_pr_commits_the_dockerignore_df301_creates(repo: Path, api: FakeGitHub, monkeypatch):
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    bare = repo.parent / "remote.git"
    pushed = git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds")
    assert ".dockerignore" in git(bare, "ls-tree", "--name-only", pushed).split()
    assert "**/node_modules" in git(bare, "show", f"{pushed}:.dockerignore")
    assert not (repo / ".dockerignore").exists()  # the user's checkout is untouched


def test_the_cli_puts_explain_evidence_from_the_repository_history_in_the_pr(repo: Path, api: FakeGitHub,
                                                                            monkeypatch):
    """Two source edits after the first commit: the naive install re-runs on each, the rewritten one on none."""
    for n in (1, 2):
        (repo / "server.js").write_text(f"console.log({n})\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", f"edit {n}")
    git(repo, "push", "-q", "origin", "main")
    r = invoke_pr(repo, api, "--history", "5", monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    body = api.pulls[0]["body"]
    assert "xychart-beta" in body
    install_row = next(line for line in body.splitlines() if line.startswith("| `RUN") and "install" in line)
    original, rewritten = (int(cell) for cell in install_row.strip("|").split("|")[1:3])
    assert original >= 2 and rewritten == 0, install_row


def test_a_configured_frontend_that_is_not_dockers_is_named_in_the_pr(repo: Path, api: FakeGitHub):
    (repo / ".dfix.toml").write_text('syntax = "ghcr.io/evil/frontend:1"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "config")
    git(repo, "push", "-q", "origin", "main")
    said: list[str] = []
    outcome = run_pr(repo, PrOptions(repo="acme/app", api_url=api.url, token=TOKEN, history=0), echo=said.append)
    assert outcome.status == "opened"
    body = api.pulls[0]["body"]
    assert "### Warnings" in body and ".dfix.toml: syntax = 'ghcr.io/evil/frontend:1'" in body.replace("\\", "")
    assert any("warning: .dfix.toml" in line for line in said)
