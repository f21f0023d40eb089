"""What ruff and black users expect of a command line: help, typos, stdin, colour, statistics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from dfix.cli import main

NAIVE = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "s.js"]\n'


def test_help_lists_the_fixers_options_and_the_commands():
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    for option in ("--write", "--check", "--select", "--unsafe-fixes", "--format", "--exclude", "--stdin-filename"):
        assert option in r.output
    assert r.output.count("--help") == 1 and "rules" in r.output and "explain" in r.output


def test_a_mistyped_command_is_not_taken_for_a_path(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["rule", "DF101"])
    assert r.exit_code == 2 and "did you mean `dfix rules`" in r.output
    (tmp_path / "rule").mkdir()  # a folder of that name is a path, as before
    (tmp_path / "rule" / "Dockerfile").write_text("FROM alpine:3.20\n")
    assert CliRunner().invoke(main, ["rule"]).exit_code == 0


def _dfix(*args: str, stdin: str = "", cwd: Path | None = None, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "dfix", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})})


def test_stdin_gives_a_diff_or_the_fixed_text_and_writes_nothing(tmp_path: Path):
    (tmp_path / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')
    done = _dfix("--stdin-filename", "Dockerfile", "-", stdin=NAIVE, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("--- a/Dockerfile")
    done = _dfix("--write", "--stdin-filename", "Dockerfile", "-", stdin=NAIVE, cwd=tmp_path)
    assert done.returncode == 0 and "--mount=type=cache,target=/root/.npm npm install" in done.stdout
    assert not done.stdout.startswith("---")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package.json"]  # no Dockerfile, no .dockerignore
    assert _dfix("--check", "-", stdin=NAIVE, cwd=tmp_path).returncode == 1
    assert _dfix("-", str(tmp_path), stdin=NAIVE).returncode == 2


def test_colour_follows_no_color_and_the_flag(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')
    assert "\x1b[" in _dfix("--color", "always", str(tmp_path)).stdout
    assert "\x1b[" not in _dfix("--color", "auto", str(tmp_path), env={"FORCE_COLOR": "", "NO_COLOR": "1"}).stdout
    assert "\x1b[" in _dfix(str(tmp_path), env={"FORCE_COLOR": "1", "NO_COLOR": ""}).stdout
    assert "\x1b[" not in _dfix("--color", "never", str(tmp_path), env={"FORCE_COLOR": "1"}).stdout


def test_statistics_count_per_rule(tmp_path: Path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(NAIVE)
        (tmp_path / name / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')
    r = CliRunner().invoke(main, ["--statistics", str(tmp_path)])
    assert r.exit_code == 0
    rows = [line.split(None, 2) for line in r.stdout.splitlines()]
    assert ["2", "DF102", "fix [safe]"] in rows and ["2", "DF101", "fix [safe]"] in rows


def test_rules_list_does_not_call_a_sometimes_unsafe_rule_safe():
    rows = {line.split()[0]: line for line in CliRunner().invoke(main, ["rules"]).output.splitlines()}
    assert "safe or unsafe" in rows["DF103"]  # `npm ci` is unsafe, yarn's frozen lockfile safe
    assert "display-only" in rows["DF402"]
