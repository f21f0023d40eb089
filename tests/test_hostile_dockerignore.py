""".dockerignore: the one-regexp matcher decides as moby's pattern-by-pattern loop does,
and patterns BuildKit rejects are a clear error naming the file."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfix.context import BuildContext, DockerIgnore, IgnorePatternError


def moby_excludes(ignore: DockerIgnore, path: str) -> bool:
    """patternmatcher.MatchesOrParentMatches, pattern by pattern (the matcher before it was combined)."""
    parents = []
    parent = posixpath.dirname(path)
    while parent:
        parents.append(parent)
        parent = posixpath.dirname(parent)
    matched = False
    for pattern in ignore.patterns:
        if pattern.exclusion != matched:
            continue
        if pattern.match(path) or any(pattern.match(p) for p in parents):
            matched = not pattern.exclusion
    return matched


SEGMENTS = st.sampled_from(["a", "b", "ab", "x.log", "node_modules", "*", "**", "?", "*.log", "[ab]", "a\\b", "[!a]"])
PATTERNS = st.lists(st.builds(lambda neg, segs: ("!" if neg else "") + "/".join(segs),
                              st.booleans(), st.lists(SEGMENTS, min_size=1, max_size=3)), max_size=8)
PATHS = st.lists(st.sampled_from(["a", "b", "ab", "x.log", "node_modules", "c"]), min_size=1, max_size=4).map("/".join)


@settings(max_examples=400, deadline=None)
@given(PATTERNS, st.lists(PATHS, min_size=1, max_size=10))
def test_combined_matcher_agrees_with_pattern_loop(patterns, paths):
    try:
        ignore = DockerIgnore(patterns)
    except IgnorePatternError:
        return
    for path in paths:
        assert ignore.excludes(path) == moby_excludes(ignore, path), (patterns, path)


@settings(max_examples=400, deadline=None)
@given(PATTERNS, PATTERNS, st.lists(PATHS, min_size=1, max_size=10))
def test_an_extended_list_answers_as_the_whole_list(base, tail, paths):
    # DF301 and a written .dockerignore build on the user's list instead of recompiling it.
    try:
        whole, first = DockerIgnore([*base, *tail]), DockerIgnore(base)
    except IgnorePatternError:
        return
    for path in paths:  # the base's memo warm first, as DF301 leaves it
        first.excludes(path)
    extended = first.extended(tail)
    assert extended.patterns == whole.patterns
    for path in paths:
        assert extended.excludes(path) == moby_excludes(whole, path), (base, tail, path)
        assert first.extended_to([*base, *tail]).excludes(path) == moby_excludes(whole, path)


# Pieces that, two in one pattern, no linear Python regexp matches (a gap inside a segment,
# a class that matches "/" between stars, `[*]`): DockerIgnore matches those one by one.
ALONE = st.sampled_from(["a", "b", "*", "**", "*a*b*", "a**b", "[^a]", "*[^a]*", "[*]", "?"])
MIXED = st.lists(st.builds(lambda neg, segs: ("!" if neg else "") + "/".join(segs),
                           st.booleans(), st.lists(ALONE, min_size=1, max_size=3)), max_size=8)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # `[*]` is `[[^/]*]`: a "nested set" to Python
@settings(max_examples=400, deadline=None)
@given(MIXED, st.lists(PATHS, min_size=1, max_size=10))
def test_patterns_matched_alone_keep_the_last_match_rule(patterns, paths):
    ignore = DockerIgnore(patterns)
    for path in paths:
        assert ignore.excludes(path) == moby_excludes(ignore, path), (patterns, path)


def test_escaped_digit_is_a_literal_not_a_backreference():
    ignore = DockerIgnore(["a\\1", "b\\d"])
    assert ignore.excludes("a1") and ignore.excludes("bd") and not ignore.excludes("b7")


@pytest.mark.parametrize("bad", ["!", "[abc", "foo\\", "[]"])
def test_rejected_pattern_names_the_file(tmp_path, bad):
    (tmp_path / ".dockerignore").write_text(f"node_modules\n{bad}\n")
    with pytest.raises(IgnorePatternError, match=r"\.dockerignore: .*BuildKit rejects"):
        BuildContext.from_directory(tmp_path)
