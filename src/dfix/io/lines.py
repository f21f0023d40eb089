"""Lines as BuildKit and git apply read them."""

from __future__ import annotations


def lines(text: str) -> list[str]:
    """The lines of a Dockerfile or a diff, each with its ending, split on "\\n" alone.

    BuildKit and ``git apply`` break lines only at LF (a CR before it stays part of the line
    ending); ``str.splitlines`` also breaks at a lone CR, form feed, NEL or U+2028, which made
    diffs that do not apply and SARIF regions past the end of the file.
    """
    out = text.split("\n")
    last = out.pop()
    out = [line + "\n" for line in out]
    if last:
        out.append(last)
    return out
