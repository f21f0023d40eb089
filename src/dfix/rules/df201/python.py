"""DF201 for Python: pip installs into a virtualenv in the build image; the runtime is -slim."""

from __future__ import annotations

import posixpath
from typing import Any

from ...images import parse_reference
from ...context import BuildContext
from ...managers import recognise
from .knowledge import (DEV_RUNTIME_LIBS, PYTHON_BUILD_ONLY_PACKAGES, PYTHON_FULL_VARIANT_WORDS,
                              PYTHON_SOURCE_BUILD_LIBS, PYTHON_VENV)
from .plan import (Plan, check_healthcheck, configured_runtime, finish, require_command, require_literal_base,
                         tag_of)
from .plan import trim_after_last_run
from .plan import saving_text
from .stage import CannotSplit, StageFacts, check_not_dev, command_argv
from ...analysis.stacks import Stack
from ...analysis.stacks.base import positionals
from ...analysis.stacks.python import read_requirements

_PIP_BLOCKING = ("--user", "--target", "-t", "--prefix", "--root", "-e", "--editable", "--system")
_APT_QUIET = frozenset({"update", "clean", "autoclean", "autoremove"})
_APT_VALUE_FLAGS = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release"})


def plan(facts: StageFacts, ctx: BuildContext, stack: Stack, settings: Any) -> Plan | None:
    # No layout condition: the build stage replays the original steps and the runtime stage
    # its COPYs, so the program finds its files where it did.
    line = facts.stage.from_instruction.line
    require_literal_base(facts, settings, "python")
    packages, first_pip = _steps(facts)
    if first_pip is None:
        return None  # nothing installed: no build to leave behind
    tag = tag_of(facts.base) or ""
    if "alpine" in tag:
        raise CannotSplit(line, "Alpine images: the runtime libraries of apk packages are not tabulated")
    full = "slim" not in tag
    build_only = [p for p in packages if _name(p) in PYTHON_BUILD_ONLY_PACKAGES or _name(p).endswith("-dev")]
    if not full and not build_only:
        return None  # a -slim image with no compilers: nothing to leave behind
    runtime = _runtime_packages(packages, line)
    if full:
        # The full image carries -dev headers for everything: what pip compiled against them
        # is known only from readable requirements.
        unread = [f for f in _requirement_files(ctx, stack) if ctx.read_text(f) is None]
        if unread or not _requirement_files(ctx, stack):
            raise CannotSplit(line, f"the requirements ({unread[0] if unread else 'none named'}) are not readable: "
                                    "which extensions the full image compiled against its libraries is unknown")
        runtime += [lib for lib in _source_build_libs(ctx, stack) if lib not in runtime]
    argv = command_argv(require_command(facts))
    check_not_dev(argv, facts.command_line)
    check_healthcheck(facts)
    _check_program(facts, ctx, stack, argv)
    steps = trim_after_last_run(facts.build_steps)
    # The virtualenv before the first COPY, so a manifest edit does not recreate it.
    index = min(i for i, ins in enumerate(steps) if ins is first_pip or ins.keyword in ("COPY", "ADD"))
    image = runtime_image(facts.base, settings)
    sources = [i for i in facts.copies]
    dropped = ", ".join(_name(p) for p in build_only) or "the build image's compilers and headers"
    saving = saving_text(facts.base, image)
    message = (f"split into build and runtime stages: {dropped} leave the image; the runtime image ({image}) keeps "
               f"the virtualenv and the source" + (f"; {saving}" if saving else ""))
    return finish("split_python.Dockerfile.j2", facts, message, from_args=facts.from_args, venv=PYTHON_VENV,
                  before_venv=facts.verbatim(steps[:index]), after_venv=facts.verbatim(steps[index:]),
                  runtime_image=image, runtime_packages=runtime, config=facts.verbatim(facts.config),
                  workdir=facts.workdir, sources=facts.verbatim(sources), tail=facts.verbatim(facts.tail))


def _name(package: str) -> str:
    return package.split("=", 1)[0].split(":", 1)[0]


def _steps(facts: StageFacts):
    packages: list[str] = []
    first_pip = None
    for run, cmd in facts.commands():
        words = [w.value for w in cmd.program_words()[1]]
        program = cmd.program or ""
        if program in ("apt-get", "apt"):
            packages += _apt(run.instruction.line, words, first_pip is not None)
        elif program == "rm" and all(w.startswith("/var/lib/apt/lists") or w.startswith("-") or w.startswith("/tmp/")
                                     or w.startswith("/root/.cache") for w in words[1:]):
            continue
        elif _is_pip_install(program, words):
            if any(w.split("=", 1)[0] in _PIP_BLOCKING for w in words):
                raise CannotSplit(run.instruction.line, f"`{run.script.source(cmd)}` installs outside the "
                                                        "environment the split moves")
            first_pip = first_pip or run.instruction
        elif recognise(cmd).ecosystem == "python":
            manager = recognise(cmd).managers[0].name
            raise CannotSplit(run.instruction.line, f"{manager} is not split yet: only pip installs into a "
                                                    "virtualenv are")
        else:
            raise CannotSplit(run.instruction.line, f"`{run.script.source(cmd)}` is a command the split cannot "
                                                    "place (it may write files the runtime needs)")
    return packages, first_pip


def _is_pip_install(program: str, words: list[str]) -> bool:
    if program.startswith("pip") and program.rstrip("0123456789.") == "pip":
        return words[1:2] == ["install"]
    if program.startswith("python"):
        return words[1:4] == ["-m", "pip", "install"]
    return False


def _apt(line: int, words: list[str], after_pip: bool) -> list[str]:
    args = positionals(words[1:], _APT_VALUE_FLAGS)
    if not args or args[0] in _APT_QUIET:
        return []
    if args[0] != "install":
        raise CannotSplit(line, f"`apt-get {args[0]}` is not a step the split can place")
    if after_pip:
        raise CannotSplit(line, "system packages installed after the Python dependencies")
    return args[1:]


def _runtime_packages(packages: list[str], line: int) -> list[str]:
    runtime: list[str] = []
    for package in packages:
        name = _name(package)
        if name in PYTHON_BUILD_ONLY_PACKAGES:
            continue
        if name.endswith("-dev"):
            libs = DEV_RUNTIME_LIBS.get(name)
            if libs is None:
                raise CannotSplit(line, f"the runtime library of {name} is not known (add it to the table in "
                                        "dfix.split_knowledge)")
            runtime += [lib for lib in libs if lib not in runtime]
        elif package not in runtime:
            runtime.append(package)  # a tool or library the program may run with: kept
    return runtime


def _requirement_files(ctx: BuildContext, stack: Stack) -> list[str]:
    files: list[str] = []
    for path in stack.install_inputs:
        if posixpath.basename(path).startswith("requirements"):
            found = read_requirements(ctx, path)
            files += [f for f in found.files + found.missing if f not in files]
    return files


def _requirement_names(ctx: BuildContext, stack: Stack) -> list[str]:
    names: list[str] = []
    files = [f for f in stack.install_inputs if posixpath.basename(f).startswith("requirements")]
    for path in files:
        for req_file in read_requirements(ctx, path).files:
            for raw in (ctx.read_text(req_file) or "").splitlines():
                line = raw.split("#", 1)[0].strip()
                if not line or line.startswith("-"):
                    continue
                name = line
                for sep in "<>=!~;[@ ":
                    name = name.split(sep, 1)[0]
                names.append(name.lower().replace("_", "-"))
    return names


def _source_build_libs(ctx: BuildContext, stack: Stack) -> list[str]:
    libs: list[str] = []
    for name in _requirement_names(ctx, stack):
        libs += [lib for lib in PYTHON_SOURCE_BUILD_LIBS.get(name, ()) if lib not in libs]
    return libs


def _check_program(facts: StageFacts, ctx: BuildContext, stack: Stack, argv: list[str]) -> None:
    program = posixpath.basename(argv[0]) if argv else ""
    if program.startswith("python") and program.rstrip("0123456789.") == "python":
        return
    if program.lower() in _requirement_names(ctx, stack):
        return  # a console script the requirements install into the virtualenv
    raise CannotSplit(facts.command_line, f"the CMD runs {program or 'nothing'}, which is not python or a "
                                          "requirement installed into the virtualenv")


def runtime_image(base: str, settings: Any) -> str:
    configured = configured_runtime(settings, "python")
    if configured:
        return configured
    tag = tag_of(base)
    name = parse_reference(base).name
    if tag is None or tag == "latest":
        return f"{name}:slim"
    if "slim" in tag:
        return base
    for word in PYTHON_FULL_VARIANT_WORDS:
        if tag.endswith("-" + word):
            return f"{name}:{tag[: -len(word) - 1]}-slim-{word}"
    return f"{name}:{tag}-slim"

