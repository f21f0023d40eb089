"""The cache model on small hand-made contexts: what each step reads and what a change re-runs.

Expected re-runs follow BuildKit's behaviour as observed with real builds on the lab's
daemon (see the module docstring of dfix.cachesim); the accuracy test in
tests/e2e/test_explain_accuracy.py checks the model against real rebuilds of every sample app.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dfix.commands.explain.cachesim import CacheModel, ContextSource, TargetError, parse_mount
from dfix.context import BuildContext
from dfix.dockerfile import parse


def make(tmp_path: Path, dockerfile: str, files: dict[str, str], target: str | None = None) -> CacheModel:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return CacheModel(parse(dockerfile), BuildContext.from_directory(tmp_path), target)


def rerun(model: CacheModel, paths=(), args=()) -> list[str]:
    why = model.reruns(paths, args)
    return [f"{model.label(s)} {s.text}" for s in model.steps if why[s] is not None]


NODE = {"package.json": "{}", "package-lock.json": "{}", "server.js": "x", "src/app.js": "y",
        "packages/lib/package.json": "{}", "README.md": "r"}


def test_manifest_glob_copy_is_not_rerun_by_a_source_edit(tmp_path):
    model = make(tmp_path, "FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n", NODE)
    assert rerun(model, ["server.js"]) == ["[5/5] COPY . ."]
    assert rerun(model, ["src/app.js"]) == ["[5/5] COPY . ."]
    # `package*.json` is one path segment: it does not reach into packages/lib/.
    assert rerun(model, ["packages/lib/package.json"]) == ["[5/5] COPY . ."]
    assert rerun(model, ["package-lock.json"]) == ["[3/5] COPY package*.json ./", "[4/5] RUN npm ci",
                                                   "[5/5] COPY . ."]


def test_copy_everything_first_reruns_the_install_on_any_edit(tmp_path):
    model = make(tmp_path, "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", NODE)
    assert rerun(model, ["README.md"]) == ["[3/4] COPY . .", "[4/4] RUN npm ci"]
    assert rerun(model, []) == []


def test_a_new_file_matching_a_glob_reruns_the_copy(tmp_path):
    model = make(tmp_path, "FROM python:3.11-slim\nCOPY requirements*.txt /r/\nRUN pip install -r /r/requirements.txt\n",
                 {"requirements.txt": "flask\n"})
    assert rerun(model, ["requirements-dev.txt"]) == ["[2/3] COPY requirements*.txt /r/",
                                                     "[3/3] RUN pip install -r /r/requirements.txt"]


def test_directory_source_covers_everything_below(tmp_path):
    model = make(tmp_path, "FROM golang:1.23\nCOPY internal/ /src/internal/\nRUN go build ./...\n",
                 {"internal/a/a.go": "package a", "main.go": "package main"})
    assert rerun(model, ["internal/a/a.go"]) == ["[2/3] COPY internal/ /src/internal/", "[3/3] RUN go build ./..."]
    assert rerun(model, ["internalx.go"]) == []
    assert rerun(model, ["main.go"]) == []


def test_dockerignored_paths_do_not_invalidate(tmp_path):
    files = dict(NODE, **{".dockerignore": "*.md\nnode_modules\n!keep.md\n"})
    model = make(tmp_path, "FROM node:20-slim\nCOPY . /app\nRUN npm ci\n", files)
    assert rerun(model, ["README.md"]) == []
    assert rerun(model, ["node_modules/x/index.js"]) == []
    assert rerun(model, ["keep.md"]) == ["[2/3] COPY . /app", "[3/3] RUN npm ci"]
    assert "any file in the context (6 files after .dockerignore)" in model.invalidated_by(model.steps[0])


def test_dockerfile_specific_ignore_file_wins(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM node:20-slim\nCOPY . /app\n")
    (tmp_path / "Dockerfile.dockerignore").write_text("docs\n")
    (tmp_path / ".dockerignore").write_text("src\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("a")
    ctx = BuildContext.from_directory(tmp_path, tmp_path / "Dockerfile")
    model = CacheModel(parse("FROM node:20-slim\nCOPY . /app\n"), ctx)
    assert [s for s, why in model.reruns(["docs/a.md"]).items() if why] == []
    assert len([s for s, why in model.reruns(["src/x.js"]).items() if why]) == 1


MULTI = """\
ARG BASE=debian:bookworm-slim
FROM ${BASE} AS build
ARG V=1
ENV X=2
WORKDIR /src
USER root
COPY a.txt .
RUN echo $V > /v
LABEL a=b
WORKDIR /src
FROM debian:bookworm-slim AS unused
RUN echo unused
FROM debian:bookworm-slim
WORKDIR /app
ARG W=1
COPY --from=build /v /v
RUN --mount=type=bind,source=a.txt,target=/a cat /a > /b
CMD ["true"]
"""


def test_steps_and_labels_are_the_vertices_buildkit_prints(tmp_path):
    # The labels a real `docker build --progress=plain` printed for this file on the lab daemon.
    model = make(tmp_path, MULTI, {"a.txt": "hello\n", "b.txt": "b"})
    assert [f"{model.label(s)} {s.text}" for s in model.steps] == [
        "[build 2/5] WORKDIR /src",
        "[build 3/5] COPY a.txt .",
        "[build 4/5] RUN echo $V > /v",
        "[build 5/5] WORKDIR /src",
        "[stage-2 2/4] WORKDIR /app",
        "[stage-2 3/4] COPY --from=build /v /v",
        "[stage-2 4/4] RUN --mount=type=bind,source=a.txt,target=/a cat /a > /b",
    ]


def test_unneeded_stage_is_not_built_and_target_selects(tmp_path):
    model = make(tmp_path, MULTI, {"a.txt": "hello\n"})
    assert all(s.stage != 1 for s in model.steps)
    only_build = make(tmp_path, MULTI, {"a.txt": "hello\n"}, target="build")
    assert {s.stage_label for s in only_build.steps} == {"build"}
    unused = make(tmp_path, MULTI, {"a.txt": "hello\n"}, target="unused")
    assert [s.text for s in unused.steps] == ["RUN echo unused"]
    with pytest.raises(TargetError):
        make(tmp_path, MULTI, {"a.txt": "hello\n"}, target="nope")


def test_build_args(tmp_path):
    model = make(tmp_path, MULTI, {"a.txt": "hello\n"})
    # Observed: --build-arg V=2 re-ran the RUN, the WORKDIR after it, the COPY --from and the last RUN.
    assert rerun(model, args=["V"]) == ["[build 4/5] RUN echo $V > /v", "[build 5/5] WORKDIR /src",
                                        "[stage-2 3/4] COPY --from=build /v /v",
                                        "[stage-2 4/4] RUN --mount=type=bind,source=a.txt,target=/a cat /a > /b"]
    # Observed: an ARG the RUN never names still re-runs it (ARG values are in its environment).
    assert rerun(model, args=["W"]) == ["[stage-2 4/4] RUN --mount=type=bind,source=a.txt,target=/a cat /a > /b"]
    # A global ARG in FROM changes the base image: every step of that stage.
    assert rerun(model, args=["BASE"])[:1] == ["[build 2/5] WORKDIR /src"]
    assert rerun(model, args=["UNDECLARED"]) == []


def test_arg_through_env_and_copy_text(tmp_path):
    df = "FROM debian:bookworm-slim\nARG DIR=app\nENV TARGET=/srv/$DIR\nCOPY a.txt $TARGET/\nARG LATE=1\nRUN true\n"
    model = make(tmp_path, df, {"a.txt": "a"})
    copy, run = model.steps
    assert copy.build_args == {"DIR"}
    assert run.build_args == {"DIR", "LATE"}
    assert rerun(model, args=["LATE"]) == ["[3/3] RUN true"]
    assert rerun(model, args=["DIR"]) == ["[2/3] COPY a.txt $TARGET/", "[3/3] RUN true"]


def test_bind_mount_sources_count_and_cache_mounts_do_not(tmp_path):
    df = ("FROM python:3.11-slim\n"
          "RUN --mount=type=cache,target=/root/.cache/pip "
          "--mount=type=bind,source=requirements.txt,target=/tmp/r.txt pip install -r /tmp/r.txt\n"
          "RUN --mount=target=/src,source=src make\n")
    model = make(tmp_path, df, {"requirements.txt": "flask\n", "src/a.c": "int x;", "app.py": ""})
    assert rerun(model, ["requirements.txt"]) == [
        "[2/3] RUN --mount=type=cache,target=/root/.cache/pip --mount=type=bind,source=requirements.txt,"
        "target=/tmp/r.txt pip install -r /tmp/r.txt",
        "[3/3] RUN --mount=target=/src,source=src make"]
    # type defaults to bind
    assert rerun(model, ["src/a.c"]) == ["[3/3] RUN --mount=target=/src,source=src make"]
    assert rerun(model, ["app.py"]) == []


def test_copy_from_and_from_stage_chain(tmp_path):
    df = ("FROM debian:bookworm-slim AS base\nWORKDIR /a\n"
          "FROM base AS child\nRUN echo hi\nENV Y=1\nCOPY a.txt /x\nADD b.txt /y\n"
          "FROM scratch\nCOPY --from=child /x /x\nCOPY --from=1 /y /y\n")
    model = make(tmp_path, df, {"a.txt": "a", "b.txt": "b"})
    # Labels as printed by the lab daemon: a stage built FROM a stage or scratch has no FROM step.
    assert [model.label(s) for s in model.steps] == ["[base 2/2]", "[child 1/3]", "[child 2/3]", "[child 3/3]",
                                                      "[stage-2 1/2]", "[stage-2 2/2]"]
    assert rerun(model, ["b.txt"]) == ["[child 3/3] ADD b.txt /y", "[stage-2 1/2] COPY --from=child /x /x",
                                       "[stage-2 2/2] COPY --from=1 /y /y"]
    assert model.steps[1].parent is model.steps[0]
    assert any("stage child" in r for r in model.invalidated_by(model.steps[4]))


def test_copy_from_an_external_image_reads_no_context(tmp_path):
    model = make(tmp_path, "FROM debian:bookworm-slim\nCOPY --from=busybox:1 /bin/busybox /bin/\nRUN true\n", {"a": ""})
    assert model.steps[0].context_sources == [] and model.steps[0].stage_inputs == []
    assert rerun(model, ["a"]) == []


def test_identical_vertices_of_two_stages_are_one_step(tmp_path):
    df = ("FROM node:20-slim AS a\nWORKDIR /app\nRUN echo a\n"
          "FROM node:20-slim AS b\nWORKDIR /app\nCOPY --from=a /app /app\n")
    model = make(tmp_path, df, {"x": ""})
    assert [f"{model.label(s)} {s.text}" for s in model.steps] == [
        "[a 2/3] WORKDIR /app", "[a 3/3] RUN echo a", "[b 3/3] COPY --from=a /app /app"]
    assert model.steps[2].parent is model.steps[0]


def test_remote_add_and_unexpandable_source(tmp_path):
    df = "FROM debian:bookworm-slim\nADD https://example.invalid/x.tgz /x\nCOPY $UNKNOWN /y\n"
    model = make(tmp_path, df, {"a": ""})
    add, copy = model.steps
    assert add.remote == ["https://example.invalid/x.tgz"] and add.context_sources == []
    assert copy.context_sources == [ContextSource(".", "COPY")]  # fail closed: any file
    assert rerun(model, ["a"]) == ["[3/3] COPY $UNKNOWN /y"]


def test_heredoc_and_metadata_instructions_are_not_context_reads(tmp_path):
    df = "FROM debian:bookworm-slim\nENV A=1\nLABEL x=y\nUSER nobody\nEXPOSE 1\nCOPY <<EOF /etc/x\nhi\nEOF\n"
    model = make(tmp_path, df, {"a": ""})
    assert [s.keyword for s in model.steps] == ["COPY"]
    assert model.steps[0].context_sources == []
    assert model.label(model.steps[0]) == "[2/2]"


def test_context_source_covers():
    assert ContextSource("src", "COPY").covers("src/a/b.py")
    assert not ContextSource("src", "COPY").covers("srcx/a.py")
    assert ContextSource("*.json", "COPY").covers("package.json")
    assert not ContextSource("*.json", "COPY").covers("a/package.json")
    assert ContextSource("pkg*", "COPY").covers("pkgs/a/b")  # a matched directory brings what is below
    assert ContextSource(".", "COPY").covers("anything")


def test_parse_mount_reads_csv_quoting():
    assert parse_mount('type=bind,"source=a,b",target=/x') == {"type": "bind", "source": "a,b", "target": "/x"}
    assert parse_mount("type=cache,target=/root/.npm,sharing=locked")["sharing"] == "locked"
