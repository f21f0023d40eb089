"""Issue 16 item 5: `dfix ci github` writes data, never the Dockerfile's text, and never through a symlink.

Once committed, the workflow runs with the repository's secrets on every push, so what the
Dockerfile or a folder name says must not become YAML structure, an Actions expression, or a
file written outside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from hostile import run_dfix

TOP_LEVEL = {"name", "on", "permissions", "jobs"}
# The only expressions the workflow has: its own.
OWN_EXPRESSIONS = ("${{ runner.os }}", "${{ steps.mount-cache.outputs.cache-hit }}",
                   "${{ steps.buildx.outputs.name }}")


def load(text: str) -> dict:
    # BaseLoader: every scalar a string, `on` included; what matters here is the structure.
    return yaml.load(text, Loader=yaml.BaseLoader)


def strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    else:
        yield node


def assert_only_own_expressions(workflow: dict) -> None:
    for text in strings(workflow):
        rest = text
        for own in OWN_EXPRESSIONS:
            rest = rest.replace(own, "")
        if "${{ hashFiles(" in rest:
            start = rest.index("${{ hashFiles(")
            inner = rest[start + 3:rest.index(") }}", start)]
            assert "${{" not in inner and "}}" not in inner, text
            rest = rest[:start] + rest[rest.index(") }}", start) + 4:]
        assert "${{" not in rest, text


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return tmp_path / "repo"


@pytest.mark.parametrize("mount", [
    # A quoted CSV field may hold a CR; the mount uses a variable, so it was named in a comment.
    b'--mount=\'type=cache,"target=/root/$X\renv: {NODE_OPTIONS: --require=./evil.js}"\'',
    b'--mount="type=cache,target=/root/$X\renv: {NODE_OPTIONS: --require=./evil.js}\r#"',
])
def test_a_lone_cr_in_a_mount_adds_no_yaml_key(repo: Path, mount: bytes):
    (repo / "Dockerfile").write_bytes(b"FROM node:20\nRUN " + mount + b" --mount=type=cache,target=/a npm ci\n")
    run = run_dfix("ci", "github", "--stdout", "Dockerfile", cwd=repo)
    assert run.code == 0, run.stderr
    workflow = load(run.stdout)
    assert set(workflow) == TOP_LEVEL, sorted(workflow)
    assert "env" not in workflow["jobs"]["build"]
    assert "\r" not in run.stdout and "NODE_OPTIONS" not in "".join(strings(workflow))
    assert_only_own_expressions(workflow)


def test_an_expression_in_a_mount_is_never_a_value(repo: Path):
    (repo / "Dockerfile").write_text(
        "FROM node:20\nRUN --mount=type=cache,id=${{ secrets.DEPLOY_KEY }},target=/root/.npm "
        "--mount=type=cache,target=/x/${{secrets.NPM}} npm ci\n")
    run = run_dfix("ci", "github", "--stdout", "Dockerfile", cwd=repo)
    assert run.code == 0, run.stderr
    assert_only_own_expressions(load(run.stdout))


@pytest.mark.parametrize("name", ["svc${{ secrets.DEPLOY_KEY }}", "svc}}x", "svc\rx", "svc\u202ex"])
def test_a_folder_actions_would_evaluate_is_refused(repo: Path, name: str):
    (repo / name).mkdir()
    (repo / name / "Dockerfile").write_text("FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci\n")
    for args in (["--stdout"], []):
        run = run_dfix("ci", "github", *args, f"{name}/Dockerfile", cwd=repo)
        assert run.code == 2 and len(run.errors) == 1, run.stderr
        assert "secrets" not in run.stdout
    assert not (repo / ".github").exists()


def test_a_symlinked_github_folder_is_not_written_through(repo: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / ".github").symlink_to(outside)
    (repo / "Dockerfile").write_text("FROM node:20\n")
    run = run_dfix("ci", "github", "Dockerfile", cwd=repo)
    assert run.code == 2 and "symlink" in run.errors[0], run.stderr
    assert list(outside.iterdir()) == []


def test_a_symlinked_workflow_file_is_not_overwritten_even_with_force(repo: Path, tmp_path: Path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "docker-build.yml").symlink_to(victim)
    (repo / "Dockerfile").write_text("FROM node:20\n")
    for args in ([], ["--force"]):
        run = run_dfix("ci", "github", *args, "Dockerfile", cwd=repo)
        assert run.code == 2 and "symlink" in run.errors[0], run.stderr
    assert victim.read_text() == "precious\n"
    assert os.path.islink(repo / ".github" / "workflows" / "docker-build.yml")


def test_an_output_outside_the_repository_is_refused(repo: Path, tmp_path: Path):
    (repo / "Dockerfile").write_text("FROM node:20\n")
    for output in ("../escape.yml", str(tmp_path / "escape.yml")):
        run = run_dfix("ci", "github", "-o", output, "Dockerfile", cwd=repo)
        assert run.code == 2 and "outside" in run.errors[0], run.stderr
    assert not (tmp_path / "escape.yml").exists()
