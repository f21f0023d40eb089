"""The fallback that salvages RUNs bashlex cannot read whole: same answers, bounded work.

When bashlex rejects a RUN, dfix cuts it at its top-level operators and looks, from each
piece, for the longest run of pieces bashlex accepts. Done naively that is 40 tries of up
to 40 pieces for every piece; two shortcuts bound it, and these tests hold them to it:
bashlex's error position rules out every longer run holding the offending token, and a
budget of characters caps the search. The work is counted in characters handed to
bashlex, never timed.
"""

from __future__ import annotations

import bashlex
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import corpus_cases
from dfix.shell import parse as shell
from dfix.dockerfile import parse
from dfix.analysis.runs import shell_texts


@pytest.fixture
def bashlex_reads(monkeypatch):
    """The characters bashlex.parse is given while the test runs."""
    read = [0]
    real = bashlex.parse

    def counting(text, *args, **kwargs):
        read[0] += len(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(bashlex, "parse", counting)
    shell.clear_caches()
    yield read
    shell.clear_caches()


def _bound(text: str) -> int:
    """The whole-text try, then the fallback's budget, plus one last try that may overrun it."""
    return len(text) + shell._FALLBACK_BUDGET * len(text) + shell._FALLBACK_FLOOR + len(text)


@pytest.mark.parametrize("bad, gap", [("a=(1 2)", 2), ("coproc x", 2), ("a=(1 2)", 10)])
def test_alternating_bad_pieces_cost_linear_work(bashlex_reads, bad, gap):
    # Every window holding a bad piece failed, one parse each: 2.6 s for this 5 KB RUN before.
    text = " && ".join(bad if k % gap == gap - 1 else f'echo "$x{k}"' for k in range(400))
    script = shell.parse_shell(text)
    assert bashlex_reads[0] <= _bound(text)
    assert [c.argv[1] for c in script.commands] == [f"$x{k}" for k in range(400) if k % gap != gap - 1]
    assert len(script.unparsed) == 400 // gap


@pytest.mark.parametrize("opener", ["if a{k}", "{{ a{k}", "(a{k}"])
def test_constructs_never_closed_cost_linear_work(bashlex_reads, opener):
    # Each try fails only at the end (unexpected EOF), so nothing rules a run out: 35 s before.
    text = "; ".join(opener.format(k=k) for k in range(800))
    script = shell.parse_shell(text)
    assert bashlex_reads[0] <= _bound(text)
    assert script.commands == () and len(script.unparsed) == 800


# A piece of each kind: accepted, rejected at a token (pruned), rejected at the end (an
# opener that a later piece may close), and closers.
_PIECES = ["echo a", 'echo "$x"', "a=(1 2)", "coproc x", "if a", "then b", "else c", "fi", "{ d", "}",
           "while e", "do f", "done", "(g", ")", "npm ci", "[[ -f h ]]"]
_OPERATORS = ["; ", " && ", " || ", " | ", "\n"]


def _exhaustive(text: str) -> shell.ShellScript:
    """The search without shortcuts: every run, longest first (what dfix did before)."""
    masked, masks, _ = shell._mask(text)
    pieces = shell._pieces(masked)
    walker = shell._Walker(text, masks)
    unparsed = []
    i = 0
    while i < len(pieces):
        for j in range(min(len(pieces), i + shell._FALLBACK_MAX_PIECES) - 1, i - 1, -1):
            try:
                trees = bashlex.parse(masked[pieces[i][0]:pieces[j][1]])
            except shell._BASHLEX_ERRORS:
                continue
            walker.pending = (pieces[i][2], pieces[i][3])
            walker.walk_top(trees, base=pieces[i][0])
            i = j + 1
            break
        else:
            unparsed.append(i)
            i += 1
    return shell.ShellScript(text, tuple(walker.commands), False, tuple(unparsed))


def _shape(script: shell.ShellScript) -> list:
    return [(c.argv, c.start, c.end, c.operator, c.enclosing) for c in script.commands]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_OPERATORS), st.sampled_from(_PIECES)), min_size=2, max_size=30))
def test_error_position_shortcut_finds_what_the_exhaustive_search_finds(parts):
    text = parts[0][1] + "".join(op + piece for op, piece in parts[1:])
    try:
        bashlex.parse(shell._mask(text)[0])
        return  # the fallback never runs on text bashlex reads whole
    except shell._BASHLEX_ERRORS:
        pass
    masked, masks, _ = shell._mask(text)
    budget, shell._FALLBACK_BUDGET = shell._FALLBACK_BUDGET, 10**9  # the shortcut alone, not the budget
    try:
        ours = shell._parse_in_pieces(text, masked, masks, "")
    finally:
        shell._FALLBACK_BUDGET = budget
    reference = _exhaustive(text)
    assert _shape(ours) == _shape(reference)
    assert len(ours.unparsed) == len(reference.unparsed)


def test_real_runs_fit_the_fallback_budget(monkeypatch):
    """Every RUN of the corpus parses the same with the budget as without it."""
    cases = corpus_cases()
    if not cases:
        pytest.skip("corpus not found at ../shared/corpus")
    texts = set()
    for case in cases:
        try:
            df = parse((case / "Dockerfile").read_text(encoding="utf-8", errors="replace"))
        except Exception:  # noqa: BLE001 - parse cases the parser rejects have no RUNs to read
            continue
        for ins in df.instructions:
            if ins.keyword == "RUN":
                texts.update(shell_texts(ins))
    shell.clear_caches()
    bounded = {t: _shape(shell.parse_shell(t)) for t in texts}
    shell.clear_caches()
    monkeypatch.setattr(shell, "_FALLBACK_BUDGET", 10**9)
    unbounded = {t: _shape(shell.parse_shell(t)) for t in texts}
    shell.clear_caches()
    assert bounded == unbounded
    assert sum(not shell.parse_shell(t).parsed for t in texts) >= 10  # the fallback really ran
