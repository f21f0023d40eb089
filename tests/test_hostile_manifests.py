"""Manifests of the wrong types and depths never crash dfix (hypothesis).

Each example builds a context with a Dockerfile that reaches the manifest's readers
(detectors, DF101's lock-writer checks, DF103's lockfile checks, the yarn berry cache
settings), runs the whole pipeline in-process with --unsafe-fixes (so every check runs),
and asserts the outcome is a report or a clear error, never an internal error (the
per-file guard turns any exception into one, so a TypeError deep in a rule fails here).
A SIGALRM per example turns a hang into a failure.
"""

from __future__ import annotations

import json
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dfix.config import ConfigFinder
from dfix.io.discover import Target
from dfix.pipeline.runner import Options, process

SECONDS_PER_EXAMPLE = 30

SCALARS = st.none() | st.booleans() | st.integers(-3, 10) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.sampled_from(["", "1.3.0", "^1", "node-modules", "pnp", "classic", "/abs", "yarn@4.1.0", "file:../x", "x"])
KEYS = st.sampled_from(["", ".", "left-pad", "dependencies", "specifier", "version", "packages", "x"])
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
                      max_leaves=12)
DEEP = st.integers(150, 1500).map(lambda n: {"deep": json.loads("[" * min(n, 900) + "]" * min(n, 900))})
DEP_MAP = st.dictionaries(KEYS, VALUES, max_size=3)


def _maybe(keys: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional=keys)


PACKAGE_JSON = _maybe({"name": VALUES, "dependencies": VALUES | DEP_MAP, "devDependencies": VALUES | DEP_MAP,
                       "optionalDependencies": VALUES, "peerDependencies": VALUES, "workspaces": VALUES,
                       "scripts": VALUES, "packageManager": VALUES, "pnpm": VALUES, "resolutions": VALUES}) | VALUES
NPM_LOCK = _maybe({"lockfileVersion": VALUES, "packages": VALUES | st.fixed_dictionaries({"": VALUES | DEP_MAP}),
                   "dependencies": VALUES}) | VALUES
PNPM_LOCK = _maybe({"lockfileVersion": VALUES, "importers": VALUES | st.fixed_dictionaries({".": VALUES}),
                    "dependencies": VALUES | DEP_MAP, "specifiers": VALUES, "devDependencies": VALUES,
                    "overrides": VALUES}) | VALUES
YARNRC = _maybe({"nodeLinker": VALUES, "nmMode": VALUES, "enableGlobalCache": VALUES, "globalFolder": VALUES,
                 "cacheFolder": VALUES, "yarnPath": VALUES}) | VALUES
PYPROJECT = _maybe({"project": _maybe({"name": VALUES, "dependencies": VALUES, "dynamic": VALUES,
                                       "optional-dependencies": VALUES}),
                    "tool": _maybe({"poetry": VALUES, "uv": VALUES, "pdm": VALUES, "setuptools": VALUES}),
                    "build-system": VALUES})


def toml_text(value, key_path: str = "") -> str:
    """A TOML document for a dict of generated values (None has no TOML form: dropped)."""
    if not isinstance(value, dict):
        return f"x = {_toml(value)}\n"
    return "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in value.items() if v is not None)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items() if v is not None) + "}"
    return '""'


@contextmanager
def time_cap(seconds: int):
    def expired(signum, frame):
        raise TimeoutError(f"example took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_case(files: dict[str, str]) -> str | None:
    with tempfile.TemporaryDirectory() as tmp, time_cap(SECONDS_PER_EXAMPLE):
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text)
        report = process(Target(root / "Dockerfile", root), Options(unsafe_fixes=True), ConfigFinder())
    assert report.error is None or not report.error.startswith("internal error"), report.error
    return report.error


HYPO = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NPM_DF = "FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm install\nCOPY . .\n"
PNPM_DF = ("FROM node:20-slim\nRUN npm install -g pnpm@9\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\n"
           "RUN pnpm install\nCOPY . .\n")
BERRY_DF = ("FROM node:22-slim\nWORKDIR /app\nCOPY package.json yarn.lock .yarnrc.yml ./\nRUN corepack enable\n"
            "RUN yarn install\nCOPY . .\n")
PY_DF = ("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\nRUN uv sync\nRUN poetry install\n"
         "RUN pdm install\n")


@HYPO
@given(PACKAGE_JSON | DEEP, NPM_LOCK | DEEP)
def test_npm_manifests(package_json, lock):
    run_case({"Dockerfile": NPM_DF, "package.json": json.dumps(package_json), "package-lock.json": json.dumps(lock)})


@HYPO
@given(PACKAGE_JSON, PNPM_LOCK, st.booleans())
def test_pnpm_manifests(package_json, lock, v9):
    if v9 and isinstance(lock, dict):  # older lockfiles stop at the format check, before the contents
        lock = {"lockfileVersion": "9.0", **{k: v for k, v in lock.items() if k != "lockfileVersion"}}
    text = yaml.safe_dump(lock, sort_keys=False)
    run_case({"Dockerfile": PNPM_DF, "package.json": json.dumps(package_json), "pnpm-lock.yaml": text})


BUN_LOCK = _maybe({"lockfileVersion": VALUES, "workspaces": VALUES | st.fixed_dictionaries({"": VALUES | DEP_MAP}),
                   "packages": VALUES}) | VALUES
BUN_DF = "FROM oven/bun:1\nWORKDIR /app\nCOPY package.json bun.lock ./\nRUN bun install\nCOPY . .\n"


@HYPO
@given(PACKAGE_JSON, BUN_LOCK, st.booleans())
def test_bun_manifests(package_json, lock, trailing_comma):
    text = json.dumps(lock)
    if trailing_comma and text.endswith("}") and len(text) > 2:
        text = text[:-1] + ",}"  # bun.lock is JSON with trailing commas
    run_case({"Dockerfile": BUN_DF, "package.json": json.dumps(package_json), "bun.lock": text})


@HYPO
@given(PACKAGE_JSON, YARNRC)
def test_yarn_berry_settings(package_json, yarnrc):
    run_case({"Dockerfile": BERRY_DF, "package.json": json.dumps(package_json),
              "yarn.lock": "__metadata:\n  version: 8\n", ".yarnrc.yml": yaml.safe_dump(yarnrc)})


@HYPO
@given(PYPROJECT, st.integers(0, 3000))
def test_pyproject(pyproject, depth):
    text = toml_text(pyproject) + (f"deep = {'[' * depth}{']' * depth}\n" if depth else "")
    error = run_case({"Dockerfile": PY_DF, "pyproject.toml": text, "uv.lock": "version = 1\n",
                      "poetry.lock": "", "pdm.lock": ""})
    if depth > 200:
        assert error is not None and "nested deeper than" in error


@HYPO
@given(st.integers(1, 4000), st.sampled_from(["[", "{", "(", '"$(', "$("]))
def test_deep_nesting_everywhere(depth, opener):
    """Deep nesting in package.json, pnpm-lock.yaml flow style, setup.py and a RUN."""
    closer = {"[": "]", "{": "}", "(": ")", '"$(': ')"', "$(": ")"}[opener]
    nested = opener * depth + closer * depth
    if opener in "[{":
        doc = nested if opener == "[" else '{"a":' * depth + "1" + "}" * depth
        run_case({"Dockerfile": NPM_DF, "package.json": doc, "package-lock.json": "{}"})
        run_case({"Dockerfile": PNPM_DF, "package.json": "{}", "pnpm-lock.yaml": f"importers: {nested}\n"})
    elif opener == "(":
        run_case({"Dockerfile": "FROM python:3.12\nCOPY . .\nRUN pip install .\n", "setup.py": f"x = {nested}\n"})
    else:
        run_case({"Dockerfile": f"FROM alpine\nRUN echo {nested}\n"})
