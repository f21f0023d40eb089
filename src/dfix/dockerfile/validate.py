"""The checks BuildKit's ``instructions.Parse`` makes after parsing.

The parser accepts any keyword and bare instructions; the builder then rejects
``WORKID /app``, ``FROM`` with no image, ``COPY`` with no destination.  dfix
refuses such files up front (exit 2) rather than rewriting a file that cannot
build.  The arity table follows buildkit/frontend/dockerfile/instructions/parse.go.
"""

from __future__ import annotations

from . import words
from .errors import DockerfileError
from .model import Command, Dockerfile

# keyword -> (minimum values, maximum values or None, message)
_ARITY: dict[str, tuple[int, int | None, str]] = {
    "ADD": (2, None, "ADD requires at least two arguments, but only {n} provided"),
    "COPY": (2, None, "COPY requires at least two arguments, but only {n} provided"),
    "ARG": (1, None, "ARG requires at least one argument"),
    "ENV": (1, None, "ENV requires at least one argument"),
    "LABEL": (1, None, "LABEL requires at least one argument"),
    "EXPOSE": (1, None, "EXPOSE requires at least one argument"),
    "VOLUME": (1, None, "VOLUME requires at least one argument"),
    "USER": (1, 1, "USER requires exactly one argument"),
    "WORKDIR": (1, 1, "WORKDIR requires exactly one argument"),
    "STOPSIGNAL": (1, 1, "STOPSIGNAL requires exactly one argument"),
    "MAINTAINER": (1, 1, "MAINTAINER requires exactly one argument"),
    "ONBUILD": (1, None, "ONBUILD requires at least one argument"),
    "HEALTHCHECK": (1, None, "HEALTHCHECK requires at least one argument"),
    "RUN": (0, None, ""),
    "CMD": (0, None, ""),
    "ENTRYPOINT": (0, None, ""),
    "SHELL": (0, None, ""),
    "FROM": (1, 3, "FROM requires either one or three arguments"),
}
KNOWN_INSTRUCTIONS = frozenset(_ARITY)
_NOT_IN_ONBUILD = {"ONBUILD": "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                   "FROM": "FROM isn't allowed as an ONBUILD trigger",
                   "MAINTAINER": "MAINTAINER isn't allowed as an ONBUILD trigger"}


def validate(df: Dockerfile) -> None:
    """Raise DockerfileError for the first instruction BuildKit would refuse to build."""
    seen_from = False
    for ins in df.instructions:
        _check_command(ins.command, ins.line)
        if ins.keyword == "FROM":
            seen_from = True
        elif not seen_from and ins.keyword != "ARG":
            raise DockerfileError(f"no build stage in current context ({ins.keyword} before the first FROM)", ins.line)
        if ins.keyword == "ONBUILD" and ins.command.sub is not None:
            sub = ins.command.sub
            if sub.name in _NOT_IN_ONBUILD:
                raise DockerfileError(_NOT_IN_ONBUILD[sub.name], ins.line)
            _check_command(sub, ins.line)
    if not seen_from:
        raise DockerfileError("no FROM instruction: the file defines no build stage", None)


def _check_command(cmd: Command, line: int) -> None:
    name = cmd.name
    if name not in KNOWN_INSTRUCTIONS:
        raise DockerfileError(f"unknown instruction: {cmd.keyword}", line)
    try:
        values = cmd.values
    except words.NotStringArray as exc:
        raise DockerfileError(str(exc), line) from None
    except ValueError as exc:  # ENV/LABEL without a value, missing "="
        raise DockerfileError(str(exc), line) from None
    low, high, message = _ARITY[name]
    n = len(values)
    if name == "FROM":
        if n not in (1, 3) or (n == 3 and values[1].lower() != "as"):
            raise DockerfileError(message, line)
        return
    if n < low or (high is not None and n > high):
        raise DockerfileError(message.format(n=n), line)
    if name == "SHELL" and not cmd.is_json:
        raise DockerfileError("SHELL requires the arguments to be in JSON form", line)
    if name == "HEALTHCHECK":
        kind = values[0].upper()
        if kind == "NONE" and n > 1:
            raise DockerfileError("HEALTHCHECK NONE takes no arguments", line)
        if kind not in ("NONE", "CMD"):
            raise DockerfileError(f"Unknown type {values[0]!r} in HEALTHCHECK (try CMD)", line)
        if kind == "CMD" and n < 2:
            raise DockerfileError("Missing command after HEALTHCHECK CMD", line)
