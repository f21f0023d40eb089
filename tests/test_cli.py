"""The command line: exit codes, modes, output formats and bad input."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from dfix.io import fileio
from dfix.cli import main

# COPY --link needs a current frontend, so DF001 has something to add.
# Copies one named file: DF301 (.dockerignore) has nothing to do, so DF001 is the only fix.
NAIVE = 'FROM node:20-slim\nWORKDIR /app\nCOPY --link index.js .\nCMD ["node", "index.js"]\n'
FIXED = "# syntax=docker/dockerfile:1\n" + NAIVE


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(NAIVE)
    return tmp_path


def test_dry_run_prints_diff_and_exits_zero(project: Path):
    r = invoke(str(project))
    assert r.exit_code == 0
    assert "+# syntax=docker/dockerfile:1" in r.stdout
    assert (project / "Dockerfile").read_text() == NAIVE


def test_check_exits_one_when_fixes_pending_and_zero_after_write(project: Path):
    assert invoke("--check", str(project)).exit_code == 1
    w = invoke("--write", str(project))
    assert w.exit_code == 0, w.output
    assert (project / "Dockerfile").read_text() == FIXED
    assert invoke("--check", str(project)).exit_code == 0


def test_write_preserves_mode_and_leaves_no_temp_files(project: Path):
    df = project / "Dockerfile"
    os.chmod(df, 0o640)
    assert invoke("--write", str(df)).exit_code == 0
    assert stat.S_IMODE(df.stat().st_mode) == 0o640
    assert sorted(p.name for p in project.iterdir()) == ["Dockerfile"]


def test_failed_write_leaves_the_original_whole(project: Path, monkeypatch):
    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", boom)
    r = invoke("--write", str(project))
    assert r.exit_code == 2
    assert "No space left on device" in r.stderr
    assert (project / "Dockerfile").read_text() == NAIVE
    assert sorted(p.name for p in project.iterdir()) == ["Dockerfile"]


def test_select_and_ignore(project: Path):
    assert invoke("--check", "--ignore", "DF001", str(project)).exit_code == 0
    assert invoke("--check", "--select", "DF0", str(project)).exit_code == 1
    bad = invoke("--select", "DF999", str(project))
    assert bad.exit_code == 2 and "DF999" in bad.output


def test_write_and_check_together_fixes_and_fails_like_a_formatter_hook(project: Path):
    # pre-commit's entry is `dfix --check`; `args: [--write]` makes it a fixing hook.
    r = invoke("--write", "--check", str(project))
    assert r.exit_code == 1, r.output
    assert (project / "Dockerfile").read_text() != NAIVE
    assert invoke("--write", "--check", str(project)).exit_code == 0


def test_json_output_shape(project: Path):
    r = invoke("--format", "json", str(project))
    data = json.loads(r.stdout)
    f = data["files"][0]
    assert set(f) == {"path", "context", "error", "fixes", "skipped", "notes", "reports", "diff", "extra_files"}
    assert f["fixes"] == [{"code": "DF001", "message": f["fixes"][0]["message"], "line": 1,
                           "safety": "safe", "applied": False, "may_differ": []}]
    assert f["context"] == str(project)
    assert data["summary"]["fixes"] == 1 and data["summary"]["errors"] == 0
    w = json.loads(invoke("--format", "json", "--write", str(project)).stdout)
    assert w["files"][0]["fixes"][0]["applied"] is True
    again = json.loads(invoke("--format", "json", str(project)).stdout)
    assert again["files"][0]["fixes"] == [] and again["files"][0]["diff"] == ""


def test_directory_discovery_skips_vendor_dirs(tmp_path: Path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "api.Dockerfile").write_text("FROM a\n")
    (tmp_path / "Containerfile").write_text("FROM a\n")
    (tmp_path / "Dockerfile.prod").write_text("FROM a\n")
    (tmp_path / "Dockerfile.dockerignore").write_text("*\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "Dockerfile").write_text("FROM a\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "Dockerfile").write_text("FROM a\n")
    r = json.loads(invoke("--format", "json", str(tmp_path)).stdout)
    found = sorted(Path(f["path"]).relative_to(tmp_path).as_posix() for f in r["files"])
    assert found == ["Containerfile", "Dockerfile.prod", "svc/api.Dockerfile"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file with no instructions"),
        (b"# only a comment\n", "file with no instructions"),
        (b"FROM a\nENV X\n", "ENV must have two arguments"),
        (b"FROM a\nWORKID /app\n", "unknown instruction: WORKID"),
        (b"FROM\n", "FROM requires either one or three arguments"),
        (b"RUN echo\n", "no build stage"),
        (b"FROM a\nRUN <<EOF\necho\n", "unterminated heredoc"),
        (b"FROM a\x00\n", "binary file"),
        (b"FROM a\nRUN echo \xff\n", "not UTF-8"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2_while_other_files_proceed(tmp_path: Path, content, message):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "Dockerfile").write_bytes(content)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_text(NAIVE)
    r = invoke("--write", str(tmp_path))
    assert r.exit_code == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0] and "bad" in errors[0]
    assert "Traceback" not in r.output
    assert (tmp_path / "bad" / "Dockerfile").read_bytes() == content
    assert (tmp_path / "good" / "Dockerfile").read_text() == FIXED


def test_nonexistent_path_and_empty_directory(tmp_path: Path):
    r = invoke(str(tmp_path / "missing"))
    assert r.exit_code == 2 and "no such file" in r.stderr
    # A repository with nothing to fix is not a failure (the organisation matrix runs on all of them).
    for args in ([str(tmp_path)], ["--check", str(tmp_path)], ["detect", str(tmp_path)], ["explain", str(tmp_path)]):
        r = invoke(*args)
        assert r.exit_code == 0, (args, r.output)
        assert f"warning: {tmp_path}: no Dockerfile found in this directory" in r.stderr
    r = invoke("--quiet", str(tmp_path))
    assert r.exit_code == 0 and r.stderr == ""
    r = invoke("--format", "json", str(tmp_path))
    assert r.exit_code == 0 and __import__("json").loads(r.stdout)["files"] == []


def test_an_empty_pyvenv_cfg_does_not_hide_a_dockerfile(tmp_path: Path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "pyvenv.cfg").write_text("")
    (tmp_path / "svc" / "Dockerfile").write_text(NAIVE)
    (tmp_path / "venv-like").mkdir()
    (tmp_path / "venv-like" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n")
    (tmp_path / "venv-like" / "Dockerfile").write_text(NAIVE)
    r = invoke("--check", str(tmp_path))
    assert "svc/Dockerfile" in r.stderr and "venv-like" not in r.stderr


def test_timings_reads_a_bounded_amount(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    r = invoke("explain", "--timings", "/dev/zero", str(tmp_path))
    assert r.exit_code == 2 and "--timings /dev/zero" in r.stderr


def test_symlink_out_of_tree_is_refused(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text(NAIVE)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "Dockerfile").symlink_to(outside / "Dockerfile")
    r = invoke("--write", str(tree))
    assert r.exit_code == 2 and "symlink points outside" in r.stderr
    assert (outside / "Dockerfile").read_text() == NAIVE


def test_symlink_inside_tree_is_followed(tmp_path: Path):
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(NAIVE)
    (tmp_path / "Dockerfile").symlink_to("docker/Dockerfile")
    r = invoke("--write", str(tmp_path / "Dockerfile"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "Dockerfile").is_symlink()
    assert (tmp_path / "docker" / "Dockerfile").read_text() == FIXED


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file, so unreadable input cannot be staged")
def test_unreadable_file(project: Path):
    os.chmod(project / "Dockerfile", 0)
    r = invoke(str(project))
    assert r.exit_code == 2 and "permission denied" in r.stderr


def test_unreadable_is_reported_via_reader(tmp_path: Path, monkeypatch):
    # Stands in for the test above when running as root: the reader's PermissionError path.
    df = tmp_path / "Dockerfile"
    df.write_text(NAIVE)

    real_open = os.open

    def denied(path, *args, **kwargs):
        if Path(path) == df:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(fileio.os, "open", denied)
    r = invoke(str(tmp_path))
    assert r.exit_code == 2 and "permission denied" in r.stderr


def test_config_errors_are_reported(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / ".dfix.toml").write_text("selct = ['DF001']\n")
    r = invoke(str(tmp_path))
    assert r.exit_code == 2 and "unknown dfix setting `selct`" in r.stderr


def test_cli_flags_override_config(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / "pyproject.toml").write_text('[tool.dfix]\nignore = ["DF001"]\n')
    assert invoke("--check", str(tmp_path)).exit_code == 0
    assert invoke("--check", "--ignore", "", str(tmp_path)).exit_code == 1


def test_rules_catalogue_and_docs():
    r = invoke("rules")
    assert r.exit_code == 0 and "DF001" in r.stdout
    doc = invoke("rules", "DF001")
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"):
        assert f"## {heading}" in doc.stdout
    assert invoke("rules", "DF999").exit_code == 2
    unknown = invoke("rules", "DF999", "--format", "json")
    assert unknown.exit_code == 2 and json.loads(unknown.stdout) == {
        "error": "unknown rule code DF999 (see `dfix rules`)"}


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.startswith("dfix ")


def test_detect_json_shape_and_text(tmp_path: Path):
    (tmp_path / "package.json").write_text('{"name": "a", "dependencies": {"ms": "^2.1.3"}}')
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {"": {}}}')
    (tmp_path / "Dockerfile").write_text("FROM node:20-slim AS web\nWORKDIR /app\nCOPY . .\nRUN npm ci\n")
    r = invoke("detect", "--format", "json", str(tmp_path))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    stage = doc["dockerfiles"][0]["stages"][0]
    assert stage["name"] == "web" and stage["base"] == "node:20-slim"
    stack = stage["stacks"][0]
    assert (stack["ecosystem"], stack["package_manager"]) == ("node", "npm")
    assert {"manifests", "install_inputs", "install_commands", "cache_dirs"} <= set(stack)
    assert stack["install_commands"] == [{"line": 4, "command": "npm ci"}]
    text = invoke("detect", str(tmp_path))
    assert "node / npm" in text.stdout


def test_detect_reports_invalid_files_with_exit_2(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM\n")
    r = invoke("detect", str(tmp_path))
    assert r.exit_code == 2 and "FROM requires" in r.stderr


def test_verbose_says_why_an_install_got_no_reorder(tmp_path: Path):
    """-v names the stages dfix looked at and left alone, with the reason (JSON: notes)."""
    (tmp_path / "package.json").write_text('{"name": "a", "dependencies": {}}')
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {"": {}}}')
    (tmp_path / "Dockerfile").write_text("FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\n"
                                         "RUN npm ci\nCOPY . .\n")
    quiet = invoke("--select", "DF101", str(tmp_path))
    assert "not applied" not in quiet.output
    loud = invoke("--select", "DF101", "-v", str(tmp_path))
    assert "DF101 not applied: package.json is already copied on its own (line 3) and no broad COPY of the source " \
           "follows it before `npm ci`" in loud.output
    data = json.loads(invoke("--select", "DF101", "--format", "json", str(tmp_path)).stdout)
    assert [n["code"] for n in data["files"][0]["notes"]] == ["DF101"]
    assert data["files"][0]["skipped"] == []


def test_write_keeps_extended_attributes(project: Path):
    import os

    target = project / "Dockerfile"
    try:
        os.setxattr(target, "user.dfix-test", b"kept")
    except OSError:
        pytest.skip("this filesystem has no user extended attributes")
    assert invoke("--write", str(project)).exit_code == 0
    assert target.read_text() != NAIVE  # rewritten through a new file and a rename
    assert os.getxattr(target, "user.dfix-test") == b"kept"
