"""Differential oracle: BuildKit's own parser (PyPI ``dockerfile``) versus dfix's.

Used only by tests.  ``compare`` returns a list of human-readable disagreements;
an empty list means the two parsers agree on instruction boundaries, keywords,
flags, values, JSON form and heredoc bodies.
"""

from __future__ import annotations

import pytest

dockerfile = pytest.importorskip(
    "dockerfile", reason="BuildKit's parser (PyPI 'dockerfile') has no wheel for this platform"
)

from dfix.dockerfile import DockerfileError, parse  # noqa: E402


def buildkit_parse(text: str):
    """BuildKit's commands, or the error message it raises."""
    try:
        return dockerfile.parse_string(text), None
    except dockerfile.GoParseError as exc:
        return None, str(exc)


def dfix_view(text: str):
    """dfix's parse in the oracle's shape, or the error message."""
    try:
        df = parse(text)
    except DockerfileError as exc:
        return None, exc.message
    rows = []
    for ins in df.instructions:
        cmd = ins.command
        sub = cmd.sub if cmd.name == "ONBUILD" else None
        try:
            values = tuple(cmd.values)
        except ValueError as exc:  # BuildKit fails the same file at parse time
            return None, str(exc)
        shown = sub or cmd
        rows.append(
            {
                "cmd": cmd.keyword.upper(),
                "sub_cmd": sub.keyword.upper() if sub else None,
                "json": shown.is_json,
                "start_line": ins.line,
                "end_line": ins.end_line,
                "flags": () if sub else tuple(f.text for f in cmd.flags),
                "value": values,
                # The wrapper reports an ONBUILD trigger's heredocs on a node it does not expose;
                # boundaries (end_line) still prove the body was consumed the same way.
                "heredocs": () if sub else tuple((h.name, h.body) for h in ins.heredocs),
            }
        )
    return rows, None


def compare(text: str) -> list[str]:
    theirs, their_err = buildkit_parse(text)
    ours, our_err = dfix_view(text)
    if their_err or our_err:
        if bool(their_err) != bool(our_err):
            return [f"error mismatch: buildkit={their_err!r} dfix={our_err!r}"]
        return []
    problems = []
    if len(theirs) != len(ours):
        problems.append(f"instruction count: buildkit={len(theirs)} dfix={len(ours)}")
    for bk, mine in zip(theirs, ours):
        expected = {
            "cmd": bk.cmd.upper(),
            "sub_cmd": bk.sub_cmd.upper() if bk.sub_cmd else None,
            "json": bk.json,
            "start_line": bk.start_line,
            "end_line": bk.end_line,
            "flags": tuple(bk.flags),
            "value": tuple(bk.value),
            "heredocs": tuple((h.name, h.content) for h in bk.heredocs),
        }
        for key, want in expected.items():
            if mine[key] != want:
                problems.append(f"line {bk.start_line} {key}: buildkit={want!r} dfix={mine[key]!r}")
        if problems:
            break
    return problems
