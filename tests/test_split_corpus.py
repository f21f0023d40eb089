"""DF201 over the corpus with --unsafe-fixes: no crash, BuildKit parses every split, a second run is quiet."""

from __future__ import annotations

import pytest
from conftest import corpus_cases, need_corpus

from buildkit_oracle import buildkit_parse
from dfix.pipeline import engine
from dfix.config import Settings
from dfix.dockerfile import DockerfileError
from dfix.rules import select_rules
from test_corpus import INVALID, case_id, corpus_context

CASES = corpus_cases()


@pytest.mark.corpus
@pytest.mark.parametrize("case", CASES or [None], ids=case_id)
def test_split_over_corpus_case(case):
    if case is None:
        need_corpus()
    if case_id(case) in INVALID:
        pytest.skip("BuildKit rejects this file")
    text = (case / "Dockerfile").read_bytes().decode("utf-8")
    settings = Settings(unsafe_fixes=True)
    context = corpus_context(case)
    rules = select_rules(None, ())
    try:
        result = engine.run(text, rules, settings, case / "Dockerfile", case, context)
    except DockerfileError as exc:  # pragma: no cover - test_corpus owns the parser verdicts
        pytest.fail(f"dfix rejects a file BuildKit builds: {exc}")
    if not any(f.code == "DF201" for f in result.fixes):
        return
    _, error = buildkit_parse(result.text)
    assert error is None, f"the split does not parse under BuildKit's parser: {error}"
    assert len(engine.load(result.text).stages) > 1
    # The second run sees the context through the files the first one changed (DF301's .dockerignore).
    again = engine.run(result.text, rules, settings, case / "Dockerfile", case, result.build_context or context)
    assert again.text == result.text and not again.fixes and not again.files, "a second run must propose nothing"


@pytest.mark.corpus
def test_some_corpus_files_are_split():
    need_corpus()
    settings = Settings(unsafe_fixes=True)
    split = 0
    for case in CASES:
        if case_id(case) in INVALID:
            continue
        text = (case / "Dockerfile").read_bytes().decode("utf-8")
        result = engine.run(text, select_rules(("DF201",), ()), settings, case / "Dockerfile", case,
                            corpus_context(case))
        split += any(f.code == "DF201" for f in result.fixes)
    assert split >= 1
