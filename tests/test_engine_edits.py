"""How the engine splices edits from several rules into one text."""

from dfix.dockerfile import TextEdit
from dfix.engine import apply_edits


def test_insertion_at_the_start_of_a_replacement_lands_before_it():
    # DF102 adds a flag after `npm ci` where DF101 cuts `&& npm run build` into its own RUN.
    text = "RUN npm ci && npm run build\n"
    at = text.index(" &&")
    edits = [TextEdit(at, len(text), "\nRUN npm run build\n"), TextEdit(at, at, " --prefer-offline")]
    assert apply_edits(text, edits) == "RUN npm ci --prefer-offline\nRUN npm run build\n"
    assert apply_edits(text, list(reversed(edits))) == "RUN npm ci --prefer-offline\nRUN npm run build\n"


def test_insertions_at_one_point_keep_their_order():
    assert apply_edits("ab", [TextEdit(1, 1, "1"), TextEdit(1, 1, "2")]) == "a12b"
