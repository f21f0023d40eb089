"""Issue 16 item 7: writes and configuration stay inside the repository.

A pull request can commit a symlinked folder or config file, and a shared runner's /tmp can
hold anyone's `.dfix.toml` above the bot's worktree. dfix resolves every component of what it
writes, reads configuration only from the repository (walking up no further than the folder
holding `.git`), and warns when a config's `syntax` names a frontend that is not Docker's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile import run_dfix

NAIVE = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\n"
EVIL_FRONTEND = "ghcr.io/evil/frontend:1"


def node_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(NAIVE)
    (root / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return tmp_path / "repo"


@pytest.mark.parametrize("given", ["svc/Dockerfile", "svc"])
def test_write_through_a_symlinked_folder_is_refused(repo: Path, tmp_path: Path, given: str):
    outside = node_project(tmp_path / "outside")
    (repo / "svc").symlink_to(outside)
    good = node_project(repo / "good")
    run = run_dfix("--write", given, "good", cwd=repo)
    assert run.code == 2 and len(run.errors) == 1, run.stderr
    assert "outside" in run.errors[0] and str(repo) in run.errors[0]
    assert (outside / "Dockerfile").read_text() == NAIVE
    assert not (outside / ".dockerignore").exists()
    assert (good / "Dockerfile").read_text() != NAIVE  # the rest of the run is written


def test_write_inside_the_repository_through_a_symlink_still_works(repo: Path):
    node_project(repo / "real")
    (repo / "alias").symlink_to(repo / "real")
    run = run_dfix("--write", "alias/Dockerfile", cwd=repo)
    assert run.code == 0, run.stderr
    assert (repo / "real" / "Dockerfile").read_text() != NAIVE


@pytest.mark.parametrize("name", [".dfix.toml", "pyproject.toml"])
def test_a_config_symlinked_outside_is_not_read(repo: Path, tmp_path: Path, name: str):
    secret = tmp_path / "secret.toml"
    secret.write_text('[tool.dfix]\nhunter2 = "x"\nhunter3 = "y"\n' if name == "pyproject.toml" else 'hunter2 = "x"\n')
    node_project(repo)
    (repo / name).symlink_to(secret)
    run = run_dfix(str(repo))
    assert run.code == 2 and len(run.errors) == 1, run.stderr
    assert name in run.errors[0] and "outside" in run.errors[0]
    assert "hunter2" not in run.stderr + run.stdout  # its keys are not echoed


def test_config_above_the_repository_root_is_ignored(repo: Path, tmp_path: Path):
    (tmp_path / ".dfix.toml").write_text(f'syntax = "{EVIL_FRONTEND}"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.dfix]\nnot-a-key = 1\n')
    node_project(repo / "svc")
    run = run_dfix("svc", cwd=repo)
    assert run.code == 0, run.stderr
    assert "evil" not in run.stdout + run.stderr
    assert "# syntax=docker/dockerfile:1" in run.stdout


def test_a_worktree_file_named_git_is_a_repository_root(tmp_path: Path):
    # `git worktree add` (the bot's checkout) leaves a .git file, not a folder.
    (tmp_path / ".dfix.toml").write_text(f'syntax = "{EVIL_FRONTEND}"\n')
    worktree = node_project(tmp_path / "wt")
    (worktree / ".git").write_text("gitdir: /somewhere/.git/worktrees/wt\n")
    run = run_dfix(str(worktree))
    assert run.code == 0 and "evil" not in run.stdout, run.stderr


def test_a_frontend_that_is_not_dockers_is_applied_with_a_warning(repo: Path):
    (repo / ".dfix.toml").write_text(f'syntax = "{EVIL_FRONTEND}"\n')
    node_project(repo / "svc")
    run = run_dfix("svc", cwd=repo)
    assert run.code == 0, run.stderr
    assert f"# syntax={EVIL_FRONTEND}" in run.stdout
    [warning] = [line for line in run.stderr.splitlines() if line.startswith("warning:")]
    assert ".dfix.toml" in warning and EVIL_FRONTEND in warning
    (repo / ".dfix.toml").write_text('syntax = "docker/dockerfile:1.7@sha256:' + "a" * 64 + '"\n')
    assert "warning:" not in run_dfix("svc", cwd=repo).stderr
