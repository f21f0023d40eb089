"""Property: generated Dockerfiles parse like BuildKit parses them, and survive dfix untouched."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildkit_oracle import compare
from dfix.pipeline import engine
from dfix.config import Settings
from dfix.dockerfile import DockerfileError, parse
from dfix.rules import select_rules

WORD = st.sampled_from(["echo", "a", "b", "&&", "$HOME", "'q w'", '"x y"', "--flag", "-c", "x=1", "\\$", "#"])
SIMPLE_ARGS = st.lists(WORD, min_size=1, max_size=5).map(" ".join)


@st.composite
def instruction(draw) -> list[str]:
    """Physical lines of one instruction (continuations, inner comments, empty lines, heredocs)."""
    kind = draw(st.sampled_from(["RUN", "run", "COPY", "ENV", "LABEL", "WORKDIR", "CMD", "USER"]))
    if kind in ("ENV", "LABEL"):
        return [f"{kind} K{draw(st.integers(0, 9))}={draw(st.sampled_from(['1', 'a b', 'q']).map(repr))}"]
    if kind in ("WORKDIR", "USER"):
        return [f"{kind} /x"]
    if kind == "COPY":
        if draw(st.booleans()):
            return ['COPY ["a", "b c", "/d/"]']
        return [f"COPY --chown=1:1 {draw(st.sampled_from(['.', 'src', 'a b']))} /dst/"]
    if kind == "CMD":
        return [draw(st.sampled_from(['CMD ["a", "b"]', "CMD a b", "CMD [bad"]))]
    if draw(st.integers(0, 4)) == 0:
        delim = draw(st.sampled_from(["EOF", "EOT", "'END'"]))
        dash = draw(st.sampled_from(["", "-"]))
        body = draw(st.lists(SIMPLE_ARGS, max_size=3))
        term = delim.strip("'")
        return [f"{kind} <<{dash}{delim}", *[("\t" if dash else "") + b for b in body], ("\t" if dash else "") + term]
    pieces = draw(st.lists(SIMPLE_ARGS, min_size=1, max_size=4))
    lines = [f"{kind} {pieces[0]}"]
    for piece in pieces[1:]:
        lines[-1] += draw(st.sampled_from([" \\", "\\", " \\  "]))
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(st.sampled_from(["# comment inside", "", "   ", "  # indented comment"])))
        lines.append(draw(st.sampled_from(["  ", "\t", ""])) + piece)
    return lines


@st.composite
def dockerfile_text(draw) -> str:
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["# syntax=docker/dockerfile:1", "# escape=\\", "# just a comment"])))
    lines.append(draw(st.sampled_from(["FROM alpine", "from alpine AS build", "ARG V=1\nFROM alpine:${V}"])))
    for _ in range(draw(st.integers(0, 6))):
        lines.append(draw(st.sampled_from(["", "# a comment", "   "])) if draw(st.integers(0, 3)) == 0 else None)
        lines.extend(draw(instruction()))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(line for line in lines if line is not None)
    if draw(st.booleans()):
        text += newline
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile_text())
def test_generated_files_parse_like_buildkit(text):
    assert compare(text) == []


@settings(max_examples=200, deadline=None)
@given(dockerfile_text())
def test_no_rule_selected_is_byte_identical_and_df001_is_idempotent(text):
    try:
        parse(text)
    except DockerfileError:
        return
    cfg = Settings()
    try:
        untouched = engine.run(text, [], cfg)
    except DockerfileError:
        return  # BuildKit rejects it too (validated by the oracle test)
    assert untouched.text == text
    first = engine.run(text, select_rules(("DF001",), ()), cfg)
    # Everything DF001 did not add is the original, byte for byte.
    assert first.text.endswith(text)
    added = first.text[: len(first.text) - len(text)].rstrip("\r\n")
    instructions = parse(text).instructions
    heredoc = any(i.heredocs for i in instructions)
    if added:  # only ever the pragma, and only for a file using a current-frontend feature
        assert added == "# syntax=docker/dockerfile:1"
        assert heredoc or any(i.flags for i in instructions)
    elif heredoc:
        assert text.startswith("# syntax=") or "syntax" in text.split("\n", 1)[0].lower()
    again = engine.run(first.text, select_rules(("DF001",), ()), cfg)
    assert again.text == first.text
