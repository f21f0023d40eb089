"""The plain-command fast path of parse_shell gives exactly what bashlex gives."""

from __future__ import annotations

import string

import bashlex
from hypothesis import given, settings
from hypothesis import strategies as st

from dfix.shell import parse as shell

PLAIN = string.ascii_letters + string.digits + "-_./:@+,%= \t"


def _through_bashlex(text: str) -> shell.ShellScript:
    masked, masks, _ = shell._mask(text)
    walker = shell._Walker(text, masks)
    walker.walk_top(bashlex.parse(masked), base=0)
    return shell.ShellScript(text, tuple(walker.commands), True)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=PLAIN, min_size=1, max_size=60))
def test_plain_text_matches_bashlex(text):
    fast = shell._plain_command(text)
    if fast is None:
        return  # not plain (blank or a reserved word first): bashlex's job
    assert fast == _through_bashlex(text)


def test_fast_path_taken_and_refused():
    assert shell._plain_command("NODE_ENV=production npm ci") is None  # an assignment: bashlex's
    assert shell._plain_command("npm install --omit=dev") is not None
    assert shell._plain_command("npm ci") is not None
    assert shell._plain_command("if true") is None
    assert shell._plain_command("echo $HOME") is None
    assert shell._plain_command("a && b") is None
    script = shell.parse_shell("  pip install -r requirements.txt ")
    assert [w.value for w in script.commands[0].words] == ["pip", "install", "-r", "requirements.txt"]
    assert (script.commands[0].start, script.commands[0].end) == (2, 33)
