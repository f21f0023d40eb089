"""Text from a repository made safe to print: terminals, CI logs and Markdown.

Names, comments and RUN text come from whoever wrote the pull request. Printed raw, an
escape sequence drives the reader's terminal (OSC 52 writes the clipboard), a bidi
override makes a line read differently from what it holds, a line starting with ``::``
(or holding ``##[``) is a command to the GitHub Actions runner, and in Markdown a backtick
closes a code span so the rest (``@org/team``, images, ``<!--``) goes live.
"""

from __future__ import annotations

import unicodedata

# Bidi embeddings, overrides and isolates (the "Trojan Source" characters), and the line
# and paragraph separators a terminal or an editor may break at.
_INVISIBLE = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
                       "\u2028\u2029\ufeff")
# What a GitHub mention or team reference needs right after "@": a joiner stops it.
_JOINER = "\u200d"


def _is_unsafe(ch: str, keep: str) -> bool:
    if ch in keep:
        return False
    return ch in _INVISIBLE or unicodedata.category(ch) == "Cc"  # C0, DEL and C1 controls


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, keep: str = "") -> str:
    """Control characters and bidi overrides as visible escapes (``\\x1b``, ``\\u202e``); ``keep`` stays."""
    if text.isprintable() and not any(ch in _INVISIBLE for ch in text):
        return text  # the usual case, without a loop in Python
    return "".join(_escape(ch) if _is_unsafe(ch, keep) else ch for ch in text)


def is_workflow_command(line: str) -> bool:
    """Whether the Actions runner would read the line as a command (it trims the line first)."""
    return line.strip().startswith("::") or "##[" in line


def defuse_command(line: str) -> str:
    """A line that cannot be a workflow command: ``##[`` broken, a leading ``::`` prefixed."""
    line = line.replace("##[", "##\\[")
    stripped = line.lstrip()
    if stripped.startswith("::"):
        line = line[: len(line) - len(stripped)] + "\\" + stripped
    return line


def safe_line(text: str) -> str:
    """One line for a terminal or a CI log: escapes visible, no workflow command (any newline escaped too)."""
    return defuse_command(escape_controls(text))


def safe_text(text: str) -> str:
    """Several lines for a terminal or a CI log: each line as :func:`safe_line`, tabs and newlines kept."""
    return "\n".join(defuse_command(escape_controls(line, keep="\t")) for line in text.split("\n"))


# --- Markdown (GitHub flavoured) -------------------------------------------------------------

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the
# ones that start markup (emphasis, links, images, HTML, headings, lists, tables, entities).
_MARKUP = frozenset("\\`*_[]<>#!|&~")


def md_text(text: str) -> str:
    """Plain text in Markdown: one line, no markup, no HTML, no mention, no raw controls."""
    flat = escape_controls(" ".join(text.split()))
    out = []
    for ch in flat:
        if ch == "@":
            out.append("@" + _JOINER)
        elif ch in _MARKUP:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def md_code(text: str) -> str:
    """A code span the text cannot close: delimited by a backtick run longer than any inside it.

    In a code span nothing is markup, HTML or a mention; a table row is still split at a
    ``|`` before the spans are read, so each one is escaped (an odd run of backslashes
    before it: the table reads ``\\\\`` as one escaped backslash and the pipe after as a new cell).
    """
    flat = escape_controls(" ".join(text.split()))
    longest = run = 0
    for ch in flat:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * (longest + 1)
    # A space on each side when the text starts or ends with a backtick (stripped by the renderer).
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    return f"{ticks}{pad}{_escape_pipes(flat)}{pad}{ticks}"


def _escape_pipes(text: str) -> str:
    out, backslashes = [], 0
    for ch in text:
        if ch == "|" and backslashes % 2 == 0:
            out.append("\\")
        out.append(ch)
        backslashes = backslashes + 1 if ch == "\\" else 0
    return "".join(out)


def md_message(text: str) -> str:
    """A message dfix wrote, with `code` in backticks, some of it quoted from the repository.

    Each piece is made safe on its own, so a backtick in the quoted input can only change
    which pieces show as code, never let markup through.
    """
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: no pairing to trust
        return md_text(text)
    return "".join(md_code(p) if i % 2 else md_text(p) for i, p in enumerate(pieces))
