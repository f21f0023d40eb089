"""The rule catalogue: one module per rule, listed here in the order they run."""

from __future__ import annotations

from .base import FileEdit, Finding, Fix, Report, Rule, RuleContext, Safety, Severity, Skip
from .df001_syntax_pragma import SyntaxPragma
from .df101.rule import ManifestFirst
from .df102_cache_mounts import CacheMounts
from .df103_lockfile_installs import LockfileInstalls
from .df104_apt_layers import AptLayers
from .df201.rule import MultistageSplit
from .df301.rule import DockerIgnoreEntries
from .df401_secrets import Secrets
from .df402_floating_tag import FloatingTag

# DF201 last: its split replaces a whole stage, so the other rules' edits inside it land first.
ALL_RULES: tuple[type[Rule], ...] = (SyntaxPragma, ManifestFirst, CacheMounts, LockfileInstalls, AptLayers,
                                     DockerIgnoreEntries, Secrets, FloatingTag, MultistageSplit)


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in ALL_RULES:
        if rule.code == code.upper():
            return rule
    return None


def select_rules(select: tuple[str, ...] | None, ignore: tuple[str, ...]) -> list[Rule]:
    """Rules whose code matches a selected prefix (ruff-style: DF1 selects DF101...) and no ignored one."""

    def matches(code: str, prefixes: tuple[str, ...]) -> bool:
        return any(p == "ALL" or code.startswith(p) for p in prefixes)

    chosen = [r for r in ALL_RULES if select is None or matches(r.code, select)]
    return [r() for r in chosen if not matches(r.code, ignore)]


def unknown_codes(codes: tuple[str, ...]) -> list[str]:
    """Selectors that match no rule (a typo should be an error, not a silent no-op)."""
    return [c for c in codes if c != "ALL" and not any(r.code.startswith(c) for r in ALL_RULES)]


__all__ = [
    "ALL_RULES",
    "FileEdit",
    "Finding",
    "Fix",
    "Report",
    "Rule",
    "RuleContext",
    "Safety",
    "Severity",
    "Skip",
    "rule_by_code",
    "select_rules",
    "unknown_codes",
]
