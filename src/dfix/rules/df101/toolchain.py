"""Is a program installed at a point of the build? Proven from the base image or earlier steps.

A step dfix inserts may call only programs that exist where it goes: provided by the base
image (images.IMAGE_PROGRAMS) or installed by an earlier instruction of the stage's
lineage (a system package that carries it, a global install of a tool, a wrapper script
copied from the context).  Anything else is "not provably installed", and the fix is
skipped: a program dfix cannot show to exist does not exist.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...dockerfile import Instruction, Stage
from ...images import image_programs
from ...managers import Kind, recognise
from ...managers.system import PACKAGE_PROGRAMS
from ...analysis.runs import run_script

if TYPE_CHECKING:
    from ...analysis.facts import Analysis

_VERSION_SUFFIX = re.compile(r"(@|==|>=|<=|~=|=).*$")


@dataclass(frozen=True)
class Availability:
    available: bool
    why: str  # how it is known, or why it is not


def program_available(analysis: "Analysis", stage: Stage, before: Instruction, program: str) -> Availability:
    """Whether ``program`` can run at ``before`` (in ``stage``), and how dfix knows."""
    if "/" in program:
        return _wrapper_available(analysis, stage, before, program)
    name = posixpath.basename(program)
    installed = _installed_before(analysis, stage, before)
    if name in installed:
        return Availability(True, f"installed on line {installed[name]}")
    state = analysis.state(before)
    if state.base is None:
        return Availability(False, "the base image is not known")
    provided = image_programs(state.base)
    if provided is None:
        return Availability(False, f"dfix does not know what the base image {state.base} provides")
    if name in provided:
        return Availability(True, f"{state.base} provides it")
    if name in _programs_installed_by(before):
        return Availability(False, f"it is installed in the same RUN, on line {before.line}")
    return Availability(False, f"{state.base} does not provide it and no earlier step installs it")


def _wrapper_available(analysis: "Analysis", stage: Stage, before: Instruction, program: str) -> Availability:
    """`./mvnw`: the script must be copied in, and what it runs (java) must be there."""
    state = analysis.state(before)
    if analysis.context is None or state.workdir is None:
        return Availability(False, "the working directory or the build context is unknown")
    path = posixpath.normpath(posixpath.join(state.workdir, program))
    copied = analysis.image_files_before(stage, before).lookup(path)
    if copied is None or copied.startswith("<"):
        return Availability(False, f"{path} is not copied in before line {before.line}")
    java = program_available(analysis, stage, before, "java")
    return Availability(java.available, f"{program} needs java: {java.why}")


def launcher_enabled_before(analysis: "Analysis", stage: Stage, before: Instruction, command=None) -> bool:
    """Whether a `corepack enable`-like call (a manager that runs other managers) ran before ``before``,
    or earlier in its own RUN than ``command``."""
    for s in analysis.dockerfile.lineage(stage):
        for ins in s.instructions[1:]:
            run = run_script(ins)
            for cmd in run.commands if run else ():
                if ins is before and (command is None or cmd.start >= command.start):
                    return False
                call = recognise(cmd)
                if call.verb == "enable" and call.manager is not None and call.manager.runs_programs:
                    return True
            if ins is before:
                return False
    return False


def _installed_before(analysis: "Analysis", stage: Stage, before: Instruction) -> dict[str, int]:
    """Programs installed by RUNs before ``before`` in the stage's lineage -> the line."""
    found: dict[str, int] = {}
    for s in analysis.dockerfile.lineage(stage):
        for ins in s.instructions[1:]:
            if ins is before:
                return found
            for name in _programs_installed_by(ins):
                found.setdefault(name, ins.line)
    return found


def _programs_installed_by(ins: Instruction) -> set[str]:
    run = run_script(ins)
    if run is None:
        return set()
    names: set[str] = set()
    for cmd in run.commands:
        call = recognise(cmd)
        if call.kind is not Kind.TOOL or not call.managers:
            continue
        if call.ecosystem == "system":
            for package in _operands(call):
                names.update(PACKAGE_PROGRAMS.get(package, ()))
        elif call.verb == "enable" and call.manager is not None and call.manager.runs_programs:
            names.update(call.manager.runs_programs)  # `corepack enable` puts yarn and pnpm on PATH
        else:
            # `npm i -g pnpm@9`, `pip install poetry==1.8`: a tool whose package is its program
            names.update(_VERSION_SUFFIX.sub("", p).rsplit("/", 1)[-1] for p in _operands(call))
    return names


def _operands(call) -> list[str]:
    """The package names of an install call (operands after the verb)."""
    out, skip, seen_verb = [], False, False
    manager = call.managers[0]
    for w in call.args:
        value = w.value
        if skip:
            skip = False
        elif value.startswith("-"):
            skip = value in manager.value_flags
        elif not seen_verb and value == call.verb:
            seen_verb = True
        else:
            out.append(value)
    return out
