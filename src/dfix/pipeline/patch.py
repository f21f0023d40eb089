"""Unified diffs of a rewrite (made with difflib, summarised with unidiff)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..io.lines import lines

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(before: str | None, after: str, path: str, context: int = 3) -> str:
    """A patch that ``patch``/``git apply`` accept, CRLF and missing final newlines included.

    ``before`` is None for a file the patch creates (``--- /dev/null``).
    """
    if before == after:
        return ""
    a = lines(before or "")
    b = lines(after)
    out = []
    old_name = "/dev/null" if before is None else f"a/{path}"
    for line in difflib.unified_diff(a, b, old_name, f"b/{path}", n=context):
        out.append(line)
        if not line.endswith("\n"):
            # difflib leaves a last line without its newline; say so the way diff does.
            out[-1] = line + "\n"
            out.append(NO_NEWLINE)
    # Header lines from difflib end in "\n" already.
    return "".join(out)


@dataclass(frozen=True)
class DiffStats:
    added: int
    removed: int
    hunks: int


def stats(diff: str) -> DiffStats:
    if not diff:
        return DiffStats(0, 0, 0)
    from unidiff import PatchSet

    patch = PatchSet(lines(diff))
    return DiffStats(
        added=sum(f.added for f in patch),
        removed=sum(f.removed for f in patch),
        hunks=sum(len(f) for f in patch),
    )
