"""The changes of a unified diff as replacements of original lines (read with unidiff).

Review formats (SARIF fixes) need "replace these lines of the file on disk with this
text", not hunks with context. A hunk is split at its context lines: each run of
removed and added lines is one :class:`Change`, anchored at original line numbers,
with its line endings and a missing final newline kept exactly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """Original lines ``start``.. replaced by ``inserted`` (no deleted lines: insert before ``start``)."""

    start: int  # 1-based line of the original file
    deleted: tuple[str, ...]  # the original lines, each with its line ending (the last may have none)
    inserted: str

    @property
    def end(self) -> int:
        """Last original line replaced (``start - 1`` for a pure insertion)."""
        return self.start + len(self.deleted) - 1

    def region(self) -> dict[str, int]:
        """The replaced text as a SARIF region: 1-based lines and columns, end column exclusive.

        Whole lines end at column 1 of the next line so their line break goes too; a last line
        without a line break ends after its last character. A pure insertion is an empty region.
        """
        if not self.deleted:
            return {"startLine": self.start, "startColumn": 1, "endLine": self.start, "endColumn": 1}
        last = self.deleted[-1]
        if last.endswith("\n"):
            return {"startLine": self.start, "startColumn": 1, "endLine": self.end + 1, "endColumn": 1}
        return {"startLine": self.start, "startColumn": 1, "endLine": self.end, "endColumn": len(last) + 1}


def changes(diff: str) -> list[Change]:
    """Every change of a single-file unified diff, in file order."""
    if not diff:
        return []
    from unidiff import PatchSet

    from ..io.lines import lines

    out: list[Change] = []
    for patched in PatchSet(lines(diff)):
        for hunk in patched:
            out.extend(_hunk_changes(hunk))
    return out


def _hunk_changes(hunk) -> list[Change]:
    # Each entry: [line_type, source_line_no, value]; "\ No newline" strips the line before it.
    rows: list[list] = []
    for line in hunk:
        if line.line_type == "\\":
            if rows and rows[-1][2].endswith("\n"):
                rows[-1][2] = rows[-1][2][:-1]
            continue
        rows.append([line.line_type, line.source_line_no, line.value])
    out: list[Change] = []
    # The original line after the last context line seen: where an insertion goes.
    # "@@ -k,0 ..." inserts after line k; otherwise the hunk starts at line k.
    next_source = hunk.source_start + 1 if hunk.source_length == 0 else hunk.source_start
    run_start, deleted, inserted = None, [], []

    def flush() -> None:
        nonlocal run_start, deleted, inserted
        if deleted or inserted:
            out.append(Change(run_start, tuple(deleted), "".join(inserted)))
        run_start, deleted, inserted = None, [], []

    for kind, source_no, value in rows:
        if kind == " ":
            flush()
            next_source = source_no + 1
            continue
        if run_start is None:
            run_start = next_source
        if kind == "-":
            deleted.append(value)
            next_source = source_no + 1
        else:
            inserted.append(value)
    flush()
    return out
