"""The single-stage image DF201 may split: what each instruction is, or why it cannot tell.

A split rebuilds the image from parts, so every instruction of the stage must be one
whose effect the split can place: the build steps go to build stages, the image
configuration (ENV, ARG, LABEL, EXPOSE, VOLUME, STOPSIGNAL, USER, ENTRYPOINT, CMD) to the
runtime stage, verbatim.  Anything else (SHELL, ONBUILD, ADD of a URL, a heredoc, a RUN
dfix cannot read, an ARG without a value, several working directories) stops the split:
fail closed.
"""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass, field
from typing import Mapping

from ...analysis.buildstate import State
from ...dockerfile import Comment, Dockerfile, Instruction, Stage
from ...dockerfile.expand import expand
from ...analysis.runs import RunScript, run_script
from ...shell.parse import Command, parse_shell
from .knowledge import DEV_PROGRAMS, DEV_SUBCOMMANDS

# Image configuration carried to the runtime stage as written, in its original order.
CONFIG_KEYWORDS = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "VOLUME", "STOPSIGNAL", "MAINTAINER", "HEALTHCHECK"})
# Configuration that closes the runtime stage (after the files are in place).
TAIL_KEYWORDS = frozenset({"USER", "ENTRYPOINT", "CMD"})
COPY_FLAGS = frozenset({"chown", "chmod"})
_BUILD_TOOLS = frozenset({"go", "mvn", "mvnw", "gradle", "gradlew", "npx"})


class CannotSplit(Exception):
    """The reason a stage cannot be split, with the line it is about."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


class DevImage(CannotSplit):
    """The image runs the toolchain, a dev server or tests: no split keeps it working, so no saving is offered."""


class NothingToSplit(CannotSplit):
    """The stage was looked at and a split would buy nothing (a note, shown with -v)."""


@dataclass
class StageFacts:
    df: Dockerfile
    stage: Stage
    states: Mapping[int, State]  # the build state before each instruction, by id
    base: str  # the FROM image, variables expanded
    from_args: str  # the FROM image as written (variables kept), without `AS name`
    workdir: str
    config: list[Instruction] = field(default_factory=list)
    tail: list[Instruction] = field(default_factory=list)
    copies: list[Instruction] = field(default_factory=list)  # COPY/ADD from the context
    runs: list[RunScript] = field(default_factory=list)
    build_steps: list[Instruction] = field(default_factory=list)  # everything a build stage replays
    chown: str | None = None  # the --chown every context COPY uses (None: none does)
    command: list[str] | None = None  # ENTRYPOINT + CMD as one argv, shell form read into words
    command_line: int = 0
    whole_context_targets: list[str] = field(default_factory=list)  # where COPYs of the whole context land

    @property
    def copies_whole_context(self) -> bool:
        """Some COPY puts the context root at the final WORKDIR."""
        return self.workdir in self.whole_context_targets

    emitted: set[int] = field(default_factory=set)  # ids of the instructions the split writes out again

    @property
    def newline(self) -> str:
        return self.df.newline

    def verbatim(self, instructions: list[Instruction]) -> list[str]:
        """Instructions as written with the comment lines right above them, normalised to LF."""
        comments = leading_comments(self.df)
        out = []
        for ins in instructions:
            self.emitted.add(id(ins))
            lead = "".join(c.text + "\n" for c in comments.get(id(ins), []))
            out.append(lead + source_text(ins, "\n").replace("\r\n", "\n"))
        return out

    def dropped_comments(self) -> int:
        """Comment lines of the stage that go with no instruction the split writes out."""
        start, end = self.stage.from_instruction.start, self.stage.instructions[-1].end
        kept = {id(c) for ins_id, block in leading_comments(self.df).items() if ins_id in self.emitted for c in block}
        loose = sum(1 for n in self.df.nodes if isinstance(n, Comment) and start <= n.start < end and id(n) not in kept)
        return loose + sum(len(i.inner_comment_lines) for i in self.stage.instructions if id(i) not in self.emitted)

    def env_at_end(self) -> dict[str, str | None]:
        return dict(self.states[id(self.stage)].env)

    def commands(self) -> list[tuple[RunScript, Command]]:
        return [(run, cmd) for run in self.runs for cmd in run.commands]


def analyse(df: Dockerfile, stage: Stage, states: Mapping[int, State], root_ok: bool = False) -> StageFacts:
    """The facts of ``stage`` (``states``: the build state before each instruction, by id);
    raises CannotSplit with the first obstacle. ``root_ok``: the planner can place files
    built in the base image's default directory or at / (Go moves only its binary)."""
    state = states[id(stage.from_instruction)]
    if state.base is None:
        raise CannotSplit(stage.from_instruction.line,
                          f"the base image `{stage.base}` has a variable dfix cannot expand")
    words = stage.from_instruction.args.split()
    facts = StageFacts(df, stage, states, expanded_base(df, stage), words[0], workdir="")
    _check_command_first(stage)
    workdirs: list[Instruction] = []
    seen_build_step = False
    for ins in stage.instructions[1:]:
        kw = ins.keyword
        if kw in ("SHELL", "ONBUILD"):
            raise CannotSplit(ins.line, f"{kw} changes how later steps run; the split does not model it")
        if kw == "WORKDIR":
            if seen_build_step and any(not _absolute_dest(c) for c in facts.copies):
                raise CannotSplit(ins.line, "WORKDIR after a COPY to a relative path: files live in more than one "
                                            "directory")
            workdirs.append(ins)
            facts.build_steps.append(ins)
        elif kw in ("COPY", "ADD"):
            _copy(facts, ins)
            seen_build_step = True
        elif kw == "RUN":
            run = run_script(ins)
            if run is None:
                raise CannotSplit(ins.line, "a RUN dfix cannot read as a shell script (JSON form, heredoc or "
                                            "unparsed shell)")
            user = states[id(ins)].user
            if user is None:
                raise CannotSplit(ins.line, "the user the RUN runs as is not known (dfix does not know the base "
                                            "image's defaults)")
            if states[id(ins)].is_root is not True:
                raise CannotSplit(ins.line, f"the RUN runs as user {user!r}: ownership of what it writes is not "
                                            "modelled by the split")
            facts.runs.append(run)
            facts.build_steps.append(ins)
        elif kw in ("ENV", "ARG"):
            facts.config.append(ins)
            facts.build_steps.append(ins)
        elif kw in CONFIG_KEYWORDS:
            facts.config.append(ins)
        elif kw in TAIL_KEYWORDS:
            facts.tail.append(ins)
        else:
            raise CannotSplit(ins.line, f"{kw} is not an instruction the split knows how to place")
    _check_values(stage, states)
    facts.workdir = _workdir(stage, states, workdirs, root_ok)
    facts.command, facts.command_line = _command(facts)
    return facts


def expanded_base(df: Dockerfile, stage: Stage) -> str:
    from ...analysis.buildstate import global_arg_values

    return expand(stage.base, global_arg_values(df)) or stage.base


def _copy(facts: StageFacts, ins: Instruction) -> None:
    if ins.flag("from") is not None:
        raise CannotSplit(ins.line, "COPY --from another image: the split does not know what it brings")
    if ins.heredocs:
        raise CannotSplit(ins.line, f"{ins.keyword} with a heredoc")
    unknown = [f.name for f in ins.flags if f.name not in COPY_FLAGS]
    if unknown:
        raise CannotSplit(ins.line, f"{ins.keyword} --{unknown[0]} is not modelled by the split")
    values = ins.values
    if ins.keyword == "ADD" and any("://" in v or v.startswith("git@") or v.endswith((".tar", ".gz", ".tgz", ".xz",
                                                                                         ".bz2", ".zst"))
                                    for v in values[:-1]):
        raise CannotSplit(ins.line, "ADD of a URL or an archive: the split does not know what it unpacks")
    if any("$" in v for v in values):
        raise CannotSplit(ins.line, f"{ins.keyword} names a path through a variable")
    chown = ins.flag("chown").value if ins.flag("chown") else None
    if facts.copies and chown != facts.chown:
        raise CannotSplit(ins.line, "the COPYs use different --chown owners")
    facts.chown = chown
    facts.copies.append(ins)
    facts.build_steps.append(ins)
    *sources, dest = values
    state = facts.states[id(ins)]
    if [posixpath.normpath(s.lstrip("/") or ".") for s in sources] == ["."] and state.workdir:
        facts.whole_context_targets.append(posixpath.normpath(posixpath.join(state.workdir, dest)))


def _absolute_dest(ins: Instruction) -> bool:
    return bool(ins.values) and ins.values[-1].startswith("/")


def _check_values(stage: Stage, states: Mapping[int, State]) -> None:
    for ins in stage.instructions[1:]:
        if ins.keyword not in ("ENV", "ARG"):
            continue
        after = states[id(stage)].env
        names = [w.split("=", 1)[0] for w in ins.values] if ins.keyword == "ARG" else ins.values[::2]
        for name in names:
            if after.get(name) is None:
                what = "has no default" if ins.keyword == "ARG" else "has a value dfix cannot expand"
                raise CannotSplit(ins.line, f"{ins.keyword} {name} {what}: what it changes at build time is unknown")


def _workdir(stage: Stage, states: Mapping[int, State], workdirs: list[Instruction], root_ok: bool) -> str:
    final = states[id(stage)].workdir
    line = workdirs[-1].line if workdirs else stage.from_instruction.line
    if final is None:
        raise CannotSplit(line, "the WORKDIR is not known statically")
    if (final == "/" or not workdirs) and not root_ok:
        raise CannotSplit(line, "no WORKDIR: the application lives in the image's root directory")
    return final


def _command(facts: StageFacts) -> tuple[list[str] | None, int]:
    """ENTRYPOINT followed by CMD, as the argv the container runs (shell form split into words)."""
    entry = cmd = None
    line = 0
    for ins in facts.tail:
        if ins.keyword == "ENTRYPOINT":
            entry, cmd, line = _argv(ins), None, ins.line  # a later ENTRYPOINT resets CMD
        elif ins.keyword == "CMD":
            cmd, line = _argv(ins), ins.line
    if cmd is None and entry is None:
        return None, facts.stage.from_instruction.line
    return (entry or []) + (cmd or []), line


def _argv(ins: Instruction) -> list[str]:
    if ins.json_args is not None:
        return list(ins.json_args)
    script = parse_shell(ins.args)
    if not script.parsed or len(script.commands) != 1:
        raise CannotSplit(ins.line, f"{ins.keyword} runs a shell script, not one program")
    return [w.value for w in script.commands[0].words]


def command_argv(argv: list[str]) -> list[str]:
    """The program's argv once `sh -c "…"` wrappers are read."""
    if len(argv) >= 3 and posixpath.basename(argv[0]) in ("sh", "bash") and argv[1] == "-c":
        script = parse_shell(argv[2])
        if script.parsed and len(script.commands) == 1:
            words = [w.value for w in script.commands[0].words]
            return words[1:] if words and words[0] == "exec" else words
    return argv


def source_text(ins: Instruction, newline: str) -> str:
    """The instruction as written (continuations, inner comments), ending with one line break."""
    text = ins.text
    stripped = text.rstrip("\r\n")
    return stripped + newline


def quote(words: list[str]) -> str:
    return shlex.join(words)


def leading_comments(df: Dockerfile) -> dict[int, list[Comment]]:
    """For each instruction, the comment lines directly above it (no blank line between)."""
    out: dict[int, list[Comment]] = {}
    block: list[Comment] = []
    for node in df.nodes:
        if isinstance(node, Comment):
            block.append(node)
        elif isinstance(node, Instruction):
            if block:
                out[id(node)] = block
            block = []
        else:
            block = []
    return out


def check_not_dev(argv: list[str], line: int, what: str = "CMD") -> None:
    """A command that serves a development environment or runs tests makes the image one."""
    if not argv:
        return
    program = posixpath.basename(argv[0])
    rest = " ".join(argv[1:])
    if program in _BUILD_TOOLS:
        raise DevImage(line, f"its {what} runs the build tool {program} at start-up: the runtime needs the "
                                "toolchain")
    if program in DEV_PROGRAMS:
        raise DevImage(line, f"the image is a development or test environment: its {what} runs {program}")
    for prog, sub in DEV_SUBCOMMANDS:
        if program == prog and (rest == sub or rest.startswith(sub + " ") or f" {sub}" in f" {rest}"):
            raise DevImage(line, f"the image is a development or test environment: its {what} runs "
                                    f"`{program} {sub}`")


def _check_command_first(stage: Stage) -> None:
    """A dev server, test runner or build tool as the command is the reason to give, before any other."""
    for ins in reversed(stage.instructions):
        if ins.keyword in ("CMD", "ENTRYPOINT"):
            try:
                argv = command_argv(_argv(ins))
            except CannotSplit:
                return
            check_not_dev(argv, ins.line)
            return
