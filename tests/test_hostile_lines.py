"""Issue 16 item 10: a line is what BuildKit and ``git apply`` call a line, and SARIF URIs are URIs.

``str.splitlines`` also breaks at U+2028, form feed, NEL and a lone CR: diffs of such a file
did not apply and SARIF regions pointed past its end.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hostile import run_dfix

NAIVE = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\n"


def node_project(root: Path, dockerfile: str = NAIVE) -> Path:
    root.mkdir(parents=True)
    (root / "Dockerfile").write_text(dockerfile)
    (root / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    return root


ODD_LINE = "# a comment with a line separator\u2028, a form feed\f, a NEL\x85 and a lone CR\r inside\n"


def test_diff_of_a_file_with_unicode_line_breaks_applies_with_git_apply(tmp_path: Path):
    project = node_project(tmp_path / "p", "FROM node:20-slim\n" + ODD_LINE + NAIVE.split("\n", 1)[1])
    original = (project / "Dockerfile").read_bytes()
    run = run_dfix("p", cwd=tmp_path)
    assert "+++ b/p/Dockerfile" in run.stdout, run.stderr
    assert run_dfix("--write", "p", cwd=tmp_path).code == 0
    expected = (project / "Dockerfile").read_bytes()
    (project / "Dockerfile").write_bytes(original)
    (project / ".dockerignore").unlink()
    (tmp_path / "fix.patch").write_text(run.stdout)
    applied = subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert (project / "Dockerfile").read_bytes() == expected


def test_sarif_regions_stay_inside_a_file_with_unicode_line_breaks(tmp_path: Path):
    text = "FROM node:20-slim\nWORKDIR /app\n" + ODD_LINE * 3 + "COPY . .\nRUN npm install\n"
    project = node_project(tmp_path / "p", text)
    doc = json.loads(run_dfix("--format", "sarif", str(project)).stdout)
    results = doc["runs"][0]["results"]
    assert results
    lines = text.count("\n")
    for result in results:
        for loc in result["locations"]:
            assert loc["physicalLocation"]["region"]["startLine"] <= lines
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                if change["artifactLocation"]["uri"].endswith("Dockerfile"):
                    for rep in change["replacements"]:
                        assert rep["deletedRegion"]["endLine"] <= lines + 1


@pytest.mark.parametrize("folder", ["my app", "c#1", "q?v=1", "50%41", "a:b"])
def test_sarif_uris_are_percent_encoded(tmp_path: Path, monkeypatch, folder: str):
    from urllib.parse import unquote, urlsplit

    node_project(tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    doc = json.loads(run_dfix("--format", "sarif", folder, cwd=tmp_path).stdout)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in doc["runs"][0]["results"] for loc in result["locations"]}
    assert uris
    for uri in uris:
        parts = urlsplit(uri)
        assert not (parts.scheme or parts.query or parts.fragment) and " " not in uri, uri
        assert unquote(parts.path) == f"{folder}/Dockerfile"
    absolute = json.loads(run_dfix("--format", "sarif", str(tmp_path / folder)).stdout)
    uri = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote(urlsplit(uri).path) == (tmp_path / folder / "Dockerfile").as_posix()
