"""BuildKit's argument splitters, ported for agreement with its parser.

Each function here has a counterpart in buildkit/frontend/dockerfile/parser
(line_parsers.go, parser.go).  They produce the *values* an instruction carries;
positions in the source are tracked separately by the parser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .goisms import is_space, split_ascii_ws


class NotStringArray(ValueError):
    """A JSON array with a non-string member: BuildKit rejects the file."""


@dataclass(frozen=True)
class FlagToken:
    text: str  # the flag with quotes and escapes resolved, e.g. "--mount=type=cache,target=/x"
    start: int  # offset of the flag word in the string that was scanned
    end: int


def extract_builder_flags(line: str) -> tuple[list[FlagToken], int]:
    """Leading ``--flag`` words of an instruction and where its arguments begin.

    Mirrors extractBuilderFlags: words starting with ``--`` are flags, quotes are
    removed inside them, a lone ``--`` ends the flags.  Returns the flags and the
    offset in ``line`` where the remaining arguments start (``len(line)`` if none).
    """
    flags: list[FlagToken] = []
    pos, n = 0, len(line)
    while True:
        while pos < n and is_space(line[pos]):
            pos += 1
        if pos >= n:
            return flags, n
        if not (line[pos] == "-" and pos + 1 < n and line[pos + 1] == "-"):
            return flags, pos
        start = pos
        word: list[str] = []
        blank_ok = False
        quote = ""
        while pos < n:
            ch = line[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\":
                    if pos + 1 == n:
                        quote = ""
                    else:
                        pos += 1
                        word.append(line[pos])
                else:
                    word.append(ch)
                pos += 1
                continue
            if is_space(ch):
                break
            if ch in "'\"":
                quote = ch
                blank_ok = True
            elif ch == "\\":
                if pos + 1 < n:
                    pos += 1
                    word.append(line[pos])
            else:
                word.append(ch)
            pos += 1
        text = "".join(word)
        if text == "--":
            # "--" ends the flags; arguments start after the whitespace that follows it.
            if pos >= n:
                return flags, n
            return flags, pos
        if blank_ok or text:
            flags.append(FlagToken(text, start, pos))


def parse_words(rest: str, escape: str) -> list[str]:
    """parseWords: whitespace-separated words, quotes and escapes kept verbatim."""
    words: list[str] = []
    word: list[str] = []
    in_word = False
    blank_ok = False
    quote = ""
    pos, n = 0, len(rest)
    while pos < n:
        ch = rest[pos]
        if not in_word:
            if is_space(ch):
                pos += 1
                continue
            in_word = True
        if not quote:
            if is_space(ch):
                if blank_ok or word:
                    words.append("".join(word))
                word, blank_ok, in_word = [], False, False
                pos += 1
                continue
            if ch in "'\"":
                quote = ch
                blank_ok = True
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = rest[pos]
            word.append(ch)
            pos += 1
            continue
        # inside quotes
        if ch == quote:
            quote = ""
        if ch == escape and quote != "'":
            if pos + 1 == n:
                pos += 1
                continue
            word.append(ch)
            pos += 1
            ch = rest[pos]
        word.append(ch)
        pos += 1
    if in_word and (blank_ok or word):
        words.append("".join(word))
    return words


def parse_json_array(rest: str) -> list[str] | None:
    """parseJSON: the strings of a JSON array, or None when ``rest`` is not one."""
    if not rest.startswith("["):
        return None
    try:
        data = json.loads(rest, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list):
        return None
    if not all(isinstance(item, str) for item in data):
        raise NotStringArray("when using JSON array syntax, arrays must be comprised of strings only")
    return data


def _reject_constant(name: str) -> None:
    # Go's encoding/json has no NaN/Infinity literals.
    raise ValueError(name)


def whitespace_list(rest: str) -> list[str]:
    """parseStringsWhitespaceDelimited."""
    if rest == "":
        return []
    return split_ascii_ws(rest)


def name_val(rest: str, keyword: str, escape: str) -> list[tuple[str, str]]:
    """parseNameVal for ENV and LABEL: ``KEY value`` (old form) or ``K=V ...``."""
    words = parse_words(rest, escape)
    if not words:
        raise ValueError(f"{keyword} must have two arguments")
    if "=" not in words[0]:
        parts = split_ascii_ws(rest, 2)
        if len(parts) < 2:
            raise ValueError(f"{keyword} must have two arguments")
        return [(parts[0], parts[1])]
    pairs = []
    for word in words:
        if "=" not in word:
            raise ValueError(f"Syntax error - can't find = in {word!r}. Must be of the form: name=value")
        key, value = word.split("=", 1)
        pairs.append((key, value))
    return pairs
