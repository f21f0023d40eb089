"""The text format (diff on stdout, notes on stderr) and the stable JSON document."""

from __future__ import annotations

import json
import os
import sys
from secrets import token_hex
from typing import Iterable

import click

from ..io.lines import lines
from ..io.printable import escape_controls, is_workflow_command, safe_line
from ..rules.findings import FileReport

JSON_SCHEMA_VERSION = 1


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}{'es' if word.endswith(('x', 's')) else 's'}"


def colour_diff(diff: str) -> str:
    out = []
    for line in lines(diff):
        if line.startswith(("+++", "---")):
            out.append(click.style(line, bold=True))
        elif line.startswith("@@"):
            out.append(click.style(line, fg="cyan"))
        elif line.startswith("+"):
            out.append(click.style(line, fg="green"))
        elif line.startswith("-"):
            out.append(click.style(line, fg="red"))
        else:
            out.append(line)
    return "".join(out)


def print_diff(diff: str) -> None:
    """The diff on stdout: made visible for a terminal, byte for byte for a pipe.

    A terminal gets escapes for control characters and bidi overrides (an OSC 52 in a
    comment would write the clipboard). A pipe or a file gets the exact bytes so that
    ``dfix | git apply`` applies; in a GitHub Actions log that text could hold workflow
    commands, so there it goes between ``::stop-commands::`` and a token nobody can guess.
    """
    ctx = click.get_current_context(silent=True)
    if sys.stdout.isatty() or (ctx is not None and ctx.color):  # --color always asks for a terminal's output
        click.echo(colour_diff("".join(_visible(line) for line in lines(diff))), nl=False)
        return
    guard = os.environ.get("GITHUB_ACTIONS") == "true" and any(is_workflow_command(x) for x in lines(diff))
    token = token_hex(16)
    if guard:
        click.echo(f"::stop-commands::{token}")
    click.echo(diff, nl=False, color=True)  # color=True: click would strip escape sequences from a pipe
    if guard:
        click.echo(f"::{token}::")


def _visible(line: str) -> str:
    end = 2 if line.endswith("\r\n") else 1 if line.endswith("\n") else 0  # a CRLF ending is harmless
    return escape_controls(line[: len(line) - end], keep="\t") + line[len(line) - end:]


def file_summary(r: FileReport, check: bool) -> str:
    codes = ", ".join(f"{f.code} line {f.line}" for f in r.fixes)
    n = _plural(len(r.fixes), "fix")
    if r.written:
        head = f"fixed {r.path}: {n} ({codes})"
    elif r.diff:
        head = f"{'would fix' if check else 'fixable'} {r.path}: {n} ({codes})"
    else:
        head = f"unchanged {r.path}"
    if r.extra_files:
        verb = "wrote" if r.written else "would write" if check else "also changes"
        head += f"; {verb} " + ", ".join(f"{p}{' (new)' if created else ''}" for p, created in r.extra_files)
    if r.reports:
        head += f"; {_plural(len(r.reports), 'finding')}"
    if r.skipped:
        head += f"; {_plural(len(r.skipped), 'fix')} skipped"
    return safe_line(head)


def emit_text(reports: Iterable[FileReport], *, check: bool, show_diff: bool, quiet: bool, verbose: bool) -> None:
    reports = list(reports)
    for r in reports:
        if r.error:
            click.secho(safe_line(f"error: {r.path}: {r.error}"), fg="red", err=True)
            continue
        if show_diff and r.diff and not quiet:
            print_diff(r.diff)
        if quiet:
            continue
        if r.diff or r.skipped or r.reports or verbose:
            click.echo(file_summary(r, check), err=True)
        for rep in r.reports:
            click.secho(f"  {r.path}:{rep.line}: {rep.code} {rep.severity.value}: {rep.message}",
                        fg="red" if rep.severity.value == "error" else "yellow", err=True)
        for s in r.skipped:
            click.secho(safe_line(f"  {r.path}:{s.line}: {s.code} skipped: {s.reason}"), fg="yellow", err=True)
        if verbose:
            for n in r.notes:
                click.echo(safe_line(f"  {r.path}:{n.line}: {n.code} not applied: {n.reason}"), err=True)
            for f in r.fixes:
                click.echo(safe_line(f"  {r.path}:{f.line}: {f.code} [{f.safety.value}] {f.message}"), err=True)
    if not quiet:
        click.echo(totals_line(reports, check), err=True)


def statistics_table(reports: list[FileReport]) -> str:
    """ruff's --statistics: per rule and outcome, how often, most frequent first."""
    from collections import Counter

    counts: Counter[tuple[str, str]] = Counter()
    for r in reports:
        counts.update((f.code, f"fix [{f.safety.value}]") for f in r.fixes)
        counts.update((s.code, "skipped") for s in r.skipped)
        counts.update((x.code, x.severity.value) for x in r.reports)
        if r.error:
            counts[("error", "file not processed")] += 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{n:>6}  {code:<6} {what}\n" for (code, what), n in rows)


def totals_line(reports: list[FileReport], check: bool) -> str:
    errors = sum(1 for r in reports if r.error)
    written = sum(1 for r in reports if r.written)
    pending = sum(1 for r in reports if r.pending)
    fixes = sum(len(r.fixes) for r in reports)
    parts = []
    if written:
        parts.append(f"{_plural(written, 'file')} fixed")
    if pending:
        parts.append(f"{_plural(pending, 'file')} {'would be fixed' if check else 'fixable'}")
    untouched = len(reports) - errors - written - pending
    if untouched:
        parts.append(f"{_plural(untouched, 'file')} unchanged")
    if errors:
        parts.append(f"{_plural(errors, 'error')}")
    return f"dfix: {', '.join(parts) or 'no files'} ({_plural(fixes, 'fix')})."


def to_json(reports: list[FileReport]) -> str:
    files = []
    for r in reports:
        files.append(
            {
                "path": r.path,
                "context": r.context,
                "error": r.error,
                "fixes": [
                    {"code": f.code, "message": f.message, "line": f.line, "safety": f.safety.value,
                     "applied": r.written, "may_differ": list(f.may_differ)}
                    for f in r.fixes
                ],
                "skipped": [{"code": s.code, "line": s.line, "reason": s.reason} for s in r.skipped],
                "notes": [{"code": n.code, "line": n.line, "reason": n.reason} for n in r.notes],
                "reports": [{"code": x.code, "line": x.line, "message": x.message, "severity": x.severity.value}
                            for x in r.reports],
                "diff": r.diff,
                "extra_files": [{"path": path, "created": created} for path, created in r.extra_files],
            }
        )
    return _document(files, reports, None)


def empty_json(error: str) -> str:
    """The document for a run stopped before any file (a usage error): no entries, ``error`` set."""
    return _document([], [], error)


def _document(files: list[dict], reports: list[FileReport], error: str | None) -> str:
    summary = {
        "files": len(reports),
        "changed": sum(1 for r in reports if r.diff),
        "written": sum(1 for r in reports if r.written),
        "errors": sum(1 for r in reports if r.error) + (error is not None),
        "fixes": sum(len(r.fixes) for r in reports),
        "skipped": sum(len(r.skipped) for r in reports),
        "reports": sum(len(r.reports) for r in reports),
    }
    return json.dumps({"version": JSON_SCHEMA_VERSION, "files": files, "summary": summary, "error": error},
                      indent=2)
