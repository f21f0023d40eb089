"""The pre-commit hook through `pre-commit try-repo`, and the Action's `run:` steps through bash.

Both install dfix from this checkout into a fresh virtualenv (dependencies from the package
index), as pre-commit and the Action do on a user's machine, so they take a minute.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from github_fake import FakeGitHub

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[1]
NODE = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "s.js"]\n'
GIT_ENV = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}


def sh(cmd: list[str], cwd: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV, **(env or {})})
    if check:
        assert proc.returncode == 0, f"{cmd}: {proc.stdout}\n{proc.stderr}"
    return proc


def app_repo(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    sh(["git", "init", "-q", "--bare", "-b", "main", str(bare)], tmp_path)
    work = tmp_path / "work"
    sh(["git", "clone", "-q", str(bare), str(work)], tmp_path)
    sh(["git", "checkout", "-q", "-b", "main"], work)
    (work / "Dockerfile").write_text(NODE)
    (work / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    sh(["git", "add", "."], work)
    sh(["git", "commit", "-q", "-m", "app"], work)
    sh(["git", "push", "-q", "origin", "main"], work)
    return work


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hook_fails_on_pending_fixes_and_passes_after_write(tmp_path: Path):
    pytest.importorskip("pre_commit")
    repo = app_repo(tmp_path)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "dfix", "--all-files"]
    first = sh(try_repo, repo, env, check=False)
    assert first.returncode == 1, first.stdout + first.stderr
    assert re.search(r"dfix \(cache-friendly Dockerfiles\)\.+Failed", first.stdout), first.stdout
    assert "would fix Dockerfile" in first.stdout

    sh([sys.executable, "-m", "dfix", "--write", "--unsafe-fixes", "."], repo)
    second = sh(try_repo, repo, env, check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"dfix \(cache-friendly Dockerfiles\)\.+Passed", second.stdout)


def action_steps() -> tuple[list[dict], dict[str, str]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    return action["runs"]["steps"], {k: v.get("default", "") for k, v in action["inputs"].items()}


def expand(value: str, inputs: dict[str, str], github: dict[str, str]) -> str:
    """The `${{ inputs.x }}` / `${{ github.x }}` expressions the Action uses."""
    def one(m: re.Match) -> str:
        scope, _, name = m.group(1).partition(".")
        return (inputs if scope == "inputs" else github)[name]

    return re.sub(r"\$\{\{\s*((?:inputs|github)\.[\w-]+)\s*\}\}", one, str(value))


def condition_holds(condition: str | None, inputs: dict[str, str]) -> bool:
    if condition is None:
        return True
    m = re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", condition.strip())
    assert m, f"the test does not know how to evaluate `if: {condition}`"
    return inputs[m.group(1)] == m.group(2)


def test_action_run_steps_install_dfix_open_a_pr_and_annotate(tmp_path: Path):
    pytest.importorskip("github")
    repo = app_repo(tmp_path)
    venv = tmp_path / "venv"  # stands in for actions/setup-python: a clean Python
    sh([sys.executable, "-m", "venv", str(venv)], tmp_path)
    path_env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}

    with FakeGitHub("acme", "app", tmp_path / "remote.git", "t0ken") as api:
        steps, defaults = action_steps()
        inputs = {**defaults, "pr": "true", "token": "t0ken",
                  "pr-args": f"--repo acme/app --api-url {api.url}"}
        github = {"action_path": str(ROOT), "token": "unused"}
        outputs = {}
        for step in steps:
            if "uses" in step:
                assert step["uses"].startswith("actions/setup-python@")
                continue
            if not condition_holds(step.get("if"), inputs):
                continue
            env = {k: expand(v, inputs, github) for k, v in step.get("env", {}).items()}
            assert "${{" not in step["run"], "inputs must reach the script through env, not be pasted in"
            proc = sh(["bash", "-c", step["run"]], repo, {**path_env, **env}, check=False)
            outputs[step["name"]] = proc
        assert outputs["Install dfix"].returncode == 0, outputs["Install dfix"].stderr[-2000:]
        assert (venv / "bin" / "dfix").exists()
        pr = outputs["dfix pr"]
        assert pr.returncode == 0, pr.stdout + pr.stderr
        assert len(api.pulls) == 1 and api.violations == []
        check = outputs["dfix"]
        assert check.returncode == 1  # fixes pending: the check step fails the job
        lines = check.stdout.splitlines()
        assert "::warning file=Dockerfile,line=4,title=DF102::" in check.stdout
        assert all(line.startswith(("::warning ", "::notice ", "::error ")) for line in lines), lines
