"""BuildKit's cache model: what each executed step's cache key reads, and what a change re-runs.

BuildKit turns a Dockerfile into a graph of vertices.  Only RUN, COPY, ADD and
WORKDIR become vertices; FROM of an image is a source (not a step a rebuild can
re-run), and ENV, ARG, LABEL, USER, CMD and the rest only change the image config
or the state later vertices are built with.  A vertex's cache key is made of:

* its parent vertex (the previous step of the stage, or the last step of the stage
  it is built FROM): a parent that re-runs re-runs every step after it;
* its definition: the instruction after variable expansion.  A RUN also carries the
  whole environment, and an ``ARG`` with a value is in that environment (checked on
  this machine's BuildKit: changing ``--build-arg W`` re-runs a RUN that never names
  ``$W``), so a RUN depends on every build argument declared before it in its stage
  chain; COPY, ADD and WORKDIR only on the variables their text expands;
* content, not identity, for inputs read through a selector: the context files a
  COPY/ADD source matches after ``.dockerignore``, the sources of a RUN's
  ``--mount=type=bind`` (cache, secret, ssh and tmpfs mounts do not count), and the
  files a ``COPY --from=stage`` / ``--mount=...,from=stage`` takes from another stage.

For the last kind, BuildKit compares the *bytes* the other stage produced: a
re-run RUN there that writes the same bytes leaves the COPY cached.  dfix cannot
know what a RUN writes, so it predicts a re-run whenever a step of that stage
re-runs (an upper bound, and said so in the step's reasons).

Stages the target does not need (through FROM, ``COPY --from`` or a mount's
``from=``) are not built, so they have no steps here.  Identical vertices in two
stages (the same base, the same instructions) are one vertex in BuildKit and one
step here.
"""

from __future__ import annotations

import csv
import posixpath
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from ...context import BuildContext, go_clean, has_glob_meta, path_glob
from ...dockerfile import Dockerfile, Instruction, Stage
from ...dockerfile.expand import expand
from ...analysis.buildstate import global_arg_values

VERTEX_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
_REMOTE_PREFIXES = ("http://", "https://", "git@", "git://")


class TargetError(ValueError):
    """The requested target stage does not exist."""


@dataclass(frozen=True)
class ContextSource:
    """A path or pattern of the build context that a step's cache key reads."""

    pattern: str  # cleaned, relative to the context root; "." for the whole context
    via: str  # "COPY", "ADD" or "bind mount"

    def covers(self, path: str) -> bool:
        """Whether a change to ``path`` (a cleaned context path) changes what this source brings in."""
        if self.pattern == ".":
            return True
        if not has_glob_meta(self.pattern):
            return path == self.pattern or path.startswith(self.pattern + "/")
        # filepath.Match: a wildcard never crosses "/", so only the prefix with as many
        # segments as the pattern can match; a matched directory brings everything below it.
        depth = self.pattern.count("/") + 1
        parts = path.split("/")
        if len(parts) < depth:
            return False
        return path_glob(self.pattern, double_star=False).matches("/".join(parts[:depth]))


@dataclass(eq=False)
class Step:
    """One vertex BuildKit executes, with the inputs of its cache key."""

    stage: int  # index of the stage it is written in
    stage_label: str  # BuildKit's name for the stage: its AS name, or stage-N
    number: int  # n of BuildKit's [stage n/N]
    total: int  # N
    instruction: Instruction
    parent: "Step | None" = None
    base: str | None = None  # the image the chain starts from, for a chain's first step
    base_args: frozenset[str] = frozenset()  # build args the base image reference expands
    context_sources: list[ContextSource] = field(default_factory=list)
    stage_inputs: list[tuple[int, str]] = field(default_factory=list)  # (stage index, how it is read)
    build_args: frozenset[str] = frozenset()
    remote: list[str] = field(default_factory=list)  # URLs an ADD fetches: BuildKit checks their content
    notes: list[str] = field(default_factory=list)

    @property
    def keyword(self) -> str:
        return self.instruction.keyword

    @property
    def line(self) -> int:
        return self.instruction.line

    @property
    def text(self) -> str:
        """The instruction on one line, as written (continuations joined)."""
        return " ".join(self.instruction.command.logical.split())

    def label(self, single_stage: bool) -> str:
        width = len(str(self.total))
        prefix = "" if single_stage else f"{self.stage_label} "
        return f"[{prefix}{self.number:>{width}}/{self.total}]"


@dataclass
class _Scope:
    """What a stage chain carries from one instruction to the next."""

    env: dict[str, str | None]  # values, for expanding sources (None: unknowable)
    var_args: dict[str, frozenset[str]]  # variable -> the build args its value derives from
    declared: frozenset[str] = frozenset()  # build args declared in the chain: a RUN's environment


class CacheModel:
    """The executed steps of one Dockerfile for one target, over one build context."""

    def __init__(self, df: Dockerfile, context: BuildContext, target: str | None = None) -> None:
        self.df = df
        self.context = context
        self.globals = global_arg_values(df)
        self._global_names = frozenset(self.globals)
        self.target = self._target(target)
        self.needed = self._needed_stages()
        self.single_stage = len(df.stages) == 1
        self.steps: list[Step] = []
        self._tails: dict[int, tuple[Step | None, str | None, frozenset[str], _Scope]] = {}
        self._build()

    # stages -------------------------------------------------------------------------

    def _target(self, name: str | None) -> Stage:
        if name is None:
            return self.df.stages[-1]
        for stage in self.df.stages:
            if stage.name is not None and stage.name.lower() == name.lower():
                return stage
        raise TargetError(f"target stage {name!r} not found")

    def stage_ref(self, ref: str | None, before: int) -> Stage | None:
        """The stage a FROM / --from / from= names (by AS name or index), or None for an image."""
        if ref is None:
            return None
        for stage in reversed(self.df.stages[:before]):
            if (stage.name is not None and stage.name.lower() == ref.lower()) or ref == str(stage.index):
                return stage
        return None

    def _base_ref(self, stage: Stage) -> str | None:
        return expand(stage.base, self.globals) if "$" in stage.base else stage.base

    def _uses(self, stage: Stage) -> list[Stage]:
        """The stages ``stage`` reads: the one it is built FROM, COPY --from and mount from= sources."""
        used = []
        parent = self.stage_ref(self._base_ref(stage), stage.index)
        if parent is not None:
            used.append(parent)
        for ins in stage.instructions[1:]:
            for ref in _from_refs(ins):
                found = self.stage_ref(ref, stage.index)
                if found is not None:
                    used.append(found)
        return used

    def _needed_stages(self) -> set[int]:
        needed: set[int] = set()
        todo = [self.target]
        while todo:
            stage = todo.pop()
            if stage.index in needed:
                continue
            needed.add(stage.index)
            todo.extend(self._uses(stage))
        return needed

    def stage_label(self, stage: Stage) -> str:
        return stage.name or f"stage-{stage.index}"

    # building -----------------------------------------------------------------------

    def _build(self) -> None:
        seen: dict[tuple, Step] = {}
        for stage in self.df.stages:
            if stage.index not in self.needed:
                continue
            parent_stage = self.stage_ref(self._base_ref(stage), stage.index)
            if parent_stage is not None:
                tail, base, base_args, scope = self._tails[parent_stage.index]
                scope = _Scope(dict(scope.env), dict(scope.var_args), scope.declared)
            else:
                tail, base = None, self._base_ref(stage) or stage.base
                base_args = _references(stage.base, self.globals) & self._global_names
                scope = _Scope({}, {})
            vertices = [ins for ins in stage.instructions[1:] if ins.keyword in VERTEX_KEYWORDS]
            from_image = parent_stage is None and (base or "").lower() != "scratch"
            total = len(vertices) + (1 if from_image else 0)
            number = 1 if from_image else 0
            for ins in stage.instructions[1:]:
                if ins.keyword not in VERTEX_KEYWORDS:
                    self._carry(ins, scope)
                    continue
                number += 1
                step = Step(stage.index, self.stage_label(stage), number, total, ins, parent=tail,
                            base=base if tail is None else None, base_args=base_args if tail is None else frozenset())
                self._inputs(step, stage, scope)
                key = self._vertex_key(step, tail, scope)
                if key in seen:  # BuildKit solves one vertex for both
                    tail = seen[key]
                    continue
                seen[key] = step
                self.steps.append(step)
                tail = step
            self._tails[stage.index] = (tail, base, base_args, scope)

    def _carry(self, ins: Instruction, scope: _Scope) -> None:
        escape = ins.command.escape
        if ins.keyword == "ARG":
            for word in ins.values:
                name, _, raw = word.partition("=")
                derived = {name}
                if "=" in word:
                    derived |= self._derived(raw, scope, escape)
                    scope.env[name] = expand(raw, scope.env, escape)
                else:
                    scope.env[name] = scope.env.get(name, self.globals.get(name))
                scope.var_args[name] = frozenset(derived)
                scope.declared = scope.declared | {name}
        elif ins.keyword == "ENV":
            values = ins.values
            for name, raw in zip(values[::2], values[1::2]):
                scope.var_args[name] = frozenset(self._derived(raw, scope, escape))
                scope.env[name] = expand(raw, scope.env, escape)

    def _derived(self, word: str, scope: _Scope, escape: str) -> set[str]:
        out: set[str] = set()
        for name in _references(word, scope.env, escape):
            out |= scope.var_args.get(name, frozenset())
        return out

    def _inputs(self, step: Step, stage: Stage, scope: _Scope) -> None:
        ins = step.instruction
        escape = ins.command.escape
        words = [ins.args] + [f.text for f in ins.flags]
        used: set[str] = set()
        for word in words:
            used |= self._derived(word, scope, escape)
        if ins.keyword == "RUN":
            # The RUN's environment holds every declared build arg and every ENV derived from one.
            used |= set(scope.declared)
            for derived in scope.var_args.values():
                used |= derived
            self._mounts(step, stage, scope)
        elif ins.keyword in ("COPY", "ADD"):
            self._copy_sources(step, stage, scope)
        step.build_args = frozenset(used)

    def _copy_sources(self, step: Step, stage: Stage, scope: _Scope) -> None:
        ins = step.instruction
        escape = ins.command.escape
        from_flag = ins.flag("from")
        if from_flag is not None:
            ref = expand(from_flag.value or "", scope.env, escape) if "$" in (from_flag.value or "") else from_flag.value
            source_stage = self.stage_ref(ref, stage.index)
            if source_stage is not None:
                step.stage_inputs.append((source_stage.index, "COPY --from"))
            elif ref is None:
                step.notes.append(f"--from={from_flag.value}: dfix cannot expand it, so any change may re-run it")
                step.context_sources.append(ContextSource(".", ins.keyword))
            return
        heredoc_names = {f"<<{h.name}" for h in ins.heredocs} | {f"<<-{h.name}" for h in ins.heredocs}
        for raw in ins.values[:-1]:
            if raw in heredoc_names or raw.startswith("<<"):
                continue  # inline content: part of the instruction text
            value = expand(raw, scope.env, escape) if "$" in raw else raw
            if value is None:
                step.notes.append(f"source {raw}: dfix cannot expand it, so any file may be read")
                step.context_sources.append(ContextSource(".", ins.keyword))
            elif ins.keyword == "ADD" and value.startswith(_REMOTE_PREFIXES):
                step.remote.append(value)
            else:
                step.context_sources.append(ContextSource(_clean(value), ins.keyword))

    def _mounts(self, step: Step, stage: Stage, scope: _Scope) -> None:
        ins = step.instruction
        for value in ins.flag_values("mount"):
            options = parse_mount(value)
            if options.get("type", "bind") != "bind":
                continue  # cache, secret, ssh and tmpfs mounts are not in the cache key
            source = options.get("source") or options.get("src") or "."
            if "$" in source:
                source = expand(source, scope.env, ins.command.escape)
            ref = options.get("from")
            if ref is not None:
                source_stage = self.stage_ref(ref, stage.index)
                if source_stage is not None:
                    step.stage_inputs.append((source_stage.index, "bind mount from"))
                continue
            if source is None:
                step.notes.append("a bind mount source dfix cannot expand: any file may be read")
                source = "."
            step.context_sources.append(ContextSource(_clean(source), "bind mount"))

    def _vertex_key(self, step: Step, tail: Step | None, scope: _Scope) -> tuple:
        env = tuple(sorted((k, v) for k, v in scope.env.items())) if step.keyword == "RUN" else ()
        parent = id(tail) if tail is not None else ("image", step.base)
        return (parent, step.keyword, step.text, env, tuple(step.stage_inputs))

    # queries ------------------------------------------------------------------------

    def label(self, step: Step) -> str:
        return step.label(self.single_stage)

    def files_read(self, step: Step) -> list[str]:
        """The context files (after .dockerignore) the step's cache key reads today."""
        found: set[str] = set()
        for source in step.context_sources:
            found.update(self.context.matches_copy_source(source.pattern))
        return sorted(found)

    def stage_tail(self, index: int) -> Step | None:
        return self._tails[index][0]

    def reruns(self, changed_paths: Iterable[str] = (), changed_args: Iterable[str] = ()) -> dict[Step, str | None]:
        """For each step, why it re-runs after the change (None: it stays cached)."""
        paths = [p for p in (_clean(p) for p in changed_paths) if p != "." and self.context.is_included(p)]
        args = frozenset(changed_args)
        why: dict[Step, str | None] = {}
        for step in self.steps:
            why[step] = self._reason(step, paths, args, why)
        return why

    def _reason(self, step: Step, paths: list[str], args: frozenset[str],
                why: Mapping[Step, str | None]) -> str | None:
        if step.parent is not None and why.get(step.parent) is not None:
            return f"after {self.label(step.parent)}"
        if step.base_args & args:
            return "base image (build arg " + ", ".join(sorted(step.base_args & args)) + ")"
        if step.build_args & args:
            return "build arg " + ", ".join(sorted(step.build_args & args))
        for source in step.context_sources:
            hit = next((p for p in paths if source.covers(p)), None)
            if hit is not None:
                return hit
        for index, how in step.stage_inputs:
            if self._stage_output_changed(index, why, args):
                return f"stage {self.stage_label(self.df.stages[index])} ({how})"
        return None

    def _stage_output_changed(self, index: int, why: Mapping[Step, str | None], args: frozenset[str]) -> bool:
        tail, _base, base_args, _scope = self._tails[index]
        if tail is None:
            return bool(base_args & args)
        return why.get(tail) is not None

    def invalidated_by(self, step: Step) -> list[str]:
        """What re-runs the step, most specific first."""
        out: list[str] = []
        for source in step.context_sources:
            out.append(self._describe_source(source))
        for index, how in step.stage_inputs:
            out.append(f"stage {self.stage_label(self.df.stages[index])} ({how}; BuildKit compares the copied bytes)")
        out.extend(f"remote content {url}" for url in step.remote)
        out.extend(f"build arg {name}" for name in sorted(step.build_args))
        if step.parent is not None:
            out.append(f"any re-run of {self.label(step.parent)} {_short(step.parent.text)}")
        elif step.base:
            args = f" (build arg {', '.join(sorted(step.base_args))})" if step.base_args else ""
            out.append(f"base image {step.base}{args}")
        out.extend(step.notes)
        return out

    def _describe_source(self, source: ContextSource) -> str:
        files = self.context.matches_copy_source(source.pattern)
        count = f"{len(files):,} file{'s' if len(files) != 1 else ''}"
        if source.pattern == ".":
            return f"any file in the context ({count} after .dockerignore)"
        if has_glob_meta(source.pattern):
            shown = ", ".join(files[:3]) + (", ..." if len(files) > 3 else "")
            return f"files matching {source.pattern} ({count}{': ' + shown if files else ''})"
        if self.context.is_dir(source.pattern):
            return f"files under {source.pattern}/ ({count})"
        return source.pattern if files else f"{source.pattern} (not in the context today)"


def parse_mount(value: str) -> dict[str, str]:
    """A ``--mount`` value: comma-separated ``key=value`` fields, CSV-quoted as BuildKit reads them."""
    fields = next(csv.reader([value]), [])
    out: dict[str, str] = {}
    for item in fields:
        key, sep, val = item.partition("=")
        out[key.strip().lower()] = val if sep else "true"
    return out


def _from_refs(ins: Instruction) -> list[str]:
    refs = []
    if ins.keyword in ("COPY", "ADD") and ins.flag("from") is not None:
        refs.append(ins.flag("from").value or "")
    if ins.keyword == "RUN":
        for value in ins.flag_values("mount"):
            options = parse_mount(value)
            if "from" in options and options.get("type", "bind") in ("bind", "cache"):
                refs.append(options["from"])
    return refs


class _Recorder(dict):
    """A mapping that answers every lookup, remembering the names asked for."""

    def __init__(self, known: Mapping[str, str | None]) -> None:
        super().__init__()
        self.known = known
        self.asked: set[str] = set()

    def get(self, name, default=None):  # noqa: D401 - dict protocol
        self.asked.add(name)
        value = self.known.get(name)
        return value if value is not None else "x"


def _references(word: str, env: Mapping[str, str | None], escape: str = "\\") -> set[str]:
    """The variable names ``word`` expands (with the lexer's quoting and escapes)."""
    if "$" not in word:
        return set()
    recorder = _Recorder(env)
    expand(word, recorder, escape)
    return recorder.asked


def _clean(path: str) -> str:
    stripped = path.lstrip("/")
    return go_clean(stripped) if stripped else "."


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
