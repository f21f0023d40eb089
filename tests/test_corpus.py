"""dfix over every real Dockerfile in ../shared/corpus: no crash, lossless, parseable, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, corpus_cases, corpus_listing, need_corpus

from buildkit_oracle import buildkit_parse
from dfix.pipeline import engine
from dfix.config import Settings
from dfix.dockerfile import DockerfileError
from dfix.rules import select_rules

# Files BuildKit itself refuses to build; dfix must say so (exit 2), not rewrite them.
INVALID = {
    "other/moby__buildkit__frontend-dockerfile-parser-testfiles-negative-empty_dockerfile",
    "other/moby__buildkit__frontend-dockerfile-parser-testfiles-negative-only_comments",
    "other/moby__buildkit__frontend-dockerfile-parser-testfiles-negative-env_no_value",
    "other/BretFisher__docker-mastery-for-nodejs__assignment-dockerfile",  # bare FROM/RUN/COPY
    "other/suvarnakotha-503__myapp__root-dockerfile",  # WORKID: unknown instruction
    # Parser-only fixtures of BuildKit's: its instruction layer rejects them at build time.
    "other/moby__buildkit__frontend-dockerfile-parser-testfiles-health",  # bare HEALTHCHECK, CONNECT type
    "other/moby__buildkit__frontend-dockerfile-parser-testfiles-jeztah-invalid-json-single-quotes",  # no FROM
}
CASES = corpus_cases()


def corpus_context(case: Path):
    """The case's build context from its listing (the corpus holds manifests, not code)."""
    from dfix.context import BuildContext

    files, in_context = corpus_listing(case)
    if files is None:
        return None
    return BuildContext.from_listing(case, files, in_context)


def case_id(path) -> str:
    return f"{path.parent.name}/{path.name}" if path else "no-corpus"


@pytest.mark.corpus
@pytest.mark.parametrize("case", CASES or [None], ids=case_id)
def test_corpus_case(case):
    if case is None:
        need_corpus()
    name = case_id(case)
    text = (case / "Dockerfile").read_bytes().decode("utf-8")
    settings = Settings()
    try:
        untouched = engine.run(text, [], settings)
    except DockerfileError as exc:
        assert name in INVALID, f"dfix rejects a file BuildKit builds: {exc}"
        assert str(exc)
        return
    assert name not in INVALID, "dfix accepts a file BuildKit rejects"
    assert untouched.text == text, "no rule selected must be byte-identical"

    context = corpus_context(case)
    result = engine.run(text, select_rules(None, ()), settings, case / "Dockerfile", case, context)
    commands, error = buildkit_parse(result.text)
    assert error is None, f"output does not parse under BuildKit's parser: {error}"
    # The second run sees the context through the files the first one changed (DF301's .dockerignore).
    again = engine.run(result.text, select_rules(None, ()), settings, case / "Dockerfile", case,
                       result.build_context or context)
    assert again.text == result.text and not again.fixes and not again.files, "a second run must propose nothing"


@pytest.mark.corpus
def test_invalid_list_is_real():
    need_corpus()
    for name in INVALID:
        assert (CORPUS / name / "Dockerfile").is_file(), name


@pytest.mark.corpus
def test_check_over_whole_corpus_only_errors_on_invalid_files():
    import json

    from click.testing import CliRunner

    from dfix.cli import main

    need_corpus()
    result = CliRunner().invoke(main, ["--check", "--format", "json", str(CORPUS)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2  # the corpus holds files BuildKit rejects
    data = json.loads(result.stdout)
    errored = {str(Path(f["path"]).parent.relative_to(CORPUS)) for f in data["files"] if f["error"]}
    assert errored == INVALID
    assert data["summary"]["files"] == len(CASES)
