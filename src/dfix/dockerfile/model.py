"""The concrete syntax tree: every node is a span over the original text.

Nothing here stores a normalised copy of the source.  An edit is a splice of the
original string (``TextEdit``), so bytes that no fix touches stay identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from .memo import memo
from typing import Union

from . import words as _words


@dataclass(frozen=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True, slots=True)
class PhysicalLine:
    number: int  # 1-based
    start: int  # offset of the first character (after a BOM on line 1)
    end: int  # offset of the end of content, before "\r\n" / "\n"
    eol_end: int  # offset after the line ending (== end when the file ends without one)
    newline: str  # "\n", "\r\n", or "" on a last line with no line ending


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of the logical line copied from the source: logical[lstart:lstart+length] == text[rstart:rstart+length]."""

    lstart: int
    rstart: int
    length: int


@dataclass(frozen=True, slots=True)
class Flag:
    text: str  # "--mount=type=cache,target=/root/.npm" with quotes resolved
    start: int  # raw offsets in the source text
    end: int

    @property
    def name(self) -> str:
        return self.text[2:].split("=", 1)[0]

    @property
    def value(self) -> str | None:
        parts = self.text[2:].split("=", 1)
        return parts[1] if len(parts) == 2 else None


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    body: str  # content lines joined with "\n", as BuildKit sees them (CR removed)
    chomp: bool  # <<- strips leading tabs
    expand: bool  # unquoted delimiter: the body is subject to variable expansion
    fd: int
    body_start: int  # raw offsets of the body (first body line .. end of the terminator line)
    end: int


@dataclass
class Command:
    """The parsed form of one logical instruction line (also used for ONBUILD's trigger)."""

    logical: str
    segments: tuple[Segment, ...]
    keyword: str  # as written, e.g. "run", "Run"
    keyword_lspan: tuple[int, int]
    flags: list[Flag]
    args_lspan: tuple[int, int]  # logical span of the arguments after the flags, trimmed
    escape: str
    sub: "Command | None" = None  # ONBUILD trigger

    # Cached: every rule asks every instruction its name on every pass; nothing edits a parse.
    @memo
    def name(self) -> str:
        return self.keyword.upper()

    @memo
    def args(self) -> str:
        return self.logical[self.args_lspan[0] : self.args_lspan[1]]

    def raw_offset(self, logical_index: int) -> int:
        """Source offset of a logical-line position (a boundary maps to the segment it opens)."""
        for seg in self.segments:
            if seg.lstart <= logical_index < seg.lstart + seg.length:
                return seg.rstart + logical_index - seg.lstart
        last = self.segments[-1]
        if logical_index >= last.lstart + last.length:
            return last.rstart + last.length
        for seg in self.segments:  # in a gap (cannot happen for in-range indices)
            if seg.lstart >= logical_index:
                return seg.rstart
        return last.rstart + last.length

    def raw_end(self, logical_index: int) -> int:
        """Source offset just after logical position ``logical_index - 1`` (for span ends)."""
        if logical_index == 0:
            return self.segments[0].rstart
        return self.raw_offset(logical_index - 1) + 1

    @memo
    def json_args(self) -> list[str] | None:
        if self.name == "HEALTHCHECK":
            parts = self.args.split(None, 1)
            if len(parts) == 2:
                try:
                    return _words.parse_json_array(parts[1])
                except _words.NotStringArray:
                    return None
            return None
        if self.name in _JSON_CAPABLE:
            try:
                return _words.parse_json_array(self.args)
            except _words.NotStringArray:
                return None
        return None

    @property
    def is_json(self) -> bool:
        return self.json_args is not None

    @memo
    def values(self) -> list[str]:
        """The argument values as BuildKit's parser reports them (its Node.Next chain)."""
        return argument_values(self)


_JSON_CAPABLE = {"ADD", "COPY", "RUN", "CMD", "ENTRYPOINT", "SHELL", "VOLUME"}


def argument_values(cmd: Command) -> list[str]:
    name, rest, escape = cmd.name, cmd.args, cmd.escape
    if name in ("ADD", "COPY", "VOLUME"):
        arr = _words.parse_json_array(rest)
        return arr if arr is not None else _words.whitespace_list(rest)
    if name in ("RUN", "CMD", "ENTRYPOINT", "SHELL"):
        if rest == "":
            return []
        arr = _words.parse_json_array(rest)
        return arr if arr is not None else [rest]
    if name in ("ENV", "LABEL"):
        return [item for pair in _words.name_val(rest, name, escape) for item in pair]
    if name == "ARG":
        return _words.parse_words(rest, escape)
    if name in ("EXPOSE", "FROM"):
        return _words.whitespace_list(rest)
    if name in ("MAINTAINER", "STOPSIGNAL", "USER", "WORKDIR"):
        return [rest] if rest else []
    if name == "HEALTHCHECK":
        return _healthcheck_values(rest)
    if name == "ONBUILD":
        return cmd.sub.values if cmd.sub else []
    return [""]  # parseIgnore: BuildKit keeps an empty node for unknown instructions


def _healthcheck_values(rest: str) -> list[str]:
    sep = 0
    while sep < len(rest) and not rest[sep].isspace():
        sep += 1
    if sep == 0:
        return []
    nxt = sep
    while nxt < len(rest) and rest[nxt].isspace():
        nxt += 1
    cmd_rest = rest[nxt:]
    if cmd_rest == "":
        return [rest[:sep]]
    arr = _words.parse_json_array(cmd_rest)
    return [rest[:sep]] + (arr if arr is not None else [cmd_rest])


@dataclass(slots=True)  # 100k-line files: a dict per instruction is most of a parse's memory
class Instruction:
    """One instruction: its physical lines, inner comments, heredoc bodies, and parsed command."""

    start: int  # offset of the start of its first physical line
    end: int  # offset after the line ending of its last physical line (heredocs included)
    line: int  # 1-based first line
    end_line: int
    command: Command
    heredocs: list[Heredoc] = field(default_factory=list)
    inner_comment_lines: list[int] = field(default_factory=list)  # line numbers of comments inside continuations
    source: str = field(default="", repr=False)
    # Facts derived from this instruction alone (its shell parse), kept by the modules that
    # compute them: rules ask them of every instruction on every pass.
    derived: dict = field(default_factory=dict, repr=False, compare=False)
    keyword: str = field(init=False, repr=False, compare=False)  # upper case; asked of every instruction by every rule

    def __post_init__(self) -> None:
        self.keyword = self.command.name

    # Convenience accessors used by rules.

    @property
    def keyword_as_written(self) -> str:
        return self.command.keyword

    @property
    def flags(self) -> list[Flag]:
        return self.command.flags

    @property
    def args(self) -> str:
        return self.command.args

    @property
    def json_args(self) -> list[str] | None:
        return self.command.json_args

    @property
    def values(self) -> list[str]:
        return self.command.values

    @property
    def text(self) -> str:
        return self.source[self.start : self.end]

    @property
    def keyword_start(self) -> int:
        return self.command.raw_offset(self.command.keyword_lspan[0])

    @property
    def keyword_end(self) -> int:
        return self.command.raw_end(self.command.keyword_lspan[1])

    @property
    def args_start(self) -> int:
        return self.command.raw_offset(self.command.args_lspan[0])

    @property
    def args_end(self) -> int:
        return self.command.raw_end(self.command.args_lspan[1])

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def flag_values(self, name: str) -> list[str]:
        return [f.value or "" for f in self.flags if f.name == name]


@dataclass(frozen=True, slots=True)
class Comment:
    start: int
    end: int
    line: int
    text: str  # the comment line content, without the line ending


@dataclass(frozen=True, slots=True)
class Blank:
    start: int
    end: int
    line: int


@dataclass(frozen=True, slots=True)
class Directive:
    start: int
    end: int
    line: int
    name: str  # lower-case: syntax, escape, check
    value: str


Node = Union[Instruction, Comment, Blank, Directive]


@dataclass
class Stage:
    index: int
    from_instruction: Instruction
    instructions: list[Instruction]  # FROM first

    @property
    def base(self) -> str:
        values = self.from_instruction.values
        return values[0] if values else ""

    @property
    def name(self) -> str | None:
        values = self.from_instruction.values
        if len(values) == 3 and values[1].lower() == "as":
            return values[2]
        return None

    @property
    def platform(self) -> str | None:
        return self.from_instruction.flag("platform").value if self.from_instruction.flag("platform") else None


@dataclass
class Dockerfile:
    text: str
    nodes: list[Node]
    lines: list[PhysicalLine]
    escape: str
    bom: bool

    @memo
    def instructions(self) -> list[Instruction]:
        return [n for n in self.nodes if isinstance(n, Instruction)]

    @memo
    def directives(self) -> list[Directive]:
        return [n for n in self.nodes if isinstance(n, Directive)]

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None

    @memo
    def global_args(self) -> list[Instruction]:
        out = []
        for ins in self.instructions:
            if ins.keyword == "FROM":
                break
            out.append(ins)
        return out

    @memo
    def stages(self) -> list[Stage]:
        stages: list[Stage] = []
        for ins in self.instructions:
            if ins.keyword == "FROM":
                stages.append(Stage(len(stages), ins, [ins]))
            elif stages:
                stages[-1].instructions.append(ins)
        return stages

    @memo
    def newline(self) -> str:
        """The file's dominant line ending, for text that fixes insert."""
        crlf = sum(1 for ln in self.lines if ln.newline == "\r\n")
        lf = sum(1 for ln in self.lines if ln.newline == "\n")
        return "\r\n" if crlf > lf else "\n"

    @property
    def body_start(self) -> int:
        """Offset after a byte-order mark: where a new first line must go."""
        return 1 if self.bom else 0

    def _stage_keys(self, stage: Stage) -> set[str]:
        return {str(stage.index)} | ({stage.name.lower()} if stage.name else set())

    def parent(self, stage: Stage) -> Stage | None:
        """The earlier stage this one is built FROM, or None for an external image."""
        base = stage.base.lower()
        for earlier in reversed(self.stages[: stage.index]):
            if base in self._stage_keys(earlier):
                return earlier
        return None

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the stages it builds on, oldest first."""
        chain = [stage]
        while (up := self.parent(chain[0])) is not None:
            chain.insert(0, up)
        return chain

    def descendants(self, stage: Stage) -> list[Stage]:
        """The later stages built FROM this one, directly or through another."""
        out: list[Stage] = []
        for later in self.stages[stage.index + 1 :]:
            up = self.parent(later)
            if up is not None and (up is stage or up in out):
                out.append(later)
        return out

    def stage_of(self, ins: Instruction) -> Stage | None:
        for stage in self.stages:
            if ins in stage.instructions:
                return stage
        return None
