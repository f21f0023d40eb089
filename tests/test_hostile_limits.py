"""The bounds in dfix.limits: exact at the limit, conservative past it, cheap on real files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from hostile import run_dfix

from dfix.io.limits import MAX_DEPTH, InputLimitError, check_json, check_structured, check_toml, load_yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.mark.parametrize("depth", [1, MAX_DEPTH - 1, MAX_DEPTH])
def test_json_at_the_limit_passes_and_parses(depth):
    text = '{"a": ' + "[" * depth + "]" * depth + "}"
    check_json(text, "package.json")  # the outer object is one level more; depth counts brackets
    json.loads(text)


def test_json_past_the_limit():
    with pytest.raises(InputLimitError, match="package.json: JSON nested deeper than 200"):
        check_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "package.json")


def test_brackets_inside_strings_do_not_count():
    check_json(json.dumps({"a": "[" * 5000, "b": "\\\"[[[" * 100}), "package.json")
    check_toml('a = "' + "[" * 5000 + '"\nb = \'' + "{" * 500 + "'\n# " + "[" * 500 + "\n", "pyproject.toml")


def test_unclosed_openers_count_as_levels():
    # a recursive parser descends through them before it finds the end of input
    with pytest.raises(InputLimitError):
        check_toml("x = " + "[" * 5000, "pyproject.toml")
    with pytest.raises(RecursionError):
        tomllib.loads("x = " + "[" * 5000)


def test_by_name():
    deep = "x = " + "[" * 300 + "]" * 300
    with pytest.raises(InputLimitError, match="uv.lock"):
        check_structured(deep, "sub/uv.lock")
    check_structured(deep, "yarn.lock")  # not TOML: not this check's business
    check_structured("[" * 300, "requirements.txt")


def test_yaml_refuses_anchors_and_aliases():
    with pytest.raises(InputLimitError, match="anchors or aliases"):
        load_yaml("a: &x [1]\nb: *x\n", "pnpm-lock.yaml")
    with pytest.raises(InputLimitError, match="anchors or aliases"):
        load_yaml("a: &x 1\n", ".yarnrc.yml")
    assert load_yaml("nodeLinker: node-modules\n", ".yarnrc.yml") == {"nodeLinker": "node-modules"}


def test_yaml_depth():
    with pytest.raises(InputLimitError, match="nested deeper"):
        load_yaml("a: " + "[" * 300 + "]" * 300, "pnpm-lock.yaml")
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: [", "pnpm-lock.yaml")  # a syntax error stays the parser's to report


def test_an_env_that_doubles_itself_stays_small(tmp_path: Path):
    # 48 doublings of 16 characters would be 4 PiB; BuildKit has no bound, dfix stops at 1 MiB (unknown).
    lines = ["FROM alpine", "ENV A=xxxxxxxxxxxxxxxx", *["ENV A=$A$A"] * 48, "RUN echo $A"]
    (tmp_path / "Dockerfile").write_text("\n".join(lines) + "\n")
    run = run_dfix(str(tmp_path))
    assert run.code == 0 and run.rss_mib < 200
