"""End-to-end: real BuildKit builds of each sample app before and after `dfix --write`.

For every app in tests/e2e/apps: the rewritten Dockerfile must build an image that
`image-diff` calls equivalent to the original's; a source edit must no longer re-run
the dependency install; and, where the package manager downloads, a dependency change
is measured, not asserted, by bench/e2e_rebuilds (timings are figures, not test verdicts).

Uses ../shared/buildlab (lab-build, image-diff, rebuild-bench). Without a Docker
engine the tests skip, except under CI=true, where a missing lab is a failure.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dfix.dockerfile import parse
from dfix.analysis.runs import mount_targets


REPO = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"

pytestmark = pytest.mark.e2e


# Steps that install dependencies: after a source edit none may run when the app's index
# says the install must stay cached.
INSTALL_MARKERS = ("npm ci", "npm install", "yarn install", "yarn --", "pip install", "uv sync", "bun install",
                   "poetry install", "go mod download", "apt-get update")
@dataclass(frozen=True)
class App:
    name: str
    kind: str  # rewrite | untouched | no-reorder
    phases: str  # rebuild-bench phases; the dependency phase is left to bench/e2e_rebuilds
    dep_change: str | None  # rebuild-bench --dep-change-cmd; None: rebuild-bench's own npm/requirements change
    edit_reruns_install: bool
    dfix_args: tuple[str, ...] = ()
    # Image paths the rewrite may change and must declare (a lockfile the install rewrites).
    may_differ: tuple[str, ...] = ()


def load_apps() -> list[App]:
    index = json.loads((APPS / "apps.json").read_text())
    apps = []
    for name, row in index.items():
        if name.startswith("_"):
            continue
        change = row.get("dep_change_cmd")
        apps.append(App(name, row["kind"], row["phases"], None if change in (None, "-") else change,
                        row["edit_reruns_install"], tuple(row.get("dfix_args", ())),
                        tuple(row.get("may_differ", ()))))
    return apps


def _prepare(app: App, tmp: Path) -> tuple[Path, Path, Path, list[str]]:
    """A context without Dockerfiles, the original and rewritten Dockerfiles beside it, and the
    image paths the fixes declare they may change."""
    context = tmp / "context"
    shutil.copytree(APPS / app.name, context,
                    ignore=shutil.ignore_patterns("Dockerfile", "Dockerfile.*", "README.md"))
    before = tmp / "Dockerfile.before"
    after = tmp / "Dockerfile.after"
    shutil.copy(APPS / app.name / "Dockerfile", before)
    shutil.copy(before, after)
    # DF301 rewrites the shared context's .dockerignore, which both builds here would then read;
    # its effect on the image is proven by tests/e2e/test_ignore_secrets_e2e.py instead.
    result = subprocess.run([sys.executable, "-m", "dfix", "--write", "--format", "json", "--ignore", "DF301",
                             *app.dfix_args, "--context", str(context), str(after)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    fixes = json.loads(result.stdout)["files"][0]["fixes"]
    declared = sorted({path for fix in fixes for path in fix.get("may_differ", [])})
    return context, before, after, declared


@pytest.mark.parametrize("app", load_apps(), ids=lambda a: a.name)
def test_app(app: App, lab: Path, rebuild_bench, tmp_path: Path):
    context, before, after, declared = _prepare(app, tmp_path)
    assert declared == sorted(app.may_differ), f"dfix declares {declared}, the app expects {app.may_differ}"
    original, rewritten = before.read_text(), after.read_text()
    if app.kind == "untouched":
        assert rewritten.replace("# syntax=docker/dockerfile:1\n", "", 1) == original
    elif app.kind == "no-reorder":
        assert [ln for ln in rewritten.splitlines() if ln.startswith("COPY")] == \
            [ln for ln in original.splitlines() if ln.startswith("COPY")]
    else:
        assert rewritten != original
    report = rebuild_bench(context, before, after, app.name, "--phases", "cold,edit")
    b, a = (d["summary"] for d in report["dockerfiles"])

    # The same image, bar the caches the rewrite moved into mounts and the paths the fixes declare.
    mounted = {target for ins in parse(rewritten).instructions for target in mount_targets(ins)}
    ignores = [arg for path in sorted(set(declared) | mounted) for arg in ("--ignore", path)]
    diff = subprocess.run([str(lab / "image-diff"), *ignores, b["cold"]["image"], a["cold"]["image"]],
                          capture_output=True, text=True)
    assert diff.returncode == 0, diff.stdout[-3000:]

    print(f"{app.name}: source edit {b['edit']['wall_s']} s -> {a['edit']['wall_s']} s")
    if not app.edit_reruns_install:
        ran = [step for step in a["edit"]["executed"] if any(m in step for m in INSTALL_MARKERS)]
        assert ran == [], f"a source edit still re-runs the install: {ran}"
        assert any(any(m in step for m in INSTALL_MARKERS) for step in a["cold"]["executed"])
