"""Which build-context paths the Dockerfiles sharing a context read, for ``.dockerignore`` changes.

A path may be ignored only when no COPY/ADD source and no ``RUN --mount=type=bind``
of any Dockerfile building from the same context can reach it.  Sources are
expanded with the build state at their instruction; one dfix cannot expand may
read anything, so it is reported as ``source=None`` and callers fail closed.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from ...analysis.buildstate import State, stage_states
from ...analysis.named import NamedPath, dotenv_names, stage_taken
from ...context import BuildContext, DockerIgnore, go_clean, has_glob_meta
from ...dockerfile import Dockerfile, DockerfileError, Instruction, parse
from ...dockerfile.expand import expand
from .index import globbed, tree_dockerfiles

WHOLE = "."


@dataclass(frozen=True)
class ContextRead:
    """One context path an instruction reads: ``.`` is the whole context; None is "cannot tell"."""

    dockerfile: str  # context-relative path of the Dockerfile, or "this Dockerfile"
    line: int
    source: str | None
    instruction: str  # short text for messages, e.g. "COPY . ."

    @property
    def where(self) -> str:
        # No line for this Dockerfile: the finding carries it, and other fixes shift it
        # between passes (the same skip then read as a new one, with a line of the output).
        if self.dockerfile == "this Dockerfile":
            return f"`{self.instruction}` (this Dockerfile)"
        return f"`{self.instruction}` ({self.dockerfile} line {self.line})"


def _short(ins: Instruction) -> str:
    text = " ".join(ins.text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _mount_fields(value: str) -> dict[str, str]:
    return dict(part.split("=", 1) if "=" in part else (part, "") for part in value.split(","))


def reads_of(df: Dockerfile, name: str, states: dict[int, State] | None = None) -> list[ContextRead]:
    """Every context read of one Dockerfile: COPY/ADD without --from, and context bind mounts."""
    states = stage_states(df) if states is None else states
    out: list[ContextRead] = []
    for ins in df.instructions:
        if ins.keyword not in ("COPY", "ADD", "RUN") or id(ins) not in states:
            continue
        env, esc = states[id(ins)].env, ins.command.escape
        if ins.keyword == "RUN":
            for value in ins.flag_values("mount"):
                fields = _mount_fields(value)
                if fields.get("type", "bind") == "bind" and "from" not in fields:
                    out.append(_read(name, ins, fields.get("source") or fields.get("src") or WHOLE, env, esc))
            continue
        if ins.flag("from") is not None or ins.heredocs or len(ins.values) < 2:
            continue
        for raw in ins.values[:-1]:
            if ins.keyword == "ADD" and "://" in raw or raw.startswith("git@"):
                continue  # fetched, not read from the context
            out.append(_read(name, ins, raw, env, esc))
    return out


def _read(name: str, ins: Instruction, raw: str, env, esc: str) -> ContextRead:
    value = expand(raw, env, esc)
    if value is None:
        return ContextRead(name, ins.line, None, _short(ins))
    clean = go_clean(value.lstrip("/")) if value.strip("/") else WHOLE
    return ContextRead(name, ins.line, clean, _short(ins))


@dataclass(frozen=True)
class Users:
    """The Dockerfiles that build from a context, what they read and name, or why dfix cannot know."""

    reads: list[ContextRead]
    blocker: str | None  # a Dockerfile dfix cannot read or parse: it might read anything
    named: list[NamedPath] = field(default_factory=list)  # paths they name that may not be committed


def context_users(context: BuildContext, this: Dockerfile, peers: tuple[tuple[str, str | None], ...] = (),
                  states: dict[int, State] | None = None) -> Users:
    """This Dockerfile plus every Dockerfile in the context tree that uses the same ignore file.

    A Dockerfile elsewhere in the tree may well be built with this folder as its context
    (``docker build -f docker/Dockerfile .``), so each one counts unless it has an ignore
    file of its own; one dfix cannot read makes the answer unknown.  The tree's
    Dockerfiles are parsed once per context (index.tree_dockerfiles), not once per
    Dockerfile built from it.
    """
    states = stage_states(this) if states is None else states
    reads = reads_of(this, "this Dockerfile", states)
    named = [*dotenv_names(this, states), *stage_taken(this, states, context)]
    if context.ignored_by not in (None, ".dockerignore"):
        return Users(reads, None, named)  # a <name>.dockerignore serves this Dockerfile alone
    for other in tree_dockerfiles(context, reads_of):
        if other.rel == context.dockerfile_rel:
            continue
        if other.blocker:
            return Users(reads, other.blocker, named)
        reads.extend(other.reads)
        named.extend(other.named)
    for name, text in peers:
        if _inside(context, name):
            continue  # found in the tree above
        if text is None:
            return Users(reads, f"{name} builds from this context and dfix cannot read it", named)
        try:
            other_df = parse(text)
        except DockerfileError:
            return Users(reads, f"{name} builds from this context and does not parse", named)
        other_states = stage_states(other_df)
        reads.extend(reads_of(other_df, name, other_states))
        named.extend([*dotenv_names(other_df, other_states, name), *stage_taken(other_df, other_states, context, name)])
    return Users(reads, None, named)


def _inside(context: BuildContext, path: str) -> bool:
    try:
        Path(path).resolve().relative_to(context.root.resolve())
        return True
    except ValueError:
        return False


def _literal_prefix(source: str) -> str:
    parts = []
    for segment in source.split("/"):
        if has_glob_meta(segment):
            break
        parts.append(segment)
    return "/".join(parts)


def newly_excluded(path: str, before: DockerIgnore | None, after: DockerIgnore) -> bool:
    return after.excludes(path) and not (before is not None and before.excludes(path))


def needs(read: ContextRead, context: BuildContext, before: DockerIgnore | None, after: DockerIgnore) -> bool:
    """Whether ``after`` would take away a path the read names (its build fails or changes).

    A whole-context read needs nothing in particular; a named source needs itself, the
    directories leading to it and, for a wildcard, every path it matches now.
    """
    assert read.source is not None
    if read.source == WHOLE:
        return False
    if has_glob_meta(read.source):
        prefix = _literal_prefix(read.source)
        if prefix and newly_excluded(prefix, before, after):
            return True
        return any(newly_excluded(m, before, after) for m in globbed(context, read.source))
    return newly_excluded(read.source, before, after)
