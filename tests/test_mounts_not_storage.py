"""DF102 and DF103 judge the stage, and never use a cache mount as storage (issue 21).

Goldens hold one case of each shape; these pin the variants a golden would repeat: where
the offline switch comes from (ENV, `export`, inline), and which reason a held-back
lockfile flag gives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dfix.cli import main

GO_MOD = "module example.com/app\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n"
PACKAGE_JSON = '{"name":"app","version":"1.0.0","dependencies":{"express":"^4.18.2"}}\n'
YARN_LOCK = ('# yarn lockfile v1\n\n\nexpress@^4.18.2:\n  version "4.18.2"\n'
             '  resolved "https://example.invalid/express-4.18.2.tgz#abc"\n  integrity sha512-abc\n')


def report(tmp_path: Path, dockerfile: str, files: dict[str, str], select: str = "DF102") -> dict:
    for name, text in {**files, "Dockerfile": dockerfile}.items():
        (tmp_path / name).write_text(text)
    result = CliRunner().invoke(main, ["--select", select, "--format", "json", str(tmp_path / "Dockerfile")])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


@pytest.mark.parametrize("setting", [
    "ENV GOFLAGS=-mod=mod\nRUN go build -o /app .",
    "ENV GOPROXY=off\nRUN go build -o /app .",
    "RUN export GOPROXY=off && go build -o /app .",
    "RUN GOFLAGS=-mod=mod go install ./cmd/app",
])
def test_offline_go_build_keeps_modules_in_a_layer(tmp_path: Path, setting: str):
    dockerfile = f"FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n{setting}\n"
    out = report(tmp_path, dockerfile, {"go.mod": GO_MOD, "go.sum": ""})
    reasons = [s["reason"] for s in out["skipped"]]
    assert any("line 4 (`go mod download`)" in r and "without the network" in r for r in reasons), reasons
    assert all("/go/pkg/mod" not in f["message"] for f in out["fixes"])


def test_online_go_build_still_mounts_modules(tmp_path: Path):
    dockerfile = "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n"
    out = report(tmp_path, dockerfile, {"go.mod": GO_MOD, "go.sum": ""})
    assert not out["skipped"] and any("/go/pkg/mod" in f["message"] for f in out["fixes"])


def test_offline_reader_in_a_later_stage_counts(tmp_path: Path):
    dockerfile = ("FROM node:20-slim AS deps\nRUN corepack enable\nWORKDIR /app\nCOPY pnpm-lock.yaml ./\n"
                  "RUN pnpm fetch\nFROM deps\nCOPY . .\nRUN pnpm install --offline\n")
    out = report(tmp_path, dockerfile, {"package.json": PACKAGE_JSON, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n"})
    assert not out["fixes"]
    assert all("line 8 (`pnpm install --offline`) reads what line 5 (`pnpm fetch`)" in s["reason"]
               for s in out["skipped"])


def test_unresolvable_download_dir_is_not_guessed(tmp_path: Path):
    dockerfile = ("FROM python:3.12-slim\nARG APP\nWORKDIR $APP\nCOPY requirements.txt /\n"
                  "RUN pip download -d wheels -r /requirements.txt\n")
    out = report(tmp_path, dockerfile, {"requirements.txt": "flask==3.0.0\n"})
    assert [s["reason"] for s in out["skipped"]] == [
        "line 5 (`pip download -d wheels -r /requirements.txt`) names the directory `wheels`, which dfix "
        "cannot resolve; a cache mount may hide it"]


@pytest.mark.parametrize("copies, reason", [
    ("COPY package.json ./\n", "the stage never copies yarn.lock"),
    ("COPY package.json ./\nCOPY yarn.lock /elsewhere/\n", "yarn.lock is not copied into /app before the install"),
    ("COPY --from=node:20-slim /opt /app\nCOPY package.json ./\n", "line 3 may put another file at /app/yarn.lock"),
])
def test_lockfile_skip_names_the_real_blocker(tmp_path: Path, copies: str, reason: str):
    dockerfile = f"FROM node:20-slim\nWORKDIR /app\n{copies}RUN yarn install\nCOPY server.js ./\n"
    out = report(tmp_path, dockerfile, {"package.json": PACKAGE_JSON, "yarn.lock": YARN_LOCK}, select="DF103")
    assert [s["reason"] for s in out["skipped"]] and out["skipped"][0]["reason"].startswith(reason), out["skipped"]


def test_prefer_offline_only_with_the_stage_lockfile(tmp_path: Path):
    held = report(tmp_path, "FROM node:20-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\n"
                            "RUN yarn install --frozen-lockfile\n", {"package.json": PACKAGE_JSON, "yarn.lock": YARN_LOCK})
    assert "--prefer-offline" in held["fixes"][0]["message"]
    missing = report(tmp_path, "FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\n"
                               "RUN yarn install --frozen-lockfile\n", {})
    assert "no --prefer-offline: the stage never copies yarn.lock" in missing["fixes"][0]["message"]


def test_lockfile_dropped_by_dockerignore_is_said(tmp_path: Path):
    out = report(tmp_path, "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN yarn install\n",
                 {"package.json": PACKAGE_JSON, "yarn.lock": YARN_LOCK, ".dockerignore": "yarn.lock\n"}, select="DF103")
    assert [s["reason"] for s in out["skipped"]] == [".dockerignore drops yarn.lock from the context"]


def test_offline_scan_runs_once_per_stage_and_manager(tmp_path: Path, monkeypatch):
    # Every RUN asks; a scan per RUN made 2,000 installs take 90 s instead of 1.5 s.
    import dfix.analysis.offline as offline

    calls = []
    real = offline.offline_use
    monkeypatch.setattr(offline, "offline_use", lambda *a: calls.append(a[-1].name) or real(*a))
    body = "".join("RUN pnpm install\n" for _ in range(50))
    report(tmp_path, f"FROM node:20-slim\nRUN corepack enable\nWORKDIR /app\nCOPY package.json ./\n{body}",
           {"package.json": PACKAGE_JSON})
    assert set(calls) == {"pnpm"} and len(calls) <= 3  # once per engine pass (each pass parses anew), not per RUN
