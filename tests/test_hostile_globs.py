"""Glob patterns a backtracking regexp took minutes to hours on, at every site dfix matches one.

Each case puts one such pattern where dfix reads it (.dockerignore, a COPY source, a bind
mount's source, a workspace list) beside the path that makes the old regexps blow up: a
100-character name for ``*a*a*a*a*a*a*a*a*c`` (about an hour: the time grew as the 8th
power of its length), a 40-deep path for eight ``**`` segments.  `run_dfix` fails a run
past 10 CPU seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile import run_dfix

STARS = "*a*a*a*a*a*a*a*a*c"
DEEP = "**/**/**/**/**/**/**/**/x"
LONG_NAME = "a" * 100
NODE = "FROM node:20-slim\nWORKDIR /app\n"
INSTALL = "COPY . .\nRUN npm install\n"


def _long_name(root: Path) -> None:
    (root / LONG_NAME).write_text("")


def _deep_path(root: Path) -> None:
    deep = root.joinpath(*["a"] * 40)
    deep.mkdir(parents=True)
    (deep / "y").write_text("")


def _context(root: Path, dockerfile: str, *, deep: bool = False, ignore: str | None = None,
             package: dict | None = None) -> None:
    (_deep_path if deep else _long_name)(root)
    (root / "Dockerfile").write_text(dockerfile)
    (root / "package.json").write_text(json.dumps(package or {"name": "x"}))
    if ignore is not None:
        (root / ".dockerignore").write_text(ignore + "\n")


def _uv_members(root: Path) -> None:
    _long_name(root)
    (root / "pyproject.toml").write_text(f'[project]\nname = "x"\n[tool.uv.workspace]\nmembers = ["{STARS}"]\n')
    (root / "uv.lock").write_text("version = 1\n")
    (root / "Dockerfile").write_text("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync\n")


CASES = {
    "dockerignore": lambda root: _context(root, NODE + INSTALL, ignore=STARS),
    "copy": lambda root: _context(root, NODE + f"COPY {STARS} ./\n" + INSTALL),
    "bind mount": lambda root: _context(
        root, NODE + f"RUN --mount=type=bind,source={STARS},target=/x cat /x\n" + INSTALL),
    "workspaces": lambda root: _context(root, NODE + INSTALL, package={"name": "x", "workspaces": [STARS]}),
    "uv members": _uv_members,
    "dockerignore, deep **": lambda root: _context(root, NODE + INSTALL, deep=True, ignore=DEEP),
    "copy, deep **": lambda root: _context(root, NODE + f"COPY {DEEP} ./\n" + INSTALL, deep=True),
}


# The commands that reach each site: `detect` reads .dockerignore and the manifests, not COPY.
EVERY = ("fix", "detect", "explain")
REACHED = {"copy": ("fix", "explain"), "bind mount": ("fix", "explain"), "copy, deep **": ("fix", "explain")}
RUNS = [(case, command) for case in CASES for command in REACHED.get(case, EVERY)]


@pytest.mark.parametrize("case, command", RUNS, ids=[f"{case}-{command}" for case, command in RUNS])
def test_backtracking_glob_finishes(tmp_path: Path, case: str, command: str):
    CASES[case](tmp_path)
    run = run_dfix(*([] if command == "fix" else [command]), str(tmp_path))
    assert run.code in (0, 1), run.stderr
    assert run.cpu < 10, run.cpu
