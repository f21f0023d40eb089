"""Reading a command line as its tool does: operands, and the value of an option."""

from __future__ import annotations


def operands(values: list[str], value_flags: frozenset[str] = frozenset()) -> list[str]:
    """Non-option words, skipping the values of options known to take one (`-o out`)."""
    out: list[str] = []
    skip = False
    for value in values:
        if skip:
            skip = False
        elif value.startswith("-"):
            skip = value in value_flags
        else:
            out.append(value)
    return out


def option_value(values: list[str], names: tuple[str, ...]) -> str | None:
    """The value of ``--name value`` or ``--name=value`` (`-o=value` too); the last one wins, like most CLIs."""
    found: str | None = None
    for i, value in enumerate(values):
        for name in names:
            if value == name and i + 1 < len(values):
                found = values[i + 1]
            elif value.startswith(name + "="):
                found = value[len(name) + 1 :]
    return found
