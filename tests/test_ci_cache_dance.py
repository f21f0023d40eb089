"""The cache-map `dfix ci github` writes reaches the Dockerfile's own cache mounts in real BuildKit.

buildkit-cache-dance injects each cache-map entry by building a small Dockerfile that mounts
the cache with the entry's options (`type=cache,` + its keys, or `type=cache,target=` for a
plain string) and copies the saved directory into it, then chowns it to uid/gid when given
(its src/inject-cache.ts and src/opts.ts). This test does the same injection with the lab's
BuildKit, then builds the user's Dockerfile, whose RUNs fail unless each mount sees the
injected file: so a wrong id, target or owner in the cache-map fails the build.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from conftest import DOCKER, LAB
from dfix.commands.ci.github import render_workflow

pytestmark = pytest.mark.e2e

BASE = "debian:bookworm-slim"


@pytest.fixture(scope="module")
def lab() -> Path:
    problem = None
    if not (LAB / "lab-build").is_file():
        problem = f"no build lab at {LAB}"
    elif subprocess.run([DOCKER, "image", "inspect", BASE], capture_output=True).returncode != 0:
        problem = f"no Docker engine with {BASE} (run ../shared/buildlab/setup)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the build lab: {problem}")
        pytest.skip(problem)
    return LAB


def build(lab: Path, context: Path, dockerfile: str) -> subprocess.CompletedProcess:
    (context / "Dockerfile.probe").write_text(dockerfile)
    image = context.parent / f"{context.name}.iid"
    built = subprocess.run([str(lab / "lab-build"), "--", "--progress=plain", "--iidfile", str(image),
                            "-f", str(context / "Dockerfile.probe"), str(context)],
                           capture_output=True, text=True, timeout=600)
    # An untagged image per build would pile up on the shared daemon run after run.
    if image.is_file():
        subprocess.run([DOCKER, "rmi", image.read_text().strip()], capture_output=True)
        image.unlink()
    return built


def mount_args(options) -> str:
    """The dance's getMountArgsString."""
    if isinstance(options, str):
        return f"type=cache,target={options}"
    return "type=cache," + ",".join(f"{k}={v}" for k, v in options.items())


def inject(lab: Path, source: Path, options) -> None:
    """The dance's Dancefile.inject, built on the lab's Debian instead of busybox."""
    target = options if isinstance(options, str) else options["target"]
    chown = ""
    if not isinstance(options, str) and (options.get("uid") or options.get("gid")):
        chown = f"&& chown -R {options.get('uid', '')}:{options.get('gid', '')} {target}"
    (source / "buildstamp").write_text(uuid.uuid4().hex)
    dancefile = (f"FROM {BASE}\nCOPY buildstamp buildstamp\n"
                 f"RUN --mount={mount_args(options)} --mount=type=bind,source=.,target=/var/dance-cache "
                 f"cp -p -R /var/dance-cache/. {target} {chown} || true\n")
    result = build(lab, source, dancefile)
    assert result.returncode == 0, result.stderr[-3000:]


def test_injected_directories_land_in_the_dockerfiles_cache_mounts(lab: Path, tmp_path: Path):
    run_id = uuid.uuid4().hex[:12]  # fresh caches: nothing from an earlier run can satisfy the probe
    dockerfile = (
        f"FROM {BASE}\n"
        f"RUN --mount=type=cache,target=/root/.cache/probe-{run_id} "
        f"test -f /root/.cache/probe-{run_id}/marker-{run_id}\n"
        f"RUN --mount=type=cache,id=probe-{run_id},target=/var/probe,uid=1000,gid=1000 "
        f"test -f /var/probe/marker-{run_id} && test \"$(stat -c %u /var/probe/marker-{run_id})\" = 1000\n"
    )
    workflow = yaml.safe_load(render_workflow("Dockerfile", ".", dockerfile))
    dance = next(s for s in workflow["jobs"]["build"]["steps"] if "buildkit-cache-dance" in s.get("uses", ""))
    cache_map = json.loads(dance["with"]["cache-map"])
    assert len(cache_map) == 2

    context = tmp_path / "app"
    context.mkdir()
    # rebuild-bench runs `docker builder prune -af` on the shared daemon, which can empty the
    # caches between the injection and the probe; a wrong cache-map fails every attempt.
    for attempt in range(3):
        for local_dir, options in cache_map.items():
            source = tmp_path / f"try{attempt}" / local_dir
            source.mkdir(parents=True)
            (source / f"marker-{run_id}").write_text("saved by actions/cache\n")
            inject(lab, source, options)
        built = build(lab, context, dockerfile)
        if built.returncode == 0:
            break
    assert built.returncode == 0, built.stderr[-3000:]

    # The probe can fail: a cache nobody injected into has no marker.
    other = dockerfile.replace(f"id=probe-{run_id}", f"id=other-{run_id}")
    assert build(lab, context, other).returncode != 0
