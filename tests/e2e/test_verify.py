"""End-to-end: `dfix verify` on the lab's Docker daemon (and podman where it is installed).

examples/node-naive must verify "same", with the source-edit rebuild no longer running the
install in the rewrite.  The other cases build tiny images from a hand-made "rewrite" given to
verify's own phases, so that the verdicts "differs" and "cannot verify" are shown on real builds.
Every image a test builds is removed by verify itself; the tests check that none is left.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import DOCKER
from dfix.commands.explain.compare import Subject, load_subject
from dfix.commands.verify import phases
from dfix.commands.verify.builders import DockerBuilder, PodmanBuilder
from dfix.io.discover import Target
from dfix.pipeline.engine import AppliedFix, Result
from dfix.pipeline.runner import Options
from dfix.rules.findings import Safety

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def verify_images(program: str = DOCKER) -> list[str]:
    listed = subprocess.run([program, "images", "--format", "{{.Repository}}:{{.Tag}}"], capture_output=True,
                            text=True).stdout.split()
    return [ref for ref in listed if "dfix-verify-" in ref]


def run_verify(*args: str) -> tuple[int, dict, str]:
    done = subprocess.run([sys.executable, "-m", "dfix", "verify", "--docker", DOCKER, "--format", "json", *args],
                          capture_output=True, text=True, timeout=900, cwd=REPO)
    return done.returncode, json.loads(done.stdout), done.stderr


def test_node_naive_is_the_same_image_and_an_edit_no_longer_reruns_the_install(lab):
    before = verify_images()
    # The description makes this run's change unlike any earlier run's, whose layers the daemon may keep.
    change = (f"npm pkg set description=dfix-{uuid.uuid4().hex[:8]} && npm install --package-lock-only "
              "--ignore-scripts --no-audit --no-fund is-number@7.0.0")
    code, doc, err = run_verify("--syntax", "none", "--dep-change", change, "examples/node-naive")
    entry = doc["files"][0]
    assert (code, entry["verdict"], entry["equivalent"]) == (0, "same", True), err[-3000:]
    assert entry["differences"] == [] and entry["builder"] == "docker"
    # Left out: DF301's .dockerignore and the Dockerfile (both copied by COPY . .), the npm cache mount.
    assert entry["ignored"]["declared by DF301 (may_differ)"] == 1
    assert entry["ignored"]["the fix set's Dockerfile, copied into the image"] == 1
    assert entry["ignored"]["a cache mount target of the rewrite: the cache no longer lands in a layer"] > 100
    edit = entry["phases"]["edit"]
    assert edit["changed"] == ["server.js"]
    assert edit["original"]["executed"] == ["[3/4] COPY . .", "[4/4] RUN npm install"]
    assert edit["rewritten"]["executed"] == ["[5/5] COPY . ."] == edit["predicted"]["rewritten"]
    assert entry["phases"]["noop"]["rewritten"]["executed"] == entry["phases"]["noop"]["original"]["executed"] == []
    dep = entry["phases"]["dep"]
    assert dep["changed"] == ["package-lock.json", "package.json"]
    assert any("npm install" in step for step in dep["rewritten"]["executed"])
    assert sorted(dep["rewritten"]["executed"]) == dep["predicted"]["rewritten"]
    assert [p["mismatches"] for p in entry["phases"].values()] == [[], [], [], []]
    assert verify_images() == before


def test_a_frontend_the_builder_cannot_fetch_is_an_error_with_the_way_out(lab):
    code, doc, _ = run_verify("examples/node-naive")  # DF001 adds # syntax=docker/dockerfile:1; no registry here
    entry = doc["files"][0]
    assert (code, entry["verdict"], entry["equivalent"]) == (2, "cannot verify", None)
    assert "--syntax none" in entry["error"] and "docker/dockerfile:1" in entry["error"]
    assert any("resolve image config" in line for line in entry["error_output"])


# hand-made rewrites ----------------------------------------------------------------------

ORIGINAL = 'FROM debian:bookworm-slim\nWORKDIR /app\nCOPY a.txt ./\nCMD ["cat", "a.txt"]\n'
CHANGED = ('FROM debian:bookworm-slim\nWORKDIR /app\nCOPY a.txt ./\n'
           'RUN echo 1 > declared.txt && echo 2 > undeclared.txt && chmod 600 a.txt\nENV EXTRA=1\n'
           'CMD ["cat", "a.txt"]\n')


def fake_subject(tmp: Path, original: str, rewritten: str, may_differ: tuple[str, ...] = ()) -> Subject:
    """The original from a real context, and a "rewrite" dfix would never write, as verify's input."""
    context = tmp / "context"
    context.mkdir()
    (context / "a.txt").write_text("hello\n")
    (context / "Dockerfile").write_text(original)
    other = tmp / "fake" / "Dockerfile"
    other.parent.mkdir()
    other.write_text(rewritten)
    options = Options(context=context)
    sides = [load_subject(Target(path, path.parent), options).original for path in (context / "Dockerfile", other)]
    fixes = [AppliedFix("DF101", "a test's rewrite", 3, Safety.SAFE, may_differ)]
    return Subject(context / "Dockerfile", context, sides[0], sides[1], fixes, [], Result(original, rewritten, fixes))


def verify_with(builder, subject: Subject, tmp: Path) -> phases.Outcome:
    root = tmp / "scratch"
    root.mkdir()
    try:
        return phases.verify(subject, builder, root, phases.Settings(), progress=lambda message: None)
    finally:
        assert builder.cleanup() == []


def test_a_rewrite_that_changes_the_image_differs_and_names_the_paths(lab, tmp_path):
    subject = fake_subject(tmp_path, ORIGINAL, CHANGED, may_differ=("/app/declared.txt",))
    outcome = verify_with(DockerBuilder(DOCKER), subject, tmp_path)
    assert outcome.verdict == "differs"
    found = {d.path: d.what for d in outcome.comparison.differences}
    assert found == {"/app/a.txt": "mode 0644 -> 0600", "/app/undeclared.txt": "only in the rewrite (file)",
                     "config Env": found["config Env"]}
    assert "EXTRA" in found["config Env"]
    assert outcome.comparison.ignored == {"declared by DF101 (may_differ)": 1}  # declared.txt, and only it
    assert verify_images() == []


def test_an_original_that_does_not_build_cannot_be_verified(lab, tmp_path):
    broken = ORIGINAL.replace("COPY a.txt ./", "RUN exit 3")
    outcome = verify_with(DockerBuilder(DOCKER), fake_subject(tmp_path, broken, ORIGINAL), tmp_path)
    assert outcome.verdict == "cannot verify"
    assert outcome.error.startswith("the original does not build") and "docker: build of Dockerfile failed" in \
        outcome.error
    assert any("exit 3" in line or "exit code: 3" in line for line in outcome.error_output)
    assert [name for name, phase in outcome.phases.items() if phase.observed] == ["cold"]  # rebuilt nothing


def test_a_rewrite_that_does_not_build_differs(lab, tmp_path):
    outcome = verify_with(DockerBuilder(DOCKER), fake_subject(tmp_path, ORIGINAL, ORIGINAL.replace(
        "COPY a.txt ./", "COPY missing.txt ./")), tmp_path)
    assert outcome.verdict == "differs" and outcome.comparison is None
    assert any("the rewrite does not build" in note for note in outcome.notes)


@pytest.fixture
def podman() -> str:
    program = shutil.which("podman")
    if program is None:
        pytest.skip("podman is not installed (apt-get install podman)")
    if subprocess.run([program, "image", "exists", "debian:bookworm-slim"]).returncode != 0:
        # No registry: the lab's base image goes from the Docker daemon into podman's store.
        save = subprocess.Popen([DOCKER, "save", "debian:bookworm-slim"], stdout=subprocess.PIPE)
        subprocess.run([program, "load", "-q"], stdin=save.stdout, check=True, capture_output=True)
        save.wait()
    return program


def test_podman_is_a_second_builder_with_the_same_verdicts(lab, podman, tmp_path):
    subject = fake_subject(tmp_path, ORIGINAL, CHANGED)
    outcome = verify_with(PodmanBuilder(podman), subject, tmp_path)
    assert outcome.verdict == "differs"
    assert {d.path for d in outcome.comparison.differences} == {"/app/a.txt", "/app/declared.txt",
                                                                "/app/undeclared.txt", "config Env"}
    noop = outcome.phases["noop"]
    assert noop.observed["original"].executed == [] and noop.observed["rewritten"].executed == []
    assert verify_images(podman) == []
