"""End-to-end: real BuildKit builds of each sample app before and after `dfix --write`.

For every app in tests/e2e/apps: the rewritten Dockerfile must build an image that
`image-diff` calls equivalent to the original's; a source edit must no longer re-run
the dependency install; and, where the package manager downloads, a dependency change
must rebuild in at most half the original's time with downloads limited to 50 Mbit/s.

Uses ../shared/buildlab (lab-build, image-diff, rebuild-bench). Without a Docker
engine the tests skip, except under CI=true, where a missing lab is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
LAB = REPO.parent / "shared" / "buildlab"

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class App:
    name: str
    install_marker: str | None  # text of the dependency-install step in the rewritten Dockerfile
    dep_change: str | None = None  # rebuild-bench --dep-change-cmd; None: its own npm/requirements handling
    downloads: bool = True  # the package manager downloads: the dependency change must be 2x faster
    rewritten: bool = True  # DF101 must apply


APP_TABLE = (
    App("node-npm", "npm ci"),
    App("node-yarn", "yarn install",
        dep_change="npx -y yarn@1.22.22 add is-number@7.0.0 --ignore-scripts --no-progress >/dev/null"),
    App("node-file-dep", "npm ci"),
    App("python-requirements", "pip install -r"),
    App("python-uv", "--no-install-project", dep_change="uv add --no-sync six==1.16.0 >/dev/null 2>&1"),
    App("node-postinstall", None, downloads=False, rewritten=False),
    App("go-stdlib", None, downloads=False, rewritten=False),
    App("java-javac", None, downloads=False, rewritten=False),
)


def _lab_ready() -> str | None:
    if not (LAB / "lab-build").is_file():
        return f"no build lab at {LAB}"
    probe = subprocess.run(["/usr/bin/docker", "info"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "no Docker engine answers (run ../shared/buildlab/setup)"
    return None


@pytest.fixture(scope="module")
def lab():
    problem = _lab_ready()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the build lab: {problem}")
        pytest.skip(problem)
    return LAB


def _prepare(app: App, tmp: Path) -> tuple[Path, Path, Path]:
    """A context without Dockerfiles, and the original and rewritten Dockerfiles beside it."""
    context = tmp / "context"
    shutil.copytree(APPS / app.name, context,
                    ignore=shutil.ignore_patterns("Dockerfile", "Dockerfile.*", "README.md"))
    before = tmp / "Dockerfile.before"
    after = tmp / "Dockerfile.after"
    shutil.copy(APPS / app.name / "Dockerfile", before)
    shutil.copy(before, after)
    result = subprocess.run([sys.executable, "-m", "dfix", "--write", "--context", str(context), str(after)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return context, before, after


def _bench(lab: Path, app: App, context: Path, before: Path, after: Path, tmp: Path) -> dict:
    phases = "cold,edit,dep" if app.downloads else "cold,edit"
    cmd = [str(lab / "rebuild-bench"), str(context), str(before), str(after), "--label", f"{app.name}-before",
           "--label", f"{app.name}-after", "--phases", phases, "--json", str(tmp / "bench.json"), "--timeout", "900"]
    if app.downloads:
        cmd += ["--limit-rate", "50mbit"]
    if app.dep_change:
        env_path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        cmd += ["--dep-change-cmd", f"PATH={env_path} {app.dep_change}"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads((tmp / "bench.json").read_text())


@pytest.mark.parametrize("app", APP_TABLE, ids=lambda a: a.name)
def test_app(app: App, lab: Path, tmp_path: Path):
    context, before, after = _prepare(app, tmp_path)
    rewritten = after.read_text()
    if app.rewritten:
        assert app.install_marker and "COPY . " in rewritten
        assert rewritten.index(app.install_marker) < rewritten.rindex("COPY . "), "install must precede the source copy"
    else:
        assert rewritten.replace("# syntax=docker/dockerfile:1\n", "").count("COPY") == before.read_text().count("COPY")
    report = _bench(lab, app, context, before, after, tmp_path)
    b, a = (d["summary"] for d in report["dockerfiles"])

    # Same image, bar caches.
    diff = subprocess.run([str(lab / "image-diff"), b["cold"]["image"], a["cold"]["image"], "--json", "-"],
                          capture_output=True, text=True)
    assert diff.returncode == 0, diff.stdout[-3000:]

    if app.install_marker:
        ran = [step for step in a["edit"]["executed"] if app.install_marker in step]
        assert ran == [], f"a source edit still re-runs the install: {ran}"
        assert any(app.install_marker in step for step in a["cold"]["executed"])
    if app.downloads:
        ratio = a["dep"]["wall_s"] / b["dep"]["wall_s"]
        print(f"{app.name}: dependency change {a['dep']['wall_s']} s vs {b['dep']['wall_s']} s (ratio {ratio:.2f}); "
              f"source edit {a['edit']['wall_s']} s vs {b['edit']['wall_s']} s")
        assert ratio <= 0.5, f"dependency-change rebuild ratio {ratio:.2f} > 0.5"
