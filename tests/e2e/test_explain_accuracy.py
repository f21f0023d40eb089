"""The cache model against BuildKit: predicted re-runs equal the steps a real rebuild executed.

For every e2e sample app, rebuild-bench builds the original and dfix's rewrite (cold,
then a source edit, then a dependency change where the app has one) and lists the
steps BuildKit executed in each phase.  The model is given the same changed paths
(rebuild-bench's JSON names them) and must predict exactly those steps, for both
Dockerfiles.  One rebuild-bench run per app.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from dfix.commands.explain.cachesim import CacheModel
from dfix.context import BuildContext
from dfix.dockerfile import parse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_e2e import _prepare, load_apps  # noqa: E402

pytestmark = pytest.mark.e2e

# rebuild-bench's npm change uses the host npm; npm ci rejects a lockfile another npm wrote,
# so the image's own npm writes it (as bench/e2e_rebuilds does).
NPM_IN_IMAGE = ('/usr/bin/docker run --rm -v "$PWD":/w -w /w node:20-slim npm install --package-lock-only '
                '--ignore-scripts --no-audit --no-fund is-number@7.0.0 >/dev/null 2>&1')
_LABEL = re.compile(r"^\[(?:(?P<stage>[^\]\s]+) +)?\s*(?P<n>\d+)/(?P<total>\d+)\] (?P<keyword>\S+)")


def _options(app, context: Path) -> list[str]:
    options = ["--phases", app.phases]
    if "dep" in app.phases:
        if app.dep_change:
            path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
            options += ["--dep-change-cmd", f"PATH={path} {app.dep_change} >/dev/null 2>&1"]
        elif (context / "package-lock.json").is_file():
            options += ["--dep-change-cmd", NPM_IN_IMAGE]
    return options


def _key(name: str, single_stage: bool) -> tuple:
    """A step as (stage, n, N, keyword); BuildKit names a lone stage '' or 'stage-0' depending on the frontend."""
    m = _LABEL.match(name)
    assert m, name
    stage = None if single_stage else m.group("stage")
    return stage, int(m.group("n")), int(m.group("total")), m.group("keyword").upper()


def _model(dockerfile: Path, context: Path) -> CacheModel:
    return CacheModel(parse(dockerfile.read_text()), BuildContext.from_directory(context))


def _predicted(model: CacheModel, changed: list[str]) -> set[tuple]:
    why = model.reruns(changed)
    return {_key(f"{model.label(s)} {s.keyword}", model.single_stage) for s in model.steps if why[s] is not None}


def _cache_lost(model: CacheModel, executed: set[tuple]) -> bool:
    """Signs that another build on the shared daemon emptied the cache during the run.

    A step ran whose parent stayed cached and that reads no input: its key is its parent's
    key and its text, so only a `docker builder prune` between two phases re-runs it.  Or a
    step ran that this file does not have: BuildKit solved a vertex shared with a concurrent
    build (same base, same instruction) and printed it under that build's name (seen:
    `[2/6] WORKDIR /app` in a 4-step file while another engineer's build ran).
    """
    mine = {_key(f"{model.label(s)} {s.keyword}", model.single_stage): s for s in model.steps}
    if executed - set(mine):
        return True

    def ran(step) -> bool:
        return _key(f"{model.label(step)} {step.keyword}", model.single_stage) in executed

    return any(ran(s) and not (s.parent is not None and ran(s.parent)) and not s.context_sources
               and not s.stage_inputs and not s.build_args for s in model.steps)


def _measure(rebuild_bench, app, context: Path, before: Path, after: Path, attempts: int = 3):
    """rebuild-bench's phases, re-run when another build on the shared daemon emptied the cache mid-run."""
    for attempt in range(attempts):
        report = rebuild_bench(context, before, after, app.name, *_options(app, context))
        changes = {"edit": [report["edit"]["path"]] if report["edit"]["path"] else []}
        if "dep" in app.phases:
            changes["dep"] = report["dep_change"]["files"] + report["dep_change"]["removed"]
        lost = False
        for dockerfile, entry in zip((before, after), report["dockerfiles"]):
            model = _model(dockerfile, context)
            for phase in changes:
                summary = entry["summary"][phase]
                assert summary["status"] == "ok", summary
                lost = lost or _cache_lost(model, {_key(n, model.single_stage) for n in summary["executed"]})
        if not lost:
            return report, changes
        print(f"{app.name}: builder cache lost during attempt {attempt + 1}; measuring again")
    pytest.fail(f"{app.name}: the builder cache was emptied during each of {attempts} runs "
                "(another `docker builder prune` on the shared daemon?)")


@pytest.mark.parametrize("app", load_apps(), ids=lambda a: a.name)
def test_model_predicts_executed_steps(app, rebuild_bench, tmp_path: Path):
    context, before, after, *_ = _prepare(app, tmp_path)
    report, changes = _measure(rebuild_bench, app, context, before, after)
    assert all(changes.values()), f"a phase changed no file: {changes}"
    checked = 0
    for dockerfile, entry in zip((before, after), report["dockerfiles"]):
        model = _model(dockerfile, context)
        for phase, paths in changes.items():
            executed = {_key(name, model.single_stage) for name in entry["summary"][phase]["executed"]}
            predicted = _predicted(model, paths)
            assert predicted == executed, (f"{dockerfile.name} {phase} ({paths}): model {sorted(predicted)} "
                                           f"!= BuildKit {sorted(executed)}")
            checked += 1
    assert checked == 2 * len(changes)
