"""dfix pr runs no repository code: no module of the worktree, no hook, no config command.

Each trap writes a marker file when it runs; a test fails when any marker exists. The
repository, the remote and the GitHub API are real (git, a bare remote, the fake API on
127.0.0.1), as in test_bot_pr.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from test_bot_pr import NODE, api, git, invoke_pr, repo  # noqa: F401  (fixtures)

pytest.importorskip("github")

HOOKS = ("post-checkout", "prepare-commit-msg", "commit-msg", "post-commit", "pre-commit", "pre-push",
         "post-index-change", "reference-transaction", "post-rewrite", "pre-auto-gc", "post-merge")


def _marker_script(path: Path, marker: Path, tail: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{marker}'\n{tail}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _commit_and_push(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    git(repo, "push", "-q", "--no-verify", "origin", "main")


def _markers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob("marker*"))


def test_the_fixer_imports_no_module_from_the_worktree(repo: Path, api: FakeGitHub, monkeypatch, tmp_path):
    marker = tmp_path / "marker-import"
    trap = f"open({str(marker)!r}, 'a').write(__name__ + ' ' + repr(__import__('os').environ.get('GITHUB_TOKEN')))\n"
    for name in ("dfix/__init__.py", "dfix/__main__.py", "bashlex.py", "click.py", "yaml.py", "sitecustomize.py"):
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text(trap)
    _commit_and_push(repo, "modules named like dfix's own")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert _markers(tmp_path) == []
    assert len(api.pulls) == 1


def test_no_hook_fsmonitor_or_filter_runs(repo: Path, api: FakeGitHub, monkeypatch, tmp_path):
    marker = tmp_path / "marker-git"
    for hook in HOOKS:
        _marker_script(repo / ".husky" / hook, marker)
    (repo / ".gitattributes").write_text("* filter=trap\n")
    _commit_and_push(repo, "committed hooks and a filter attribute")
    for hook in HOOKS:
        _marker_script(repo / ".git" / "hooks" / hook, marker)
    fsmonitor = tmp_path / "fsmonitor.sh"
    _marker_script(fsmonitor, marker)
    filter_cmd = tmp_path / "filter.sh"
    _marker_script(filter_cmd, marker, "cat\n")
    git(repo, "config", "core.hooksPath", ".husky")  # what husky's prepare script sets
    git(repo, "config", "core.fsmonitor", str(fsmonitor))
    git(repo, "config", "filter.trap.clean", str(filter_cmd))
    git(repo, "config", "filter.trap.smudge", str(filter_cmd))
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert not marker.exists(), marker.read_text()
    assert len(api.pulls) == 1


def test_config_included_from_the_working_tree_is_refused(repo: Path, api: FakeGitHub, monkeypatch, tmp_path):
    marker = tmp_path / "marker-include"
    (repo / "gitconfig").write_text(f"[core]\n\tfsmonitor = \"touch '{marker}'; false\"\n")
    _commit_and_push(repo, "a config file to include")
    git(repo, "config", "include.path", "../gitconfig")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 2
    assert "gitconfig, a file of the working tree" in r.output
    assert not marker.exists()
    assert api.pulls == []


def test_a_remote_that_is_an_option_is_refused(repo: Path, api: FakeGitHub, monkeypatch, tmp_path):
    marker = tmp_path / "marker-remote"
    r = invoke_pr(repo, api, "--remote", f"--upload-pack=touch {marker};", monkeypatch=monkeypatch)
    assert r.exit_code == 2
    assert "no git remote named" in r.output
    assert not marker.exists()


@pytest.mark.parametrize("branch", ["main", "develop", "feature/x"])
def test_the_bot_branch_is_never_the_base_or_a_persons(repo: Path, api: FakeGitHub, monkeypatch, branch):
    git(repo, "push", "-q", "origin", "main:develop")
    before = git(repo.parent / "remote.git", "for-each-ref", "--format=%(refname) %(objectname)")
    r = invoke_pr(repo, api, "--branch", branch, "--base", "develop" if branch == "main" else "main",
                  monkeypatch=monkeypatch)
    assert r.exit_code == 2
    assert "bot branch" in r.output
    assert git(repo.parent / "remote.git", "for-each-ref", "--format=%(refname) %(objectname)") == before


def test_a_local_bot_branch_holding_the_users_commit_is_not_moved(repo: Path, api: FakeGitHub, monkeypatch):
    git(repo, "checkout", "-q", "-b", "dfix/cache-friendly-builds")
    (repo / "notes.txt").write_text("mine\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-q", "-m", "my unpushed work")
    mine = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "main")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert git(repo, "rev-parse", "refs/heads/dfix/cache-friendly-builds") == mine


def test_a_maintainers_commit_on_the_bot_branch_is_not_force_pushed_away(repo: Path, api: FakeGitHub,
                                                                          monkeypatch, tmp_path):
    assert invoke_pr(repo, api, monkeypatch=monkeypatch).exit_code == 0
    bare = repo.parent / "remote.git"
    other = tmp_path / "maintainer"
    git(tmp_path, "clone", "-q", "-b", "dfix/cache-friendly-builds", str(bare), str(other))
    (other / "Dockerfile").write_text((other / "Dockerfile").read_text() + "# reviewed\n")
    git(other, "commit", "-q", "-am", "maintainer's fix-up")
    git(other, "push", "-q", "origin", "dfix/cache-friendly-builds")
    fixup = git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds")
    r = invoke_pr(repo, api, monkeypatch=monkeypatch)
    assert r.exit_code == 2
    assert "1 commit(s) dfix did not make" in r.output
    assert git(bare, "rev-parse", "refs/heads/dfix/cache-friendly-builds") == fixup


def test_the_commit_message_is_not_a_command_line_argument(repo: Path, api: FakeGitHub, monkeypatch):
    # 400 fixable services: one -m argument of their fix lines passes the kernel's argument limit.
    for n in range(400):
        (repo / f"svc{n:03}").mkdir()
        (repo / f"svc{n:03}" / "Dockerfile").write_text(NODE)
        (repo / f"svc{n:03}" / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    _commit_and_push(repo, "many services")
    r = invoke_pr(repo, api, "--history", "0", monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output[-2000:]
    bare = repo.parent / "remote.git"
    message = git(bare, "log", "-1", "--format=%B", "refs/heads/dfix/cache-friendly-builds")
    assert len(message.encode()) > 131_072 and "svc399/Dockerfile" in message
