"""DF101 on the missed reorders of issue 21: what it now moves, and what it leaves alone with which reason."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dfix.cli import main
from dfix.managers.system import read_only


def _report(tmp_path: Path, dockerfile: str, files: dict[str, str]) -> dict:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "Dockerfile").write_text(dockerfile)
    result = CliRunner().invoke(main, ["--select", "DF101", "--format", "json", str(tmp_path / "Dockerfile")])
    return json.loads(result.stdout)["files"][0]


_NPM = {"package.json": '{"name": "a", "version": "1.0.0"}',
        "package-lock.json": '{"lockfileVersion": 3, "packages": {"": {"name": "a"}}}',
        ".dockerignore": "node_modules\n", "src/a.js": "x\n"}
_GO = {"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire github.com/pkg/errors v0.9.1\n",
       "go.sum": "github.com/pkg/errors v0.9.1 h1:x\n", "main.go": "package main\n", "VERSION": "1\n",
       "Makefile": "build:\n\tgo build -o bin/app .\n"}


def _reasons(report: dict, kind: str) -> list[str]:
    return [n.get("reason") or n.get("message") for n in report[kind] if n["code"] == "DF101"]


def test_copy_from_another_stage_onto_the_project_dir_is_not_followed(tmp_path: Path):
    """`COPY --from=x /out/ ./` may put anything over the manifests: no reorder, and the note names the line."""
    report = _report(tmp_path, "FROM golang:1.22 AS tools\nRUN go install example.com/t@latest\nFROM node:20-slim\n"
                               "WORKDIR /app\nCOPY . .\nCOPY --from=tools /go/bin/ ./\nRUN npm ci\n", _NPM)
    assert report["fixes"] == []
    assert any("may come from line 6 (COPY), which dfix cannot follow" in r for r in _reasons(report, "notes"))


def test_copy_from_onto_a_manifest_is_named(tmp_path: Path):
    report = _report(tmp_path, "FROM golang:1.22 AS tools\nRUN true\nFROM node:20-slim\nWORKDIR /app\nCOPY . .\n"
                               "COPY --from=tools /pkg.json ./package.json\nRUN npm ci\n", _NPM)
    assert report["fixes"] == []
    assert any("/app/package.json" in r for r in _reasons(report, "notes") + _reasons(report, "skipped"))


def test_a_writing_run_between_the_source_and_a_make_build_still_blocks_the_pre_fetch(tmp_path: Path):
    text = ("FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN cat VERSION > /tmp/v\nRUN make build\n"
            "FROM debian:12-slim\nCOPY --from=build /src/bin/app /app\n")
    report = _report(tmp_path, text, _GO)
    assert report["fixes"] == []
    assert any("runs cat, which may read the copied source" in r for r in _reasons(report, "skipped"))


def test_an_env_between_the_source_and_a_make_build_keeps_the_old_placement(tmp_path: Path):
    """ENV between: the step goes just before the build (it must see the ENV), and the read-only RUN blocks it."""
    text = ("FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN cat VERSION\nENV CGO_ENABLED=0\nRUN make build\n"
            "FROM debian:12-slim\nCOPY --from=build /src/bin/app /app\n")
    report = _report(tmp_path, text, _GO)
    assert report["fixes"] == []


def test_no_copy_of_the_manifest_is_said_plainly(tmp_path: Path):
    report = _report(tmp_path, "FROM node:20-slim\nWORKDIR /app\nRUN npm ci\n", _NPM)
    assert any("no COPY before `npm ci` puts package.json at /app/package.json" in r
               for r in _reasons(report, "notes"))


def test_read_only_commands_are_those_that_write_nothing():
    assert read_only("cat", "cat VERSION") and read_only("ls", "ls -la")
    assert not read_only("cat", "cat VERSION > out") and not read_only("sed", "sed -i s/a/b/ f")
    assert not read_only("echo", "echo $(make)") and not read_only("make", "make")


def test_gradle_scripts_dfix_can_show_read_only_build_files():
    from dfix.managers.java import gradle_script_problem

    assert gradle_script_problem("plugins {\n  id 'java'\n  id 'org.springframework.boot' version '3.2.0'\n}\n"
                                 "dependencies { implementation \"org.apache.commons:commons-text:1.10.0\" }\n") is None
    assert gradle_script_problem('plugins {\n  kotlin("jvm") version "1.9.22"\n  application\n  `java-library`\n}\n') \
        is None
    assert gradle_script_problem("plugins { id 'java' }\nversion = file('VERSION').text\n") == "`file`"
    assert gradle_script_problem("apply from: 'gradle/x.gradle'\n") == "`apply`"
    assert gradle_script_problem("plugins { id 'com.palantir.git-version' version '3.0.0' }\n") == \
        "plugin com.palantir.git-version"
    assert gradle_script_problem("plugins { alias(libs.plugins.boot) }\n") is not None
    assert gradle_script_problem('version = "${new File(\'V\').text}"\n') is not None  # code in a GString


_GRADLE = {"settings.gradle": "rootProject.name = 'x'\n", "build.gradle": "plugins { id 'java' }\n",
           "src/main/java/A.java": "class A {}\n"}


def test_gradle_dependencies_only_in_a_build_stage(tmp_path: Path):
    """`gradle dependencies` fetches more than the build uses: never where the cache reaches the image."""
    report = _report(tmp_path, "FROM gradle:8-jdk17\nWORKDIR /p\nCOPY . .\nRUN gradle build --no-daemon\n", _GRADLE)
    assert report["fixes"] == []
    assert any("only in a build stage" in r for r in _reasons(report, "notes"))


def test_gradle_stage_whose_home_a_later_stage_takes_is_left_alone(tmp_path: Path):
    text = ("FROM gradle:8-jdk17 AS build\nWORKDIR /p\nCOPY . .\nRUN gradle build --no-daemon\n"
            "FROM eclipse-temurin:17-jre\nCOPY --from=build /root /root\n")
    assert _report(tmp_path, text, _GRADLE)["fixes"] == []


def test_gradle_included_project_without_a_build_file_blocks(tmp_path: Path):
    files = {**_GRADLE, "settings.gradle": "include 'lib'\n", "lib/src/A.java": "class A {}\n"}
    text = ("FROM gradle:8-jdk17 AS build\nWORKDIR /p\nCOPY . .\nRUN gradle build --no-daemon\n"
            "FROM eclipse-temurin:17-jre\nCOPY --from=build /p/build/libs/x.jar /x.jar\n")
    report = _report(tmp_path, text, files)
    assert any("included project lib has no build file" in r for r in _reasons(report, "skipped"))


def test_manifests_from_a_subfolder_with_a_root_npmrc_stay(tmp_path: Path):
    """`COPY . .` would put the root .npmrc where the install runs: the install still needs it after."""
    files = {"install/package.json": '{"name": "a"}', "install/package-lock.json": '{"lockfileVersion": 3}',
             ".npmrc": "registry=x\n", ".dockerignore": "node_modules\n", "src/a.js": "x\n"}
    text = "FROM node:20-slim\nWORKDIR /app\nCOPY install/package.json install/package-lock.json ./\nCOPY . .\nRUN npm ci\n"
    report = _report(tmp_path, text, files)
    assert report["fixes"] == []
    assert any("brings the context's .npmrc to /app/.npmrc" in r for r in _reasons(report, "notes"))


def test_patch_package_with_more_in_its_script_still_blocks(tmp_path: Path):
    files = {**_NPM, "package.json": '{"name": "a", "scripts": {"postinstall": "patch-package && node x.js"}}',
             "patches/a+1.0.0.patch": "diff\n", "x.js": "x\n"}
    report = _report(tmp_path, "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", files)
    assert report["fixes"] == [] and _reasons(report, "skipped")


def test_copy_from_into_the_source_tree_where_the_context_may_hold_build_output(tmp_path: Path):
    """`COPY --from=web /dist ./web/dist` after `COPY . .`: a developer's context may hold web/dist (git
    ignores it); moved after it, the source COPY would put that over the built one."""
    text = ("FROM node:20-slim AS web\nRUN true\nFROM node:20-slim\nWORKDIR /app\nCOPY . .\n"
            "COPY --from=web /dist ./web/dist\nRUN npm ci\n")
    report = _report(tmp_path, text, _NPM)
    assert report["fixes"] == []
    assert any("where the context may hold web/dist" in r for r in _reasons(report, "skipped"))
    (tmp_path / ".dockerignore").write_text("node_modules\nweb/dist\n")
    assert _report(tmp_path, text, {})["fixes"] != []
