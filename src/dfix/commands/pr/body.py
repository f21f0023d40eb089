"""The pull request body and the commit message, rendered from templates/pr_body.md.j2."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterable, Sequence

from ...io.printable import escape_controls, md_code, md_message

MARKER = "<!-- dfix:pr -->"  # lets a maintainer (or a later tool) tell the bot's PRs apart
MAX_BODY = 65_000  # GitHub refuses a pull request body over 65,536 characters


@dataclass(frozen=True)
class FixItem:
    path: str
    line: int
    code: str
    message: str
    safety: str = "safe"


@dataclass(frozen=True)
class SkipItem:
    path: str
    line: int
    code: str
    reason: str


RebuildRow = tuple[str, int, int]  # (step label, rebuilds of the original, rebuilds of the rewrite)


def mermaid_label(text: str, limit: int = 40) -> str:
    """A step label as a quoted xychart category: one line, no double quotes, no backtick (it
    could close the chart's fence), short."""
    flat = escape_controls(" ".join(text.replace('"', "'").replace("`", "'").split()))
    return f'"{flat if len(flat) <= limit else flat[: limit - 1] + "…"}"'


def fence(text: str) -> str:
    """A code fence longer than any backtick run inside the text, so the text cannot close it."""
    import re

    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def pr_body(fixes: Iterable[FixItem], skipped: Iterable[SkipItem],
            rebuild_rows: Sequence[RebuildRow] | None = None, *,
            diffs: Sequence[tuple[str, str]] = (), commits: int | None = None,
            warnings: Sequence[str] = ()) -> str:
    """Markdown for the pull request: each fix with its reason, what was skipped and why, and,
    when ``rebuild_rows`` are given, the rebuild evidence as a Mermaid bar chart and a table.

    ``diffs`` are (path, unified diff) pairs shown folded; ``commits`` is how many commits the
    rebuild counts replayed, for the headings; ``warnings`` are the fixer's, shown first. A body over GitHub's size limit drops the diffs
    (they are in the commit), then cuts the lists with a note.
    """
    fixes, skipped = list(fixes), list(skipped)
    body = _render(fixes, skipped, rebuild_rows, diffs, commits, omitted=0, warnings=warnings)
    if len(body) > MAX_BODY and diffs:
        body = _render(fixes, skipped, rebuild_rows, (), commits, omitted=len(diffs), warnings=warnings)
    if len(body) > MAX_BODY:
        cut = "\n\n*(cut: the full list is in the commit message)*\n"
        body = body[: MAX_BODY - len(cut)].rsplit("\n", 1)[0] + cut
    return body


def _render(fixes, skipped, rebuild_rows, diffs, commits, omitted: int, warnings=()) -> str:
    import re

    from ...templates_env import render

    rows = [(str(label), int(original), int(rewritten)) for label, original, rewritten in (rebuild_rows or ())]
    text = render(
        "pr_body.md.j2",
        marker=MARKER,
        fixes=fixes,
        skipped=skipped,
        warnings=list(warnings),
        omitted_diffs=omitted,
        fence=fence,
        rows=rows,
        y_max=max([1] + [max(o, r) for _, o, r in rows]),
        commits=commits,
        diffs=list(diffs),
        mermaid_label=mermaid_label,
        # Nothing from the repository is markup: paths and steps in code spans they cannot
        # close, messages as text (their `code` kept), no HTML, no @mention.
        code=md_code,
        text=md_message,
        html=lambda value: html.escape(escape_controls(value)),
    )
    # The template's conditional sections leave runs of blank lines; diffs never contain empty lines.
    return re.sub(r"\n{3,}", "\n\n", text)


# How the bot knows its own commits on its branch (it replaces nothing else).
COMMIT_SUBJECT_PREFIX = "dfix: "


def commit_message(fixes: Sequence[FixItem], skipped: Sequence[SkipItem]) -> str:
    files = sorted({f.path for f in fixes})
    subject = f"{COMMIT_SUBJECT_PREFIX}cache-friendly builds for {files[0] if len(files) == 1 else f'{len(files)} Dockerfiles'}"
    lines = [subject, "", "Fixes applied by dfix (each keeps the final image the same):", ""]
    lines += [f"- {f.path}:{f.line} {f.code}: {f.message}" for f in fixes]
    if skipped:
        lines += ["", "Left alone, with the reason:", ""]
        lines += [f"- {s.path}:{s.line} {s.code}: {s.reason}" for s in skipped]
    return "\n".join(lines) + "\n"
