"""Fixes that change another file than the Dockerfile (DF301's .dockerignore): diff, write, check, JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dfix.io import fileio
from dfix.pipeline import engine
from dfix.cli import main
from dfix.config import Settings
from dfix.context import BuildContext, DockerIgnore
from dfix.pipeline.patch import unified_diff
from dfix.rules import select_rules

DOCKERFILE = 'FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\nCMD ["node", "server.js"]\n'


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')
    (tmp_path / "server.js").write_text("console.log(1)\n")
    return tmp_path


def test_new_file_diff_has_dev_null_header_and_applies_with_git(project: Path, tmp_path_factory):
    r = invoke("--select", "DF301", str(project))
    assert r.exit_code == 0, r.output
    assert "--- /dev/null\n" in r.stdout
    assert f"+++ b/{project.as_posix().lstrip('/')}/.dockerignore\n" in r.stdout
    assert "+**/node_modules\n" in r.stdout
    # The patch is a real one: git apply creates the file with the content --write would write.
    copy = tmp_path_factory.mktemp("copy")
    (copy / "Dockerfile").write_text(DOCKERFILE)
    patch = r.stdout.replace(project.as_posix().lstrip("/") + "/", "")
    subprocess.run(["git", "apply", "-"], input=patch, text=True, cwd=copy, check=True)
    invoke("--select", "DF301", "--write", str(project))
    assert (copy / ".dockerignore").read_text() == (project / ".dockerignore").read_text()


def test_write_creates_the_file_and_check_counts_it(project: Path):
    assert invoke("--select", "DF301", "--check", str(project)).exit_code == 1
    assert not (project / ".dockerignore").exists()
    w = invoke("--select", "DF301", "--write", str(project))
    assert w.exit_code == 0, w.output
    text = (project / ".dockerignore").read_text()
    assert "**/node_modules\n" in text and ".git\n" in text and text.endswith("\n")
    assert (project / "Dockerfile").read_text() == DOCKERFILE  # only the other file changed
    assert sorted(p.name for p in project.iterdir()) == [".dockerignore", "Dockerfile", "package.json", "server.js"]
    assert invoke("--select", "DF301", "--check", str(project)).exit_code == 0


def test_tightening_keeps_every_existing_byte(project: Path):
    original = "# mine\r\nnode_modules\r\n!keep.md\r\n*.md"  # CRLF, no final newline
    (project / ".dockerignore").write_bytes(original.encode())
    assert invoke("--select", "DF301", "--write", str(project)).exit_code == 0
    after = (project / ".dockerignore").read_bytes().decode()
    assert after.startswith(original + "\r\n\r\n# Added by dfix")
    assert "\r\n.git\r\n" in after and "**/node_modules" not in after  # node_modules was covered already


def test_json_lists_the_other_file(project: Path):
    data = json.loads(invoke("--select", "DF301", "--format", "json", str(project)).stdout)
    f = data["files"][0]
    assert f["extra_files"] == [{"path": str(project / ".dockerignore"), "created": True}]
    assert "/dev/null" in f["diff"] and data["summary"]["changed"] == 1
    assert f["fixes"][0]["code"] == "DF301" and f["fixes"][0]["safety"] == "safe"


def test_other_file_written_before_the_dockerfile_and_a_failure_leaves_both(project: Path, monkeypatch):
    def boom(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "link", boom)
    r = invoke("--write", str(project))  # DF001 (Dockerfile) and DF301 (.dockerignore)
    assert r.exit_code == 2 and "No space left on device" in r.stderr
    assert (project / "Dockerfile").read_text() == DOCKERFILE
    assert sorted(p.name for p in project.iterdir()) == ["Dockerfile", "package.json", "server.js"]


def test_a_file_that_changed_since_it_was_read_is_not_overwritten(tmp_path: Path):
    target = tmp_path / ".dockerignore"
    target.write_text("mine\n")
    with pytest.raises(fileio.StaleFileError):
        fileio.write_file_edit(target, "something else\n", "new\n")
    with pytest.raises(fileio.StaleFileError):
        fileio.write_file_edit(target, None, "new\n")  # appeared since: never clobbered
    assert target.read_text() == "mine\n"
    fileio.write_file_edit(target, "mine\n", "mine\nmore\n")
    assert target.read_text() == "mine\nmore\n"


def test_engine_sees_the_new_ignore_file_in_later_passes(project: Path):
    """DF101 waits for node_modules to leave the context; DF301 adding it lets DF101 act in the same run."""
    (project / "node_modules" / "ms").mkdir(parents=True)
    (project / "node_modules" / "ms" / "index.js").write_text("module.exports = 1\n")
    (project / "package-lock.json").write_text('{"name": "a", "lockfileVersion": 3, "packages": {"": {}}}\n')
    text = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n'
    settings = Settings(unsafe_fixes=True)
    rules = select_rules(("DF101", "DF301"), ())
    result = engine.run(text, rules, settings, project / "Dockerfile", project)
    assert [f.code for f in result.fixes] == ["DF301", "DF101"]
    edit = result.files[project / ".dockerignore"]
    assert edit.old_text is None and "**/node_modules" in edit.new_text
    assert result.build_context.ignore_text == edit.new_text
    assert "COPY package.json package-lock.json ./" in result.text


def test_unified_diff_for_created_and_unchanged_files():
    assert unified_diff(None, "a\n", "x/.dockerignore").splitlines()[:3] == [
        "--- /dev/null", "+++ b/x/.dockerignore", "@@ -0,0 +1 @@"]
    assert unified_diff("a\n", "a\n", "x") == ""


def test_with_ignore_text_refilters_the_same_tree(tmp_path: Path):
    ctx = BuildContext.from_listing(tmp_path, ["a.txt", "node_modules/x/i.js", "src/b.js"], "Dockerfile")
    after = ctx.with_ignore_text("node_modules\n")
    assert after.files == ["a.txt", "src/b.js"] and ctx.files == ["a.txt", "node_modules/x/i.js", "src/b.js"]
    assert after.ignore_file() == tmp_path / ".dockerignore"
    assert isinstance(after.ignore, DockerIgnore) and after.ignore_text == "node_modules\n"


def test_dockerfiles_sharing_a_context_through_dash_dash_context_are_all_checked(tmp_path: Path):
    ctx = tmp_path / "ctx"
    (ctx / "dist").mkdir(parents=True)
    (ctx / "package.json").write_text('{"name": "a"}\n')
    (ctx / "dist" / "app.js").write_text("console.log(1)\n")
    docker = tmp_path / "docker"
    docker.mkdir()
    (docker / "web.Dockerfile").write_text("FROM node:20-slim\nWORKDIR /app\nCOPY . .\n")
    (docker / "static.Dockerfile").write_text("FROM node:20-slim\nCOPY dist/app.js /srv/\nCOPY dist/ /srv/all/\n")

    def reasons(*dockerfiles: Path) -> list[str]:
        out = json.loads(invoke("--select", "DF301", "--format", "json", "--context", str(ctx),
                                *map(str, dockerfiles)).stdout)
        return [s["reason"] for s in out["files"][0]["skipped"]]

    alone = reasons(docker / "web.Dockerfile")
    assert not any(r.startswith("`dist` left out") for r in alone)  # proposed (unsafe: dist/app.js leaves the image)
    together = reasons(docker / "web.Dockerfile", docker / "static.Dockerfile")
    assert any(r.startswith("`dist` left out of .dockerignore") and "static.Dockerfile" in r for r in together)


def test_text_summary_names_the_other_file(project: Path):
    r = invoke("--select", "DF301", str(project))
    assert f"also changes {project / '.dockerignore'} (new)" in r.stderr
    w = invoke("--select", "DF301", "--write", str(project))
    assert "; wrote " in w.stderr and ".dockerignore (new)" in w.stderr
