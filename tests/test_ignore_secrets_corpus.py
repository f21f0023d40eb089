"""DF301 and DF401 with --unsafe-fixes over every corpus case: no crash, parseable, idempotent, nothing leaked."""

from __future__ import annotations

import pytest
from conftest import corpus_cases, need_corpus
from test_corpus import INVALID, case_id, corpus_context

from buildkit_oracle import buildkit_parse
from dfix.pipeline import engine
from dfix.config import Settings
from dfix.context import DockerIgnore
from dfix.dockerfile import DockerfileError
from dfix.pipeline.patch import unified_diff
from dfix.rules import select_rules
from dfix.secrets import Masker, literal_secrets

CASES = corpus_cases()


@pytest.mark.corpus
@pytest.mark.parametrize("case", CASES or [None], ids=case_id)
def test_ignore_and_secrets_over_corpus(case):
    if case is None:
        need_corpus()
    if case_id(case) in INVALID:
        return
    text = (case / "Dockerfile").read_bytes().decode("utf-8")
    settings = Settings(unsafe_fixes=True)
    rules = select_rules(("DF301", "DF401"), ())
    context = corpus_context(case)
    result = engine.run(text, rules, settings, case / "Dockerfile", case, context)
    commands, error = buildkit_parse(result.text)
    assert error is None, f"output does not parse under BuildKit's parser: {error}"
    for edit in result.files.values():
        DockerIgnore.from_text(edit.new_text)  # every pattern written is one BuildKit accepts
        assert edit.old_text is None or edit.new_text.startswith(edit.old_text), "existing bytes must stay"
    again = engine.run(result.text, rules, settings, case / "Dockerfile", case, result.build_context or context)
    assert again.text == result.text and not again.fixes and not again.files, "a second run must propose nothing"

    try:
        secrets = literal_secrets(engine.load(text))
    except DockerfileError:
        return
    masker = Masker(secrets)
    shown = masker(unified_diff(text, result.text, "Dockerfile") + "".join(s.reason for s in result.skipped))
    assert not [s.value for s in secrets if len(s.value) >= 8 and s.value in shown]
