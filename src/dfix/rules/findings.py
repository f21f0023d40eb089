"""What rules produce and what a run reports, as data (ruff's safe / unsafe / display-only).

A rule yields Fix (text edits with a safety), Skip (a fix held back, and why) and Report
(display-only, with a severity: nothing to edit). The engine turns accepted fixes into
AppliedFix; the runner gathers one FileReport per Dockerfile. This sits below the rules,
the engine and the formatters, so each reads the same data and none imports another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


class Severity(str, Enum):
    """How much a report matters: ``error`` fails ``--check`` (a secret in a layer)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Report:
    """A finding with nothing to edit (a floating base tag, a secret dfix cannot move)."""

    code: str
    line: int
    message: str
    severity: Severity = Severity.WARNING


Finding = Union[Fix, Skip, Report]


@dataclass(frozen=True)
class AppliedFix:
    code: str
    message: str
    line: int  # in the original text
    safety: Safety
    may_differ: tuple[str, ...] = ()  # image paths whose bytes the fix declares it may change
    files: tuple[Path, ...] = ()  # other files the fix changed (a context's .dockerignore)


@dataclass
class FileReport:
    path: str
    context: str | None
    error: str | None = None
    fixes: list[AppliedFix] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[Skip] = field(default_factory=list)  # where a rule looked and had nothing to do
    reports: list[Report] = field(default_factory=list)
    diff: str = ""
    written: bool = False
    # Other files the fixes create or change (display path, created?), e.g. the context's .dockerignore.
    extra_files: list[tuple[str, bool]] = field(default_factory=list)
    own_diff: str = ""  # the Dockerfile's part of ``diff``
    masked: bool = False  # a secret value was masked in the diff: it no longer applies as is
    extra_diffs: list[tuple[str, str]] = field(default_factory=list)  # (display path, diff) of the others
    fixed_text: str | None = None  # the rewritten Dockerfile, for `dfix -` (standard input)
    warnings: list[str] = field(default_factory=list)  # for stderr: not errors, the file was processed

    @property
    def pending(self) -> bool:
        return bool(self.diff) and not self.written and not self.error

    @property
    def failing(self) -> bool:
        """What makes ``--check`` exit 1: a pending fix or an error-level report."""
        return self.pending or any(r.severity is Severity.ERROR for r in self.reports)
