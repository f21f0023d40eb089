"""dfix detect over ../shared/corpus: never crashes, and finds the package manager the manifests imply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import corpus_listing

from dfix.commands.detect import detect_dockerfile

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ECOSYSTEMS = ("node", "python", "go", "java")

# index.json manifest tags → (ecosystem, package manager); yarn stands for classic and berry.
MANIFEST_TAGS = {
    "npm-lock": ("node", "npm"), "yarn-lock": ("node", "yarn"), "pnpm-lock": ("node", "pnpm"),
    "bun-lock": ("node", "bun"), "uv-lock": ("python", "uv"), "poetry-lock": ("python", "poetry"),
    "pdm-lock": ("python", "pdm"), "pipfile": ("python", "pipenv"), "requirements": ("python", "pip"),
    "go.mod": ("go", "go"), "maven": ("java", "maven"), "gradle": ("java", "gradle"),
    "gradle-kts": ("java", "gradle"),
}

# Cases whose manifests name one package manager but whose build does something else, checked by hand.
REPORTED_AMBIGUOUS = {
    "python/Tautulli__Tautulli__root":
        "no dependency install in the Dockerfile, and its base (tautulli-baseimage) names no ecosystem",
    "python/postmanlabs__httpbin__root":
        "Pipfile project installed with pip3 (from `pipenv lock -r` inside bash -c, then `pip3 install /httpbin`)",
    "python/pypiserver__pypiserver__root":
        "uv.lock is excluded by .dockerignore (`*` plus exceptions); the hatchling project is installed with pip",
    "python/searxng__searxng__container-builder.dockerfile":
        "requirements files installed with `uv pip install`: the installer and its cache are uv's",
}

pytestmark = pytest.mark.corpus


def _index() -> list[dict]:
    if not (CORPUS / "index.json").is_file():
        return []
    return json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))


def _require_corpus() -> None:
    if not (CORPUS / "index.json").is_file():
        pytest.skip(f"corpus not found at {CORPUS}")


def expected_package_manager(row: dict) -> str | None:
    """The one package manager the case's manifests imply for its stack, or None when not exactly one."""
    found = {pm for tag in row.get("manifests", []) if (hit := MANIFEST_TAGS.get(tag)) and hit[0] == row["stack"]
             for pm in [hit[1]]}
    return found.pop() if len(found) == 1 else None


def detected_package_managers(result: dict, ecosystem: str) -> set[str]:
    return {"yarn" if s["package_manager"].startswith("yarn") else s["package_manager"]
            for stage in result["stages"] for s in stage["stacks"] if s["ecosystem"] == ecosystem}


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    _require_corpus()
    out = {}
    for row in _index():
        case = CORPUS / row["case"]
        files, in_context = corpus_listing(case)
        out[row["case"]] = detect_dockerfile(case / "Dockerfile", case, files, in_context)
    return out


def test_detection_never_crashes(results):
    assert len(results) == len(_index())
    for case, result in results.items():
        assert "stages" in result, case
        json.dumps(result)  # JSON-ready


def test_package_manager_matches_the_manifests(results):
    wrong = []
    checked = 0
    for row in _index():
        expected = expected_package_manager(row)
        if row["stack"] not in ECOSYSTEMS or expected is None or row["case"] in REPORTED_AMBIGUOUS:
            continue
        checked += 1
        detected = detected_package_managers(results[row["case"]], row["stack"])
        if expected not in detected:
            wrong.append((row["case"], expected, sorted(detected)))
    assert checked > 150
    assert wrong == []


def test_reported_ambiguous_cases_still_exist_and_differ(results):
    for case in REPORTED_AMBIGUOUS:
        assert case in results, f"{case} left the corpus: drop it from REPORTED_AMBIGUOUS"
        row = next(r for r in _index() if r["case"] == case)
        assert expected_package_manager(row) not in detected_package_managers(results[case], row["stack"])
