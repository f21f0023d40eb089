"""Records shared by the stack detectors: stacks, their install commands, typed hazards."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ...managers import Kind, recognise
from ...managers.argv import operands as positionals, option_value as flag_value  # noqa: F401 (re-exported)
from ...shell.parse import Command

ECOSYSTEMS = ("node", "python", "go", "java")


@dataclass(frozen=True)
class InstallCommand:
    line: int | None  # first line of the RUN in the Dockerfile; None outside a Dockerfile
    command: str  # the simple command's text, e.g. "npm ci --omit=dev"
    package_manager: str
    kind: str  # "install" (dependencies), "project" (installs the project itself), "build"
    cwd: str | None = None  # container directory it runs in, when known
    files: tuple[str, ...] = ()  # files it names (`-r requirements.txt`), as written: relative to cwd or absolute


class HazardKind(str, Enum):
    """Why a manifest-first reorder may be unsafe. Rules branch on these, never on messages."""

    LIFECYCLE_SCRIPT = "lifecycle-script"  # an install-time script of the project runs: may read any file
    # A script yarn 2+ never runs on install (prepare, prepublish) but an older yarn would:
    # a lifecycle script unless yarn 2+ provably runs the install.
    SCRIPT_SKIPPED_BY_MANAGER = "script-skipped-by-manager"
    LOCAL_DEPENDENCY = "local-dependency"  # a `file:` package directory the install reads (copied with manifests)
    MISSING_INPUT = "missing-input"  # a file or directory the install reads is not in the context
    PROJECT_INSTALL = "project-install"  # the install builds the project itself
    REQUIREMENTS_LOCAL_PROJECT = "requirements-local-project"  # a requirements file installs a local project
    SETUP_PY_DYNAMIC = "setup-py-dynamic"  # setup.py opens files dfix cannot name, or cannot be parsed
    GO_LOCAL_REPLACE = "go-local-replace"  # replace => ./dir: download reads its go.mod, the build all of it
    OUTSIDE_CONTEXT = "outside-context"  # a path that points outside the build context
    UNREADABLE_MANIFEST = "unreadable-manifest"  # a manifest that does not parse: what it asks for is unknown
    INCLUDED_BUILD = "included-build"  # Gradle includeBuild / buildSrc: the install compiles a whole directory
    BUILD_SCRIPT_READS = "build-script-reads"  # configuring a build script may read files beyond the build files


@dataclass(frozen=True)
class Hazard:
    kind: HazardKind
    path: str | None  # the context path it is about, when there is one
    message: str  # for people only

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "path": self.path, "message": self.message}


@dataclass
class Stack:
    ecosystem: str
    package_manager: str
    root: str = "."  # project directory in the context, slash path
    manifests: list[str] = field(default_factory=list)
    lockfiles: list[str] = field(default_factory=list)
    install_inputs: list[str] = field(default_factory=list)  # files a deps-only install reads
    project_inputs: list[str] = field(default_factory=list)  # extra files installing the project itself reads
    install_commands: list[InstallCommand] = field(default_factory=list)
    cache_dirs: list[str] = field(default_factory=list)
    build_outputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hazards: list[Hazard] = field(default_factory=list)  # reasons a manifest-first reorder may be unsafe
    workspaces: list[str] = field(default_factory=list)  # member patterns the root manifest declares
    ambiguous: str | None = None

    def hazard(self, kind: HazardKind, path: str | None, message: str) -> None:
        self.hazards.append(Hazard(kind, path, message))

    def add_inputs(self, paths: list[str]) -> None:
        for path in paths:
            if path not in self.install_inputs:
                self.install_inputs.append(path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ecosystem": self.ecosystem,
            "package_manager": self.package_manager,
            "root": self.root,
            "manifests": self.manifests,
            "lockfiles": self.lockfiles,
            "install_inputs": self.install_inputs,
            "project_inputs": self.project_inputs,
            "install_commands": [{"line": c.line, "command": c.command} for c in self.install_commands
                                 if c.kind != "build"],
            "build_commands": [{"line": c.line, "command": c.command} for c in self.install_commands
                               if c.kind == "build"],
            "cache_dirs": self.cache_dirs,
            "build_outputs": self.build_outputs,
            "notes": self.notes,
            "hazards": [h.message for h in self.hazards],
            "hazard_kinds": [h.to_dict() for h in self.hazards],
            "ambiguous": self.ambiguous,
        }


def join(root: str, name: str) -> str:
    """A context path for ``name`` inside project dir ``root`` (both slash paths)."""
    return posixpath.normpath(posixpath.join(root, name)) if root not in ("", ".") else posixpath.normpath(name)


# --- recognised package-manager calls ---------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    """A package-manager call found in a RUN."""

    ecosystem: str
    package_manager: str | None  # None when the command alone does not tell (``yarn``: classic or berry?)
    kind: Kind  # INSTALL, PROJECT, FETCH or BUILD
    command: Command
    project_dir: str | None = None  # from --prefix / --cwd / -C, relative to the command's cwd
    files: tuple[str, ...] = ()  # files the command names (``-r requirements.txt``), relative to its cwd
    outputs: tuple[str, ...] = ()  # artefacts it writes (``go build -o /bin/app``)


# Calls a detector attributes to a project; tools, cleanups and the like are not the project's.
INVOCATION_KINDS = frozenset({Kind.INSTALL, Kind.PROJECT, Kind.FETCH, Kind.BUILD})


def invocation(command: Command) -> Invocation | None:
    """The project's package-manager call in ``command``, as the recogniser sees it, or None."""
    call = recognise(command)
    if not call.managers or call.kind not in INVOCATION_KINDS or call.ecosystem == "system":
        return None
    package_manager = call.manager.name if call.manager is not None else None
    return Invocation(call.ecosystem, package_manager, call.kind, command, call.project_dir, call.files,
                      call.outputs)


def disagreement(used: str, claimed: list[str], claimed_by: str) -> str | None:
    """Why the stack is ambiguous when the Dockerfile runs a package manager the manifests do not name."""
    if claimed and used not in claimed:
        return f"the Dockerfile installs with {used} but {claimed_by} {', '.join(claimed)}"
    return None
