"""Golden cases: golden/<case>/ holds an input context and the expected result.

Files per case:
  Dockerfile     the input (with any manifests and .dfix.toml beside it)
  args           optional extra command-line arguments, one line
  expected       the Dockerfile dfix --write must produce (byte for byte)
  expected.json  the fixes, skipped fixes and reports dfix must give; with a "notes" key,
                 the notes (where a rule looked and had nothing to do) too
  expected.dockerignore
                 the .dockerignore dfix --write must leave (DF301); without it, the
                 case's .dockerignore (or its absence) must be left as it was

Run ``pytest tests/test_golden.py --update-golden`` to rewrite the expectations from
the current output, then review them with ``git diff golden/``.
"""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GOLDEN

from dfix.cli import main

CASES = sorted(p for p in GOLDEN.iterdir() if (p / "Dockerfile").is_file()) if GOLDEN.is_dir() else []


def run_case(case: Path, tmp_path: Path, notes: bool = False) -> tuple[str, dict]:
    work = tmp_path / case.name
    shutil.copytree(case, work, symlinks=True)
    args = shlex.split((case / "args").read_text()) if (case / "args").is_file() else []
    result = CliRunner().invoke(main, [*args, "--write", "--format", "json", str(work / "Dockerfile")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["files"][0]
    summary = {
        "fixes": [[f["code"], f["line"]] for f in report["fixes"]],
        "skipped": [[s["code"], s["line"], s["reason"]] for s in report["skipped"]],
    }
    if report["reports"]:  # display-only findings (a secret, a floating tag): recorded where there are any
        summary["reports"] = [[x["code"], x["line"], x["severity"], x["message"]] for x in report["reports"]]
    if notes:
        summary["notes"] = [[n["code"], n["line"], n["reason"]] for n in report["notes"]]
    return (work / "Dockerfile").read_bytes().decode("utf-8"), summary


def _text(path: Path) -> str | None:
    return path.read_bytes().decode("utf-8") if path.is_file() else None


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden(case: Path, tmp_path: Path, update_golden: bool):
    expected_path, summary_path = case / "expected", case / "expected.json"
    notes = summary_path.is_file() and "notes" in json.loads(summary_path.read_text())
    output, summary = run_case(case, tmp_path, notes)
    ignore_before, ignore_after = _text(case / ".dockerignore"), _text(tmp_path / case.name / ".dockerignore")
    expected_ignore = case / "expected.dockerignore"
    if update_golden:
        expected_path.write_bytes(output.encode("utf-8"))
        summary_path.write_text(json.dumps(summary, indent=2) + "\n")
        if ignore_after != ignore_before and ignore_after is not None:
            expected_ignore.write_bytes(ignore_after.encode("utf-8"))
        elif expected_ignore.is_file():
            expected_ignore.unlink()
    assert expected_path.is_file(), f"{case.name}: no expected file; run pytest --update-golden and review it"
    assert output == expected_path.read_bytes().decode("utf-8")
    assert summary == json.loads(summary_path.read_text())
    assert ignore_after == (_text(expected_ignore) if expected_ignore.is_file() else ignore_before)
    # A second run over the output proposes nothing.
    again_dir = tmp_path / "again"
    shutil.copytree(tmp_path / case.name, again_dir)
    args = shlex.split((case / "args").read_text()) if (case / "args").is_file() else []
    # (--check would also exit 1 for an error-level report, which a rewrite cannot remove.)
    again = CliRunner().invoke(main, [*args, "--format", "json", str(again_dir / "Dockerfile")])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["files"][0]["diff"] == "", again.stdout
