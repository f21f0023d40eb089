"""How the engine splices edits from several rules into one text."""

import pytest

from dfix.config import Settings
from dfix.dockerfile import TextEdit
from dfix.pipeline.engine import EngineError, apply_edits, run
from dfix.rules import Rule


def test_insertion_at_the_start_of_a_replacement_lands_before_it():
    # DF102 adds a flag after `npm ci` where DF101 cuts `&& npm run build` into its own RUN.
    text = "RUN npm ci && npm run build\n"
    at = text.index(" &&")
    edits = [TextEdit(at, len(text), "\nRUN npm run build\n"), TextEdit(at, at, " --prefer-offline")]
    assert apply_edits(text, edits) == "RUN npm ci --prefer-offline\nRUN npm run build\n"
    assert apply_edits(text, list(reversed(edits))) == "RUN npm ci --prefer-offline\nRUN npm run build\n"


def test_insertions_at_one_point_keep_their_order():
    assert apply_edits("ab", [TextEdit(1, 1, "1"), TextEdit(1, 1, "2")]) == "a12b"


# The engine's last pass is black's stability check: these rules misbehave on purpose.

class _BreaksTheFile(Rule):
    code = "DF900"

    def check(self, ctx):
        if "FROM" in ctx.dockerfile.text:  # turns FROM into an instruction BuildKit does not know
            at = ctx.dockerfile.text.index("FROM")
            yield self.fix("breaks", 1, [TextEdit(at, at + 4, "FRM")])


class _NeverSettles(Rule):
    code = "DF901"

    def check(self, ctx):
        yield self.fix("again", 1, [TextEdit(len(ctx.dockerfile.text), len(ctx.dockerfile.text), "# more\n")])


class _OnceThenDone(Rule):
    code = "DF902"

    def check(self, ctx):
        if "# done" not in ctx.dockerfile.text:
            yield self.fix("once", 1, [TextEdit(len(ctx.dockerfile.text), len(ctx.dockerfile.text), "# done\n")])


def test_a_fix_whose_output_does_not_parse_is_an_engine_error_not_the_users():
    with pytest.raises(EngineError, match="does not parse"):
        run("FROM alpine\nRUN true\n", [_BreaksTheFile()], Settings())


def test_fixes_that_never_settle_are_an_engine_error():
    with pytest.raises(EngineError, match="did not settle"):
        run("FROM alpine\n", [_NeverSettles()], Settings())


def test_a_fix_that_settles_is_applied_once():
    result = run("FROM alpine\n", [_OnceThenDone()], Settings())
    assert result.text == "FROM alpine\n# done\n"
    assert [f.code for f in result.fixes] == ["DF902"]
