"""Whether a RUN can get cache mounts at all: the builder, the frontend pin, apt's lists.

Shared by DF102 (which adds the mounts) and DF104 (which leaves apt's lists to a mount
instead of deleting them when DF102 will mount them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .buildstate import State
from ..dockerfile import Dockerfile, Instruction
from ..managers import Kind, recognise
from ..managers.system import APT
from .pkgindex import later_apt_without_update
from .runs import RunScript, run_script

if TYPE_CHECKING:
    from ..config import Settings

_SYNTAX_VERSION = re.compile(r"docker/dockerfile(?:-upstream)?:(\d+)(?:\.(\d+))?")


def builder_blocks(settings: "Settings", df: Dockerfile) -> str | None:
    """Why no RUN of this file can get a cache mount, or None."""
    if settings.builder == "kaniko":
        return "builder is kaniko, which has no RUN --mount"
    directive = df.directive("syntax")
    # buildah (podman) ignores the frontend pin and supports cache mounts itself.
    if directive is not None and settings.builder != "podman":
        m = _SYNTAX_VERSION.search(directive.value)
        if m and (int(m.group(1)), int(m.group(2) or 99)) < (1, 2) and "experimental" not in directive.value:
            return f"`# syntax={directive.value}` predates cache mounts (1.2); raise the pin first"
    return None


def apt_updates_first(run: RunScript) -> bool:
    """The RUN refreshes the apt lists itself before it installs anything."""
    for cmd in run.commands:
        call = recognise(cmd)
        if call.manager is not APT:
            continue
        if call.kind is Kind.INDEX:
            return True
        if call.verb in APT.mounts[0].keep_verbs:
            return False
    return False


def apt_mount_possible(settings: "Settings", df: Dockerfile, state: State, ins: Instruction) -> bool:
    """Whether apt's cache and lists can live in mounts on this RUN (root, a builder with mounts)."""
    if builder_blocks(settings, df):
        return False
    stage = df.stage_of(ins)
    run = run_script(ins)
    return (bool(state.is_root) and stage is not None and run is not None and apt_updates_first(run)
            and later_apt_without_update(df, stage, ins) is None)
