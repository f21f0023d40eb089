"""Glob matching in time linear in the path, for every glob dfix reads.

context.py translates each glob dialect into a Python regexp, as BuildKit translates it
into a Go one (moby/patternmatcher for .dockerignore; Go's filepath.Match, per segment,
for COPY sources and the other path globs).  Go's regexps never backtrack; Python's do:
``*a*a*a*a*a*a*a*a*c`` took about an hour over one 100-character name, eight ``**/``
seconds over each path of a 40-deep tree.  A Glob reads the regexp a translation wrote,
as Python's parser reads it, so it answers as that regexp does down to its odd corners
(in a .dockerignore, ``[*]`` is the class ``[[^/]`` repeated, then a ``]``), and matches
it one of three ways:

* the regexp itself, when no two of its repeats can trade characters: one repeat (a
  trailing ``.*`` aside), or one ``**`` gap and at most one ``*`` per path segment, with
  nothing but ``/`` itself matching a ``/`` (each state is then reached one way);
* an equivalent regexp whose repeats cannot trade characters, when every repeat stays
  inside whole path segments (:func:`_layout_regexp`);
* otherwise a simulation of the regexp's automaton on sets of states (:class:`Automaton`).

Each takes time linear in the length of the path, for a given pattern.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CharSet:
    """What one character of the regexp accepts: a literal, ``.``, or a ``[...]`` class."""

    chars: frozenset[str]
    ranges: tuple[tuple[str, str], ...] = ()
    negated: bool = False
    source: str = field(default="", compare=False)  # regexp text for one such character

    def __contains__(self, ch: str) -> bool:
        if ch in self.chars:
            return not self.negated
        return any(lo <= ch <= hi for lo, hi in self.ranges) != self.negated if self.ranges else self.negated


@functools.lru_cache(maxsize=4096)
def _literal(ch: str) -> CharSet:
    return CharSet(frozenset(ch), source=re.escape(ch))


SLASH = _literal("/")
ANY = CharSet(frozenset(), negated=True, source=".")  # the translations compile with DOTALL
NOT_SLASH = CharSet(frozenset("/"), negated=True, source="[^/]")


@dataclass(frozen=True)
class One:
    chars: CharSet


@dataclass(frozen=True)
class Many:
    """Zero or more characters of ``chars``."""

    chars: CharSet


@dataclass(frozen=True)
class Gap:
    """Whole segments, each with its ``/``: ``(?:.*/)?`` (a .dockerignore ``**``; a segment may be
    empty) or ``(?:[^/]+/)*`` (a ``**/`` path glob segment)."""

    nonempty: bool

    def greedy(self) -> str:
        return "(?:[^/]+/)*" if self.nonempty else "(?:.*/)?"

    def lazy(self) -> str:
        return "(?:[^/]+/)*?" if self.nonempty else "(?:[^/]*/)*?"


@dataclass(frozen=True)
class Segments:
    """``(?:[^/]+(?:/[^/]+)*)?``: nothing, or non-empty segments joined by ``/`` (a final ``**``)."""


@dataclass(frozen=True)
class Begin:
    """``^``: the .dockerignore translation leaves a caret unescaped, as moby's does."""


Token = One | Many | Gap | Segments | Begin


# read() gives these tokens as these very objects, so the analysis below tells them by
# identity; an equal token written another way (`[/]`) is taken for any other class.
TAIL = Many(ANY)
STAR = Many(NOT_SLASH)
QUESTION = One(NOT_SLASH)
SEPARATOR = One(SLASH)
SEGMENTS = Segments()


def _one(ch: str) -> One:
    return SEPARATOR if ch == "/" else _other_one(ch)


@functools.lru_cache(maxsize=4096)
def _other_one(ch: str) -> One:
    return One(_literal(ch))


_GROUPS = (("(?:.*/)?", Gap(False)), ("(?:[^/]+/)*", Gap(True)), ("(?:[^/]+(?:/[^/]+)*)?", SEGMENTS))
_PLAIN = re.compile(r"[^\\\[()|*+?{}$.^]+")  # characters that stand for themselves, outside a class


def read(source: str) -> tuple[Token, ...]:
    """The tokens of a regexp a translation wrote, read as Python's own parser reads them;
    re.error where that parser would refuse it."""
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        plain = _PLAIN.match(source, i)
        if plain is not None:  # most of a pattern: a run of literals at once, but a last one `*` repeats
            end = plain.end() - source.startswith("*", plain.end())
            tokens += map(_one, source[i:end])
            if end > i:
                i = end
                continue
        ch = source[i]
        group = next((g for g in _GROUPS if source.startswith(g[0], i)), None) if ch == "(" else None
        if group is not None:
            tokens.append(group[1])
            i += len(group[0])
            continue
        if ch == "^":
            tokens.append(Begin())
            i += 1
            continue
        if ch in "()|*+?{}$":  # only where a class swallowed the "(" of a group: Python refuses it too
            raise re.error(f"unexpected {ch!r}", source, i)
        if source.startswith("[^/]", i):  # what `*` and `?` become: the commonest class, known unparsed
            chars, i = NOT_SLASH, i + 4
        elif ch == "[":
            chars, i = _read_class(source, i)
        elif ch == "\\":
            escaped, _, i = _class_char(source, i)
            chars = _literal(escaped)
        else:
            chars, i = (ANY if ch == "." else _literal(ch)), i + 1
        if source.startswith("*", i):
            tokens.append(STAR if chars is NOT_SLASH else TAIL if chars is ANY else Many(chars))
            i += 1
        else:
            tokens.append(QUESTION if chars is NOT_SLASH else SEPARATOR if chars == SLASH else One(chars))
    return tuple(tokens)


def _read_class(source: str, i: int) -> tuple[CharSet, int]:
    """The ``[...]`` at ``source[i]`` as sre's parser reads it: a ``]`` closes it unless first."""
    start = i
    negated = source.startswith("^", i + 1)
    i += 1 + negated
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    while True:
        this, escaped, i = _class_char(source, i)
        if this == "]" and not escaped and (chars or ranges):
            break
        if not source.startswith("-", i):
            chars.add(this)
            continue
        that, escaped, i = _class_char(source, i + 1)
        if that == "]" and not escaped:
            chars.update((this, "-"))
            break
        if that < this:
            raise re.error(f"bad character range {this}-{that}", source, i)
        ranges.append((this, that))
    return CharSet(frozenset(chars), tuple(ranges), negated, source[start:i]), i


def _class_char(source: str, i: int) -> tuple[str, bool, int]:
    """(character, whether it was escaped, index after it); only ``\\`` before a non-alphanumeric
    occurs in a translation, and it means that character."""
    if i >= len(source):
        raise re.error("unterminated character set", source, i)
    if source[i] != "\\":
        return source[i], False, i + 1
    if i + 1 >= len(source) or source[i + 1] in string.ascii_letters + string.digits:
        raise re.error("not an escape a translation writes", source, i)
    return source[i + 1], True, i + 2


class Automaton:
    """Thompson's construction over the tokens, run on sets of states: no backtracking.

    Each path character moves the whole set at once, so a path costs at most
    len(path) × len(states) steps; the sets met so far and their moves are memoised (a
    lazily built DFA), so the paths of one tree mostly cost a dict lookup per character.
    """

    _MEMO = 1 << 14  # moves remembered per pattern before the memo starts again

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self._nodes: list[tuple[str, object]] = []
        for token in tokens:
            self._add(token)
        self._accept = len(self._nodes)
        self._start = self._closure([0], at_start=True)
        self._moves: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    def _add(self, token: Token) -> None:
        """Nodes: ("one"|"many", CharSet), ("split"|"jump", target), ("begin", None)."""
        nodes = self._nodes
        if isinstance(token, (One, Many)):
            nodes.append(("one" if isinstance(token, One) else "many", token.chars))
        elif isinstance(token, Begin):
            nodes.append(("begin", None))
        elif isinstance(token, Gap):  # loop: split out, [one segment character], many, "/", jump back
            loop = len(nodes)
            body = [("one", NOT_SLASH)] * token.nonempty + [("many", NOT_SLASH), ("one", SLASH)]
            nodes += [("split", loop + len(body) + 2), *body, ("jump", loop)]
        else:  # Segments: split out, a segment, then loop: split out, "/", a segment, jump back
            first = len(nodes)
            segment = [("one", NOT_SLASH), ("many", NOT_SLASH)]
            loop = first + 3
            end = loop + 5
            nodes += [("split", end), *segment, ("split", end), ("one", SLASH), *segment, ("jump", loop)]

    def _closure(self, states: list[int], at_start: bool) -> frozenset[int]:
        """The states reachable without reading a character: those that read one, and the end."""
        out: set[int] = set()
        seen: set[int] = set()
        while states:
            i = states.pop()
            if i in seen:
                continue
            seen.add(i)
            if i == self._accept:
                out.add(i)
                continue
            kind, arg = self._nodes[i]
            if kind in ("one", "many"):
                out.add(i)
            if kind == "many" or kind == "split" or (kind == "begin" and at_start):
                states.append(i + 1)
            if kind in ("split", "jump"):
                states.append(arg)  # type: ignore[arg-type]
        return frozenset(out)

    def _move(self, state: frozenset[int], ch: str) -> frozenset[int]:
        moved = []
        for i in state:
            if i != self._accept:
                kind, chars = self._nodes[i]
                if ch in chars:  # type: ignore[operator]
                    moved.append(i + 1 if kind == "one" else i)
        after = self._closure(moved, at_start=False)
        if len(self._moves) >= self._MEMO:
            self._moves.clear()
        self._moves[(state, ch)] = after
        return after

    def matches(self, path: str) -> bool:
        state, moves = self._start, self._moves
        for ch in path:
            after = moves.get((state, ch))
            state = self._move(state, ch) if after is None else after
            if not state:
                return False
        return self._accept in state


Layout = tuple[list[list[Token]], list[Gap], Token | None]


def _layout(tokens: tuple[Token, ...]) -> Layout | None:
    """Blocks of whole segments with a Gap between each two, and the end (``.*``, Segments or
    None); None when a repeat or a class could cross a ``/`` some other way."""
    body = list(tokens)
    end = body.pop() if body and body[-1] in (TAIL, SEGMENTS) else None
    blocks: list[list[Token]] = [[]]
    gaps: list[Gap] = []
    for token in body:
        if isinstance(token, Gap):
            if blocks[-1] and blocks[-1][-1] is not SEPARATOR:
                return None  # `a**b`: this gap starts inside a segment
            if gaps and not blocks[-1]:  # two gaps in a row are one gap
                gaps[-1] = Gap(gaps[-1].nonempty and token.nonempty)
            else:
                gaps.append(token)
                blocks.append([])
        elif isinstance(token, One) and ("/" not in token.chars or token is SEPARATOR) or token is STAR:
            blocks[-1].append(token)
        else:
            return None
    if end is SEGMENTS and blocks[-1] and blocks[-1][-1] is not SEPARATOR:
        return None
    if gaps and not blocks[-1] and end is TAIL:  # (?:.*/)?.* is .*
        gaps.pop()
        blocks.pop()
    if gaps and not blocks[-1] and end is SEGMENTS and not gaps[-1].nonempty:
        return None
    return blocks, gaps, end


def _already_linear(tokens: tuple[Token, ...], layout: Layout) -> bool:
    """Whether the regexp itself is linear: one gap at most and one star at most per segment,
    none trading characters with another (each state is reached one way)."""
    blocks, gaps, end = layout
    if sum(isinstance(t, Gap) for t in tokens) > 1 or (gaps and not blocks[-1] and end is SEGMENTS):
        return False
    stars = 0
    for token in tokens:
        stars = 0 if token is SEPARATOR or isinstance(token, Gap) else stars + (token is STAR)
        if stars > 1:
            return False
    return True


def _layout_regexp(layout: Layout, names: Iterator[str]) -> str:
    """The layout as a regexp whose repeats cannot trade characters.

    Every gap but the last takes the leftmost place where its next block matches and never
    gives it back (a lookahead is atomic; the backreference consumes what it matched).
    That is exact: a block matches whole segments, so a later gap can absorb the segments
    between that place and any later one where the block would also match.  Each gap then
    tries each segment once: linear in the path.
    """
    blocks, gaps, end = layout
    out = [_block(blocks[0], names)]
    for gap, block in zip(gaps[:-1], blocks[1:-1]):
        name = next(names)
        out.append(_guard(gap.greedy(), block) + f"(?=(?P<{name}>{gap.lazy()}{_block(block, names)}))(?P={name})")
    if gaps and not blocks[-1] and end is SEGMENTS:
        return "".join(out) + "(?:[^/]+/)*(?:[^/]+)?"  # (?:[^/]+/)*(?:[^/]+(?:/[^/]+)*)? without overlap
    if gaps:
        out.append(gaps[-1].greedy() + _block(blocks[-1], names))
    out.append({None: "", TAIL: ".*", SEGMENTS: "(?:[^/]+(?:/[^/]+)*)?"}[end])
    return "".join(out)


def _block(tokens: list[Token], names: Iterator[str]) -> str:
    segments: list[list[Token]] = [[]]
    for token in tokens:
        if token is SEPARATOR:
            segments.append([])
        else:
            segments[-1].append(token)
    return "/".join(_segment(segment, names) for segment in segments)


def _segment(tokens: list[Token], names: Iterator[str]) -> str:
    """One segment's glob: with more than one ``*``, each piece between two takes its leftmost
    place for good (fnmatch's translation since CPython 3.9, inside one segment), first
    looked for without a group (see :func:`_guard`)."""
    pieces = [""]
    for token in tokens:
        if isinstance(token, Many):
            if pieces[-1] or len(pieces) == 1:  # `**` inside a segment is `*`
                pieces.append("")
        else:
            pieces[-1] += token.chars.source
    if len(pieces) <= 2:
        return "[^/]*".join(pieces)
    first, *middle, last = pieces
    held = "".join(f"(?=[^/]*{piece})(?=(?P<{name}>[^/]*?{piece}))(?P={name})" for piece, name in zip(middle, names))
    return first + held + "[^/]*" + last


def _guard(repeat: str, tokens: list[Token]) -> str:
    """A lookahead that fails where a held place cannot be found: ``repeat``, then the block's
    first segment up to its second ``*`` (one gap and one star: each state is reached once).
    Python runs a lookahead without a group some 20 times faster than one with a group, and
    in one regexp of many patterns most paths fail here."""
    taken: list[Token] = []
    for token in tokens:
        if token is SEPARATOR or (isinstance(token, Many) and any(isinstance(t, Many) for t in taken)):
            break
        taken.append(token)
    if not any(isinstance(t, One) for t in taken):
        return ""
    return f"(?={repeat}{''.join('[^/]*' if isinstance(t, Many) else t.chars.source for t in taken)})"


def _unbounded(token: Token) -> bool:
    return isinstance(token, (Many, Gap, Segments))


def _is_clean(path: str) -> bool:
    return bool(path) and "//" not in path and path[0] != "/" and path[-1] != "/"


class Glob:
    """A translation's regexp, matched in time linear in the path (see the module docstring)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._tokens = read(source)  # refuses what Python's regexps refuse: re.error, as before
        repeats = sum(map(_unbounded, self._tokens)) - (self._tokens[-1:] == (TAIL,))
        self._layout = None if repeats <= 1 else _layout(self._tokens)
        self._verbatim = repeats <= 1 or (self._layout is not None and _already_linear(self._tokens, self._layout))
        # A "**/" path glob's gaps and its trailing "**" skip empty segments: past one, the
        # leftmost place of a block may be the wrong one, and a failing end may be retried
        # from every gap.  Those paths (never a cleaned one) take the automaton.
        self._clean_only = self._layout is not None and (
            any(gap.nonempty for gap in self._layout[1]) or self._layout[2] is SEGMENTS)
        self._untagged: str | None = None  # the layout's regexp, when it names no group
        # Compiled on the first match: DockerIgnore matches a .dockerignore's patterns inside
        # its one regexp, and compiling 5,000 of them alone as well cost more than all the
        # rest of reading them.
        self._regexp: re.Pattern[str] | None = None
        self._compiled = False
        self._automaton: Automaton | None = None

    def linear_source(self, tag: str, *, clean_paths: bool = False) -> str | None:
        """A regexp matching what ``source`` matches, in time linear in the path, to use alone
        or inside another; its group names begin with ``tag``.  ``clean_paths``: only for
        paths with no empty segment.  None when only the automaton is linear."""
        if self._clean_only and not clean_paths:
            return None
        if self._verbatim:
            return self.source
        if self._layout is None:
            return None
        if self._untagged is not None:
            return self._untagged
        drawn = itertools.count()
        source = _layout_regexp(self._layout, (f"{tag}{k}" for k in drawn))
        if next(drawn) == 0:  # no name was drawn: the same for every tag
            self._untagged = source
        return source

    def matches(self, path: str) -> bool:
        if not self._compiled:
            fast = self.linear_source("g", clean_paths=True)
            self._regexp = re.compile(fast, re.DOTALL) if fast is not None else None
            self._compiled = True
        if self._regexp is not None and (not self._clean_only or _is_clean(path)):
            return self._regexp.fullmatch(path) is not None
        if self._automaton is None:
            self._automaton = Automaton(self._tokens)
        return self._automaton.matches(path)
