"""Shared test fixtures: where the corpus is, and the --update-golden switch."""

from __future__ import annotations

import json
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
