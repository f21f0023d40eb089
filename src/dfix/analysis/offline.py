"""Which calls of a package manager read what an earlier step stored, without the network.

A cache mount is not storage (DESIGN.md §1): BuildKit prunes it while it keeps the layers,
and CI layer caches never carry it. When `pnpm install --offline` reads what `pnpm fetch`
put in the store, or `pip install --no-index --find-links DIR` what `pip download -d DIR`
stored, that content must stay in a layer. This module finds those calls in the stages
that share a stage's layers (its lineage and the stages built from it), once per stage
and manager: every RUN of a long file asks the same question.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Iterator

from ..dockerfile import Dockerfile, Instruction, Stage
from ..dockerfile.expand import expand
from ..managers import Call, Kind, Manager, recognise
from .buildstate import State
from .runs import RunScript, run_script

# Calls that download nothing: never the fetch an offline reader depends on.
_NOT_FETCHES = (Kind.INERT, Kind.CONFIG, Kind.CLEANUP, Kind.UNKNOWN)


@dataclass(frozen=True)
class StoredDir:
    path: str  # absolute, normalised
    step: str  # "line 4 (`pip download -d /wheels`)"
    read_offline: bool  # an install reads it instead of the network; else a fetch stores into it


@dataclass(frozen=True)
class OfflineUse:
    """What the stages sharing a stage's layers do offline with one manager."""

    reader: str | None = None  # the first call that reads the cache without the network, as a step
    how: str | None = None  # what makes it offline: `--offline`, `GOPROXY=off`
    fetch: str | None = None  # the first call before it that downloads
    dirs: tuple[StoredDir, ...] = ()  # directories fetches store into or offline installs read
    unresolved: str | None = None  # a step naming such a directory that dfix cannot resolve, with it


def offline_use(df: Dockerfile, states: dict[int, State], stage: Stage, manager: Manager) -> OfflineUse:
    reader = how = fetch = unresolved = None
    dirs: list[StoredDir] = []
    for ins, run, call in _calls(df, stage, manager):
        step = f"line {ins.line} (`{run.script.source(call.command)}`)"
        state = states[id(ins)]
        offline = manager.reads_offline(call.arg_values, _call_env(state, run, call))
        if offline is not None and reader is None:
            reader, how = step, offline
        elif offline is None and reader is None and fetch is None and call.kind not in _NOT_FETCHES:
            fetch = step
        for raw, reads in ((manager.stored_dir(call.verb, call.arg_values), False),
                           (manager.offline_dir(call.arg_values), True)):
            if raw is None or "://" in raw:
                continue
            path = _resolve_dir(raw, state, call)
            if path is None:
                unresolved = unresolved or f"{step} names the directory `{raw}`"
            else:
                dirs.append(StoredDir(path, step, reads))
    return OfflineUse(reader, how, fetch if reader else None, tuple(dirs), unresolved)


def _calls(df: Dockerfile, stage: Stage, manager: Manager) -> Iterator[tuple[Instruction, RunScript, Call]]:
    for s in df.lineage(stage) + df.descendants(stage):
        for ins in s.instructions[1:]:
            run = run_script(ins) if ins.keyword == "RUN" else None
            for cmd in run.commands if run else ():
                call = recognise(cmd)
                if manager in call.managers:
                    yield ins, run, call


def _call_env(state: State, run: RunScript, call: Call) -> dict[str, str]:
    """The environment a call sees: ENV/ARG, then `VAR=x` words anywhere in its RUN (`export GOPROXY=off`)."""
    env = {k: v for k, v in state.env.items() if v is not None}
    for cmd in run.commands:
        assigned, words = cmd.program_words()
        env.update(assigned)
        env.update(w.value.split("=", 1) for w in words[1:] if "=" in w.value and w.value[0].isalpha())
    env.update(call.env)
    return env


def _resolve_dir(raw: str, state: State, call: Call) -> str | None:
    env = {k: v for k, v in state.env.items() if v is not None}
    value = expand(raw, {**env, **call.env})
    if value is None:
        return None
    if posixpath.isabs(value):
        return posixpath.normpath(value)
    cwd = call.command.cwd
    base = cwd if cwd and posixpath.isabs(cwd) else (posixpath.join(state.workdir, cwd or "") if state.workdir else None)
    return posixpath.normpath(posixpath.join(base, value)) if base else None
