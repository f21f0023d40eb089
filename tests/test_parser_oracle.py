"""dfix's parser agrees with BuildKit's on real and generated Dockerfiles."""

from __future__ import annotations

import pytest
from conftest import corpus_cases, need_corpus

from buildkit_oracle import compare


@pytest.mark.corpus
@pytest.mark.parametrize("case", corpus_cases() or [None], ids=lambda p: p.parent.name + "/" + p.name if p else "no-corpus")
def test_parser_agrees_with_buildkit_on_corpus(case):
    if case is None:
        need_corpus()
    text = (case / "Dockerfile").read_bytes().decode("utf-8")
    assert compare(text) == []


TRICKY = {
    "empty-continuation": "FROM a\nRUN echo a \\\n\n  && echo b\n",
    "comment-in-continuation": "FROM a\nRUN echo a \\\n# inner\n  && echo b\n",
    "heredoc": "FROM a\nRUN <<EOF\necho hi\nEOF\n",
    "heredoc-chomp-quoted": "FROM a\nRUN <<-'EOT' bash\n\techo $HOME\n\tEOT\n",
    "two-heredocs": "FROM a\nCOPY <<A /a <<B /b\none\nA\ntwo\nB\n",
    "heredoc-crlf": "FROM a\r\nRUN <<EOF\r\necho hi\r\nEOF\r\n",
    "not-heredoc-quoted": "FROM a\nRUN echo '<<EOF'\n",
    "json-copy": 'FROM a\nCOPY ["a b", "/c"]\n',
    "json-not-array": "FROM a\nCMD [not json\n",
    "flags-quoted": 'FROM a\nRUN --mount="type=cache,target=/x" echo\n',
    "flag-double-dash": "FROM a\nCOPY --chown=1 -- --weird /x\n",
    "escape-backtick": "# escape=`\nFROM a\nRUN echo a `\n  b\n",
    "escaped-escape-at-eol": "FROM a\nENV C x\\\\\nENV D y\n",
    "lone-continuation": "FROM a\n\\\nRUN x\n",
    "continue-at-eof": "FROM a\nRUN echo \\",
    "lowercase": "from a as b\nrun echo\n",
    "onbuild-heredoc": "FROM a\nONBUILD RUN <<EOF\necho\nEOF\n",
    "env-old-form": "FROM a\nENV A 1 2\nLABEL x y z\n",
    "healthcheck": 'FROM a\nHEALTHCHECK --interval=5s CMD ["curl", "x"]\nHEALTHCHECK NONE\n',
    "bom": "\ufeffFROM a\nRUN x\n",
    "tabs": "FROM a\nRUN\techo\t\\\n\t\tb\n",
    "trailing-cr-eof": "FROM a\nRUN x\r",
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_parser_agrees_with_buildkit_on_tricky_forms(name):
    assert compare(TRICKY[name]) == []
