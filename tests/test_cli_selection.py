"""Choosing what dfix looks at, as ruff users expect: exclude, .gitignore, per-file ignores, inline suppression."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dfix.cli import main

NAIVE = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "s.js"]\n'


def _tree(root: Path, *folders: str) -> None:
    for folder in folders:
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "Dockerfile").write_text(NAIVE)
        (root / folder / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')


def _processed(root: Path, *args: str) -> list[str]:
    r = CliRunner().invoke(main, ["--format", "json", *args])
    assert r.exit_code == 0, r.output
    return sorted(Path(f["path"]).relative_to(root).parent.as_posix() for f in json.loads(r.stdout)["files"])


def test_exclude_and_extend_exclude(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _tree(tmp_path, "app", "vendor/lib", "examples/demo", "deep/vendor/x")
    assert _processed(tmp_path, str(tmp_path)) == ["app", "deep/vendor/x", "examples/demo", "vendor/lib"]
    assert _processed(tmp_path, "--exclude", "vendor", str(tmp_path)) == ["app", "examples/demo"]
    (tmp_path / ".dfix.toml").write_text('exclude = ["examples/*"]\n')
    assert _processed(tmp_path, str(tmp_path)) == ["app", "deep/vendor/x", "vendor/lib"]
    assert _processed(tmp_path, "--extend-exclude", "vendor", str(tmp_path)) == ["app"]
    assert _processed(tmp_path, "--exclude", "", str(tmp_path)) == ["app", "deep/vendor/x", "examples/demo",
                                                                    "vendor/lib"]


def test_a_named_file_is_excluded_only_with_force_exclude(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _tree(tmp_path, "vendor/lib")
    named = str(tmp_path / "vendor" / "lib" / "Dockerfile")
    assert _processed(tmp_path, "--exclude", "vendor", named) == ["vendor/lib"]
    assert _processed(tmp_path, "--exclude", "vendor", "--force-exclude", named) == []


def test_git_ignored_dockerfiles_are_left_out(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _tree(tmp_path, "app", "vendor/lib", "build/out")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("vendor/\nbuild/\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-f", "build/out/Dockerfile"], check=True)
    # A tracked file is never "ignored", whatever .gitignore says.
    assert _processed(tmp_path, str(tmp_path)) == ["app", "build/out"]
    assert _processed(tmp_path, "--no-respect-gitignore", str(tmp_path)) == ["app", "build/out", "vendor/lib"]


@pytest.mark.parametrize("name", ["Dockerfile.md", "Dockerfile.j2", "Dockerfile.template", "Containerfile.tmpl"])
def test_templates_and_docs_named_like_a_dockerfile_are_not_read(tmp_path: Path, name: str):
    (tmp_path / name).write_text("{{ base }}\nFROM {{ image }}\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\n")
    r = CliRunner().invoke(main, ["--check", str(tmp_path)])
    assert r.exit_code == 0, r.output


def test_per_file_ignores(tmp_path: Path):
    _tree(tmp_path, "svc/a", "svc/b")
    (tmp_path / ".dfix.toml").write_text('[per-file-ignores]\n"svc/a/*" = ["DF1"]\n')
    r = CliRunner().invoke(main, ["--format", "json", str(tmp_path)])
    codes = {Path(f["path"]).parent.name: {x["code"] for x in f["fixes"]} for f in json.loads(r.stdout)["files"]}
    assert not any(c.startswith("DF1") for c in codes["a"]) and "DF101" in codes["b"]
    (tmp_path / ".dfix.toml").write_text('[per-file-ignores]\n"svc/a/*" = ["DF999"]\n')
    r = CliRunner().invoke(main, [str(tmp_path)])
    assert r.exit_code == 2 and "per-file-ignores" in r.output


def test_inline_suppression_on_the_comment_block_above(tmp_path: Path):
    _tree(tmp_path, ".")
    text = NAIVE.replace("RUN npm install", "# the install needs the whole source here\n# dfix: ignore=DF101,DF102\n"
                         "RUN npm install")
    (tmp_path / "Dockerfile").write_text(text)
    r = CliRunner().invoke(main, ["--format", "json", str(tmp_path)])
    codes = {x["code"] for x in json.loads(r.stdout)["files"][0]["fixes"]}
    assert "DF101" not in codes and "DF102" not in codes and "DF301" in codes
    # Only the block directly above counts: a blank line ends it.
    (tmp_path / "Dockerfile").write_text(NAIVE.replace("RUN npm install", "# dfix: ignore\n\nRUN npm install"))
    r = CliRunner().invoke(main, ["--format", "json", str(tmp_path)])
    assert "DF101" in {x["code"] for x in json.loads(r.stdout)["files"][0]["fixes"]}
    (tmp_path / "Dockerfile").write_text(NAIVE.replace("RUN npm install", "# dfix: ignore\nRUN npm install"))
    r = CliRunner().invoke(main, ["--format", "json", str(tmp_path)])
    assert {x["line"] for x in json.loads(r.stdout)["files"][0]["fixes"]} <= {3}  # COPY . . (DF301) only
