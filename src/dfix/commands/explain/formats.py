"""``dfix explain`` documents as a terminal table (rich, imported lazily) or GitHub markdown."""

from __future__ import annotations

from typing import Any, Iterator

from ...io.printable import md_code, md_message, safe_line

Row = list[str]


def _pairs(doc: dict[str, Any]) -> Iterator[tuple[dict | None, dict | None]]:
    """Original and rewritten rows side by side, in the rewritten file's order (original-only rows after)."""
    old_rows = doc["steps"]
    new_rows = doc.get("rewritten_steps")
    if new_rows is None:
        for row in old_rows:
            yield row, None
        return
    by_line = {r["line"]: r for r in old_rows}
    used: set[int] = set()
    for row in new_rows:
        mate = by_line.get(row.get("pair_line")) if row.get("pair_line") is not None else None
        if mate is not None:
            used.add(mate["line"])
        yield mate, row
    for row in old_rows:
        if row["line"] not in used:
            yield row, None


def _cell(row: dict | None) -> str:
    if row is None:
        return "—"
    mark = " (install)" if row.get("installs_dependencies") else ""
    return f"{row['step']} {row['instruction']}{mark}"


def _evidence(row: dict | None, side: str) -> str:
    if row is None:
        return ""
    parts = []
    if "reruns" in row:
        parts.append("re-runs" if row["reruns"] else "cached")
    if "rebuilds" in row:
        parts.append(str(row["rebuilds"][side]))
    if row.get("seconds") is not None:
        parts.append(f"{row['seconds']:.1f}s")
    return " · ".join(parts)


def tables(doc: dict[str, Any]) -> list[tuple[str, Row, list[Row]]]:
    """(title, header, rows) per table: the steps with what invalidates them, or the evidence side by side."""
    if "changed" in doc or "history" in doc:
        label = "re-runs over history" if "history" in doc else "after the change"
        header = ["original step", label, "rewritten step", label]
        rows = [[_cell(old), _evidence(old, "original"),
                 _cell(new) if new or "rewritten_steps" in doc else "(no fix: as original)",
                 _evidence(new, "rewritten") if new or "rewritten_steps" in doc else _evidence(old, "rewritten")]
                for old, new in _pairs(doc)]
        return [("", header, rows)]
    header = ["step", "line", "instruction", "invalidated by"]
    out = []
    for key, title in (("steps", "as on disk"), ("rewritten_steps", "after dfix's fixes")):
        if key in doc:
            rows = [[r["step"], str(r["line"]), _cell(r).split(" ", 1)[1], "; ".join(r["invalidated_by"])]
                    for r in doc[key]]
            out.append((title, header, rows))
    return out


def footer(doc: dict[str, Any]) -> list[str]:
    lines = []
    if doc.get("fixes"):
        lines.append("rewritten by: " + ", ".join(f"{f['code']} (line {f['line']})" for f in doc["fixes"]))
    elif "rewritten_steps" not in doc:
        lines.append("dfix has no fix for this file: the rewritten columns repeat the original")
    history = doc.get("history")
    if history:
        for side in ("original", "rewritten"):
            hits = history["install_reruns"][side]
            shown = ", ".join(h["sha"] for h in hits[:12]) + (" ..." if len(hits) > 12 else "")
            lines.append(f"{side}: the dependency install re-runs in {len(hits)} of {history['commits']} commits"
                         + (f" ({shown})" if hits else ""))
        if history.get("dockerfile_edited"):
            lines.append(f"{len(history['dockerfile_edited'])} of those commits edited the Dockerfile itself; "
                         "the replay uses today's Dockerfile")
        if "seconds" in history:
            s = history["seconds"]
            lines.append(f"step time over those commits: {s['original']} s -> {s['rewritten']} s "
                         f"(saved {s['saved']} s; logged times, a step without one counts 0 s)")
    if "changed" in doc:
        changed = doc["changed"]
        what = ", ".join(changed["paths"] + [f"--build-arg {a}" for a in changed["build_args"]]) or "nothing"
        lines.insert(0, f"changed: {what}")
    return lines


def render_markdown(docs: list[dict[str, Any]]) -> str:
    """GitHub Markdown where nothing from the repository is markup: steps in code spans it
    cannot close, other cells and the footer as text with dfix's own `code` kept."""
    out: list[str] = []
    for doc in docs:
        out.append(f"### {md_code(doc['path'])} (target {md_code(doc['target'])})\n")
        for title, header, rows in tables(doc):
            if title:
                out.append(f"{title}:\n")
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "---|" * len(header))
            code = [name.endswith("step") or name == "instruction" for name in header]
            for row in rows:
                out.append("| " + " | ".join(md_code(c) if c and is_code else md_message(c)
                                             for c, is_code in zip(row, code)) + " |")
            out.append("")
        out.extend(f"- {md_message(line)}" for line in footer(doc))
        out.append("")
    return "\n".join(out)


def print_text(docs: list[dict[str, Any]]) -> None:
    """Tables on stdout: as wide as the terminal, or 200 columns when piped."""
    import sys

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=None if sys.stdout.isatty() else 200)
    for doc in docs:
        for title, header, rows in tables(doc):
            heading = f"{doc['path']} (target {doc['target']})" + (f", {title}" if title else "")
            table = Table(title=Text(safe_line(heading)), title_justify="left")
            for name in header:
                table.add_column(name, overflow="fold")
            for row in rows:
                table.add_row(*(Text(safe_line(cell)) for cell in row))  # "[build 2/5]" is not markup
            console.print(table)
        for line in footer(doc):
            console.print(safe_line(line), highlight=False, markup=False)
