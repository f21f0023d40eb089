"""Character classes and helpers that mirror Go's standard library.

BuildKit's parser is written in Go; where Python's notion differs (``str.isspace``
also accepts \\x1c-\\x1f, ``re``'s ``\\s`` is Unicode-wide) we follow Go so that
instruction boundaries agree with the real builder byte for byte.
"""

from __future__ import annotations

# unicode.IsSpace: Latin-1 spaces plus the Unicode White_Space property (Z* and a few Cc).
_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# reWhitespace in parser.go: [\t\v\f\r ]+ (ASCII only, no newline).
ASCII_WS = frozenset("\t\v\f\r ")


def is_space(ch: str) -> bool:
    return ch in _GO_SPACE


_GO_SPACE_CHARS = "".join(sorted(_GO_SPACE))


def trim_space(s: str) -> str:
    """strings.TrimSpace."""
    return s.strip(_GO_SPACE_CHARS)


def lstrip_count(s: str) -> int:
    """How many leading characters strings.TrimLeftFunc(unicode.IsSpace) removes."""
    return len(s) - len(s.lstrip(_GO_SPACE_CHARS))


def split_ascii_ws(s: str, limit: int = -1) -> list[str]:
    """regexp `[\\t\\v\\f\\r ]+`.Split(s, limit) with Go's semantics (empty input gives [""])."""
    parts: list[str] = []
    i, start, n = 0, 0, len(s)
    while i < n:
        if s[i] in ASCII_WS and (limit < 0 or len(parts) < limit - 1):
            j = i
            while j < n and s[j] in ASCII_WS:
                j += 1
            parts.append(s[start:i])
            start = i = j
            continue
        i += 1
    parts.append(s[start:])
    return parts
