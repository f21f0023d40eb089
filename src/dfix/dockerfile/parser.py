"""dfix's lossless Dockerfile parser.

It follows BuildKit's ``parser.Parse`` line by line (directives, comment lines,
continuations, empty continuation lines, heredocs) so that instruction
boundaries agree with the real builder, while keeping the position of every
character so that edits can be splices of the original text.

BuildKit's own parser (PyPI ``dockerfile``) is the oracle in the test suite; it
is not used at run time because it drops comments and has no wheels for Linux
aarch64 or musl.
"""

from __future__ import annotations

import re

from . import words
from .errors import DockerfileError
from .goisms import is_space, lstrip_count, trim_space
from .model import (
    Blank,
    Command,
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    Node,
    PhysicalLine,
    Segment,
)

# reDirective in BuildKit; \s in Go's RE2 is [\t\n\f\r ].
_DIRECTIVE = re.compile(r"^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z", re.S)
KNOWN_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)([^<]*)\Z", re.S)
_HEREDOC_CAPABLE = {"ADD", "COPY", "RUN"}
_ASCII_WS = re.compile(r"[\t\v\f\r ]*")  # reWhitespace, as splitCommand uses it
_NOT_ASCII_WS = re.compile(r"[^\t\v\f\r ]*")


def split_lines(text: str, bom: bool) -> list[PhysicalLine]:
    """Split on "\\n" only, as bufio.ScanLines does (a lone "\\r" is not a line break)."""
    lines: list[PhysicalLine] = []
    pos = 1 if bom else 0
    n = len(text)
    number = 1
    while pos < n:
        nl = text.find("\n", pos)
        if nl < 0:
            # ScanLines drops one CR before EOF as well as before LF.
            end = n - 1 if text.endswith("\r") and n - 1 >= pos else n
            lines.append(PhysicalLine(number, pos, end, n, text[end:n]))
            break
        end = nl
        if end > pos and text[end - 1] == "\r":
            end -= 1
        lines.append(PhysicalLine(number, pos, end, nl + 1, text[end : nl + 1]))
        pos = nl + 1
        number += 1
    return lines


def _continuation(escape: str) -> re.Pattern[str]:
    """BuildKit's lineContinuationRegex: a final escape token not itself escaped."""
    e = re.escape(escape)
    return re.compile(rf"(?<!{e}){e}[ \t]*\Z")


class _DirectiveState:
    def __init__(self) -> None:
        self.done = False
        self.seen: set[str] = set()
        self.escape = "\\"
        self.continuation = _continuation("\\")

    def observe(self, token: str, line: PhysicalLine) -> Directive | None:
        if self.done:
            return None
        m = _DIRECTIVE.match(token)
        if not m or m.group(1).lower() not in KNOWN_DIRECTIVES:
            self.done = True
            return None
        name, value = m.group(1).lower(), m.group(2)
        if name in self.seen:
            raise DockerfileError(f"only one {name} parser directive can be used", line.number)
        self.seen.add(name)
        if name == "escape":
            if value not in ("`", "\\"):
                raise DockerfileError(f"invalid escape token '{value}' does not match ` or \\", line.number)
            self.escape = value
            self.continuation = _continuation(value)
        return Directive(line.start, line.eol_end, line.number, name, value)


def parse_directive(line: str) -> tuple[str, str] | None:
    """(name, value) when ``line`` has the form of a known parser directive."""
    m = _DIRECTIVE.match(line)
    if not m or m.group(1).lower() not in KNOWN_DIRECTIVES:
        return None
    return m.group(1).lower(), m.group(2)


def _content(text: str, line: PhysicalLine) -> str:
    # trimNewline: BuildKit strips every trailing CR/LF of a scanned line.
    return text[line.start : line.end].rstrip("\r\n")


def _is_comment(content: str) -> bool:
    return content[lstrip_count(content) :].startswith("#")


# BuildKit reads lines with a bufio.Scanner of 64 KiB: a line (with its CR, without
# its LF) longer than this fails the build.
MAX_LINE_BYTES = 65535


def _check_line_lengths(text: str) -> None:
    for number, raw in enumerate(text.split("\n"), 1):
        # a character is at most 4 bytes: only long lines need encoding
        if len(raw) * 4 > MAX_LINE_BYTES and len(raw.encode("utf-8")) > MAX_LINE_BYTES:
            raise DockerfileError(f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}", number)


def parse(text: str) -> Dockerfile:
    """Parse Dockerfile source text. Raises DockerfileError where BuildKit's parser would."""
    _check_line_lengths(text)
    bom = text.startswith("\ufeff")
    lines = split_lines(text, bom)
    state = _DirectiveState()
    nodes: list[Node] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        content = _content(text, line)
        lead = lstrip_count(content)
        token = content[lead:]
        directive = state.observe(token, line)
        if directive is not None:
            nodes.append(directive)
            i += 1
            continue
        if token.startswith("#"):
            nodes.append(Comment(line.start, line.eol_end, line.number, content))
            i += 1
            continue
        if token == "":
            nodes.append(Blank(line.start, line.eol_end, line.number))
            i += 1
            continue
        ins, i = _read_instruction(text, lines, i, lead, state)
        nodes.append(ins)
    if not any(isinstance(node, Instruction) for node in nodes):
        raise DockerfileError("file with no instructions", lines[-1].number if lines else 1)
    return Dockerfile(text=text, nodes=nodes, lines=lines, escape=state.escape, bom=bom)


def _read_instruction(
    text: str, lines: list[PhysicalLine], i: int, lead: int, state: _DirectiveState
) -> tuple[Instruction, int]:
    first = lines[i]
    piece = _content(text, first)[lead:]
    m = state.continuation.search(piece)
    if m is None:  # one physical line, most instructions: no joining to do
        return _finish_instruction(text, lines, i, i, piece, (Segment(0, first.start + lead, len(piece)),), [],
                                   state)
    logical_parts: list[str] = []
    segments: list[Segment] = []
    inner_comments: list[int] = []
    llen = 0

    def add(piece: str, rstart: int) -> None:
        nonlocal llen
        if piece:
            logical_parts.append(piece)
            segments.append(Segment(llen, rstart, len(piece)))
            llen += len(piece)

    continued = True
    add(piece[: m.start()], first.start + lead)
    last = i
    while continued and last + 1 < len(lines):
        last += 1
        line = lines[last]
        content = _content(text, line)
        state.observe(content, line)  # BuildKit feeds continuation lines to the directive parser too
        if _is_comment(content):
            inner_comments.append(line.number)
            continue
        if lstrip_count(content) == len(content):
            continue  # empty continuation line: BuildKit skips it (with a warning)
        m = state.continuation.search(content)
        continued = m is not None
        add(content[: m.start()] if m else content, line.start)
    if not segments:
        segments.append(Segment(0, first.start + lead, 0))
    return _finish_instruction(text, lines, i, last, "".join(logical_parts), tuple(segments), inner_comments, state)


def _finish_instruction(text: str, lines: list[PhysicalLine], i: int, last: int, logical: str,
                        segments: tuple[Segment, ...], inner_comments: list[int],
                        state: _DirectiveState) -> tuple[Instruction, int]:
    """The instruction whose logical line is read: its command, then any heredoc bodies after it."""
    first = lines[i]
    command = _parse_command(logical, segments, 0, len(logical), state.escape, text)
    end_line = last
    heredocs: list[Heredoc] = []
    target = command.sub if command.name == "ONBUILD" and command.sub is not None else command
    if target.name in _HEREDOC_CAPABLE and not target.is_json:
        for fd, chomp, name, expand in heredoc_markers(logical):
            body_start_line = end_line + 1
            j = body_start_line
            body_lines: list[str] = []
            terminated = False
            while j < len(lines):
                raw = _content(text, lines[j])
                candidate = raw.lstrip("\t") if chomp else raw
                if candidate == name:
                    terminated = True
                    break
                # BuildKit keeps a CR in heredoc bodies (only the LF is the line break).
                body_lines.append(text[lines[j].start : lines[j].eol_end].removesuffix("\n"))
                j += 1
            if not terminated:
                raise DockerfileError("unterminated heredoc", first.number)
            body = "".join(b + "\n" for b in body_lines)
            start_off = lines[body_start_line].start
            heredocs.append(Heredoc(name, body, chomp, expand, fd, start_off, lines[j].eol_end))
            end_line = j
    ins = Instruction(
        start=first.start,
        end=lines[end_line].eol_end,
        line=first.number,
        end_line=lines[end_line].number,
        command=command,
        heredocs=heredocs,
        inner_comment_lines=inner_comments,
        source=text,
    )
    return ins, end_line + 1


def _parse_command(
    logical: str, segments: tuple[Segment, ...], start: int, end: int, escape: str, text: str
) -> Command:
    """splitCommand + extractBuilderFlags over logical[start:end], keeping positions."""
    s = logical[start:end]
    lead = lstrip_count(s)
    trimmed = trim_space(s)
    base = start + lead
    k = _NOT_ASCII_WS.match(trimmed).end()
    keyword = trimmed[:k]
    keyword_span = (base, base + k)
    flags: list[Flag] = []
    args_span = (base + len(trimmed), base + len(trimmed))
    if k < len(trimmed):
        ws = _ASCII_WS.match(trimmed, k).end()
        rest = trimmed[ws:]
        rest_base = base + ws
        tokens, args_at = words.extract_builder_flags(rest)
        if tokens:
            cmd = Command(logical, segments, keyword, keyword_span, [], (0, 0), escape)
            for tok in tokens:
                flags.append(Flag(tok.text, cmd.raw_offset(rest_base + tok.start), cmd.raw_end(rest_base + tok.end)))
        a0, a1 = rest_base + args_at, rest_base + len(rest)
        inner = trim_space(logical[a0:a1])
        if inner:
            a0 += logical[a0:a1].index(inner)
            a1 = a0 + len(inner)
        else:
            a0 = a1
        args_span = (a0, a1)
    command = Command(logical, segments, keyword, keyword_span, flags, args_span, escape)
    if command.name == "ONBUILD" and args_span[0] < args_span[1]:
        command.sub = _parse_command(logical, segments, args_span[0], args_span[1], escape, text)
    return command


def heredoc_markers(line: str) -> list[tuple[int, bool, str, bool]]:
    """The heredocs an instruction line opens: (fd, chomp, delimiter, expand) in order.

    BuildKit splits the line with its shell lexer keeping quotes and escapes
    raw, and takes every word of the form ``[n]<<[-]WORD``.
    """
    if "<<" not in line:
        return []  # most lines: no need to split them into words
    out = []
    for word in _raw_words(line):
        m = _HEREDOC_WORD.match(word)
        if not m or not m.group(3):
            continue
        unquoted = _unquoted_words(m.group(3))
        if len(unquoted) != 1:
            continue
        name = unquoted[0]
        raw_quotes = m.group(3).count("'") + m.group(3).count('"')
        expand = raw_quotes == name.count("'") + name.count('"')
        out.append((int(m.group(1) or 0), m.group(2) == "-", name, expand))
    return out


def _raw_words(line: str) -> list[str]:
    """Shell words with quotes and backslashes kept (ProcessWords with RawQuotes/RawEscapes)."""
    return _shell_words(line, raw=True)


def _unquoted_words(s: str) -> list[str]:
    """Shell words with quotes removed and escapes resolved."""
    return _shell_words(s, raw=False)


def _shell_words(s: str, raw: bool) -> list[str]:
    """Split like BuildKit's shell lexer; ``raw`` keeps quote characters and escaping backslashes."""
    result: list[str] = []
    word: list[str] = []
    have = False
    quote = ""
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if quote:
            if ch == quote:
                quote = ""
                if raw:
                    word.append(ch)
            elif ch == "\\" and quote == '"' and i + 1 < n and (raw or s[i + 1] in '"\\$`'):
                if raw:
                    word.append(ch)
                i += 1
                word.append(s[i])
            else:
                word.append(ch)
        elif is_space(ch):
            if have:
                result.append("".join(word))
            word, have = [], False
        else:
            have = True
            if ch in "'\"":
                quote = ch
                if raw:
                    word.append(ch)
            elif ch == "\\" and i + 1 < n:
                if raw:
                    word.append(ch)
                i += 1
                word.append(s[i])
            else:
                word.append(ch)
        i += 1
    if have:
        result.append("".join(word))
    return result
