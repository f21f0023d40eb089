"""End-to-end for DF201: the split image builds, starts, does its job, and is smaller.

For every tests/e2e/apps/split-*/ app (its split.json says how to reach it): the
`dfix --write --unsafe-fixes` output is built in the lab next to the original with
rebuild-bench (cold and source-edit phases, sizes recorded), the split image is run
with its port published on 127.0.0.1 and must answer with the expected text, and
its size must be below the original's; with "install" in split.json, the split's source
edit must not run a step naming that command. Timings are printed, never asserted;
bench/split_e2e prints the same figures as a table.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import DOCKER
from test_e2e import APPS

pytestmark = pytest.mark.e2e
SPLIT_APPS = sorted(p.name for p in APPS.glob("split-*") if (p / "split.json").is_file())


def prepare(name: str, tmp: Path) -> tuple[dict, Path, Path, Path]:
    spec = json.loads((APPS / name / "split.json").read_text())
    context = tmp / "context"
    shutil.copytree(APPS / name, context, ignore=shutil.ignore_patterns("Dockerfile", "split.json", "README.md"))
    before, after = tmp / "Dockerfile.before", tmp / "Dockerfile.after"
    shutil.copy(APPS / name / "Dockerfile", before)
    shutil.copy(before, after)
    if spec.get("dfix_toml"):
        (tmp / ".dfix.toml").write_text(spec["dfix_toml"])  # found walking up from Dockerfile.after
    result = subprocess.run([sys.executable, "-m", "dfix", "--write", "--unsafe-fixes", "--context", str(context),
                             str(after)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "DF201" in result.stderr, f"no split applied: {result.stderr}"
    return spec, context, before, after


def answer(image: str, port: int, path: str, timeout: float = 30.0) -> str:
    """Run the image with its port published on 127.0.0.1 and return its first HTTP answer."""
    cid = subprocess.run([DOCKER, "run", "-d", "-p", f"127.0.0.1::{port}", image], capture_output=True, text=True,
                         check=True).stdout.strip()
    try:
        mapped = subprocess.run([DOCKER, "port", cid, str(port)], capture_output=True, text=True, check=True)
        host_port = mapped.stdout.splitlines()[0].rsplit(":", 1)[1]
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{host_port}{path}", timeout=5) as response:
                    return response.read().decode()
            except OSError:
                if time.monotonic() > deadline:
                    logs = subprocess.run([DOCKER, "logs", cid], capture_output=True, text=True)
                    raise AssertionError(f"{image} never answered: {logs.stdout[-2000:]}{logs.stderr[-2000:]}")
                time.sleep(0.5)
    finally:
        subprocess.run([DOCKER, "rm", "-f", cid], capture_output=True)


@pytest.mark.parametrize("name", SPLIT_APPS)
def test_split_app(name: str, rebuild_bench, tmp_path: Path):
    spec, context, before, after = prepare(name, tmp_path)
    report = rebuild_bench(context, before, after, name, "--phases", "cold,edit", "--edit", spec["edit"])
    b, a = report["dockerfiles"]
    body = answer(a["summary"]["cold"]["image"], spec["port"], spec["path"])
    assert spec["expect"] in body, body
    # The original answers the same way: the split kept what the program needs, not more.
    assert spec["expect"] in answer(b["summary"]["cold"]["image"], spec["port"], spec["path"])
    if spec.get("install"):
        # The point of the split's deps stage: a source edit no longer re-runs the install.
        assert not [step for step in a["summary"]["edit"]["executed"] if spec["install"] in step], \
            a["summary"]["edit"]["executed"]
    size_before, size_after = b["final_size_bytes"], a["final_size_bytes"]
    print(f"{name}: image {size_before / 1e6:.0f} MB -> {size_after / 1e6:.0f} MB; source edit "
          f"{b['summary']['edit']['wall_s']} s -> {a['summary']['edit']['wall_s']} s")
    assert size_after < size_before
