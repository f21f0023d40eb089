"""RUN command text parsed with bashlex: simple commands, their words and exact spans.

bashlex is a real shell parser but has gaps (``[[ ]]``, ``case``, ``$(( ))``,
``time``, ``&&`` inside ``$( )``).  Two measures keep a RUN usable anyway:

* before parsing, the bodies of command substitutions and ``[[ … ]]`` tests are
  masked with same-length filler, so every offset stays valid and the parts
  bashlex cannot read never reach it (their words get their source text back);
* if the whole text still fails, it is cut at top-level operators and the pieces
  are parsed one run at a time; a piece that never parses is reported in
  ``ShellScript.unparsed`` and the commands around it are still found.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

import bashlex
import bashlex.errors

from ..dockerfile.memo import memo
from ..io.limits import InputLimitError

Span = tuple[int, int]
# Command substitutions, quotes and ``${`` inside one another: real RUNs stay under ten;
# the scanner and bashlex recurse per level, so a hostile RUN must stop here, not at
# Python's recursion limit.
MAX_SHELL_NESTING = 64


class ShellNestingError(InputLimitError):
    """A RUN nests deeper than MAX_SHELL_NESTING."""


# bashlex reads about 100,000 characters a second. Real Dockerfiles give it at most a few
# ten thousand (moby/buildkit: 24,000); this bounds one file's shell parsing, fallbacks
# included, near 6 s.
MAX_SHELL_CHARS = 500_000


class ShellBudgetError(InputLimitError):
    """A file's RUNs hold more shell than a parse budget allows."""


_left: int | None = None  # characters bashlex may still read; None outside a budget


@contextmanager
def parse_budget(chars: int | None = None) -> Iterator[None]:
    """Bound the characters bashlex reads while the block runs (one file's analysis)."""
    global _left
    saved, _left = _left, MAX_SHELL_CHARS if chars is None else chars
    try:
        yield
    finally:
        _left = saved


def _bashlex(text: str) -> list:
    global _left
    if _left is not None:
        _left -= len(text)
        if _left < 0:
            raise ShellBudgetError("the RUN instructions hold more shell than dfix parses in one file "
                                   f"(over {MAX_SHELL_CHARS:,} characters read by the shell parser, retries included)")
    return bashlex.parse(text)

# Words that run the next word as the command (``sudo npm ci``): skipped to find the program.
_WRAPPERS = frozenset({"sudo", "exec", "command", "env", "nohup", "nice", "su-exec", "gosu", "xargs"})
# Wrapper options that take a value (``sudo -u node npm ci``).
_WRAPPER_VALUE_FLAGS = {"sudo": frozenset({"-u", "-g", "-C", "-h", "-p", "-U"}), "nice": frozenset({"-n"}),
                        "xargs": frozenset({"-a", "--arg-file", "-I", "-n", "-d", "-E", "-L", "-P", "-s",
                                            "--max-args", "--delimiter", "--max-procs", "--max-lines"})}
# Wrappers that only stand in front of certain programs.
_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "\n")
_FALLBACK_MAX_PIECES = 40  # bound on pieces joined while looking for a parsable run
# Characters bashlex may read while looking for parsable runs: per character of the RUN,
# plus a floor. Real RUNs need at most 13x (tests/test_shell_fallback.py); an adversarial one, at
# 40 tries of 40 pieces for each piece, would otherwise need 1,600x.
_FALLBACK_BUDGET = 16
_FALLBACK_FLOOR = 16_384


@dataclass(frozen=True)
class Word:
    value: str  # the word as the shell sees it after quote removal (expansions left as written)
    start: int
    end: int


@dataclass(frozen=True)
class Command:
    """One simple command, e.g. ``NODE_ENV=production npm ci --omit=dev``."""

    words: tuple[Word, ...]  # argv, assignments excluded
    assignments: tuple[Word, ...]  # NAME=value words before the program
    start: int  # span of the whole simple command, assignments and redirections included
    end: int
    operator: str | None  # "&&", "||", ";", "|", "|&", "&", "\n" before it; None when first
    operator_span: Span | None
    enclosing: tuple[str, ...] = ()  # compound constructs around it: "if", "for", "while", "subshell", ...
    cwd: str | None = None  # directory an earlier ``cd`` in this RUN moved to; None when none did

    def __hash__(self) -> int:  # recognise() memoises on commands, asked on every pass of every rule
        return self._hash

    @memo
    def _hash(self) -> int:
        return hash((self.words, self.assignments, self.start, self.end, self.operator, self.operator_span,
                     self.enclosing, self.cwd))

    @property
    def argv(self) -> list[str]:
        return [w.value for w in self.words]

    @property
    def env(self) -> dict[str, str]:
        pairs = (a.value.split("=", 1) for a in self.assignments)
        return {k: v for k, v in pairs}

    @property
    def top_level(self) -> bool:
        return not self.enclosing

    def program_words(self) -> tuple[dict[str, str], list[Word]]:
        """The env and argv the program really gets once wrappers (``sudo``, ``env A=1``) are peeled."""
        env = self.env
        words = list(self.words)
        while words and posixpath.basename(words[0].value) in _WRAPPERS:
            wrapper = posixpath.basename(words[0].value)
            words = words[1:]
            takes_value = _WRAPPER_VALUE_FLAGS.get(wrapper, frozenset())
            while words and (words[0].value.startswith("-") or (wrapper == "env" and "=" in words[0].value)):
                head = words.pop(0).value
                if wrapper == "env" and "=" in head and not head.startswith("-"):
                    key, value = head.split("=", 1)
                    env[key] = value
                elif head in takes_value and words:
                    words.pop(0)
        return env, words

    @memo  # asked by every rule on every pass; the command never changes
    def program(self) -> str | None:
        """The program's base name after wrappers: ``/usr/bin/npm`` and ``sudo npm`` give ``npm``."""
        _, words = self.program_words()
        return posixpath.basename(words[0].value) if words else None


def first_operand(words: list[Word], value_flags: frozenset[str] = frozenset()) -> Word | None:
    """The first word that is neither an option nor the value of one (a subcommand, a goal)."""
    skip = False
    for w in words:
        if skip:
            skip = False
        elif w.value in value_flags:
            skip = True
        elif not w.value.startswith("-"):
            return w
    return None


@dataclass(frozen=True)
class ShellScript:
    text: str
    commands: tuple[Command, ...]
    parsed: bool  # True when every part of the text was understood
    unparsed: tuple[Span, ...] = ()  # pieces bashlex could not read
    errors: tuple[str, ...] = field(default=())

    def source(self, item: Command | Word) -> str:
        return self.text[item.start : item.end]


def find_commands(script: ShellScript, program: str) -> list[Command]:
    """Commands running ``program`` (compared by base name, wrappers peeled)."""
    return [c for c in script.commands if c.program == program]


def clear_caches() -> None:
    """Forget parsed RUNs: the runner calls this between files."""
    parse_shell.cache_clear()


# Unbounded within a file: the engine parses every RUN on each pass, and an LRU smaller
# than the file's RUN count would miss on every one of them (a cyclic scan).
@lru_cache(maxsize=None)
def parse_shell(text: str) -> ShellScript:
    """Parse a RUN's logical command text (continuations already joined). Results are shared: immutable."""
    if not text.strip():
        return ShellScript(text, (), True)
    plain = _plain_command(text)
    if plain is not None:
        return plain
    masked, masks, opaque = _mask(text)
    try:
        trees = _bashlex(masked)
    except _BASHLEX_ERRORS as exc:
        script = _parse_in_pieces(text, masked, masks, str(exc))
    else:
        walker = _Walker(text, masks)
        walker.walk_top(trees, base=0)
        script = ShellScript(text, tuple(walker.commands), True)
    if not opaque:
        return script
    # bashlex has no `case`: its statement stood in as one filler word; report it instead.
    kept = tuple(c for c in script.commands if not any(s <= c.start and c.end <= e for s, e in opaque))
    errors = script.errors + tuple(f"case statement not parsed: {text[s:e][:40]!r}" for s, e in opaque)
    return ShellScript(text, kept, False, tuple(sorted(script.unparsed + tuple(opaque))), errors)


# Text made only of these characters has no quoting, expansion, operator, redirection,
# glob or comment: the shell splits it on blanks and nothing else (`=` matters only in
# a leading assignment, which the fast path leaves to bashlex).
_PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+,%= \t")
# Words that open or close a compound command, or change how the rest is read.
_RESERVED = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "for", "while", "until", "case", "esac",
                       "function", "select", "time", "coproc", "in", "!", "{", "}", "[[", "]]"})


def _plain_command(text: str) -> ShellScript | None:
    """One simple command of plain words, split without bashlex (which costs ~1 ms a RUN);
    None when the text needs the real parser.  tests/test_shell_plain.py checks the two agree."""
    if not _PLAIN_CHARS.issuperset(text):
        return None
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        start = i
        while i < n and text[i] not in " \t":
            i += 1
        if i > start:
            words.append(Word(text[start:i], start, i))
    if not words or words[0].value in _RESERVED or "=" in words[0].value:
        return None  # a compound, or `NAME=value cmd` (assignments are bashlex's to tell)
    command = Command(tuple(words), (), words[0].start, words[-1].end, None, None, (), None)
    return ShellScript(text, (command,), True)


_BASHLEX_ERRORS = (
    bashlex.errors.ParsingError,
    NotImplementedError,
    AttributeError,
    IndexError,
    TypeError,
    ValueError,
    AssertionError,
    RecursionError,
)


def _parse_in_pieces(text: str, masked: str, masks: list[Span], first_error: str) -> ShellScript:
    pieces = _pieces(masked)
    walker = _Walker(text, masks)
    unparsed: list[Span] = []
    errors = [first_error]
    budget = _FALLBACK_BUDGET * len(masked) + _FALLBACK_FLOOR
    i = 0
    while i < len(pieces):
        found, spent = _longest_parsable_run(masked, pieces, i, budget)
        budget -= spent
        if found is not None:
            j, trees = found
            walker.pending = (pieces[i][2], pieces[i][3])
            walker.walk_top(trees, base=pieces[i][0])
            i = j + 1
            continue
        begin, end = pieces[i][0], pieces[i][1]
        stripped_start = begin + (len(masked[begin:end]) - len(masked[begin:end].lstrip()))
        stripped_end = end - (len(masked[begin:end]) - len(masked[begin:end].rstrip()))
        unparsed.append((stripped_start, stripped_end))
        errors.append(f"could not parse {text[stripped_start:stripped_end]!r}")
        i += 1
    return ShellScript(text, tuple(walker.commands), False, tuple(unparsed), tuple(errors))


_Piece = tuple[int, int, "str | None", "Span | None"]  # start, end, operator before it, its span


def _pieces(masked: str) -> list[_Piece]:
    """The text cut at its top-level operators, blank pieces dropped."""
    pieces: list[_Piece] = []
    start, op, op_span = 0, None, None
    for cut_start, cut_end, cut_op in _top_level_operators(masked):
        pieces.append((start, cut_start, op, op_span))
        start, op, op_span = cut_end, cut_op, (cut_start, cut_end)
    pieces.append((start, len(masked), op, op_span))
    return [p for p in pieces if masked[p[0] : p[1]].strip()]


def _longest_parsable_run(masked: str, pieces: list[_Piece], i: int, budget: int) -> tuple[tuple[int, list] | None, int]:
    """The longest run of pieces from ``i`` that bashlex parses, as (last piece, trees), and the
    characters spent; longest first, so that `if …; then …; fi` is read as one compound.

    bashlex is an LR parser: an error at a token means no text sharing the prefix up to
    that token parses, so no longer run holding the token is worth trying. Once the
    budget is spent, only the single piece is tried.
    """
    spent = 0
    j = min(len(pieces), i + _FALLBACK_MAX_PIECES) - 1
    if budget <= 0:
        j = i
    while j >= i:
        begin, end = pieces[i][0], pieces[j][1]
        spent += end - begin
        try:
            return (j, _bashlex(masked[begin:end])), spent
        except bashlex.errors.ParsingError as exc:
            # Only "unexpected token" carries the token's offset, and only on one-line text
            # (on longer text it counts from a line start; "unexpected EOF" carries the
            # length of some earlier input). It rules out every run through its piece.
            at = begin + exc.position
            if exc.message.startswith("unexpected token") and at < end and masked.find("\n", begin, end) == -1:
                j = max((k for k in range(i, j) if pieces[k][1] <= at), default=i - 1)
                continue
        except _BASHLEX_ERRORS:
            pass
        j -= 1
        if spent >= budget:
            j = min(j, i)
    return None, spent


class _Walker:
    """Flattens bashlex trees into Commands, carrying operators and ``cd`` state."""

    def __init__(self, text: str, masks: list[Span]) -> None:
        self.text = text
        self.masks = masks
        self.commands: list[Command] = []
        self.pending: tuple[str | None, Span | None] = (None, None)
        self.cwd: str | None = None

    def walk_top(self, trees: list[Any], base: int) -> None:
        previous_end: int | None = None
        for tree in trees:
            start = tree.pos[0] + base
            if previous_end is not None and self.pending[0] is None:
                gap = self.text[previous_end:start]
                newline = gap.find("\n")
                if newline >= 0:
                    self.pending = ("\n", (previous_end + newline, previous_end + newline + 1))
            self.visit(tree, base, ())
            previous_end = tree.pos[1] + base

    def visit(self, node: Any, base: int, enclosing: tuple[str, ...]) -> None:
        kind = node.kind
        if kind == "command":
            self.emit(node, base, enclosing)
        elif kind == "operator":
            self.pending = (node.op, (node.pos[0] + base, node.pos[1] + base))
        elif kind == "pipe":
            self.pending = (node.pipe, (node.pos[0] + base, node.pos[1] + base))
        elif kind == "list":
            for part in node.parts:
                self.visit(part, base, enclosing)
        elif kind == "pipeline":
            saved = self.cwd
            for part in node.parts:
                self.visit(part, base, enclosing)
            self.cwd = saved  # each pipeline element runs in its own subshell
        elif kind == "compound":
            opener = node.list[0] if node.list else None
            word = getattr(opener, "word", "")
            inner = enclosing + ("subshell",) if word == "(" else enclosing + ("group",) if word == "{" else enclosing
            saved = self.cwd
            for part in node.list:
                self.visit(part, base, inner)
            if word == "(":
                self.cwd = saved
        elif kind in ("if", "for", "while", "until"):
            for part in node.parts:
                self.visit(part, base, enclosing + (kind,))
        elif kind == "function":
            saved = self.cwd
            for part in node.parts:
                if part.kind != "word":
                    self.visit(part, base, enclosing + ("function",))
            self.cwd = saved
        # reservedword, redirect, word, tilde…: nothing to emit

    def emit(self, node: Any, base: int, enclosing: tuple[str, ...]) -> None:
        words: list[Word] = []
        assignments: list[Word] = []
        for part in node.parts:
            if part.kind == "word":
                words.append(self.word(part, base))
            elif part.kind == "assignment" and not words:
                assignments.append(self.word(part, base))
            elif part.kind == "assignment":
                words.append(self.word(part, base))
        op, op_span = self.pending
        self.pending = (None, None)
        command = Command(
            tuple(words),
            tuple(assignments),
            node.pos[0] + base,
            node.pos[1] + base,
            op,
            op_span,
            enclosing,
            self.cwd,
        )
        self.commands.append(command)
        self._track_cd(command)

    def word(self, node: Any, base: int) -> Word:
        start, end = node.pos[0] + base, node.pos[1] + base
        value = node.word
        for m_start, m_end in self.masks:
            if m_start < end and start < m_end:
                value = self._unmask(value, start, end)
                break
        return Word(value, start, end)

    def _unmask(self, value: str, start: int, end: int) -> str:
        original = self.text[start:end]
        for m_start, m_end in self.masks:
            if start <= m_start and m_end <= end:
                filler = _FILLER * (m_end - m_start)
                value = value.replace(filler, self.text[m_start:m_end], 1)
            elif m_start < end and start < m_end:
                return original  # a mask straddling the word: its source text is the best we have
        return value

    def _track_cd(self, command: Command) -> None:
        env, words = command.program_words()
        if not words or words[0].value != "cd":
            return
        args = [w.value for w in words[1:] if not w.value.startswith("-")]
        if not args or args[0] in ("~", "-"):
            self.cwd = args[0] if args else "~"
            return
        target = args[0]
        if target.startswith("/") or self.cwd is None:
            self.cwd = posixpath.normpath(target)
        else:
            self.cwd = posixpath.normpath(posixpath.join(self.cwd, target))


# --- masking and top-level scanning ----------------------------------------------------

_FILLER = "x"


def _mask(text: str) -> tuple[str, list[Span], list[Span]]:
    """Hide command-substitution bodies, ``[[ … ]]`` tests and ``case`` statements behind filler.

    Returns the masked text, every masked span, and the ``case`` spans (opaque: reported unparsed).
    """
    chars = list(text)
    masks: list[Span] = []
    scanner = _Scanner(text)
    opaque = scanner.case_statements()
    for start, end in scanner.substitution_bodies() + scanner.double_bracket_tests() + opaque:
        if end > start:
            masks.append((start, end))
            for k in range(start, end):
                if chars[k] != "\n":
                    chars[k] = _FILLER
    return "".join(chars), sorted(masks), opaque


def _top_level_operators(text: str) -> list[tuple[int, int, str]]:
    return _Scanner(text).operators()


class _Scanner:
    """A quote- and nesting-aware pass over shell text (no parsing, only boundaries)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._depth = 0
        self._ops: list[tuple[int, int, str]] = []
        self._subs: list[Span] = []
        self._tests: list[Span] = []
        self._cases: list[Span] = []
        self._scan()

    def operators(self) -> list[tuple[int, int, str]]:
        return self._ops

    def substitution_bodies(self) -> list[Span]:
        return self._subs

    def double_bracket_tests(self) -> list[Span]:
        return self._tests

    def case_statements(self) -> list[Span]:
        return self._cases

    def _scan(self) -> None:
        text, n = self.text, len(self.text)
        i = 0
        word_start = True
        while i < n:
            ch = text[i]
            if ch == "\\":
                i += 2
                word_start = False
                continue
            if ch == "'":
                i = self._skip_single(i)
                word_start = False
                continue
            if ch == '"':
                i = self._skip_double(i, top=True)
                word_start = False
                continue
            if ch == "`":
                i = self._skip_backtick(i)
                word_start = False
                continue
            if ch == "$" and text.startswith("$(", i):
                close = self._skip_paren(i + 2)
                self._subs.append((i + 2, max(i + 2, close - 1)))
                i = close
                word_start = False
                continue
            if ch == "$" and text.startswith("${", i):
                i = self._skip_brace(i + 2)
                word_start = False
                continue
            if word_start and ch == "#":
                newline = text.find("\n", i)
                i = n if newline < 0 else newline
                continue
            if word_start and self._word_at(i) == "case":
                end = self._find_esac(i + 4)
                if end is not None:
                    self._cases.append((i, end))
                    i = end
                    word_start = False
                    continue
            if word_start and text.startswith("[[", i) and (i + 2 >= n or text[i + 2] in " \t\n"):
                end = self._find_test_end(i + 2)
                if end is not None:
                    self._tests.append((i, end))
                    i = end
                    word_start = False
                    continue
            op = self._operator_at(i)
            if op:
                self._ops.append((i, i + len(op), op))
                i += len(op)
                word_start = True
                continue
            word_start = ch in " \t\n()<>"
            i += 1

    def _operator_at(self, i: int) -> str | None:
        text = self.text
        for op in _OPERATORS:
            if text.startswith(op, i):
                # `&>` and `>&`/`<&` are redirections, not the background operator.
                if op == "&" and (text.startswith("&>", i) or (i > 0 and text[i - 1] in "<>")):
                    return None
                if op == "|" and i > 0 and text[i - 1] == ">":  # `>|` clobber redirection
                    return None
                return op
        return None

    def _skip_single(self, i: int) -> int:
        close = self.text.find("'", i + 1)
        return len(self.text) if close < 0 else close + 1

    def _enter(self) -> None:
        self._depth += 1
        if self._depth > MAX_SHELL_NESTING:
            # no excerpt of the RUN: it may hold a secret, and errors are not masked
            raise ShellNestingError(f"a RUN nests quotes, `$(` or `${{` deeper than {MAX_SHELL_NESTING} levels")

    def _skip_double(self, i: int, *, top: bool) -> int:
        self._enter()
        try:
            return self._skip_double_body(i, top=top)
        finally:
            self._depth -= 1

    def _skip_double_body(self, i: int, *, top: bool) -> int:
        text, n = self.text, len(self.text)
        i += 1
        while i < n:
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == '"':
                return i + 1
            elif ch == "`":
                i = self._skip_backtick(i)
            elif text.startswith("$(", i):
                close = self._skip_paren(i + 2)
                if top:
                    self._subs.append((i + 2, max(i + 2, close - 1)))
                i = close
            elif text.startswith("${", i):
                i = self._skip_brace(i + 2)
            else:
                i += 1
        return n

    def _skip_backtick(self, i: int) -> int:
        text, n = self.text, len(self.text)
        i += 1
        while i < n:
            if text[i] == "\\":
                i += 2
            elif text[i] == "`":
                return i + 1
            else:
                i += 1
        return n

    def _skip_paren(self, i: int) -> int:
        """Index just past the ``)`` closing a ``$(`` whose body starts at ``i``."""
        return self._skip_nested(i, "(", ")")

    def _skip_brace(self, i: int) -> int:
        """Index just past the ``}`` closing a ``${`` whose body starts at ``i``."""
        return self._skip_nested(i, "{", "}")

    def _skip_quoted(self, i: int) -> int | None:
        """Index past an escape, quoted string, backtick or ``$(…)`` starting at ``i``; None if none does."""
        ch = self.text[i]
        if ch == "\\":
            return i + 2
        if ch == "'":
            return self._skip_single(i)
        if ch == '"':
            return self._skip_double(i, top=False)
        if ch == "`":
            return self._skip_backtick(i)
        if self.text.startswith("$(", i):
            return self._skip_paren(i + 2)
        return None

    def _skip_nested(self, i: int, opener: str, closer: str) -> int:
        self._enter()
        try:
            return self._skip_nested_body(i, opener, closer)
        finally:
            self._depth -= 1

    def _skip_nested_body(self, i: int, opener: str, closer: str) -> int:
        text, n = self.text, len(self.text)
        depth = 1
        while i < n:
            ch = text[i]
            skipped = self._skip_quoted(i)
            if skipped is not None:
                i = skipped
            elif ch == opener:
                depth += 1
                i += 1
            elif ch == closer:
                depth -= 1
                i += 1
                if depth == 0:
                    return i
            else:
                i += 1
        return n

    def _word_at(self, i: int) -> str:
        end = i
        while end < len(self.text) and self.text[end] not in " \t\n;&|()<>":
            end += 1
        return self.text[i:end]

    def _find_esac(self, i: int) -> int | None:
        """End of the ``esac`` closing a ``case`` whose words start at ``i`` (nested cases counted)."""
        text, n = self.text, len(self.text)
        depth = 1
        boundary = True
        while i < n:
            skipped = self._skip_quoted(i)
            if skipped is not None:
                i = skipped
            elif boundary and self._word_at(i) in ("case", "esac"):
                depth += 1 if self._word_at(i) == "case" else -1
                i += 4
                if depth == 0:
                    return i
            else:
                i += 1
            boundary = i > 0 and text[i - 1] in " \t\n;&|()"
        return None

    def _find_test_end(self, i: int) -> int | None:
        """End of a ``[[ … ]]`` test whose body starts at ``i`` (past the closing ``]]``)."""
        text, n = self.text, len(self.text)
        while i < n:
            skipped = self._skip_quoted(i)
            if skipped is not None:
                i = skipped
            elif text.startswith("]]", i) and text[i - 1] in " \t" and (i + 2 >= n or text[i + 2] in " \t\n;&|)"):
                return i + 2
            else:
                i += 1
        return None
