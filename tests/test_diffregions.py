"""Changes read from a unified diff, as SARIF regions, rebuild the new text from the old one."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dfix.report.diffregions import changes
from dfix.pipeline.patch import unified_diff


def apply_regions(before: str, diff: str) -> str:
    """What a SARIF consumer does with the regions: line/column to offset, replace from the end."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", before)]
    out = before
    for change in reversed(changes(diff)):
        r = change.region()
        a = starts[r["startLine"] - 1] + r["startColumn"] - 1
        b = starts[r["endLine"] - 1] + r["endColumn"] - 1
        assert out[a:b] == "".join(change.deleted)
        out = out[:a] + change.inserted + out[b:]
    return out


LINES = st.lists(st.sampled_from(["FROM x", "RUN a", "RUN b", "", "# c", "COPY . ."]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(LINES, LINES, st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_regions_rebuild_the_rewrite(a, b, eol, a_final, b_final):
    before = eol.join(a) + (eol if a and a_final else "")
    after = eol.join(b) + (eol if b and b_final else "")
    assert apply_regions(before, unified_diff(before, after, "Dockerfile")) == after


def test_insertion_at_the_top_and_the_end_are_empty_regions():
    diff = unified_diff("A\nB\n", "S\nA\nB\nE\n", "Dockerfile")
    regions = [c.region() for c in changes(diff)]
    assert regions == [{"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                       {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 1}]


def test_a_last_line_without_newline_ends_after_its_last_character():
    [change] = changes(unified_diff("A\nRUN x", "A\nRUN y\n", "Dockerfile"))
    assert change.deleted == ("RUN x",) and change.inserted == "RUN y\n"
    assert change.region() == {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 6}


MIXED = st.lists(st.tuples(st.sampled_from(["FROM x", "RUN a", "", "# c"]), st.sampled_from(["\n", "\r\n"])),
                 max_size=10)


@settings(max_examples=200, deadline=None)
@given(MIXED, MIXED)
def test_regions_rebuild_the_rewrite_with_mixed_line_endings(a, b):
    before = "".join(text + eol for text, eol in a)
    after = "".join(text + eol for text, eol in b)
    assert apply_regions(before, unified_diff(before, after, "Dockerfile")) == after
