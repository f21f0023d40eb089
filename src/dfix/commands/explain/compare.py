"""``dfix explain``: per step, what re-runs it; for a change or a git history, original versus rewrite.

The steps come from the cache model (cachesim) over the Dockerfile as it is on
disk and over dfix's rewrite of it (engine.run with the same settings as
``dfix PATH``).  Steps of the two files are paired (same instruction, or the one
that replaced it) so that counts and seconds compare row by row.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...pipeline import engine
from .cachesim import CacheModel, Step
from .history import Commit, GitError, last_commits, repo_root, to_context
from ...config import ConfigFinder
from ...context import BuildContext
from ...secrets import Masker
from ..detect import load_context
from ...io.discover import Target
from ...dockerfile import Dockerfile
from .timings import LoggedStep, seconds_by_position
from ...io.fileio import read_dockerfile
from ...rules import select_rules
from ...pipeline.runner import Options, settings_for
from ...analysis.stacks.attribute import attribute


@dataclass
class Side:
    """One Dockerfile text (original or rewritten) and its cache model."""

    text: str
    df: Dockerfile
    model: CacheModel
    installs: set[int] = field(default_factory=set)  # ids of steps that install dependencies

    def is_install(self, step: Step) -> bool:
        return id(step) in self.installs


@dataclass
class Subject:
    path: Path
    context: Path
    original: Side
    rewritten: Side | None  # None when dfix has nothing to change
    fixes: list[engine.AppliedFix]
    pairs: list[tuple[Step | None, Step | None]]
    result: engine.Result | None = None  # the rewrite itself: text, other files, context as it sees them


def load_subject(target: Target, options: Options, finder: ConfigFinder | None = None,
                 target_stage: str | None = None) -> Subject:
    """Read, model and rewrite one Dockerfile (raises InputError, ConfigError, DockerfileError, EngineError)."""
    finder = finder or ConfigFinder()
    context_dir = options.context if options.context is not None else target.path.parent
    text = read_dockerfile(target.path)
    settings = settings_for(target, options, finder)
    ctx, dockerfile_dir = load_context(target.path, context_dir)
    result = engine.run(text, select_rules(settings.select, settings.ignore), settings, target.path, context_dir,
                        build_context=ctx)
    original = _side(text, ctx, dockerfile_dir, target_stage)
    rewritten = _side(result.text, ctx, dockerfile_dir, target_stage) if result.changed else None
    pairs = pair_steps(original.model.steps, rewritten.model.steps) if rewritten else \
        [(s, s) for s in original.model.steps]
    return Subject(target.path, context_dir, original, rewritten, result.fixes, pairs, result)


def _side(text: str, ctx: BuildContext, dockerfile_dir: str, target_stage: str | None) -> Side:
    df = engine.load(text)
    model = CacheModel(df, ctx, target_stage)
    lines: set[int] = set()
    for report in attribute(df, ctx, dockerfile_dir=dockerfile_dir):
        for stack in report.to_dict()["stacks"]:
            lines.update(command["line"] for command in stack["install_commands"])
    installs = {id(s) for s in model.steps
                if any(s.instruction.line <= line <= s.instruction.end_line for line in lines)}
    return Side(text, df, model, installs)


# pairing ---------------------------------------------------------------------------------


def _norm(step: Step) -> str:
    """The instruction without its flags: a cache mount added by a fix keeps the pairing."""
    return f"{step.keyword} {' '.join(step.instruction.args.split())}"


def pair_steps(old: list[Step], new: list[Step]) -> list[tuple[Step | None, Step | None]]:
    """Steps of two versions of a file, paired per stage: equal text first, then same keyword among the rest.

    In the new file's order; old steps left without a partner come last.
    """
    pairs: list[tuple[Step | None, Step | None]] = []
    for stage in sorted({s.stage for s in old} | {s.stage for s in new}):
        a = [s for s in old if s.stage == stage]
        b = [s for s in new if s.stage == stage]
        matcher = difflib.SequenceMatcher(None, [_norm(s) for s in a], [_norm(s) for s in b], autojunk=False)
        partner: dict[int, Step] = {}
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                partner[id(b[block.b + k])] = a[block.a + k]
        taken = {id(s) for s in partner.values()}
        partner.update(_pair_rest([s for s in a if id(s) not in taken], [s for s in b if id(s) not in partner]))
        pairs.extend((partner.get(id(s)), s) for s in b)
        paired = {id(s) for s in partner.values()}
        pairs.extend((s, None) for s in a if id(s) not in paired)
    return pairs


def _pair_rest(a: list[Step], b: list[Step]) -> dict[int, Step]:
    """Each unpaired old step to the most similar unpaired new step of the same keyword (keyed by id of the new)."""
    out: dict[int, Step] = {}
    free = list(b)
    for old in a:
        same = [s for s in free if s.keyword == old.keyword]
        if not same:
            continue
        best = max(same, key=lambda s: difflib.SequenceMatcher(None, _norm(old), _norm(s)).ratio())
        out[id(best)] = old
        free.remove(best)
    return out


# evidence --------------------------------------------------------------------------------


@dataclass
class History:
    commits: list[Commit]  # newest first
    original: dict[int, int]  # id(step) -> commits that re-run it
    rewritten: dict[int, int]  # over the rewrite's steps (the original's when there is no rewrite)
    install_commits: dict[str, list[Commit]]
    dockerfile_commits: list[Commit]  # commits that edited the Dockerfile: replayed as a context change only  # "original"/"rewritten" -> commits re-running an install step


def replay(subject: Subject, count: int) -> History:
    root = repo_root(subject.path.resolve())
    try:
        ctx_in_repo = subject.context.resolve().relative_to(root).as_posix()
    except ValueError:
        raise GitError(f"the build context {subject.context} is outside the git repository {root}") from None
    commits = last_commits(root, count)
    dockerfile_in_repo = subject.path.resolve().relative_to(root).as_posix()
    sides = {"original": subject.original, "rewritten": subject.rewritten or subject.original}
    counts: dict[str, dict[int, int]] = {name: {id(s): 0 for s in side.model.steps} for name, side in sides.items()}
    installs: dict[str, list[Commit]] = {name: [] for name in sides}
    for commit in commits:
        paths = to_context(commit.paths, ctx_in_repo)
        for name, side in sides.items():
            why = side.model.reruns(paths)
            hit_install = False
            for step, reason in why.items():
                if reason is not None:
                    counts[name][id(step)] += 1
                    hit_install = hit_install or side.is_install(step)
            if hit_install:
                installs[name].append(commit)
    edited = [c for c in commits if dockerfile_in_repo in c.paths]
    return History(commits, counts["original"], counts["rewritten"], installs, edited)


def step_seconds(subject: Subject, logged: list[LoggedStep]) -> tuple[dict[int, float], dict[int, float]]:
    """Seconds per original step from the log (by [stage n/N]) and per rewritten step through its pair."""
    model = subject.original.model
    index = seconds_by_position(logged, model.single_stage)
    original: dict[int, float] = {}
    for step in model.steps:
        found = index.get((None if model.single_stage else step.stage_label, step.number))
        if found is None and not model.single_stage:
            found = index.get(("stage-0" if step.stage == 0 else None, step.number))
        if found is not None and found.keyword == step.keyword and found.seconds is not None:
            original[id(step)] = found.seconds
    rewritten = {id(new): original[id(old)] for old, new in subject.pairs
                 if old is not None and new is not None and id(old) in original}
    return original, rewritten


# the report ------------------------------------------------------------------------------


def step_dict(side: Side, step: Step) -> dict[str, Any]:
    model = side.model
    return {
        "stage": step.stage_label,
        "step": model.label(step),
        "line": step.line,
        "instruction": step.text,
        "invalidated_by": model.invalidated_by(step),
        "files": len(model.files_read(step)),
        "installs_dependencies": side.is_install(step),
    }


def explain_subject(subject: Subject, changed: list[str] | None = None, changed_args: list[str] | None = None,
                    history: int | None = None, logged: list[LoggedStep] | None = None) -> dict[str, Any]:
    """The JSON document for one Dockerfile (the shape of ``--format json``'s ``dockerfiles[i]``)."""
    sides = [("original", subject.original)] + ([("rewritten", subject.rewritten)] if subject.rewritten else [])
    rows = {name: [step_dict(side, s) for s in side.model.steps] for name, side in sides}
    partner = _partners(subject)
    for name, side in sides:
        for row, step in zip(rows[name], side.model.steps):
            mate = partner.get((name, id(step))) if subject.rewritten else None
            row["pair_line"] = mate.line if mate is not None else None
    doc: dict[str, Any] = {"path": str(subject.path), "context": str(subject.context),
                           "target": subject.original.model.stage_label(subject.original.model.target),
                           "fixes": [{"code": f.code, "line": f.line, "message": f.message} for f in subject.fixes]}
    if changed is not None or changed_args:
        _add_reruns(doc, sides, rows, changed or [], changed_args or [])
    hist = replay(subject, history) if history is not None else None
    if hist is not None:
        _add_history(doc, subject, sides, rows, hist, partner)
    if logged is not None:
        secs = step_seconds(subject, logged)
        for (name, side), table in zip(sides, secs):
            for row, step in zip(rows[name], side.model.steps):
                row["seconds"] = table.get(id(step))
        if hist is not None:
            doc["history"]["seconds"] = _history_seconds(subject, hist, secs)
    doc["steps"] = rows["original"]
    if subject.rewritten:
        doc["rewritten_steps"] = rows["rewritten"]
    # Every format prints from this document: a token in a RUN's URL is masked once, here.
    return Masker.for_dockerfile(subject.original.text).mask_data(doc)


def _partners(subject: Subject) -> dict[tuple[str, int], Step | None]:
    """(side, id(step)) -> the step it is paired with in the other file."""
    partner: dict[tuple[str, int], Step | None] = {}
    for old, new in subject.pairs:
        if old is not None:
            partner[("original", id(old))] = new
        if new is not None:
            partner[("rewritten", id(new))] = old
    return partner


def _add_reruns(doc: dict[str, Any], sides: list[tuple[str, Side]], rows: dict[str, list[dict]],
                changed: list[str], changed_args: list[str]) -> None:
    for name, side in sides:
        why = side.model.reruns(changed, changed_args)
        for row, step in zip(rows[name], side.model.steps):
            row["reruns"] = why[step] is not None
            row["rerun_because"] = why[step]
    doc["changed"] = {"paths": list(changed), "build_args": list(changed_args)}


def _add_history(doc: dict[str, Any], subject: Subject, sides: list[tuple[str, Side]], rows: dict[str, list[dict]],
                 hist: History, partner: dict[tuple[str, int], Step | None]) -> None:
    counts = {"original": hist.original, "rewritten": hist.rewritten}
    for name, side in sides:
        other = "rewritten" if name == "original" else "original"
        for row, step in zip(rows[name], side.model.steps):
            mate = partner.get((name, id(step))) if subject.rewritten else step
            row["rebuilds"] = {name: counts[name][id(step)],
                               other: counts[other].get(id(mate)) if mate is not None else None}
    doc["history"] = {
        "commits": len(hist.commits),
        "install_reruns": {name: [{"sha": c.short, "subject": c.subject} for c in hist.install_commits[name]]
                           for name in ("original", "rewritten")},
        "dockerfile_edited": [c.short for c in hist.dockerfile_commits],
    }


def _history_seconds(subject: Subject, hist: History, secs: tuple[dict[int, float], dict[int, float]]) -> dict:
    """Build seconds over the replayed commits: each step's logged time times its re-runs."""
    original = sum(secs[0].get(id(s), 0.0) * hist.original[id(s)] for s in subject.original.model.steps)
    side = subject.rewritten or subject.original
    rewritten = sum(secs[1].get(id(s), 0.0) * hist.rewritten[id(s)] for s in side.model.steps)
    return {"original": round(original, 1), "rewritten": round(rewritten, 1), "saved": round(original - rewritten, 1)}


def rebuild_rows(path: str | Path, history: int = 50, context: str | Path | None = None,
                 options: Options | None = None) -> list[tuple[str, int, int]]:
    """Per step (label, original re-runs, rewritten re-runs) over the last ``history`` commits.

    Steps are paired as in ``dfix explain``; a step that exists on one side only counts 0 on the other.
    """
    path = Path(path)
    opts = options or Options(context=Path(context) if context is not None else None)
    subject = load_subject(Target(path, path.parent), opts)
    hist = replay(subject, history)
    mask = Masker.for_dockerfile(subject.original.text)
    rows = []
    for old, new in subject.pairs:
        rows.append((mask((new or old).text),
                     hist.original[id(old)] if old is not None else 0,
                     hist.rewritten[id(new)] if new is not None else 0))
    return rows
