"""SARIF 2.1.0 output: the rule catalogue as rule metadata, fixes as results with SARIF fixes.

One result per pending fix (level ``warning``) and per skipped fix (level ``note``, with the
reason). The file's rewrite, read from its unified diff, is split into changes; each change
is attached as a SARIF ``fix`` to the pending result whose line is nearest to it, so every
change belongs to exactly one result and applying all of a file's fixes gives dfix's output
byte for byte. Per-file errors are tool execution notifications (level ``error``).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from .diffregions import Change, changes
from ..rules.findings import FileReport
from ..secrets import MASK

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def to_sarif(reports: list[FileReport]) -> str:
    from ..rules import ALL_RULES

    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    results: list[dict] = []
    notifications: list[dict] = []
    for r in reports:
        if r.error:
            notifications.append(_error_notification(r))
        else:
            results.extend(_file_results(r, index))
    run = {
        "tool": {"driver": _driver(ALL_RULES)},
        # Columns are counted the way Python counts characters.
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    return json.dumps({"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}, indent=2)


def _driver(rules) -> dict:
    from ..templates_env import render

    return {
        "name": "dfix",
        "version": __version__,
        "rules": [
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary()},
                "fullDescription": {"text": rule.sections().get("What it does", rule.summary())},
                "help": {"text": rule.doc(), "markdown": render("rule.md.j2", rule=rule)},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"safety": rule.safety.value, "tags": ["dockerfile", "build-cache"]},
            }
            for rule in rules
        ],
    }


def artifact_uri(path: str) -> str:
    """A relative path stays relative (to the directory dfix ran in); an absolute one is a file URI.

    Percent-encoded either way: in a URI reference ``#`` starts a fragment, ``?`` a query and a
    space is not allowed, so ``c#1/Dockerfile`` would name the file ``c``.
    """
    p = Path(path)
    return p.as_uri() if p.is_absolute() else quote(p.as_posix(), safe="/")


def _location(uri: str, line: int | None = None) -> dict:
    physical: dict = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _error_notification(r: FileReport) -> dict:
    return {"level": "error", "message": {"text": f"{r.path}: {r.error}"},
            "locations": [_location(artifact_uri(r.path))]}


def _file_results(r: FileReport, index: dict[str, int]) -> list[dict]:
    uri = artifact_uri(r.path)
    out = []
    if r.pending:
        file_changes = changes(r.own_diff)
        if r.masked:
            # A change whose new text holds a masked secret would write the mask into the file.
            file_changes = [c for c in file_changes if MASK not in c.inserted]
        owners = assign_changes([f.line for f in r.fixes], file_changes)
        # Another file (DF301's .dockerignore) goes whole to the first fix that changed it.
        file_owner = next((i for i, f in enumerate(r.fixes) if f.files), None)
        for i, f in enumerate(r.fixes):
            result = _result(f.code, index, "warning", f.message, uri, f.line)
            result["properties"] = {"safety": f.safety.value}
            fixes = [_sarif_fix(f.code, f.message, uri, owners[i])] if owners[i] else []
            if i == file_owner:
                fixes += [_sarif_fix(f.code, f.message, artifact_uri(path), changes(diff))
                          for path, diff in r.extra_diffs]
            if fixes:
                result["fixes"] = [_merge(fixes)]
            out.append(result)
    for x in r.reports:
        out.append(_result(x.code, index, _SARIF_LEVEL[x.severity.value], x.message, uri, x.line))
    for s in r.skipped:
        out.append(_result(s.code, index, "note", f"{s.code} skipped: {s.reason}", uri, s.line))
    return out


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _result(code: str, index: dict[str, int], level: str, text: str, uri: str, line: int) -> dict:
    result = {"ruleId": code, "level": level, "message": {"text": text}, "locations": [_location(uri, line)]}
    if code in index:
        result["ruleIndex"] = index[code]
    return result


def _sarif_fix(code: str, message: str, uri: str, owned: list[Change]) -> dict:
    replacements = []
    for change in owned:
        replacement: dict = {"deletedRegion": change.region()}
        if change.inserted:
            replacement["insertedContent"] = {"text": change.inserted}
        replacements.append(replacement)
    return {
        "description": {"text": f"{code}: {message}"},
        "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}],
    }


def _merge(fixes: list[dict]) -> dict:
    """One SARIF fix changing several artifacts (the Dockerfile and a .dockerignore)."""
    merged = dict(fixes[0])
    merged["artifactChanges"] = [change for fix in fixes for change in fix["artifactChanges"]]
    return merged


def assign_changes(fix_lines: list[int], file_changes: list[Change]) -> list[list[Change]]:
    """For each fix (by its line), the changes it owns: each change goes to exactly one fix.

    The engine applies a file's fixes together, so which fix made which change is not
    recorded; a change goes to the fix on a line it replaces, else to the nearest fix
    (the first on a tie). When fixes touch neighbouring lines the split is approximate,
    but the union of all fixes is always exactly dfix's rewrite.
    """
    owned: list[list[Change]] = [[] for _ in fix_lines]
    if not fix_lines:
        return owned
    for change in file_changes:
        def distance(line: int, change: Change = change) -> int:
            if change.start <= line <= change.end:
                return 0
            return min(abs(line - change.start), abs(line - max(change.end, change.start)))

        best = min(range(len(fix_lines)), key=lambda i: (distance(fix_lines[i]), i))
        owned[best].append(change)
    return owned
