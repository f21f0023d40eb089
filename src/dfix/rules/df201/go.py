"""DF201 for Go: the original steps in the toolchain image, the binary and its data on a small base."""

from __future__ import annotations

import posixpath
from typing import Any

from ...context import BuildContext
from .knowledge import (GLIBC_GO_TAG_WORDS, GO_CGO_MODULES, GO_NON_RUNTIME_DIRS, GO_NON_RUNTIME_FILES,
                              GO_RUNTIME_FILE_SUFFIXES)
from .plan import (Plan, check_healthcheck, configured_runtime, finish, require_command, runtime_copy, saving_text,
                   tag_of, trim_after_last_run)
from .stage import CannotSplit, StageFacts, check_not_dev, command_argv
from ...analysis.stacks import Stack
from ...analysis.stacks.base import flag_value
from ...analysis.stacks.go import directive_lines, recognise

_SHELLESS = ("distroless", "scratch")
_DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
# Top-level directories of a Linux image: a project copied to / beside them cannot be told apart.
_SYSTEM_DIRS = frozenset({"bin", "boot", "dev", "etc", "home", "lib", "lib64", "media", "mnt", "opt", "proc", "root",
                          "run", "sbin", "srv", "sys", "tmp", "usr", "var", "go"})
_GO_MODULE_FILES = frozenset({"go.mod", "go.sum", "go.work", "go.work.sum"})


def plan(facts: StageFacts, ctx: BuildContext, stack: Stack, settings: Any) -> Plan | None:
    line = facts.stage.from_instruction.line
    if stack.root != ".":
        raise CannotSplit(line, f"the module is in {stack.root}/, not at the context root")
    if not facts.copies_whole_context:
        _check_only_go_copied(facts, ctx)
    if facts.command is not None:
        check_not_dev(command_argv(facts.command), facts.command_line)
    binary, build_line = _binary(facts)
    if binary is None:
        return None  # nothing is built: no toolchain to leave behind
    argv = command_argv(require_command(facts))
    check_healthcheck(facts)
    program = argv[0] if argv else ""
    runs = posixpath.normpath(posixpath.join(facts.workdir, program)) if program else ""
    if program and "/" not in program and posixpath.dirname(binary) in _DEFAULT_PATH:
        runs = posixpath.join(posixpath.dirname(binary), program)  # found on PATH, which every base shares
    if runs != binary:
        raise CannotSplit(facts.command_line, f"the CMD runs {program or 'nothing'}, not the binary the build writes "
                                              f"({binary})")
    static = _cgo_off(facts, ctx)
    if static is None and not _glibc_base(facts.base):
        raise CannotSplit(line, "cgo may be on (the Go source is not all readable) and the toolchain image is not "
                                "a Debian one whose glibc a runtime base shares")
    image = configured_runtime(settings, "go" if static is not None else "go-cgo")
    if any(word in image for word in _SHELLESS) and any(i.keyword in ("CMD", "ENTRYPOINT") and i.json_args is None
                                                        for i in facts.tail):
        raise CannotSplit(facts.command_line, f"a shell-form CMD needs /bin/sh, which {image} does not have")
    data = _runtime_data(ctx) if facts.copies_whole_context else []
    _check_root_data(facts, data)
    copies = [runtime_copy("build", binary, binary, facts.chown)]
    copies += [runtime_copy(None, path + ("/" if is_dir else ""), f"./{path}" + ("/" if is_dir else ""), facts.chown)
               for path, is_dir in data]
    build_steps = facts.verbatim(trim_after_last_run(facts.build_steps))
    if static == "set":
        index = facts.build_steps.index(build_line)
        build_steps.insert(index, "ENV CGO_ENABLED=0\n")
    shown = ", ".join(p for p, _ in data) or "no data files"
    cgo = {"set": "CGO_ENABLED=0, ", "already": "", None: "cgo as it was, "}[static]
    saving = saving_text(facts.base, image)
    message = (f"split into build and runtime stages: the Go toolchain of {facts.base}, the module and build caches "
               f"and the source leave the image; the runtime image ({image}) keeps {binary} ({cgo}beside it: "
               f"{shown})" + (f"; {saving}" if saving else ""))
    return finish("split_go.Dockerfile.j2", facts, message, from_args=facts.from_args, build_steps=build_steps,
                  runtime_image=image, config=facts.verbatim(facts.config), workdir=facts.workdir, copies=copies,
                  tail=facts.verbatim(facts.tail))


def _check_root_data(facts: StageFacts, data: list[tuple[str, bool]]) -> None:
    """At /, a data directory of the project may be a system one the runtime base fills differently."""
    if facts.workdir != "/":
        return
    clash = [path for path, _ in data if path in _SYSTEM_DIRS]
    if clash:
        raise CannotSplit(facts.stage.from_instruction.line,
                          f"the project sits at / and has its own {clash[0]}/, which would merge into the runtime "
                                   "base's")


def _check_only_go_copied(facts: StageFacts, ctx: BuildContext) -> None:
    """Without a whole-context COPY, the image must have been given Go source and module files only."""
    for ins in facts.copies:
        for source in ins.values[:-1]:
            files = ctx.matches_copy_source(source)
            if not files:
                raise CannotSplit(ins.line, f"the COPY of {source} matches nothing dfix can see in the context")
            other = [f for f in files if not f.endswith(".go") and posixpath.basename(f) not in _GO_MODULE_FILES]
            if other:
                raise CannotSplit(ins.line, f"the COPY brings {other[0]} besides the Go source, and not the whole "
                                            "context: which files the program reads at run time is unclear")


def _binary(facts: StageFacts):
    binary = None
    build_ins = None
    for run, cmd in facts.commands():
        invocation = recognise(cmd)
        words = [w.value for w in cmd.program_words()[1]]
        if invocation is None:
            raise CannotSplit(run.instruction.line, f"`{run.script.source(cmd)}` is a command the split cannot place "
                                                    "(it may write files the runtime needs)")
        sub = words[1] if len(words) > 1 else ""
        if invocation.kind in ("install", "fetch"):
            continue
        if sub != "build":
            raise CannotSplit(run.instruction.line, f"`go {sub}` is not a build the split can place")
        output = flag_value(words, ("-o",))
        if output is None or "$" in output:
            raise CannotSplit(run.instruction.line, "`go build` without a literal -o: the binary's name is not pinned")
        if binary is not None:
            raise CannotSplit(run.instruction.line, "more than one `go build`")
        cwd = posixpath.join(facts.workdir, cmd.cwd) if cmd.cwd else facts.workdir
        binary = posixpath.normpath(posixpath.join(cwd, output))
        build_ins = run.instruction
        if binary.endswith("/"):
            raise CannotSplit(run.instruction.line, "`go build -o DIR/`: the binary's name is not pinned")
    return binary, build_ins


def _cgo_off(facts: StageFacts, ctx: BuildContext) -> str | None:
    """"already" when the build sets CGO_ENABLED=0, "set" when the split may, None when cgo may be needed."""
    env = facts.env_at_end()
    for run, cmd in facts.commands():
        if cmd.program == "go" and cmd.program_words()[0].get("CGO_ENABLED") == "0":
            return "already"
    if env.get("CGO_ENABLED") == "0":
        return "already"
    go_files = [f for f in ctx.files if f.endswith(".go") and "/vendor/" not in f"/{f}" and "/testdata/" not in f"/{f}"]
    if not go_files:
        return None  # the source is not visible (a listing without files): cannot rule cgo out
    for path in go_files:
        text = ctx.read_text(path)
        if text is None or _imports_c(text):
            return None
    go_mod = ctx.read_text("go.mod") or ""
    if any(module in go_mod for module in GO_CGO_MODULES):
        return None
    return "set"


def _imports_c(text: str) -> bool:
    return any(line.endswith('"C"') for line in directive_lines(text, "import"))


def _glibc_base(image: str) -> bool:
    tag = tag_of(image) or ""
    return "alpine" not in tag and (tag.replace(".", "").isdigit() or any(w in tag for w in GLIBC_GO_TAG_WORDS)
                                    or tag in ("", "latest"))


def _runtime_data(ctx: BuildContext) -> list[tuple[str, bool]]:
    """Top-level directories without Go code and plain files the original image had beside the binary."""
    found: list[tuple[str, bool]] = []
    for directory in sorted({d.split("/", 1)[0] for d in ctx.dirs}):
        if directory in GO_NON_RUNTIME_DIRS or directory.startswith("."):
            continue
        if any(f.endswith(".go") for f in ctx.files_under(directory)):
            continue
        found.append((directory, True))
    for path in ctx.files:
        if "/" in path or path in GO_NON_RUNTIME_FILES or path.startswith("."):
            continue
        if posixpath.splitext(path)[1] in GO_RUNTIME_FILE_SUFFIXES:
            found.append((path, False))
    return found
