"""Variable expansion in instruction arguments, as BuildKit's shell lexer does it.

Only what ENV, ARG, WORKDIR and USER values need: ``$VAR``, ``${VAR}``, the
``${VAR:-word}``/``${VAR-word}``/``${VAR:+word}``/``${VAR+word}`` forms, quotes and
escapes.  A reference to a variable whose value dfix cannot know makes the
result ``None``: a rule must then leave the instruction alone rather than guess.
"""

from __future__ import annotations

from typing import Mapping

_NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_NAME_CHARS = _NAME_START + "0123456789"


class Unknown(Exception):
    """A variable with no known value was referenced."""


def opaque_option(word: str) -> str | None:
    """`-gcflags=${FLAGS}`: an option whose value alone holds a variable; the option's name, else None.

    Whatever the variable holds, the word stays one option with that name: it cannot add
    options of its own (unlike a bare `$FLAGS`, which the shell splits into words).
    """
    if not word.startswith("-") or "=" not in word:
        return None
    name, value = word.split("=", 1)
    return name if "$" not in name and "`" not in name else None


# An ENV that doubles itself (`ENV A=$A$A`, 48 times) would reach a gigabyte; a value past
# this is treated as unknowable, which every rule already handles by leaving things alone.
MAX_EXPANDED_CHARS = 1024 * 1024


def expand(word: str, env: Mapping[str, str | None], escape: str = "\\") -> str | None:
    """The value of ``word`` with quotes removed and variables substituted, or None if unknowable."""
    try:
        return _Expander(word, env, escape).run()
    except Unknown:
        return None


class _Expander:
    def __init__(self, word: str, env: Mapping[str, str | None], escape: str) -> None:
        self.s, self.env, self.escape, self.i = word, env, escape, 0
        self.size = len(word)  # characters produced so far, bounded by MAX_EXPANDED_CHARS

    def run(self, stop: str = "") -> str:
        out: list[str] = []
        s = self.s
        while self.i < len(s):
            ch = s[self.i]
            if stop and ch == stop:
                return "".join(out)
            if ch == self.escape and self.i + 1 < len(s):
                out.append(s[self.i + 1])
                self.i += 2
            elif ch == "'":
                end = s.find("'", self.i + 1)
                end = len(s) if end < 0 else end
                out.append(s[self.i + 1 : end])
                self.i = end + 1
            elif ch == '"':
                self.i += 1
                out.append(self._double_quoted())
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)
                self.i += 1
        return "".join(out)

    def _double_quoted(self) -> str:
        out: list[str] = []
        s = self.s
        while self.i < len(s) and s[self.i] != '"':
            ch = s[self.i]
            if ch == self.escape and self.i + 1 < len(s) and s[self.i + 1] in '"$' + self.escape:
                out.append(s[self.i + 1])
                self.i += 2
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)
                self.i += 1
        self.i += 1
        return "".join(out)

    def _lookup(self, name: str) -> str:
        # A name dfix has no value for may still be set by the base image or a
        # --build-arg, so it is unknown rather than empty.
        value = self.env.get(name)
        if value is None:
            raise Unknown(name)
        self.size += len(value)
        if self.size > MAX_EXPANDED_CHARS:
            raise Unknown(name)
        return value

    def _dollar(self) -> str:
        s = self.s
        self.i += 1
        if self.i >= len(s):
            return "$"
        if s[self.i] == "{":
            self.i += 1
            start = self.i
            while self.i < len(s) and s[self.i] in _NAME_CHARS:
                self.i += 1
            name = s[start : self.i]
            if not name:
                raise Unknown("${")
            op = ""
            if s.startswith((":-", ":+"), self.i):
                op, self.i = s[self.i : self.i + 2], self.i + 2
            elif self.i < len(s) and s[self.i] in "-+":
                op, self.i = s[self.i], self.i + 1
            elif self.i < len(s) and s[self.i] != "}":
                raise Unknown(name)  # ${VAR%...}, ${VAR/...}: not worth modelling
            word = self.run(stop="}") if op else ""
            self.i += 1  # the closing brace
            value = self._lookup(name)
            if op == ":-":
                return value if value else word
            if op == "-":
                return value
            if op == ":+":
                return word if value else ""
            if op == "+":
                return word
            return value
        if s[self.i] in _NAME_START:
            start = self.i
            while self.i < len(s) and s[self.i] in _NAME_CHARS:
                self.i += 1
            return self._lookup(s[start : self.i])
        return "$"
