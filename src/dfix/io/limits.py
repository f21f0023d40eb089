"""Bounds on the structured files dfix reads from a repository it does not trust.

Python's JSON and TOML parsers recurse once per nesting level and YAML expands
aliases without limit, so a small hostile manifest can raise RecursionError or
take gigabytes.  The checks here run before those parsers and turn such input
into an ``InputLimitError`` naming the file: dfix then reports it and leaves the
Dockerfile alone.  They bound the input; they do not parse it (the real parsers
still do that), so they only need to be cheap and never to under-count.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import yaml

MAX_DEPTH = 200  # CPython's own limit on nested brackets in source; no real manifest comes close
MAX_YAML_EVENTS = 5_000_000  # a 60 MiB lockfile has far fewer nodes; a bomb never gets here (no aliases)

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputLimitError(Exception):
    """A file is beyond what dfix analyses (nesting, aliases, size); the message names it.

    Deliberately not a ValueError: the parsers' callers treat ValueError as "not valid
    JSON/TOML" and carry on; this must stop the Dockerfile with a clear error instead.
    """


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_TOML_SKIP = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')


def _bracket_depth_exceeds(brackets: str, limit: int) -> bool:
    """Whether a string of brackets nests deeper than ``limit``.

    Each round deletes the innermost pairs (C-speed ``str.replace``), so it takes as
    many rounds as the nesting is deep, and stops after ``limit``.  What is left when
    nothing more reduces is unbalanced; a recursive parser may still descend through
    every opener left before it notices, so those count as levels too.
    """
    rounds = 0
    while brackets and rounds <= limit:
        reduced = brackets.replace("[]", "").replace("{}", "")
        if reduced == brackets:
            return rounds + brackets.count("[") + brackets.count("{") > limit
        brackets = reduced
        rounds += 1
    return rounds > limit


def _only_brackets(text: str) -> str:
    return "".join(re.findall(r"[\[\]{}]+", text))


def check_json(text: str, name: str, limit: int = MAX_DEPTH) -> None:
    if not any(c in text for c in "[{"):
        return
    if _bracket_depth_exceeds(_only_brackets(_JSON_STRING.sub('""', text)), limit):
        raise InputLimitError(f"{name}: JSON nested deeper than {limit} levels")


def check_toml(text: str, name: str, limit: int = MAX_DEPTH) -> None:
    if not any(c in text for c in "[{"):
        return
    if _bracket_depth_exceeds(_only_brackets(_TOML_SKIP.sub("", text)), limit):
        raise InputLimitError(f"{name}: TOML nested deeper than {limit} levels")


_JSON_NAMES = ("bun.lock", "composer.lock", "flake.lock")  # JSON (bun.lock: with trailing commas)
_TOML_NAMES = ("poetry.lock", "uv.lock", "pdm.lock", "cargo.lock", "pipfile")


def check_structured(text: str, name: str) -> None:
    """The check for a context file by its name (JSON or TOML); other files pass."""
    base = name.rsplit("/", 1)[-1].lower()
    if base.endswith(".json") or base in _JSON_NAMES:
        check_json(text, name)
    elif base.endswith(".toml") or base in _TOML_NAMES:
        check_toml(text, name)


def load_yaml(text: str, name: str, limit: int = MAX_DEPTH) -> Any:
    """YAML without anchors or aliases (lockfiles and .yarnrc.yml never need them), depth-bounded.

    Refusing aliases outright removes the "billion laughs" expansion; the event pass
    is libyaml's and costs a fraction of building the objects.
    """
    depth = events = 0
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        events += 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise InputLimitError(f"{name}: uses YAML anchors or aliases, which dfix refuses to expand")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > limit:
                raise InputLimitError(f"{name}: YAML nested deeper than {limit} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if events > MAX_YAML_EVENTS:
            raise InputLimitError(f"{name}: more than {MAX_YAML_EVENTS} YAML nodes")
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def yaml_scalars(text: str, name: str, limit: int = MAX_DEPTH) -> Iterator[tuple[tuple[str, ...], str]]:
    """Each scalar value of a YAML document with the keys leading to it (``[]`` for a list item).

    Read from libyaml's events, never built into objects: an alias is not expanded (what
    an anchor holds is met once, where it is defined), so compose files' ``<<: *common``
    cost nothing, and the same depth and size bounds as ``load_yaml`` apply.  A document
    that is not YAML raises ValueError.
    """
    stack: list[list] = []  # per open collection: [is a mapping, its key awaiting a value or None]
    events = 0
    try:
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            events += 1
            if events > MAX_YAML_EVENTS:
                raise InputLimitError(f"{name}: more than {MAX_YAML_EVENTS} YAML nodes")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if stack and stack[-1][0] and stack[-1][1] is None:
                    stack[-1][1] = "?"  # a collection as a key: nothing compose writes
                if len(stack) >= limit:
                    raise InputLimitError(f"{name}: YAML nested deeper than {limit} levels")
                stack.append([isinstance(event, yaml.MappingStartEvent), None])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                if stack and stack[-1][0]:
                    stack[-1][1] = None
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                value = event.value if isinstance(event, yaml.ScalarEvent) else None
                if stack and stack[-1][0] and stack[-1][1] is None:
                    stack[-1][1] = value if value is not None else "*"
                    continue
                if value is not None:
                    yield tuple(str(f[1]) if f[0] else "[]" for f in stack), value
                if stack and stack[-1][0]:
                    stack[-1][1] = None
    except yaml.YAMLError as exc:
        raise ValueError(f"{name}: not YAML ({exc.__class__.__name__})") from None
