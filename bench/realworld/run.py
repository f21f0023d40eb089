"""Run dfix over real public Dockerfiles and collect what it proposes, for human review.

Each TSV row names a repository checked out under ROOT (directory ``OWNER+NAME``), the
commit it was taken from, the Dockerfile and the build context (both relative to that
checkout). For every row dfix runs twice, default and ``--unsafe-fixes``, with
``--format json --context CTX``; the per-case outputs go under OUT/CASE/:

    default.json / unsafe.json      dfix's JSON report as printed
    default.diff / unsafe.diff      the proposed patch
    default.txt  / unsafe.txt       fixes (code, line, safety, message), skips (code, line, reason)
                                    and notes (why a rule left an instruction alone), when dfix gives them
    *.stderr                        anything dfix printed on stderr

It also applies each patch to a scratch copy and runs dfix again on it: a rewrite that
proposes more changes is not idempotent and is flagged in the summary.

OUT/summary.md holds one row per case and the totals (files, changed by default, changed
by --unsafe-fixes, errors, non-idempotent). The figures are printed too. With --baseline
DIR (the OUT of an earlier, reviewed run) each row also says whether its default and
unsafe diffs are the same as the reviewed ones, so only the changed cases need a new look.

Usage:
    python3 bench/realworld/run.py --tsv REPOS.tsv --root /work/realworld --out OUT [--dfix PATH] [--baseline OLD_OUT]

Stdlib only, so it runs against any installed dfix without this checkout's venv.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MODES = {"default": [], "unsafe": ["--unsafe-fixes"]}


@dataclass
class Case:
    repo: str
    commit: str
    dockerfile: str
    context: str

    @property
    def checkout(self) -> str:
        return self.repo.replace("/", "+")

    @property
    def name(self) -> str:
        slug = self.dockerfile.replace("/", "__")
        return f"{self.checkout}__{slug}"


@dataclass
class Outcome:
    exit_code: int
    report: dict | None
    stderr: str
    error: str | None = None
    idempotent: bool | None = None
    codes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self._file().get("diff"))

    def _file(self) -> dict:
        files = (self.report or {}).get("files") or [{}]
        return files[0]

    def fixes(self) -> list[dict]:
        return self._file().get("fixes") or []

    def skipped(self) -> list[dict]:
        return self._file().get("skipped") or []

    def notes(self) -> list[dict]:
        """Why a rule looked at an instruction and left it alone (newer dfix only)."""
        return self._file().get("notes") or []

    def diff(self) -> str:
        return self._file().get("diff") or ""


def read_cases(tsv: Path) -> list[Case]:
    with tsv.open(newline="") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    if rows and rows[0][0] == "repo":
        rows = rows[1:]
    return [Case(*(cell.strip() for cell in row[:4])) for row in rows]


def run_dfix(dfix: str, dockerfile: Path, context: Path, extra: list[str], timeout: int) -> Outcome:
    cmd = [dfix, "--format", "json", "--context", str(context), *extra, str(dockerfile)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(-1, None, "", error=f"timed out after {timeout}s")
    try:
        report = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError as exc:
        return Outcome(proc.returncode, None, proc.stderr, error=f"unreadable JSON: {exc}")
    outcome = Outcome(proc.returncode, report, proc.stderr)
    file_error = outcome._file().get("error")
    if file_error or report is None or proc.returncode not in (0, 1):
        # A crash prints a traceback and no JSON: its last line is the useful part.
        last = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        outcome.error = file_error or last[0]
    outcome.codes = [f"{f['code']}:{f['line']}" for f in outcome.fixes()]
    return outcome


def check_idempotent(dfix: str, case_dir: Path, case: Case, extra: list[str], timeout: int) -> bool | None:
    """Write the rewrite into a scratch copy of the whole checkout, then ask for changes again.

    The copy holds the context too: --write also writes DF301's .dockerignore into the
    context, and written into the real checkout it changed what later runs judged (an
    independent review found 55 .dockerignore files left in the set by one run).
    """
    with tempfile.TemporaryDirectory(prefix="dfix-realworld-") as scratch:
        tree = Path(scratch) / "tree"
        shutil.copytree(case_dir, tree, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        copy, context = tree / case.dockerfile, tree / case.context
        write = subprocess.run([dfix, "--write", "--quiet", "--context", str(context), *extra, str(copy)],
                               capture_output=True, text=True, timeout=timeout)
        if write.returncode not in (0, 1):
            return None
        again = run_dfix(dfix, copy, context, extra, timeout)
        if again.error:
            return None
        return not again.changed


def describe(outcome: Outcome) -> str:
    lines = []
    if outcome.error:
        lines.append(f"ERROR: {outcome.error}")
    for fix in outcome.fixes():
        lines.append(f"fix  {fix['code']} line {fix['line']} [{fix['safety']}]: {fix['message']}")
    for skip in outcome.skipped():
        lines.append(f"skip {skip['code']} line {skip['line']}: {skip['reason']}")
    for note in outcome.notes():
        lines.append(f"note {note['code']} line {note['line']}: {note['reason']}")
    if outcome.idempotent is False:
        lines.append("NOT IDEMPOTENT: a second run proposes more changes")
    return "\n".join(lines) + "\n"


def save(out: Path, mode: str, outcome: Outcome) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{mode}.json").write_text(json.dumps(outcome.report, indent=2) + "\n" if outcome.report else "")
    (out / f"{mode}.diff").write_text(outcome.diff())
    (out / f"{mode}.txt").write_text(describe(outcome))
    (out / f"{mode}.stderr").write_text(outcome.stderr)


def _hunks(diff: str) -> list[str]:
    """The diff without its ---/+++ header, which names the file by its absolute path."""
    return [line for line in diff.splitlines() if not line.startswith(("--- ", "+++ "))]


def against_baseline(baseline: Path | None, case: Case, outcomes: dict[str, Outcome]) -> str:
    """'same' when both diffs equal the reviewed run's, else which modes differ ('new' if unreviewed)."""
    if baseline is None:
        return ""
    changed = []
    for mode, outcome in outcomes.items():
        old = baseline / case.name / f"{mode}.diff"
        if not old.is_file():
            return "new"
        if _hunks(old.read_text()) != _hunks(outcome.diff()):
            changed.append(mode)
    return "same" if not changed else "CHANGED " + "+".join(changed)


def summarise(rows: list[tuple[Case, dict[str, Outcome]]], baseline: Path | None = None) -> tuple[str, dict[str, int]]:
    totals = {"files": len(rows), "changed_default": 0, "changed_unsafe": 0, "errors": 0, "not_idempotent": 0}
    if baseline is not None:
        totals["differs_from_baseline"] = 0
    table = ["| case | default fixes | unsafe fixes | skips (default) | vs baseline | note |",
             "|---|---|---|---|---|---|"]
    for case, outcomes in rows:
        default, unsafe = outcomes["default"], outcomes["unsafe"]
        totals["changed_default"] += default.changed
        totals["changed_unsafe"] += unsafe.changed
        errors = [o.error for o in outcomes.values() if o.error]
        totals["errors"] += bool(errors)
        not_idem = any(o.idempotent is False for o in outcomes.values())
        totals["not_idempotent"] += not_idem
        note = "; ".join(str(e) for e in errors) + ("NOT IDEMPOTENT" if not_idem else "")
        versus = against_baseline(baseline, case, outcomes)
        if baseline is not None and versus != "same":
            totals["differs_from_baseline"] += 1
        table.append(f"| {case.name} | {' '.join(default.codes) or '-'} | {' '.join(unsafe.codes) or '-'} "
                     f"| {len(default.skipped())} | {versus} | {note.replace('|', '/')} |")
    names = {"files": "files", "changed_default": "changed by default", "changed_unsafe": "changed by --unsafe-fixes",
             "errors": "errors", "not_idempotent": "not idempotent", "differs_from_baseline": "differs from baseline"}
    head = ["| " + " | ".join(names[k] for k in totals) + " |", "|" + "---|" * len(totals),
            "| " + " | ".join(str(v) for v in totals.values()) + " |", ""]
    return "\n".join(head + table) + "\n", totals


def default_dfix() -> str:
    found = shutil.which("dfix")
    return found or str(Path(sys.executable).with_name("dfix"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, required=True, help="repo, commit, dockerfile, context per line")
    parser.add_argument("--root", type=Path, required=True, help="directory holding the OWNER+NAME checkouts")
    parser.add_argument("--out", type=Path, required=True, help="directory for per-case outputs and summary.md")
    parser.add_argument("--dfix", default=default_dfix(), help="the dfix executable to run")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per dfix run")
    parser.add_argument("--no-idempotence", action="store_true", help="skip the second run on the rewrite")
    parser.add_argument("--baseline", type=Path, help="OUT of a reviewed run: mark the cases whose diffs changed")
    args = parser.parse_args(argv)

    rows = []
    for case in read_cases(args.tsv):
        case_dir = args.root / case.checkout
        dockerfile, context = case_dir / case.dockerfile, case_dir / case.context
        if not dockerfile.is_file() or not context.is_dir():
            print(f"{case.name}: missing checkout ({dockerfile} / {context}); skipped", file=sys.stderr)
            continue
        outcomes = {}
        for mode, extra in MODES.items():
            outcome = run_dfix(args.dfix, dockerfile, context, extra, args.timeout)
            if outcome.changed and not outcome.error and not args.no_idempotence:
                outcome.idempotent = check_idempotent(args.dfix, case_dir, case, extra, args.timeout)
            save(args.out / case.name, mode, outcome)
            outcomes[mode] = outcome
        rows.append((case, outcomes))
        print(f"{case.name}: default {' '.join(outcomes['default'].codes) or '-'}; "
              f"unsafe {' '.join(outcomes['unsafe'].codes) or '-'}", file=sys.stderr)
    text, totals = summarise(rows, args.baseline)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.md").write_text(text)
    print(" ".join(f"{k}={v}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
