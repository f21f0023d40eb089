"""Whether the stage holds an install's lockfile, in sync with its manifest, when the install runs.

A lockfile the repository has but no COPY (or bind mount) brought into the stage pins
nothing (DESIGN.md §1, "reason about the stage"): `--prefer-offline` on such an install
resolves each range to whatever the cache holds, and a lockfile-exact flag checks nothing.
DF102 and DF103 both ask this, so it lives here, over the one stage file model (copies).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..dockerfile import Instruction, Stage
from ..managers import Call, ExactInstall, Manager
from .copies import UNKNOWN

if TYPE_CHECKING:
    from .facts import Analysis


@dataclass(frozen=True)
class HeldLock:
    """The answer: the lockfile the stage holds in sync, or why the install is not pinned by one."""

    manifest: str | None = None  # context path of the manifest the install reads; None: none dfix can see
    lockfile: str | None = None  # context path of the lockfile, set only when it is held and in sync
    reason: str | None = None  # why not, naming the real blocker
    no_project: bool = False  # no manifest dfix can see where the install runs: nothing to pin


def held_lockfile(analysis: "Analysis", stage: Stage, ins: Instruction, call: Call, manager: Manager,
                  spec: ExactInstall) -> HeldLock:
    """Whether the stage holds ``spec``'s lockfile beside the manifest ``call`` installs from, in sync."""
    cwd = install_dir(analysis.state(ins).workdir, call.command.cwd)
    if cwd is None:
        shown = " ".join(([call.program or ""] + call.arg_values)[:2])
        return HeldLock(reason=f"the directory `{shown}` runs in is not known")
    files, context = analysis.files_at(stage, ins), analysis.context
    manifest = files.lookup(posixpath.join(cwd, manager.manifests[0]))
    if manifest in (None, UNKNOWN):
        return HeldLock(reason=f"the stage holds no {manager.manifests[0]} dfix can see in {cwd}", no_project=True)
    project = posixpath.dirname(manifest) or "."
    name = next((n for n in spec.lockfiles if context.is_file(posixpath.join(project, n))), None)
    if name is None:
        ignored = next((n for n in spec.lockfiles if not context.is_included(posixpath.join(project, n))
                        and posixpath.normpath(posixpath.join(project, n)) in context.all_files), None)
        if ignored is not None:
            return HeldLock(manifest, reason=f"{context.ignored_by or '.dockerignore'} drops "
                                             f"{posixpath.normpath(posixpath.join(project, ignored))} from the context")
        return HeldLock(manifest, reason=f"no {spec.lockfiles[-1]} in the build context next to {manifest}")
    lock = posixpath.normpath(posixpath.join(project, name))
    copied = files.lookup(posixpath.join(cwd, name))
    if copied != lock:
        return HeldLock(manifest, reason=_not_held(analysis, stage, files, copied, lock, cwd))
    pkg_text, lock_text = context.read_text(manifest), context.read_text(lock)
    if pkg_text is None or lock_text is None:
        return HeldLock(manifest, reason=f"cannot read {manifest} or {lock}")
    mismatch = spec.sync_check(pkg_text, lock_text)
    return HeldLock(manifest, reason=mismatch) if mismatch else HeldLock(manifest, lock)


def _not_held(analysis: "Analysis", stage: Stage, files, copied: str | None, lock: str, cwd: str) -> str:
    """Say which it is: never copied, copied too late or elsewhere, or hidden behind a copy dfix cannot follow."""
    if copied == UNKNOWN:
        unknown = files.unknown_copy()
        where = f"line {unknown.line}" if unknown is not None else "a copy"
        return f"{where} may put another file at {posixpath.join(cwd, posixpath.basename(lock))}, which dfix cannot follow"
    if not analysis.stage_files(stage).holds(lock):
        return f"the stage never copies {lock}"
    return f"{lock} is not copied into {cwd} before the install"


def install_dir(workdir: str | None, cd: str | None) -> str | None:
    """Where a command runs: WORKDIR, moved by a `cd` earlier in its RUN."""
    if cd is None:
        return workdir
    if posixpath.isabs(cd):
        return posixpath.normpath(cd)
    return posixpath.normpath(posixpath.join(workdir, cd)) if workdir else None
