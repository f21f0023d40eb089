"""RUN text parsing: words, exact spans, operators, env prefixes, cd, and graceful fallbacks."""

from __future__ import annotations

import pytest

from dfix.shell.parse import find_commands, parse_shell


def test_spans_are_exact_for_commands_words_and_operators():
    text = "npm install && NODE_ENV=production npm run build"
    script = parse_shell(text)
    assert script.parsed
    first, second = script.commands
    assert script.source(first) == "npm install"
    assert script.source(second) == "NODE_ENV=production npm run build"
    assert second.operator == "&&" and text[slice(*second.operator_span)] == "&&"
    assert [script.source(w) for w in second.words] == ["npm", "run", "build"]
    assert second.env == {"NODE_ENV": "production"}
    # Issue 4 splits here: the text before the operator and after it are the two RUNs.
    assert text[: second.operator_span[0]].rstrip() == "npm install"
    assert text[second.operator_span[1] :].lstrip() == "NODE_ENV=production npm run build"


def test_words_are_unquoted_but_spans_cover_the_quotes():
    script = parse_shell("echo \"a b\" 'c'd")
    words = script.commands[0].words
    assert [w.value for w in words] == ["echo", "a b", "cd"]
    assert script.source(words[1]) == '"a b"'


@pytest.mark.parametrize(
    "text, ops",
    [
        ("a; b", [None, ";"]),
        ("a || b", [None, "||"]),
        ("a | b", [None, "|"]),
        ("a & b", [None, "&"]),
        ("a\nb", [None, "\n"]),
        ("a 2>&1 && b", [None, "&&"]),
    ],
)
def test_operators(text, ops):
    assert [c.operator for c in parse_shell(text).commands] == ops


def test_cd_sets_the_directory_of_later_commands_but_not_outside_a_subshell():
    script = parse_shell("cd web && npm ci && (cd api && pip install -r r.txt) && cd ../x && make")
    assert script.commands[1].cwd == "web"
    pip = find_commands(script, "pip")[0]
    assert pip.cwd == "web/api" and pip.enclosing == ("subshell",)
    assert script.commands[0].cwd is None
    assert script.commands[-1].cwd == "x"


def test_wrappers_are_peeled_to_find_the_program():
    command = parse_shell("sudo -u node env CI=1 /usr/local/bin/npm ci").commands[0]
    env, words = command.program_words()
    assert command.program == "npm"
    assert env == {"CI": "1"}
    assert [w.value for w in words] == ["/usr/local/bin/npm", "ci"]


def test_commands_inside_if_are_found_and_marked():
    script = parse_shell("if [ -f yarn.lock ]; then yarn install; else npm ci; fi")
    assert [c.program for c in script.commands] == ["[", "yarn", "npm"]
    assert all(c.enclosing == ("if",) for c in script.commands)


def test_double_brackets_are_masked_not_fatal():
    script = parse_shell("[[ -f a && -f b ]] && npm ci")
    assert script.parsed
    assert [c.argv for c in script.commands][-1] == ["npm", "ci"]
    assert script.commands[-1].operator == "&&"


def test_and_inside_command_substitution_is_masked():
    # bashlex alone rejects `$(a && b)`; the substitution body is hidden and given back.
    script = parse_shell('V="$(cat a && cat b)" && npm ci')
    assert script.parsed
    assert script.commands[0].env == {"V": "$(cat a && cat b)"}
    assert script.commands[1].argv == ["npm", "ci"]


def test_case_statement_is_reported_unparsed_and_the_rest_still_found():
    text = 'case "$a" in x) echo x;; esac && pnpm install'
    script = parse_shell(text)
    assert not script.parsed
    assert [text[s:e] for s, e in script.unparsed] == ['case "$a" in x) echo x;; esac']
    assert [c.argv for c in script.commands] == [["pnpm", "install"]]


def test_unparsable_piece_falls_back_to_the_pieces_around_it():
    script = parse_shell("echo $((1+2)) && time npm ci && yarn")
    assert not script.parsed
    assert [c.program for c in script.commands][-1] == "yarn"
    assert script.unparsed


@pytest.mark.parametrize("text", ["", "   ", 'echo "unterminated', "npm ci &&", "cat <<EOF", "function f {",
                                  "))((", "`", "$(", "[[", "case x in"])
def test_never_crashes(text):
    script = parse_shell(text)
    assert script.parsed in (True, False)
    for command in script.commands:
        assert 0 <= command.start <= command.end <= len(text)
