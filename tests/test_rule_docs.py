"""Every rule documents itself the way `dfix rules CODE` prints it."""

from __future__ import annotations

import re

import pytest

from dfix.rules import ALL_RULES

HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_has_code_name_and_all_doc_sections(rule):
    assert re.fullmatch(r"DF\d{3}", rule.code)
    assert rule.name and rule.summary()
    sections = rule.sections()
    for heading in HEADINGS:
        assert sections.get(heading, "").strip(), f"{rule.code} lacks '{heading}'"


def test_codes_are_unique():
    codes = [r.code for r in ALL_RULES]
    assert len(codes) == len(set(codes))


def test_markdown_docs_render_from_the_packaged_template():
    from click.testing import CliRunner

    from dfix.cli import main

    result = CliRunner().invoke(main, ["rules", "DF102", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# DF102 cache-mounts\n")
    assert "## Fix safety" in result.stdout and "*Fix safety: safe*" in result.stdout
