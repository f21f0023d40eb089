"""`dfix verify` without a builder: scratch copies, the edit, the dependency diff, how build and
model disagreements are judged, and the command's errors (exit 2, one JSON document)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from click.testing import CliRunner

from dfix.cli import main
from dfix.commands.explain.cachesim import CacheModel
from dfix.commands.verify import workspace
from dfix.commands.verify.phases import Phase, _mismatches, _unreachable_frontend, shared_steps
from dfix.context import BuildContext
from dfix.pipeline import engine

REPO = Path(__file__).resolve().parents[1]


def context(tmp: Path) -> Path:
    ctx = tmp / "ctx"
    (ctx / "src").mkdir(parents=True)
    (ctx / "package.json").write_text("{}\n")
    (ctx / "src" / "server.js").write_text("console.log(1)")
    (ctx / "README.md").write_text("# app\n")
    (ctx / "Dockerfile").write_text("FROM node:20-slim\nCOPY . .\n")
    os.symlink("/etc/passwd", ctx / "outside")
    os.mkfifo(ctx / "fifo")
    return ctx


def test_a_side_is_a_copy_with_its_own_dockerfile_and_files_and_the_users_stay_untouched(tmp_path):
    ctx = context(tmp_path)
    side = workspace.make_side(tmp_path / "scratch", "rewritten", ctx, ctx / "Dockerfile", "FROM x\n",
                               {".dockerignore": ".git\n"})
    assert side.dockerfile == side.context / "Dockerfile" and side.dockerfile.read_text() == "FROM x\n"
    assert (side.context / ".dockerignore").read_text() == ".git\n"
    assert os.readlink(side.context / "outside") == "/etc/passwd"  # a link stays a link: nothing outside is read
    assert not (side.context / "fifo").exists()
    assert (ctx / "Dockerfile").read_text() == "FROM node:20-slim\nCOPY . .\n" and not (ctx / ".dockerignore").exists()


def test_a_dockerfile_outside_its_context_stays_outside_the_copy(tmp_path):
    ctx = context(tmp_path)
    elsewhere = tmp_path / "docker" / "Dockerfile"
    elsewhere.parent.mkdir()
    elsewhere.write_text("FROM x\n")
    side = workspace.make_side(tmp_path / "scratch", "original", ctx, elsewhere, "FROM x\n")
    assert side.dockerfile.parent == side.context.parent
    assert (side.context / "Dockerfile").read_text() == "FROM node:20-slim\nCOPY . .\n"  # the context's own file


def test_the_edit_prefers_entry_points_only_the_broad_copy_takes_and_names_side_and_run(tmp_path):
    broad = {"src/server.js", "README.md", "package.json", "data.json", "Dockerfile"}
    assert workspace.pick_edit(broad, {"package.json"}, {"Dockerfile"}) == "src/server.js"
    assert workspace.pick_edit({"data.json", "package.json"}, {"package.json"}, set()) is None  # no comment in JSON
    ctx = context(tmp_path)
    side = workspace.make_side(tmp_path / "s", "original", ctx, ctx / "Dockerfile", "FROM x\n")
    workspace.apply_edit(side, "src/server.js", "tok123")
    assert (side.context / "src" / "server.js").read_text() == \
        "console.log(1)\n// dfix verify: source edit (original tok123)\n"
    assert (ctx / "src" / "server.js").read_text() == "console.log(1)"


def test_a_dependency_change_is_copied_byte_for_byte_deletions_included(tmp_path):
    ctx = context(tmp_path)
    dep = workspace.make_side(tmp_path / "s", "dep", ctx, ctx / "Dockerfile", "FROM x\n")
    side = workspace.make_side(tmp_path / "s", "original", ctx, ctx / "Dockerfile", "FROM x\n")
    before = workspace.snapshot(dep.context)
    (dep.context / "package.json").write_text('{"dependencies": {"a": "1"}}\n')
    (dep.context / "package-lock.json").write_text("{}\n")
    (dep.context / "README.md").unlink()
    changed = workspace.changed_paths(before, workspace.snapshot(dep.context))
    assert changed == ["README.md", "package-lock.json", "package.json"]
    workspace.copy_change(dep.context, changed, side)
    assert workspace.snapshot(side.context) == workspace.snapshot(dep.context)


def model(text: str) -> CacheModel:
    return CacheModel(engine.load(text), BuildContext.from_listing(Path("."), ["package.json", "server.js"], None))


def test_steps_the_two_files_share_from_the_start_of_a_chain():
    original = model("FROM node:20\nWORKDIR /app\nCOPY package.json ./\nCOPY . .\nRUN npm install\n")
    rewritten = model("FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n")
    assert shared_steps(original, rewritten) == {"[2/5] WORKDIR /app", "[3/5] COPY package.json ./"}


def test_disagreements_are_judged_bug_shared_or_upper_bound():
    phase = Phase("dep", predicted={"original": {"[2/3] COPY a ./": "a", "[3/3] RUN x": "after [2/3]"},
                                    "rewritten": {"[2/2] COPY --from=b /o /o": "stage b (COPY --from)"}})
    from dfix.commands.verify.phases import Observed

    phase.observed = {"original": Observed(1.0, ["[4/4] COPY . ."], ["[2/3] COPY a ./", "[3/3] RUN x"]),
                      "rewritten": Observed(1.0, [], ["[2/2] COPY --from=b /o /o"])}
    _mismatches(phase, shared={"[2/3] COPY a ./"})
    assert phase.mismatches == [
        "original: [4/4] COPY . .: executed, but dfix explain predicted it cached: a cache-model bug",
        "original: [2/3] COPY a ./: cached from the rewrite's build of the same step (one builder cache for both)",
        "rewritten: [2/2] COPY --from=b /o /o: predicted to re-run (stage b (COPY --from)) but cached: BuildKit "
        "compared the bytes that stage wrote, which the model cannot know (an upper bound)",
    ]


def test_a_frontend_the_rewrite_adds_and_the_builder_cannot_resolve():
    added = engine.load("# syntax=docker/dockerfile:1\nFROM x\n")
    plain = engine.load("FROM x\n")
    log = ["#3 resolve image config for docker.io/docker/dockerfile:1", "#3 ERROR: no such host"]
    assert _unreachable_frontend(added, plain, log) == "docker/dockerfile:1"
    assert _unreachable_frontend(added, added, log) is None  # the original's own line: not the rewrite's doing
    assert _unreachable_frontend(added, plain, ["ERROR: exit code 1"]) is None


def run_cli(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["verify", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_a_missing_builder_is_exit_2_naming_it():
    code, doc = run_cli("--docker", "/nonexistent/docker", str(REPO / "examples" / "node-naive"))
    entry = doc["files"][0]
    assert (code, entry["verdict"], entry["equivalent"]) == (2, "cannot verify", None)
    assert entry["error"] == "docker: /nonexistent/docker not found on PATH"
    assert doc["version"] == 1 and doc["error"] is None


def test_buildctl_needs_an_address():
    code, doc = run_cli("--builder", "buildctl", str(REPO / "examples" / "node-naive"))
    assert code == 2 and "--addr" in doc["files"][0]["error"]


def test_a_file_dfix_leaves_alone_needs_no_builder(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nCMD [\"true\"]\n")
    code, doc = run_cli("--docker", "/nonexistent/docker", str(tmp_path))
    assert (code, doc["files"][0]["verdict"], doc["files"][0]["equivalent"]) == (0, "nothing to verify", True)


def test_an_edit_outside_the_context_is_an_error_before_any_build():
    # Any program passes for the client here: the edit is refused before it is ever asked to build.
    code, doc = run_cli("--docker", sys.executable, "--edit", "nope.js", str(REPO / "examples" / "node-naive"))
    assert code == 2 and doc["files"][0]["error"].startswith("--edit nope.js: not a file of the build context")


def test_the_builder_client_gets_no_variable_of_dfix_s_own(monkeypatch):
    from dfix.commands.verify.builders import client_env

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/docker.sock")
    env = client_env({"DOCKER_BUILDKIT": "1"})
    assert "GITHUB_TOKEN" not in env and env["DOCKER_HOST"] == "unix:///run/docker.sock"
    assert env["DOCKER_BUILDKIT"] == "1"


def test_a_bad_option_is_exit_2_with_the_verify_document():
    result = CliRunner().invoke(main, ["verify", "--format", "json", "--select", "DF999", "."])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"version": 1, "files": [], "error": json.loads(result.stdout)["error"]}
    assert "DF999" in json.loads(result.stdout)["error"]


def test_the_builder_comes_from_the_option_then_the_builder_setting(monkeypatch, tmp_path):
    import pytest

    from dfix.commands.verify.builders import BuilderError, DockerBuilder, PodmanBuilder, choose

    for name in ("docker", "podman"):  # stand-ins: choosing runs nothing but `docker buildx version`
        (tmp_path / name).write_text("#!/bin/sh\nexit 1\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert isinstance(choose(None, "podman"), PodmanBuilder)  # `builder = "podman"` in the config
    assert isinstance(choose("podman", "buildkit"), PodmanBuilder)
    assert type(choose(None, "buildkit")) is DockerBuilder  # no buildx: the daemon's BuildKit
    with pytest.raises(BuilderError, match="has no buildx"):
        choose("my-remote-builder", "buildkit")
    with pytest.raises(BuilderError, match="kaniko"):
        choose(None, "kaniko")
    (tmp_path / "podman").unlink()
    with pytest.raises(BuilderError, match="podman: podman not found on PATH"):
        choose("podman", "buildkit")
