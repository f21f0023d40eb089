"""What a rule is, what it receives and what it returns."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..analysis.facts import Analysis
from ..dockerfile import Dockerfile, TextEdit
from .findings import FileEdit, Finding, Fix, Report, Safety, Severity, Skip

if TYPE_CHECKING:
    from ..config import Settings
    from ..context import BuildContext

__all__ = ["FileEdit", "Finding", "Fix", "Report", "Rule", "RuleContext", "Safety", "Severity", "Skip"]


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may look at. Rules never read files themselves."""

    dockerfile: Dockerfile
    settings: "Settings"
    analysis: Analysis  # facts about this parse, computed once
    build_context: "BuildContext | None" = None  # the context after .dockerignore; None without one
    path: Path | None = None
    context_dir: Path | None = None
    enabled: frozenset[str] = frozenset()  # codes of the rules running, so rules can leave work to each other
    # Other Dockerfiles this run builds from the same context (--context): (path, text or None if unreadable).
    peers: tuple[tuple[str, str | None], ...] = ()


class Rule:
    """Base class: subclasses set ``code``, ``name``, ``safety`` and implement ``check``.

    The class docstring is the rule's documentation: its first line is the summary,
    and it carries the headings *What it does*, *Why is this bad?*, *Example*,
    *Use instead* and *Fix safety*, printed by ``dfix rules CODE``.
    """

    code: str = ""
    name: str = ""
    safety: Safety = Safety.SAFE
    # What `dfix rules` shows when one word does not say it: "safe or unsafe" for a rule whose
    # fixes' safety depends on the case (the docstring's *Fix safety* says on what), "display-only"
    # for a rule that only reports.
    applicability: str | None = None

    @classmethod
    def fix_label(cls) -> str:
        return cls.applicability or cls.safety.value

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.doc() else ""

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring's headed sections, keyed by heading."""
        out: dict[str, str] = {}
        current = None
        for line in cls.doc().splitlines()[1:]:
            m = re.fullmatch(r"## (.+)", line.strip())
            if m:
                current = m.group(1)
                out[current] = ""
            elif current:
                out[current] += line + "\n"
        return {k: v.strip("\n") for k, v in out.items()}

    def fix(self, message: str, line: int, edits: Iterable[TextEdit], safety: Safety | None = None,
            may_differ: Iterable[str] = (), files: Iterable[FileEdit] = ()) -> Fix:
        return Fix(self.code, message, line, safety or self.safety, tuple(edits), tuple(may_differ), tuple(files))

    def skip(self, line: int, reason: str, provisional: bool = False) -> Skip:
        return Skip(self.code, line, reason, provisional)

    def report(self, line: int, message: str, severity: Severity = Severity.WARNING) -> Report:
        """A display-only finding: nothing to edit, shown in every format (``error`` fails ``--check``)."""
        return Report(self.code, line, message, severity)

    def note(self, line: int, reason: str) -> Skip:
        """Why the rule made no change here although it looked (shown with -v)."""
        return Skip(self.code, line, reason, info=True)
