"""What a rule is, what it receives and what it returns."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Union

from ..dockerfile import Dockerfile, TextEdit

if TYPE_CHECKING:
    from ..config import Settings


class Safety(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    code: str
    message: str
    line: int
    safety: Safety
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True)
class Skip:
    """A fix the rule would like to make but cannot show to be safe, and why."""

    code: str
    line: int
    reason: str
    # Another rule's fix may remove the obstacle (DF103 making an install lockfile-exact);
    # the engine drops the skip if this rule succeeds on that line in a later pass.
    provisional: bool = False


Finding = Union[Fix, Skip]


@dataclass
class RuleContext:
    """Everything a rule may look at. Rules never read files themselves."""

    dockerfile: Dockerfile
    settings: "Settings"
    path: Path | None = None
    context_dir: Path | None = None
    enabled: frozenset[str] = frozenset()  # codes of the rules running, so rules can leave work to each other

    @cached_property
    def build_context(self) -> Any:
        """The build context after .dockerignore (None when there is no context directory)."""
        if self.context_dir is None:
            return None
        from ..context import BuildContext

        return BuildContext.from_directory(self.context_dir, self.path.resolve() if self.path else None)


class Rule:
    """Base class: subclasses set ``code``, ``name``, ``safety`` and implement ``check``.

    The class docstring is the rule's documentation: its first line is the summary,
    and it carries the headings *What it does*, *Why is this bad?*, *Example*,
    *Use instead* and *Fix safety*, printed by ``dfix rules CODE``.
    """

    code: str = ""
    name: str = ""
    safety: Safety = Safety.SAFE

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

    def fix(self, message: str, line: int, edits: Iterable[TextEdit], safety: Safety | None = None) -> Fix:
        return Fix(self.code, message, line, safety or self.safety, tuple(edits))

    def skip(self, line: int, reason: str, provisional: bool = False) -> Skip:
        return Skip(self.code, line, reason, provisional)
