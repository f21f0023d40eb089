"""bench/realworld/run.py: the harness the lead re-runs on real public Dockerfiles.

It runs the real dfix of this checkout's environment on a copy of examples/node-naive laid out
as a checkout under a root, the way /work/realworld is.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DFIX = Path(sys.executable).with_name("dfix")


def _load_harness():
    spec = importlib.util.spec_from_file_location("realworld_run", REPO / "bench" / "realworld" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    if not DFIX.exists():
        pytest.skip(f"no dfix executable beside {sys.executable}")
    root = tmp_path / "root"
    shutil.copytree(REPO / "examples" / "node-naive", root / "acme+shop")
    tsv = tmp_path / "repos.tsv"
    tsv.write_text("repo\tcommit\tdockerfile\tcontext\n"
                   "acme/shop\t0123abcd\tDockerfile\t.\n"
                   "acme/gone\t0123abcd\tDockerfile\t.\n")
    return root, tsv


def test_runs_both_modes_and_writes_the_review_material(layout, tmp_path, capsys):
    root, tsv = layout
    out = tmp_path / "out"
    assert _load_harness().main(["--tsv", str(tsv), "--root", str(root), "--out", str(out), "--dfix", str(DFIX)]) == 0
    case = out / "acme+shop__Dockerfile"
    default, unsafe = (case / "default.diff").read_text(), (case / "unsafe.diff").read_text()
    assert "--mount=type=cache,target=/root/.npm" in default
    assert "npm ci" not in default and "npm ci" in unsafe  # DF103 is unsafe on main
    assert "skip DF103" in (case / "default.txt").read_text()
    summary = (out / "summary.md").read_text()
    assert "| 1 | 1 | 1 | 0 | 0 |" in summary  # the missing checkout is reported, not counted
    assert "acme+gone" in capsys.readouterr().err


def test_a_dfix_that_prints_no_report_is_an_error_not_an_unchanged_file(layout, tmp_path):
    root, tsv = layout
    out = tmp_path / "out"
    _load_harness().main(["--tsv", str(tsv), "--root", str(root), "--out", str(out), "--dfix", "/bin/false"])
    assert "| 1 | 0 | 0 | 1 | 0 |" in (out / "summary.md").read_text()
    assert (out / "acme+shop__Dockerfile" / "default.txt").read_text().startswith("ERROR: exit 1")


def test_baseline_marks_only_the_cases_whose_diffs_changed(layout, tmp_path):
    root, tsv = layout
    harness = _load_harness()
    first, second = tmp_path / "first", tmp_path / "second"
    args = ["--tsv", str(tsv), "--root", str(root), "--dfix", str(DFIX), "--no-idempotence"]
    harness.main([*args, "--out", str(first)])
    harness.main([*args, "--out", str(second), "--baseline", str(first)])
    assert "| same |" in (second / "summary.md").read_text()
    reviewed = first / "acme+shop__Dockerfile" / "unsafe.diff"
    reviewed.write_text(reviewed.read_text().replace("npm ci", "npm install"))
    harness.main([*args, "--out", str(second), "--baseline", str(first)])
    assert "| CHANGED unsafe |" in (second / "summary.md").read_text()
