"""What rules produce: fixes (text edits with a safety) and skipped fixes with their reasons.

This sits below the rules and the engine, so neither needs the other to name a fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Union

from ..dockerfile import TextEdit


class Safety(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class FileEdit:
    """A whole-file change to a file other than the Dockerfile (a context's ``.dockerignore``).

    ``old_text`` is what the rule read (None: the file does not exist yet); the writer
    refuses to write when the file on disk is no longer that.
    """

    path: Path
    old_text: str | None
    new_text: str


@dataclass(frozen=True)
class Fix:
    code: str
    message: str
    line: int
    safety: Safety
    edits: tuple[TextEdit, ...]
    # Image paths whose bytes the fix may change and declares (a lockfile an install
    # rewrote, which the later source COPY restores): nothing in the image runs them.
    may_differ: tuple[str, ...] = ()
    files: tuple[FileEdit, ...] = ()  # other files the fix creates or changes


@dataclass(frozen=True)
class Skip:
    """A fix the rule would like to make but cannot show to be safe, and why."""

    code: str
    line: int
    reason: str
    # Another rule's fix may remove the obstacle (DF103 making an install lockfile-exact);
    # the engine drops the skip if this rule succeeds on that line in a later pass.
    provisional: bool = False
    # Not a fix held back but one with nothing to do ("the manifests already come first"):
    # said only when asked (-v, JSON notes), so a reader knows the step was looked at.
    info: bool = False


Finding = Union[Fix, Skip]
