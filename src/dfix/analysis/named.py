"""Context paths the build names as data, whether or not the checkout holds them.

A developer's context holds what git ignores (``.env``, local config, build output),
so a path that the Dockerfile or a compose file names may be there at build time and
be needed (DESIGN.md §1, "The build context is not the git tree").  Each is reported as
a context-relative path or glob (a variable dfix cannot expand kept as written) with
where it is named.  Nothing here runs or evaluates repository code: compose files are read as YAML
data, event by event, so their anchors are never expanded.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..dockerfile import Dockerfile, Instruction
from ..dockerfile.expand import expand
from ..io.limits import yaml_scalars
from .buildstate import State

if TYPE_CHECKING:
    from ..context import BuildContext

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
_WORD_SPLIT = re.compile(r"[\s;&|()<>'\"=,`]+")  # not ':', which `${VAR:-default}` holds


@dataclass(frozen=True)
class NamedPath:
    glob: str  # context-relative path or COPY glob; an unexpandable `${VAR}` kept as written
    below: bool  # a folder is meant: what lies under it is named too
    where: str  # for messages, a clause: "compose.yaml names it (`env_file: .env`)"
    line: int = 1  # the line in the Dockerfile being fixed, 1 when named elsewhere
    dockerfile: bool = False  # a Dockerfile compose builds: whatever its name, it reads the context


def _shown(ins: Instruction, shown: str) -> str:
    """An instruction for messages; this Dockerfile's without a line (other fixes shift it between passes)."""
    return f"`{_short(ins)}` ({shown})" if shown == "this Dockerfile" else f"`{_short(ins)}` ({shown} line {ins.line})"


def _short(ins: Instruction) -> str:
    text = " ".join(ins.text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _expanded(word: str, env, escape: str) -> str:
    """The word expanded; with a variable dfix cannot expand, the word as written.

    ``.env.${APP_ENV}`` then stands for one name in that place: `.env.*` matches it, as it
    matches every value the variable may take, and `**/*.pem` does not.
    """
    value = expand(word, env, escape)
    return value if value is not None else word.strip("'\"")


def dotenv_names(df: Dockerfile, states: dict[int, State], shown: str = "this Dockerfile") -> list[NamedPath]:
    """Dotenv files any instruction names (``.env``, ``.env.${APP_ENV}``), expanded with the ENV/ARG in force.

    An image path (``/app/.env``) is named by its file name at the context root too: where
    a broad COPY put it, it came from there.
    """
    out: dict[str, NamedPath] = {}  # one per name: the first instruction that names it
    for ins in df.instructions:
        state = states.get(id(ins))
        if state is None or ins.keyword == "FROM" or ".env" not in ins.text:
            continue
        for word in _WORD_SPLIT.split(ins.text):
            base = posixpath.basename(word.rstrip("/"))
            if not (base.startswith(".env") or base.endswith(".env")):
                continue
            value = _expanded(word, state.env, ins.command.escape)
            for glob in {posixpath.basename(value), value.lstrip("/").removeprefix("./")} - {""} - out.keys():
                out[glob] = NamedPath(glob, False, f"{_shown(ins, shown)} names it",
                                      ins.line if shown == "this Dockerfile" else 1)
    return list(out.values())


def _dest_dir(ins: Instruction, state: State) -> str | None:
    parsed = ins.values
    dest = expand(parsed[-1], state.env, ins.command.escape) if len(parsed) >= 2 else None
    if dest is None or (not posixpath.isabs(dest) and state.workdir is None):
        return None
    return posixpath.normpath(posixpath.join(state.workdir or "/", dest))


MAX_PAIRS = 10_000  # COPY --from sources times directory copies followed; past it, every tail is named


def stage_taken(df: Dockerfile, states: dict[int, State], context: "BuildContext",
                shown: str = "this Dockerfile") -> list[NamedPath]:
    """Context paths a ``COPY --from=<stage> /path`` takes, through the source stage's directory copies.

    However ``/path`` arrived in that stage, a broad ``COPY . .`` may have brought it from
    the context (DESIGN.md §1, "Reason about the stage"): that context path is needed.
    """
    out: dict[tuple[str, bool], NamedPath] = {}  # one per path: the first place that names it
    by_key = {k: s for s in df.stages for k in ({str(s.index)} | ({s.name.lower()} if s.name else set()))}
    copies = {s.index: [c for c in s.instructions[1:] if _is_context_copy(c, states)] for s in df.stages}
    lineages: dict[int, list[Instruction]] = {}
    budget = MAX_PAIRS
    for ins in df.instructions:
        flag = ins.flag("from") if ins.keyword in ("COPY", "ADD") else None
        source_stage = by_key.get((flag.value or "").lower()) if flag is not None else None
        state = states.get(id(ins))
        if source_stage is None or state is None or len(ins.values) < 2:
            continue
        line = ins.line if shown == "this Dockerfile" else 1
        for raw in ins.values[:-1]:
            taken = posixpath.normpath("/" + _expanded(raw, state.env, ins.command.escape).lstrip("/"))
            found: list[tuple[str, str]] = []
            lineage = lineages.setdefault(source_stage.index, [
                c for stage in df.lineage(source_stage) for c in copies[stage.index]])
            budget -= len(lineage)
            if budget < 0:  # a hostile file: name every tail of the path at the root, once
                found = [(tail, f"{_shown(ins, shown)} takes it from stage {flag.value}, which may have it "
                                "from the context") for tail in _tails(taken)]
            for copy in lineage if budget >= 0 else ():
                where = (f"{_shown(ins, shown)} takes it from stage {flag.value}, where `{_short(copy)}` "
                         "may have brought it from the context")
                found.extend((glob, where) for glob in _context_paths(copy, states[id(copy)], context, taken))
            for glob, where in found:
                # What the checkout holds as a folder is named with its content; what it
                # lacks is named itself (a build output or an ignored file, it may be either).
                below = context.is_dir(glob)
                out.setdefault((glob, below), NamedPath(glob, below, where, line))
    return list(out.values())


def _tails(path: str) -> list[str]:
    """``/app/config/.env`` -> ``app/config/.env``, ``config/.env``, ``.env``."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[i:]) for i in range(len(parts)) if parts[i:] != [""]]


def _is_context_copy(ins: Instruction, states: dict[int, State]) -> bool:
    return ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs and id(ins) in states


def _context_paths(copy: Instruction, state: State, context: "BuildContext", taken: str) -> Iterator[str]:
    """Where in the context ``copy`` takes what lands at image path ``taken`` (a folder copy only).

    Where the destination is unknown (a variable dfix cannot expand), ``taken`` may be any
    depth below it: every tail of ``taken`` is named below the source (fail closed).
    """
    dest = _dest_dir(copy, state)
    if dest is not None and not (taken == dest or taken.startswith(dest.rstrip("/") + "/")):
        return
    rests = [posixpath.relpath(taken, dest)] if dest is not None else _tails(taken)
    for raw in copy.values[:-1]:
        src = expand(raw, state.env, copy.command.escape)
        if src is None or "://" in src:
            continue
        src = posixpath.normpath(src.lstrip("/")) if src.strip("/") else "."
        if src != "." and not context.is_dir(src) and not raw.endswith("/"):
            continue  # a file copy: a read of that very path, judged as such
        for rest in rests:
            if rest not in (".", ""):
                yield posixpath.normpath(posixpath.join(src, rest))


def compose_names(context: "BuildContext") -> list[NamedPath]:
    """Paths compose files in the context name: each ``env_file:`` and each ``build:`` Dockerfile.

    Paths are relative to the compose file's folder (a build's ``dockerfile`` to its
    ``context``); one outside the context, absolute or with ``..``, is not the context's.
    A build context itself is not a file the build needs, so it names nothing here.
    """
    out: list[NamedPath] = []
    for rel in context.all_files:
        if not rel.endswith(COMPOSE_NAMES) or posixpath.basename(rel) not in COMPOSE_NAMES:
            continue  # endswith first: one C call per file of a 200,000-file tree
        text = context.read_unfiltered(rel)
        try:
            scalars = list(yaml_scalars(text, rel)) if text is not None else []
        except ValueError:  # not YAML: compose cannot read it either, so it names nothing
            continue
        folder = posixpath.dirname(rel)
        builds: dict[tuple[str, ...], dict[str, str]] = {}
        for keys, value in scalars:
            tail = [k for k in keys if k != "[]"]
            if value and (tail[-1:] == ["env_file"] or tail[-2:] == ["env_file", "path"]):
                out.extend(_inside(folder, value, f"{rel} names it (`env_file: {value}`)"))
            elif len(keys) >= 2 and keys[-2] == "build" and keys[-1] in ("context", "dockerfile"):
                builds.setdefault(keys[:-1], {})[keys[-1]] = value
        for build in builds.values():
            if "dockerfile" in build:
                path = posixpath.join(build.get("context", "."), build["dockerfile"])
                out.extend(_inside(folder, path, f"{rel} names it (`dockerfile: {build['dockerfile']}`)", True))
    return out


def _inside(folder: str, value: str, where: str, dockerfile: bool = False) -> list[NamedPath]:
    path = posixpath.normpath(posixpath.join(folder, value))  # `${VAR}` kept: see _expanded
    return [] if posixpath.isabs(value) or path.startswith("..") else [NamedPath(path, False, where, 1, dockerfile)]


def submodule_dirs(context: "BuildContext") -> list[str]:
    """Submodule folders ``.gitmodules`` lists: their files are not in the bot's checkout."""
    text = context.read_unfiltered(".gitmodules") if ".gitmodules" in context.all_files else None
    out = []
    for line in (text or "").splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == "path" and value.strip():
            path = posixpath.normpath(value.strip().strip('"'))
            if not posixpath.isabs(path) and not path.startswith(".."):
                out.append(path)
    return out
