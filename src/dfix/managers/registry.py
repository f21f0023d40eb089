"""Every package-manager record dfix has, in one tuple."""

from __future__ import annotations

from . import go, java, node, python, system
from .python import SETUPTOOLS
from .record import Manager

MANAGERS: tuple[Manager, ...] = node.MANAGERS + python.MANAGERS + go.MANAGERS + java.MANAGERS + system.MANAGERS
BY_NAME: dict[str, Manager] = {m.name: m for m in MANAGERS}
# Program name -> the records it may stand for, in MANAGERS order (yarn: 1, then 2+).
BY_PROGRAM: dict[str, tuple[Manager, ...]] = {
    program: tuple(m for m in MANAGERS if program in m.programs) for m0 in MANAGERS for program in m0.programs
}

__all__ = ["BY_NAME", "BY_PROGRAM", "MANAGERS", "SETUPTOOLS", "by_name"]


def by_name(name: str) -> Manager | None:
    return BY_NAME.get(name)


def lockfile_owners(ecosystem: str) -> dict[str, str]:
    """Lockfile name -> the manager that writes it; the shared program name when several do (yarn)."""
    owners: dict[str, list[Manager]] = {}
    for manager in MANAGERS:
        if manager.ecosystem == ecosystem:
            for lockfile in manager.lockfiles:
                owners.setdefault(lockfile, []).append(manager)
    out = {}
    for lockfile, managers in owners.items():
        shared = frozenset.intersection(*(m.programs for m in managers))
        out[lockfile] = managers[0].name if len(managers) == 1 else min(shared)
    return out
