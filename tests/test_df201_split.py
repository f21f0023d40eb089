"""DF201's pieces: config keys, image derivations, evidence readers, comment carrying."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfix.config import ConfigError, Settings, settings_from_table
from dfix.dockerfile import parse
from dfix.rules.df201.go import _imports_c
from dfix.rules.df201.java import java_major
from dfix.rules.df201.node import _jsonc
from dfix.rules.df201.node import runtime_image as node_runtime
from dfix.rules.df201.planners import is_toolchain_image
from dfix.rules.df201.python import runtime_image as python_runtime
from dfix.analysis.buildstate import stage_states
from dfix.rules.df201.stage import CannotSplit, analyse, leading_comments

HERE = Path("pyproject.toml")


def test_runtime_images_and_extend_safe_fixes_are_read():
    settings = settings_from_table({"extend-safe-fixes": ["df201"],
                                    "runtime-images": {"go": "debian:bookworm-slim"}}, HERE)
    assert settings.treats_as_safe("DF201") and not settings.treats_as_safe("DF103")
    assert settings.runtime_image("go") == "debian:bookworm-slim"
    assert settings.runtime_image("node") is None


@pytest.mark.parametrize("table, message", [
    ({"runtime-images": {"rust": "debian:12"}}, "is not a stack"),
    ({"runtime-images": {"go": 3}}, "must be an image reference"),
    ({"runtime-images": {"go": "debian 12"}}, "must be an image reference"),
    ({"runtime-images": "debian:12"}, "must be a table"),
    ({"extend-safe-fixes": ["E501"]}, "wants rule codes or prefixes like DF201: E501"),
    ({"extend-safe-fixes": "DF2"}, None),
])
def test_config_validation(table, message):
    if message is None:
        assert settings_from_table(table, HERE).treats_as_safe("DF201")
        return
    with pytest.raises(ConfigError, match=message):
        settings_from_table(table, HERE)


@pytest.mark.parametrize("image, major", [
    ("maven:3-eclipse-temurin-17", 17), ("maven:3.9-eclipse-temurin-21", 21), ("gradle:8-jdk17", 17),
    ("eclipse-temurin:17-jdk", 17), ("openjdk:11", 11), ("maven:3.8-openjdk-11-slim", 11),
    ("maven:3.9-amazoncorretto-21", 21), ("maven:3", None), ("gradle:latest", None),
])
def test_java_major_from_the_tag(image, major):
    assert java_major(image) == major


@pytest.mark.parametrize("base, runtime", [
    ("node:20", "node:20-slim"), ("node:20-bookworm", "node:20-bookworm-slim"), ("node:20-slim", "node:20-slim"),
    ("node:18-alpine", "node:18-alpine"), ("node", "node:slim"), ("node:latest", "node:slim"),
])
def test_node_runtime_is_the_slim_sibling(base, runtime):
    assert node_runtime(base, Settings()) == runtime


@pytest.mark.parametrize("base, runtime", [
    ("python:3.12", "python:3.12-slim"), ("python:3.11-bookworm", "python:3.11-slim-bookworm"),
    ("python:3.11-slim", "python:3.11-slim"), ("python", "python:slim"),
])
def test_python_runtime_is_the_slim_sibling(base, runtime):
    assert python_runtime(base, Settings()) == runtime


def test_configured_runtime_wins():
    settings = Settings(runtime_images=(("node", "node:20-bookworm-slim"),))
    assert node_runtime("node:20", settings) == "node:20-bookworm-slim"


def test_tsconfig_comments_and_trailing_commas():
    text = '{\n  // out\n  "compilerOptions": {"outDir": "build//js", /* x */ "strict": true,},\n}\n'
    assert _jsonc(text) == {"compilerOptions": {"outDir": "build//js", "strict": True}}
    assert _jsonc("{ not json") is None


def test_import_c_is_seen_in_blocks_and_single_imports():
    assert _imports_c('package main\n\nimport "C"\n')
    assert _imports_c('package main\n\nimport (\n\t"fmt"\n\t"C"\n)\n')
    assert not _imports_c('package main\n\nimport (\n\t"fmt"\n)\n// import "C"\n')


@pytest.mark.parametrize("image, toolchain", [
    ("golang:1.23", True), ("maven:3-eclipse-temurin-17", True), ("node:20", True), ("node:20-slim", False),
    ("python:3.11-slim", False), ("eclipse-temurin:17-jre", False), ("eclipse-temurin:17-jdk", True),
    ("debian:bookworm-slim", False), ("gcr.io/distroless/static-debian12", False),
])
def test_toolchain_images(image, toolchain):
    assert is_toolchain_image(image) is toolchain


def test_comments_directly_above_an_instruction_go_with_it():
    df = parse("FROM node:20\n# about the workdir\nWORKDIR /app\n# loose\n\nCOPY . .\n")
    blocks = leading_comments(df)
    workdir, copy = df.instructions[1], df.instructions[2]
    assert [c.text for c in blocks[id(workdir)]] == ["# about the workdir"]
    assert id(copy) not in blocks


@pytest.mark.parametrize("text, reason", [
    ("FROM node:20\nWORKDIR /app\nSHELL [\"bash\", \"-c\"]\n", "SHELL"),
    ("FROM node:20\nARG TOKEN\nWORKDIR /app\n", "ARG TOKEN has no default"),
    ("FROM node:20\nCOPY . .\nWORKDIR /app\n", "WORKDIR after a COPY to a relative path"),
    ("FROM node:20\nWORKDIR /app\nCOPY --from=busybox /bin/sh /sh\n", "COPY --from another image"),
    ("FROM node:20\nWORKDIR /app\nADD https://example.com/x.tgz /x\n", "ADD of a URL"),
    ("FROM node:20\nWORKDIR /app\nUSER node\nRUN npm ci\n", "runs as user 'node'"),
    ("FROM node:20\nCOPY . /app\n", "no WORKDIR"),
])
def test_stage_analysis_fails_closed(text, reason):
    df = parse(text)
    with pytest.raises(CannotSplit, match=reason):
        analyse(df, df.stages[0], stage_states(df))


def test_absolute_copy_before_workdir_is_placed():
    df = parse("FROM python:3.11\nCOPY . /srv\nWORKDIR /srv\nRUN pip install -r requirements.txt\n"
               "CMD [\"python\", \"a.py\"]\n")
    facts = analyse(df, df.stages[0], stage_states(df))
    assert facts.workdir == "/srv" and facts.copies_whole_context
    assert facts.command == ["python", "a.py"]


def _context(tmp_path, files: dict[str, str]):
    from dfix.context import BuildContext

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return BuildContext.from_directory(tmp_path)


def test_vite_convention_holds_unless_its_config_moves_the_output(tmp_path):
    from dfix.rules.df201.node import _tool_output

    ctx = _context(tmp_path, {"package.json": "{}", "vite.config.ts": "export default {}\n"})
    assert _tool_output(ctx, "vite", ["vite", "build"]) == "dist"
    assert _tool_output(ctx, "vite", ["vite", "build", "--outDir", "out"]) == "out"
    (tmp_path / "vite.config.ts").write_text("export default { build: { outDir: 'public' } }\n")
    moved = _context(tmp_path, {})
    assert _tool_output(moved, "vite", ["vite", "build"]) is None


def test_tsc_out_dir_from_the_named_project(tmp_path):
    from dfix.rules.df201.node import _tool_output

    ctx = _context(tmp_path, {"tsconfig.build.json": '{"compilerOptions": {"outDir": "./lib"}}',
                              "tsconfig.json": '{"extends": "./base.json"}'})
    assert _tool_output(ctx, "tsc", ["tsc", "-p", "tsconfig.build.json"]) == "lib"
    assert _tool_output(ctx, "tsc", ["tsc"]) is None  # extends another file: not evaluated


def test_go_data_beside_the_binary(tmp_path):
    from dfix.rules.df201.go import _runtime_data

    ctx = _context(tmp_path, {"main.go": "package main", "go.mod": "module x", "templates/a.html": "",
                              "internal/x/x.go": "package x", "docs/a.md": "", "config.yaml": "", "Makefile": "",
                              "README.md": ""})
    assert _runtime_data(ctx) == [("templates", True), ("config.yaml", False)]


# --- notes and sizes (issue 19) ------------------------------------------------------------

def _report(case: str, tmp_path: Path, *args: str) -> dict:
    import json
    import shutil

    from click.testing import CliRunner

    from dfix.cli import main

    work = tmp_path / case
    shutil.copytree(Path(__file__).resolve().parents[1] / "golden" / case, work)
    result = CliRunner().invoke(main, ["--select", "DF201", "--unsafe-fixes", "--format", "json", *args,
                                       str(work / "Dockerfile")])
    return json.loads(result.stdout)["files"][0]


def test_nothing_saved_is_a_note_not_a_skip(tmp_path):
    report = _report("df201-node-nobuild-slim-nothing-saved", tmp_path)
    assert not report["fixes"] and not report["skipped"]
    assert [n["reason"] for n in report["notes"] if n["code"] == "DF201"] == [
        "not split: node:20-slim is already a runtime image and the install leaves out (or there are no) "
        "devDependencies: a split would save nothing"]


def test_split_message_names_what_leaves_and_the_saving(tmp_path):
    (fix,) = _report("df201-node-nobuild-full-base", tmp_path)["fixes"]
    assert ("leaving out node:20's gcc/g++, make, python3 and git and 1 devDependency (is-number), 1 package with "
            "what they pull in") in fix["message"]
    assert "about 880 MB less" in fix["message"]


def test_a_skip_says_what_a_split_would_save(tmp_path):
    (skip,) = _report("df201-node-nobuild-native-skipped", tmp_path)["skipped"]
    assert "bcrypt" in skip["reason"] and "would weigh about 880 MB less" in skip["reason"]


def test_unknown_base_gets_a_note(tmp_path):
    work = tmp_path / "ctx"
    work.mkdir()
    (work / "Dockerfile").write_text("FROM debian:12\nRUN true\nCMD [\"bash\"]\n")
    import json

    from click.testing import CliRunner

    from dfix.cli import main

    out = CliRunner().invoke(main, ["--select", "DF201", "--format", "json", str(work / "Dockerfile")]).stdout
    notes = json.loads(out)["files"][0]["notes"]
    assert any("not a Node, Go, Java or Python image" in n["reason"] for n in notes)


@pytest.mark.parametrize("base, runtime, text", [
    ("node:20", "node:20-slim", "about 880 MB less"),
    ("golang:1.23", "gcr.io/distroless/static-debian12", "about 848 MB less"),
    ("node:20-slim", "node:20-slim", ""),
    ("myorg/node:20", "myorg/node:20-slim", ""),
])
def test_saving_from_the_approximate_sizes(base, runtime, text):
    from dfix.rules.df201.plan import saving_text

    assert (text in saving_text(base, runtime)) and (bool(text) == bool(saving_text(base, runtime)))


def test_native_packages_read_from_yarn_and_pnpm_lockfiles():
    from dfix.rules.df201.node_prod import _names_module, _text_native

    assert _text_native('"bcrypt@^5.1.1":\n  version "5.1.1"\n') == "the dependency bcrypt"
    assert _text_native("packages:\n  /left-pad@1.3.0:\n    requiresBuild: true\n")
    assert _text_native('"ms@2.1.3":\n  version "2.1.3"\n') is None
    assert _text_native('"bcryptjs@2.4.3":\n  version "2.4.3"\n') is None  # a pure-JS namesake
    assert _names_module("require('jest')", "jest") and _names_module('import x from "lodash/fp"', "lodash")
    assert not _names_module("require('jest-cli')", "jest")


def test_only_official_node_images_get_a_derived_runtime():
    from dfix.rules.df201.node import prod_runtime

    assert prod_runtime("node:20", Settings()) == "node:20-slim"
    assert prod_runtime("myorg/node:20", Settings()) == "myorg/node:20"


@pytest.mark.parametrize("words, programs", [
    (["npm", "install", "-g", "serve@14"], {"serve"}),
    (["npm", "i", "--global", "pm2"], {"pm2", "pm2-runtime"}),
    (["npm", "install", "-g", "serve", "forever"], set()),  # one unknown tool: the RUN is not placed
    (["npm", "install", "serve"], set()),  # a project dependency, not a global tool
    (["yarn", "global", "add", "serve"], set()),
])
def test_runtime_tools_are_known_global_installs_only(words, programs):
    from dfix.rules.df201.node import _runtime_tools

    assert _runtime_tools(words) == programs
