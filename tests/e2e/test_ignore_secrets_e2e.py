"""End-to-end, in the build lab: DF301's .dockerignore and DF401's secret mounts on real BuildKit builds.

* DF301's safe fix (here: a created .dockerignore) leaves the image equivalent
  (image-diff), while its unsafe part, which ignores a host node_modules and .env that
  `COPY . .` copies, really changes it: the safe/unsafe split is measured, not assumed.
* DF401's rewrite of `ARG NPM_TOKEN` builds with exactly the `--secret` flag its message
  gives, the RUN still sees the token, the image is equivalent, and the token is no
  longer in `docker history`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DOCKER, remove_images

TOKEN = "npm_" + "Zq7Wx2Lp9Rt4Vb6Nm1Kc3Hd8Fg5Js0Ya2Ue7"

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _remove_images():
    yield
    remove_images("dfix-e2e-df301:")
    remove_images("dfix-e2e-df401:")


def dfix(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dfix", *args], capture_output=True, text=True)


def build(lab: Path, context: Path, tag: str, *extra: str, env: dict | None = None) -> None:
    run = subprocess.run([str(lab / "lab-build"), "--", "-t", tag, *extra, str(context)], capture_output=True,
                         text=True, timeout=900, env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def same_image(lab: Path, a: str, b: str) -> bool:
    diff = subprocess.run([str(lab / "image-diff"), a, b], capture_output=True, text=True, timeout=600)
    assert diff.returncode in (0, 1), diff.stdout[-2000:] + diff.stderr[-2000:]
    return diff.returncode == 0


def test_df301_safe_dockerignore_keeps_the_image_and_unsafe_one_changes_it(lab: Path, tmp_path: Path):
    ctx = tmp_path / "app"
    (ctx / "node_modules" / "left-pad").mkdir(parents=True)
    (ctx / "Dockerfile").write_text('FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n')
    (ctx / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (ctx / "server.js").write_text('console.log("ok")\n')
    (ctx / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1\n")  # a host install
    (ctx / ".env").write_text("API_URL=http://localhost\n")
    build(lab, ctx, "dfix-e2e-df301:before")

    safe = dfix("--select", "DF301", "--write", str(ctx))
    assert safe.returncode == 0, safe.stderr
    assert "DF301 skipped: unsafe fix" in safe.stderr and "node_modules/" in safe.stderr
    ignore = (ctx / ".dockerignore").read_text()
    assert ".dockerignore\n" in ignore and ".git\n" in ignore and "node_modules" not in ignore
    build(lab, ctx, "dfix-e2e-df301:safe")
    assert same_image(lab, "dfix-e2e-df301:before", "dfix-e2e-df301:safe")

    unsafe = dfix("--select", "DF301", "--unsafe-fixes", "--write", str(ctx))
    assert unsafe.returncode == 0, unsafe.stderr
    assert "**/node_modules" in (ctx / ".dockerignore").read_text()
    build(lab, ctx, "dfix-e2e-df301:unsafe")
    assert not same_image(lab, "dfix-e2e-df301:before", "dfix-e2e-df301:unsafe")
    assert dfix("--select", "DF301", "--check", str(ctx)).returncode == 0


def test_df401_secret_mount_builds_with_the_flag_the_message_gives(lab: Path, tmp_path: Path):
    ctx = tmp_path / "app"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(
        "# syntax=docker/dockerfile:1\nFROM debian:bookworm-slim\nARG NPM_TOKEN\n"
        'RUN printf %s "$NPM_TOKEN" | sha256sum | cut -c1-16 > /token-check\nCMD ["cat", "/token-check"]\n')
    (ctx / ".dockerignore").write_text("Dockerfile\n")
    build(lab, ctx, "dfix-e2e-df401:before", "--build-arg", f"NPM_TOKEN={TOKEN}")
    history = subprocess.run([DOCKER, "history", "--no-trunc", "dfix-e2e-df401:before"], capture_output=True,
                             text=True).stdout
    assert TOKEN in history  # the problem DF401 fixes

    report = json.loads(dfix("--select", "DF401", "--unsafe-fixes", "--write", "--format", "json", str(ctx)).stdout)
    [fix] = report["files"][0]["fixes"]
    assert TOKEN not in json.dumps(report)
    flags = re.search(r"`docker build (.+?) \.\.\.`", fix["message"]).group(1).split()
    assert flags == ["--secret", "id=NPM_TOKEN,env=NPM_TOKEN"]
    assert "ARG NPM_TOKEN" not in (ctx / "Dockerfile").read_text()
    build(lab, ctx, "dfix-e2e-df401:after", *flags, env={"NPM_TOKEN": TOKEN})

    outputs = [subprocess.run([DOCKER, "run", "--rm", tag], capture_output=True, text=True).stdout
               for tag in ("dfix-e2e-df401:before", "dfix-e2e-df401:after")]
    assert outputs[0] == outputs[1] and len(outputs[0].strip()) == 16  # the RUN saw the same token
    history = subprocess.run([DOCKER, "history", "--no-trunc", "dfix-e2e-df401:after"], capture_output=True,
                             text=True).stdout
    assert TOKEN not in history
    assert same_image(lab, "dfix-e2e-df401:before", "dfix-e2e-df401:after")
