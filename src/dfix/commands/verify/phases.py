"""One Dockerfile verified: both versions built cold, compared, then rebuilt after each change.

Cache namespaces.  Each side builds from its own scratch copy, and its cold build runs
with ``--no-cache``, so neither cold build takes a layer from the other side or from any
earlier build.  The rebuilds after them must use the cache, and on one daemon (docker
build, one buildx builder, podman) both sides share it; so, after both cold builds, the
sides rebuild one after the other, the rewrite first (no-op, edit, dependency change),
then the original.  The source edit appends a line naming the side and this run, so no
step that reads the edited file can be warmed by another build.  What can still be
shared: steps both files hold unchanged from the start of a stage (same base, same
instructions), which the original, rebuilt second, may find cached after the dependency
change (that flatters the original, never the rewrite, and is reported as shared, not as
a cache-model bug); and a dependency change this builder has built before, in an earlier
run (the change is the user's, the same every time).  Cache mounts are not emptied, as
that would prune every build's cache on a shared daemon, so a rewrite's cold build may
find its mounts warm.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from ...analysis.runs import mount_targets
from ...dockerfile import Dockerfile
from ...dockerfile.expand import expand
from ..explain.cachesim import VERTEX_KEYWORDS, CacheModel, Step
from ..explain.compare import Side as ModelSide
from ..explain.compare import Subject
from ..explain.timings import LoggedStep
from . import workspace
from .builders import Build, Builder, BuilderError
from .imagediff import REBUILD_NOISE, Comparison, IgnoredPath, Image, RewrittenFile, compare, read_image, read_images

PHASES = ("cold", "noop", "edit", "dep")
Progress = Callable[[str], None]


@dataclass
class Settings:
    edit: str | None = None  # context path to edit; None: pick one
    dep_change: str | None = None  # shell command run in a container; None: no dependency phase
    target: str | None = None  # the stage to build (default: the last)


@dataclass
class Observed:
    seconds: float
    executed: list[str]
    cached: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "executed": self.executed, "cached": self.cached}


@dataclass
class Phase:
    name: str
    changed: list[str] = field(default_factory=list)  # context paths the phase changed
    observed: dict[str, Observed] = field(default_factory=dict)
    predicted: dict[str, dict[str, str]] = field(default_factory=dict)  # side -> step -> why explain re-runs it
    mismatches: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: str | None = None


@dataclass
class Outcome:
    verdict: str  # same | differs | cannot verify | nothing to verify
    comparison: Comparison | None = None
    phases: dict[str, Phase] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    error_output: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # verify's own work: export, compare


def verify(subject: Subject, builder: Builder, root: Path, settings: Settings, progress: Progress) -> Outcome:
    """Build, compare and rebuild one Dockerfile in ``root`` (a scratch directory the caller removes)."""
    if subject.rewritten is None or subject.result is None:
        return Outcome("nothing to verify", notes=["dfix has nothing to change in this file: nothing was built"])
    result = subject.result
    sides = {
        "rewritten": workspace.make_side(root, "rewritten", subject.context, subject.path, result.text,
                                         workspace.extra_files(result.files, subject.context)),
        "original": workspace.make_side(root, "original", subject.context, subject.path, result.original),
    }
    outcome = Outcome("same")
    phases = _plan(subject, root, settings, builder, progress)
    token = uuid.uuid4().hex[:10]  # names this run's images, and makes its edits unlike any earlier run's
    models = {"rewritten": subject.rewritten, "original": subject.original}
    tags = {name: f"dfix-verify-{token}-{name}:cold" for name in models}
    for name in ("rewritten", "original"):  # both cold builds first: a failure stops the rest
        progress(f"{subject.path}: {name}: cold build")
        _build(builder, sides[name], tags[name], phases["cold"], outcome, models[name], settings.target)
    images = _export(builder, root, sides, tags, outcome) if not phases["cold"].errors else None
    for name in ("rewritten", "original"):  # then each side's rebuilds, the rewrite's first: see above
        for phase in phases.values():
            if phase.name == "cold" or phase.skipped or phases["cold"].errors:
                continue
            if phase.name == "edit":
                workspace.apply_edit(sides[name], phase.changed[0], token)
            if phase.name == "dep":
                workspace.copy_change(root / "dep" / "context", phase.changed, sides[name])
            progress(f"{subject.path}: {name}: {phase.name} build")
            _build(builder, sides[name], f"dfix-verify-{token}-{name}:{phase.name}", phase, outcome, models[name],
                   settings.target)
    _judge(subject, outcome, phases, images, progress)
    outcome.phases = phases
    return outcome


def _build(builder: Builder, side: workspace.Side, tag: str, phase: Phase, outcome: Outcome,
           model_side: ModelSide, target: str | None) -> None:
    """One build of one phase, recorded in ``phase`` (buildctl exports a cold build as it builds it)."""
    cold = phase.name == "cold"
    try:
        build = builder.build(side.context, side.dockerfile, tag, no_cache=cold, target=target,
                              export_to=side.context.parent / "image.tar" if cold and builder.exports_on_build
                              else None)
        if cold and not builder.no_cache_fills_cache:  # unmeasured: gives the no-op rebuild its cache
            builder.build(side.context, side.dockerfile, f"{tag}-cache", no_cache=False, target=target)
    except BuilderError as exc:
        phase.errors[side.name] = str(exc)
        if cold:
            outcome.error_output = exc.last_lines()
        return
    phase.observed[side.name] = _observe(build, model_side, builder)


def _export(builder: Builder, root: Path, sides: dict[str, workspace.Side], tags: dict[str, str],
            outcome: Outcome) -> dict[str, Image] | None:
    """Both cold images, read: from one archive holding both (shared layers read once), or buildctl's two."""
    start = time.monotonic()
    try:
        if builder.exports_on_build:
            images = {name: read_image(str(side.context.parent / "image.tar")) for name, side in sides.items()}
        else:
            builder.save([tags["original"], tags["rewritten"]], root / "images.tar")
            outcome.seconds["export"] = round(time.monotonic() - start, 2)
            original, rewritten = read_images(str(root / "images.tar"), [tags["original"], tags["rewritten"]])
            images = {"original": original, "rewritten": rewritten}
    except BuilderError as exc:
        outcome.error, outcome.error_output = str(exc), exc.last_lines()
        return None
    outcome.seconds["read"] = round(time.monotonic() - start - outcome.seconds.get("export", 0), 2)
    return images


def _plan(subject: Subject, root: Path, settings: Settings, builder: Builder, progress: Progress) -> dict[str, Phase]:
    """The phases with what each changes, and what dfix explain predicts for each side."""
    phases = {name: Phase(name) for name in PHASES}
    edit = settings.edit or _pick_edit(subject)
    if edit is None:
        phases["edit"].skipped = ("no file that only a whole-context COPY takes and verify knows how to comment; "
                                  "choose one with --edit PATH")
    elif not workspace.can_edit(edit):
        phases["edit"].skipped = f"--edit {edit}: verify does not know how to add a comment line to this kind of file"
    else:
        phases["edit"].changed = [edit]
    if settings.dep_change is None:
        phases["dep"].skipped = "no --dep-change CMD given: the dependency phase needs a change only the user knows"
    else:
        phases["dep"].changed = _dep_change(subject, root, settings.dep_change, builder, progress, phases["dep"])
    for phase in phases.values():
        if phase.name != "cold" and not phase.skipped:
            for name, side in (("original", subject.original), ("rewritten", subject.rewritten)):
                why = side.model.reruns(phase.changed)
                phase.predicted[name] = {_label(side.model, s): why[s] for s in side.model.steps if why[s] is not None}
    return phases


def _pick_edit(subject: Subject) -> str | None:
    """A file only whole-context copies take, in either file, and that the rewrite's context still holds."""
    reads = []
    for side, context in ((subject.original, subject.original.model.context),
                          (subject.rewritten, subject.result.build_context or subject.original.model.context)):
        for step in side.model.steps:
            reads.extend((source.pattern, context.matches_copy_source(source.pattern))
                         for source in step.context_sources)
    broad, narrow = workspace.broad_and_narrow(reads)
    exclude = {workspace.dockerfile_place(subject.path, subject.context) or ""} | {".dockerignore"}
    exclude |= set(workspace.extra_files(subject.result.files, subject.context))
    rewritten_context = subject.result.build_context
    if rewritten_context is not None:
        broad = {f for f in broad if rewritten_context.is_included(f)}
    return workspace.pick_edit(broad, narrow, exclude)


def _dep_change(subject: Subject, root: Path, command: str, builder: Builder, progress: Progress,
                phase: Phase) -> list[str]:
    """Run the user's command once, in a container of the install's base image on the user's builder
    (never on this machine: it may run repository code), in a scratch copy; the files it changed."""
    image = tool_image(subject.original)
    copy = workspace.make_side(root, "dep", subject.context, subject.path, subject.result.original)
    before = workspace.snapshot(copy.context)
    progress(f"{subject.path}: dependency change in {image}: {command}")
    try:
        builder.run_in(image, copy.context, command)
    except BuilderError as exc:
        phase.skipped = f"{exc}: {' | '.join(exc.last_lines(3))}"
        return []
    changed = workspace.changed_paths(before, workspace.snapshot(copy.context))
    if not changed:
        phase.skipped = f"`{command}` changed no file in the context"
    return changed


def tool_image(side: ModelSide) -> str:
    """The image the first dependency install's stage starts from (else the target's): it has the tool."""
    model = side.model
    install = next((s for s in model.steps if side.is_install(s)), None)
    stage = model.df.stages[install.stage] if install is not None else model.target
    while True:
        ref = expand(stage.base, model.globals) if "$" in stage.base else stage.base
        parent = model.stage_ref(ref, stage.index)
        if parent is None:
            return ref or stage.base
        stage = parent


def _label(model: CacheModel, step: Step) -> str:
    return f"{model.label(step)} {step.text}"


def _observe(build: Build, side: ModelSide, builder: Builder) -> Observed:
    """The build's steps as the model names them; steps the model does not know keep their log text."""
    model = side.model
    executed, cached = [], []
    for logged in build.steps:
        step = _model_step(model, logged, builder.numbers_instructions)
        if step is None and logged.keyword not in VERTEX_KEYWORDS:
            continue  # podman logs ENV, CMD and the like as steps: no cache vertex in BuildKit's sense
        label = _label(model, step) if step is not None else f"[{logged.number}/{logged.total}] {logged.text}"
        (cached if logged.cached else executed).append(label)
    return Observed(build.seconds, executed, cached)


def _model_step(model: CacheModel, logged: LoggedStep, by_instruction: bool) -> Step | None:
    for step in model.steps:
        stage = model.df.stages[step.stage]
        same_stage = logged.stage is None if model.single_stage else logged.stage in (
            step.stage_label, f"stage-{step.stage}")
        if model.single_stage and logged.stage == "stage-0":  # a # syntax= frontend names the only stage
            same_stage = True
        if not same_stage:
            continue
        number = stage.instructions.index(step.instruction) + 1 if by_instruction else step.number
        if number == logged.number and step.keyword == logged.keyword:
            return step
    return None


def _judge(subject: Subject, outcome: Outcome, phases: dict[str, Phase], images: dict[str, Image] | None,
           progress: Progress) -> None:
    """The verdict: cannot verify (the original or the export failed), differs, or same."""
    cold = phases["cold"]
    if "original" in cold.errors:
        outcome.verdict = "cannot verify"
        outcome.error = f"the original does not build, so there is nothing to compare: {cold.errors['original']}"
        frontend = _unreachable_frontend(subject.original.df, None, outcome.error_output)
        if frontend is not None:
            outcome.error += f" (the builder cannot fetch the frontend {frontend} its own `# syntax=` line names)"
        return
    frontend = _unreachable_frontend(subject.rewritten.df, subject.original.df, outcome.error_output) \
        if "rewritten" in cold.errors else None
    if frontend is not None:
        outcome.verdict = "cannot verify"
        outcome.error = (f"{cold.errors['rewritten']}: the builder cannot fetch the frontend {frontend} that the "
                         "rewrite's `# syntax=` line names; verify again with --syntax none (the builder's built-in "
                         "frontend), or make that image available to the builder")
        return
    if "rewritten" in cold.errors:
        outcome.verdict = "differs"
        outcome.notes.append(f"the rewrite does not build, the original does: {cold.errors['rewritten']}")
        return
    if images is None:  # the export failed: no verdict on the images
        outcome.verdict = "cannot verify"
        return
    progress(f"{subject.path}: comparing the images")
    start = time.monotonic()
    outcome.comparison = compare(images["original"], images["rewritten"], ignores(subject), rewritten_files(subject),
                                 mountpoints(subject))
    outcome.seconds["compare"] = round(time.monotonic() - start, 2)
    outcome.verdict = "same" if outcome.comparison.equivalent else "differs"
    shared = shared_steps(subject.original.model, subject.rewritten.model)
    for phase in phases.values():
        if phase.name != "cold" and not phase.skipped:
            _mismatches(phase, shared)


def _unreachable_frontend(df: Dockerfile, before: Dockerfile | None, output: list[str]) -> str | None:
    """The file's `# syntax=` image (when ``before`` names another), if the failed build stopped
    resolving it: a builder without a registry."""
    directive = df.directive("syntax")
    earlier = before.directive("syntax") if before is not None else None
    if directive is None or (earlier is not None and earlier.value == directive.value):
        return None
    # BuildKit logs the normalised reference (docker.io/docker/dockerfile:1): match its last component.
    tail = directive.value.strip().split("@")[0].rsplit("/", 1)[-1]
    failed = any("resolve image config for " in line and tail in line for line in output)
    return directive.value if failed else None


def ignores(subject: Subject) -> list[IgnoredPath]:
    """What the comparison leaves out: the fixes' declared paths, the rewrite's cache mounts, rebuild noise."""
    out = [IgnoredPath(path, f"declared by {fix.code} (may_differ)") for fix in subject.fixes
           for path in fix.may_differ]
    out += [IgnoredPath(t, "a cache mount target of the rewrite: the cache no longer lands in a layer")
            for t in _cache_targets(subject)]
    return out + list(REBUILD_NOISE)


def _cache_targets(subject: Subject) -> list[str]:
    return sorted({t for ins in subject.rewritten.df.instructions for t in mount_targets(ins)})


def mountpoints(subject: Subject) -> list[IgnoredPath]:
    """The parents of the rewrite's cache-mount targets: BuildKit creates them, empty, to mount on
    (measured: /root/.cache appears in the image of `RUN --mount=type=cache,target=/root/.cache/pip`)."""
    parents = {str(p) for target in _cache_targets(subject) for p in PurePosixPath(target).parents if str(p) != "/"}
    return [IgnoredPath(p, "a directory created to hold a cache mount of the rewrite") for p in sorted(parents)]


def rewritten_files(subject: Subject) -> list[RewrittenFile]:
    result = subject.result
    name = workspace.dockerfile_place(subject.path, subject.context) or subject.path.name
    out = [RewrittenFile(name, workspace.sha256_text(result.original), workspace.sha256_text(result.text))]
    out += [RewrittenFile(str(path.name), workspace.sha256_text(edit.old_text), workspace.sha256_text(edit.new_text))
            for path, edit in result.files.items() if edit.old_text is not None]
    return out


def shared_steps(original: CacheModel, rewritten: CacheModel) -> set[str]:
    """Labels of the original's steps that are one vertex with a rewrite step: same base, same
    instructions (flags included) from the start of the chain."""
    def chain(step: Step | None) -> tuple:
        out = []
        while step is not None:
            out.append(step.text)
            if step.parent is None:
                out.append(("base", step.base))
            step = step.parent
        return tuple(out)

    theirs = {chain(s) for s in rewritten.steps}
    return {_label(original, s) for s in original.steps if chain(s) in theirs}


def _mismatches(phase: Phase, shared: set[str]) -> None:
    """Where the build and dfix explain's prediction disagree, root causes only."""
    for name, seen in phase.observed.items():
        predicted = phase.predicted.get(name, {})
        for label in seen.executed:
            if label not in predicted:
                phase.mismatches.append(f"{name}: {label}: executed, but dfix explain predicted it cached: "
                                        "a cache-model bug")
        for label in seen.cached:
            reason = predicted.get(label)
            if reason is None:
                continue
            if reason.startswith("after ") and any(c.startswith(reason[6:] + " ") for c in seen.cached):
                continue  # it follows a cached step, listed on its own
            if reason.startswith("after "):
                reason = f"{reason}, which executed"
            if name == "original" and label in shared:
                why = "cached from the rewrite's build of the same step (one builder cache for both)"
            elif reason.startswith("stage "):
                why = (f"predicted to re-run ({reason}) but cached: BuildKit compared the bytes that stage wrote, "
                       "which the model cannot know (an upper bound)")
            elif phase.name == "dep":  # the change is the user's, the same in every run: an earlier one may have built it
                why = (f"predicted to re-run ({reason}) but taken from the cache: a cache-model bug, unless this "
                       "builder built the same change before (verify cannot empty a shared cache)")
            else:
                why = f"predicted to re-run ({reason}) but taken from the cache: a cache-model bug"
            phase.mismatches.append(f"{name}: {label}: {why}")
