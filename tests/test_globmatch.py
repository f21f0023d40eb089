"""dfix.globmatch answers exactly as the backtracking regexps it replaced, in linear time.

The oracle is the translation dfix used before, copied here as it was: patternmatcher's
for .dockerignore, filepath.Match's per segment for COPY sources and path globs, each
compiled with Python's `re` and run with `fullmatch`.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfix.context import IgnorePattern, IgnorePatternError, _check_match_syntax, path_glob
from dfix.globmatch import Automaton, Glob, read

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # `[[` in a class, as the old regexps


def old_ignore_regexp(pattern: str) -> tuple[str, str]:
    """patternmatcher's Pattern.compile as dfix translated it: (kind, regexp)."""
    out: list[str] = []
    kind = "exact"
    i, n = 0, len(pattern)
    first = True
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                if i >= n:
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        out.append(".*")
                        kind = "regexp"
                else:
                    out.append("(?:.*/)?")
                    kind = "regexp"
                if first:
                    kind = "suffix"
            else:
                out.append("[^/]*")
                kind = "regexp"
        elif ch == "?":
            out.append("[^/]")
            kind = "regexp"
        elif ch == "\\":
            if i < n:
                out.append(re.escape(pattern[i]))
                i += 1
                kind = "regexp"
            else:
                out.append(r"\\")
        elif ch in "[]":
            out.append(ch)
            kind = "regexp"
        else:
            out.append("\\" + ch if ch in ".+()|{}$" else ch)
        first = False
    return kind, "".join(out)


def old_ignore_match(text: str, path: str) -> bool:
    kind, regexp = old_ignore_regexp(text)
    if kind == "exact":
        return path == text
    if kind == "prefix":
        return path.startswith(text[:-2])
    if kind == "suffix":
        suffix = text[2:]
        return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
    return re.fullmatch(regexp, path, re.DOTALL) is not None


def old_segment_regex(segment: str) -> str:
    out: list[str] = []
    i, n = 0, len(segment)
    while i < n:
        ch = segment[i]
        i += 1
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i < n:
            out.append(re.escape(segment[i]))
            i += 1
        elif ch == "[":
            j = segment.find("]", i + 1)
            if j < 0:
                out.append(re.escape(ch))
                continue
            body = segment[i:j]
            if body.startswith("^"):
                body = "^" + body[1:].replace("\\", "\\\\")
            else:
                body = body.replace("\\", "\\\\")
            out.append(f"[{body}]")
            i = j + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


def old_glob_regex(pattern: str, *, double_star: bool) -> str:
    parts: list[str] = []
    for segment in pattern.split("/"):
        if double_star and segment == "**":
            parts.append("(?:[^/]+(?:/[^/]+)*)?")
        else:
            parts.append(old_segment_regex(segment))
    return "/".join(parts).replace("(?:[^/]+(?:/[^/]+)*)?/", "(?:[^/]+/)*")


def is_clean(path: str) -> bool:
    return bool(path) and "//" not in path and not path.startswith("/") and not path.endswith("/")


def assert_every_route_agrees(source: str, paths: list[str]) -> None:
    """The automaton, and each regexp the Glob would use, against the regexp itself."""
    glob = Glob(source)
    automaton = Automaton(read(source))
    anywhere = glob.linear_source("t")
    cleaned = glob.linear_source("t", clean_paths=True)
    for path in paths:
        expected = re.fullmatch(source, path, re.DOTALL) is not None
        assert automaton.matches(path) == expected, (source, path)
        assert glob.matches(path) == expected, (source, path)
        if anywhere is not None:
            assert (re.fullmatch(anywhere, path, re.DOTALL) is not None) == expected, (source, anywhere, path)
        if cleaned is not None and is_clean(path):
            assert (re.fullmatch(cleaned, path, re.DOTALL) is not None) == expected, (source, cleaned, path)


# The alphabet of the issue: whole wildcards over two letters.
TOKENS = st.sampled_from(["a", "b", "/", "*", "?", "[ab]", "**"])
GLOBS = st.lists(TOKENS, min_size=1, max_size=8).map("".join)
PATHS = st.lists(st.text(alphabet="ab/", max_size=14), min_size=1, max_size=12)
# Every character on its own, so classes open and close where the old regexps' did.
CHAR_GLOBS = st.text(alphabet="ab/*?[]^-\\!.", min_size=1, max_size=10).filter(lambda p: p[0] != "!")
CHAR_PATHS = st.lists(st.text(alphabet="ab/[]^-\\!.*", max_size=10), min_size=1, max_size=12)


def translations(pattern: str) -> list[str]:
    """The regexps the old translations wrote for ``pattern``: .dockerignore (when of the
    regexp kind), then a path glob without and with ``**`` spanning segments."""
    kind, ignore = old_ignore_regexp(pattern)
    paths = [old_glob_regex(pattern, double_star=False), old_glob_regex(pattern, double_star=True)]
    return ([ignore] if kind == "regexp" else []) + paths


@settings(max_examples=1500, deadline=None)
@given(GLOBS, PATHS)
def test_every_route_matches_as_the_old_regexp(pattern, paths):
    for source in translations(pattern):
        assert_every_route_agrees(source, paths)


@settings(max_examples=1500, deadline=None)
@given(CHAR_GLOBS, CHAR_PATHS)
def test_character_soup_matches_and_fails_as_the_old_regexp(pattern, paths):
    for source in translations(pattern):
        try:
            re.compile(source, re.DOTALL)
        except re.error:
            with pytest.raises(re.error):
                Glob(source)
            continue
        assert_every_route_agrees(source, paths)


LONG = "a" * 2000
DEEP = "a/" * 500 + "y"
HOSTILE = [
    ("*a*a*a*a*a*a*a*a*c", LONG),
    ("**/**/**/**/**/**/**/**/x", DEEP),
    ("**/a/**/a/**/a/**/a/**/a/**/b", DEEP),
    ("**/*a*a*a*a*c/**/*a*a*a*c", DEEP),
    ("a**a**a**a**a**a**a**c", LONG),  # .dockerignore gaps that start inside a segment
    ("[^x]*[^x]*[^x]*[^x]*[^x]*[^x]*c", DEEP),  # a class that matches "/" between stars
    ("[*][*][*][*][*][*]c", "[" * 2000),  # in a .dockerignore, `[*]` is `[[^/]` repeated
    ("**/a/**/a/**/a/**/a/**", DEEP + "//"),  # an empty segment: the automaton
]


@pytest.mark.parametrize("pattern, path", HOSTILE)
def test_backtracking_shapes_take_linear_time(pattern, path):
    for source in translations(pattern):
        glob = Glob(source)
        glob.matches("")  # compiled before the clock starts
        start = time.process_time()
        glob.matches(path)
        assert time.process_time() - start < 0.5, source


@pytest.mark.parametrize("pattern", ["*a*a*a*a*a*a*a*a*c", "**/**/**/x", "**/a/**/b/**/*.log", "*.env.*"])
def test_common_shapes_stay_in_one_regexp(pattern):
    # DockerIgnore puts these in its one C-level regexp instead of matching them one by one
    for source in translations(pattern):
        assert Glob(source).linear_source("t", clean_paths=True) is not None


# The sites: each dialect's patterns go through Glob and answer as before.


@settings(max_examples=1500, deadline=None)
@given(st.one_of(GLOBS, CHAR_GLOBS), st.one_of(PATHS, CHAR_PATHS))
def test_ignore_patterns_match_and_fail_as_before(pattern, paths):
    try:
        _check_match_syntax(pattern)
        kind, source = old_ignore_regexp(pattern)
        if kind == "regexp":
            re.compile(source, re.DOTALL)
    except (IgnorePatternError, re.error):
        with pytest.raises(IgnorePatternError):
            IgnorePattern.compile(pattern)
        return
    compiled = IgnorePattern.compile(pattern)
    for path in paths:
        assert compiled.match(path) == old_ignore_match(pattern, path), (pattern, path)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(GLOBS, CHAR_GLOBS), st.booleans())
def test_path_globs_are_the_old_regexps(pattern, double_star):
    source = old_glob_regex(pattern, double_star=double_star)
    try:
        re.compile(source, re.DOTALL)
    except re.error:
        with pytest.raises(re.error):
            path_glob(pattern, double_star=double_star)
        return
    assert path_glob(pattern, double_star=double_star).source == source


def test_odd_classes_of_the_old_translation_are_kept():
    # `[*]` was the class `[[^/]` repeated, then a `]`; `[?]` one of `[`, `^`, `/`, then `]`
    star = IgnorePattern.compile("[*]")
    assert star.match("]") and star.match("[/^]") and not star.match("*")
    assert IgnorePattern.compile("x[?]").match("x/]")
    # a negated class matches "/", as Go's regexp did for moby
    assert IgnorePattern.compile("a[^x]b").match("a/b")
    assert not IgnorePattern.compile("a^*b").match("a^b")  # an anchor (in a regexp-kind pattern)
