"""System package indexes (apt lists, apk index): which later step still reads the one a RUN leaves.

DF102 (apt cache mounts) and DF104 (apt/apk in one layer) both need to know whether a
later RUN uses apt or apk without refreshing the index first: that RUN needs the index
in the image, so it may be neither deleted nor hidden behind a mount.
"""

from __future__ import annotations

from typing import Callable

from ..dockerfile import Dockerfile, Instruction, Stage
from ..managers import Kind, recognise
from ..managers.system import APK, APK_REFRESH, APT
from .runs import run_script
from ..shell.parse import Command


def apt_verb(c: Command) -> str | None:
    """The apt subcommand (update, install, ...) of a simple command, or None."""
    call = recognise(c)
    return call.verb if call.manager is APT else None


def apk_verb(c: Command) -> str | None:
    """The apk applet (update, add, ...) of a simple command, or None."""
    call = recognise(c)
    return call.verb if call.manager is APK else None


def apk_refreshes(c: Command) -> bool:
    """An apk call that fetches the index itself (`--no-cache`, `-U`) instead of reading the kept one."""
    return any(w.value in APK_REFRESH for w in c.program_words()[1])


def apt_reads_lists(c: Command) -> bool:
    call = recognise(c)
    return call.manager is APT and call.kind not in (Kind.CLEANUP,) and call.verb not in (
        None, "remove", "purge", "autoremove")


def apk_needs_index(c: Command) -> bool:
    call = recognise(c)
    return (call.manager is APK and call.verb is not None and call.kind not in (Kind.INERT, Kind.INDEX)
            and call.verb != "del" and not apk_refreshes(c))


def later_apt_without_update(df: Dockerfile, stage: Stage, ins: Instruction) -> Instruction | None:
    """The first later RUN (this stage or a stage built on it) that uses apt without updating first."""
    return _later_index_reader(df, stage, ins, "apt", lambda c: apt_verb(c) == "update", apt_reads_lists)


def later_apk_reader(df: Dockerfile, stage: Stage, ins: Instruction) -> Instruction | None:
    """The first later RUN (this stage or one built on it) whose apk reads the index without fetching it."""
    return _later_index_reader(df, stage, ins, "apk", lambda c: apk_verb(c) == "update", apk_needs_index)


def _later_index_reader(df: Dockerfile, stage: Stage, ins: Instruction, program: str,
                        refreshes: Callable[[Command], bool], reads: Callable[[Command], bool]) -> Instruction | None:
    """The first RUN after `ins` (this stage or one built on it) that reads a package index it did not refresh."""
    started = False
    for s in [stage] + df.descendants(stage):
        for later in s.instructions[1:]:
            if later is ins:
                started = True
                continue
            if s is stage and not started:
                continue
            run = run_script(later)
            if run is None:
                if later.keyword == "RUN" and program in later.args:
                    return later  # cannot read it: assume it needs the index
                continue
            for c in run.commands:
                if refreshes(c):
                    break
                if reads(c):
                    return later
    return None
