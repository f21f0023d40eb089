"""Rendering reports: one module per --format, and this one registry of them.

The fixer's ``--format`` choices come from FORMATS; each renderer reads finding data
(rules.findings) only, and is imported when used, so ``dfix --version`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..rules.findings import FileReport

# name -> (module under dfix.report, function returning the document). "text" is written by
# render.emit_text instead: it splits the diff (stdout) from the notes (stderr).
FORMATS: dict[str, tuple[str, str] | None] = {
    "text": None,
    "json": ("render", "to_json"),
    "sarif": ("sarif", "to_sarif"),
    "github": ("github", "to_github"),
}


def document(fmt: str, reports: list[FileReport]) -> str:
    """The whole output of a machine-readable format, newline-terminated."""
    where = FORMATS[fmt]
    assert where is not None, "text is emitted, not rendered"
    text = getattr(import_module(f"{__name__}.{where[0]}"), where[1])(reports)
    return text if text.endswith("\n") or not text else text + "\n"
