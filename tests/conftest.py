"""Shared test fixtures: where the corpus is, the --update-golden switch, and the build lab.

rebuild-bench keeps the cold and final image of every Dockerfile it measures, under
`buildlab-bench/LABEL:RUN-...`. Hundreds of test runs left 60 GB of them on the lab's
daemon, which filled the disk CI runs on; so the rebuild_bench fixture gives every test
labels of its own and removes their images when the test ends, pass or fail.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
GOLDEN = REPO / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden/<case>/expected.Dockerfile from dfix's current output (review the diff)")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def corpus_cases() -> list[Path]:
    """Every corpus case folder holding a Dockerfile (empty when ../shared is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted(p.parent for p in CORPUS.glob("*/*/Dockerfile"))


def corpus_index() -> dict[str, dict]:
    if not (CORPUS / "index.json").is_file():
        return {}
    return {row["case"]: row for row in json.loads((CORPUS / "index.json").read_text())}


def need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (../shared/corpus beside the repository)")


def corpus_listing(case: Path) -> tuple[list[str] | None, str | None]:
    """A corpus case's context listing (source.json) and where its Dockerfile sits in it.

    The corpus keeps manifests, not application code, so the listing stands in for
    the directory walk; when it was truncated, the manifests on disk are added.
    """
    source_path = case / "source.json"
    if not source_path.is_file():
        return None, None
    source = json.loads(source_path.read_text())
    files = list(source.get("files") or [])
    if not files:
        return None, source.get("dockerfile_in_context")
    if source.get("files_truncated"):
        files += [p.relative_to(case).as_posix() for p in case.rglob("*")
                  if p.is_file() and p.name != "source.json"]
    return files, source.get("dockerfile_in_context")


LAB = REPO.parent / "shared" / "buildlab"
DOCKER = "/usr/bin/docker"

RebuildBench = Callable[..., dict]


def lab_problem() -> str | None:
    if not (LAB / "lab-build").is_file():
        return f"no build lab at {LAB}"
    if subprocess.run([DOCKER, "info"], capture_output=True).returncode != 0:
        return "no Docker engine answers (run ../shared/buildlab/setup)"
    return None


@pytest.fixture(scope="module")
def lab() -> Path:
    problem = lab_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the build lab: {problem}")
        pytest.skip(problem)
    return LAB


def remove_images(prefix: str) -> None:
    """Remove every image tag whose reference starts with prefix."""
    listed = subprocess.run([DOCKER, "images", "--format", "{{.Repository}}:{{.Tag}}"], capture_output=True,
                            text=True).stdout.split()
    mine = [ref for ref in listed if ref.startswith(prefix)]
    if mine:
        subprocess.run([DOCKER, "rmi", "--force", *mine], capture_output=True)


@pytest.fixture
def rebuild_bench(lab: Path, tmp_path: Path) -> Iterator[RebuildBench]:
    """Run rebuild-bench on two Dockerfiles; returns its JSON report.

    Call as rebuild_bench(context, before, after, name, *options). Labels are
    `dfix-TOKEN-NAME-before/after`, unique to this test, so the teardown removes this
    test's images and no one else's on the shared daemon.
    """
    token = uuid.uuid4().hex[:10]
    runs = itertools.count()

    def run(context: Path, before: Path, after: Path, name: str, *options: str) -> dict:
        n = next(runs)
        out = tmp_path / f"bench-{n}.json"
        cmd = [str(lab / "rebuild-bench"), str(context), str(before), str(after),
               "--label", f"dfix-{token}-{name}-before", "--label", f"dfix-{token}-{name}-after",
               "--json", str(out), "--timeout", "900", "--workdir", str(tmp_path / f"bench-work-{n}"), *options]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return json.loads(out.read_text())

    yield run
    remove_images(f"buildlab-bench/dfix-{token}-")
