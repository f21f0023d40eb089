"""`dfix explain`: history replay over a real git repository, timings from a real log, output formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dfix.commands.explain.compare import rebuild_rows
from dfix.commands.explain.timings import parse_log

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install -r requirements.txt
CMD ["python", "app.py"]
"""


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": "/usr/bin:/bin", "HOME": str(repo)}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def commit(repo: Path, message: str, files: dict[str, str]) -> str:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "initial", {"svc/Dockerfile": DOCKERFILE, "svc/requirements.txt": "flask\n",
                             "svc/app.py": "print(1)\n", "docs/x.md": "x\n"})
    commit(root, "edit app", {"svc/app.py": "print(2)\n"})
    commit(root, "add a dependency", {"svc/requirements.txt": "flask\nsix\n"})
    commit(root, "docs only", {"docs/x.md": "y\n"})
    commit(root, "edit app again", {"svc/app.py": "print(3)\n"})
    return root


def test_rebuild_rows_over_history(repo: Path):
    rows = rebuild_rows(repo / "svc" / "Dockerfile", history=50)
    # 4 commits replayed (the root commit is a first build); 3 touch the context, 1 the requirements.
    assert rows == [("WORKDIR /app", 0, 0),
                    ("COPY requirements.txt /app/", 0, 1),
                    ("RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt", 3, 1),
                    ("COPY . /app", 3, 3)]


def test_rebuild_rows_honours_the_history_length(repo: Path):
    rows = dict((label, (a, b)) for label, a, b in rebuild_rows(repo / "svc" / "Dockerfile", history=2))
    assert rows["COPY . /app"] == (1, 1)  # "edit app again" and "docs only"


def test_history_survives_subjects_that_splitlines_would_split(repo: Path):
    # A form feed, U+2028 and NEL in subjects, and a Latin-1 message: explain --history died on each.
    for n, subject in enumerate(["page\fbreak", "line\u2028sep", "next\x85line"]):
        commit(repo, subject, {"svc/app.py": f"print({10 + n})\n"})
    (repo / "svc" / "app.py").write_text("print(99)\n")
    git(repo, "add", "-A")
    subprocess.run(["git", "-C", str(repo), "-c", "i18n.commitEncoding=latin-1", "commit", "-q", "-F", "-"],
                   input="caf\xe9".encode("latin-1"), check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.invalid", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@x.invalid", "PATH": "/usr/bin:/bin", "HOME": str(repo)})
    rows = dict((label, (a, b)) for label, a, b in rebuild_rows(repo / "svc" / "Dockerfile", history=4))
    assert rows["COPY . /app"] == (4, 4)


def test_dubious_ownership_is_named(tmp_path: Path):
    import os

    from dfix.commands.pr.git import BotError, Git

    (tmp_path / "theirs").mkdir()
    git(tmp_path / "theirs", "init", "-q")
    os.chown(tmp_path / "theirs", 65534, 65534)  # nobody's, as a runner's checkout can be
    with pytest.raises(BotError, match="dubious ownership"):
        Git(tmp_path / "theirs").toplevel()


def dfix(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dfix", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_history_json_shape(repo: Path):
    done = dfix("explain", str(repo / "svc" / "Dockerfile"), "--history", "50", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)["dockerfiles"][0]
    assert [s["instruction"] for s in doc["steps"]] == ["WORKDIR /app", "COPY . /app",
                                                        "RUN pip install -r requirements.txt"]
    install = doc["steps"][2]
    assert install["installs_dependencies"] is True
    assert install["rebuilds"] == {"original": 3, "rewritten": 1}
    assert [s["rebuilds"] for s in doc["rewritten_steps"]] == [
        {"rewritten": 0, "original": 0}, {"rewritten": 1, "original": None},
        {"rewritten": 1, "original": 3}, {"rewritten": 3, "original": 3}]
    history = doc["history"]
    assert history["commits"] == 4
    assert history["dockerfile_edited"] == []
    assert [c["subject"] for c in history["install_reruns"]["original"]] == [
        "edit app again", "add a dependency", "edit app"]
    assert [c["subject"] for c in history["install_reruns"]["rewritten"]] == ["add a dependency"]


def test_cli_changed_side_by_side(repo: Path):
    svc = repo / "svc"
    done = dfix("explain", "Dockerfile", "--changed", "app.py", "--format", "json", cwd=svc)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)["dockerfiles"][0]
    assert [s["reruns"] for s in doc["steps"]] == [False, True, True]
    assert [s["reruns"] for s in doc["rewritten_steps"]] == [False, False, False, True]
    markdown = dfix("explain", "Dockerfile", "--changed", "app.py", "--format", "markdown", cwd=svc).stdout
    assert "| `[4/4] RUN pip install -r requirements.txt (install)` | re-runs |" in markdown
    text = dfix("explain", "Dockerfile", "--changed", "app.py", cwd=svc)
    assert text.returncode == 0 and "re-runs" in text.stdout and "changed: app.py" in text.stdout


def test_cli_changed_build_arg(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nARG V=1\nRUN echo $V\nCOPY a /a\n")
    (tmp_path / "a").write_text("a")
    doc = json.loads(dfix("explain", str(tmp_path), "--changed-arg", "V", "--format", "json").stdout)
    assert [(s["instruction"], s["reruns"]) for s in doc["dockerfiles"][0]["steps"]] == [
        ("RUN echo $V", True), ("COPY a /a", True)]


def test_cli_errors_exit_2(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nWORKID /x\n")
    done = dfix("explain", str(tmp_path / "Dockerfile"))
    assert done.returncode == 2 and "error:" in done.stderr
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN true\n")
    done = dfix("explain", str(tmp_path / "Dockerfile"), "--history", "5")  # not in a git repository
    assert done.returncode == 2 and ("git" in done.stderr.lower() or "repository" in done.stderr.lower())
    done = dfix("explain", str(tmp_path / "Dockerfile"), "--target", "nope")
    assert done.returncode == 2 and "nope" in done.stderr


# A real `docker build --progress=plain` log (lab daemon, BuildKit built-in frontend), cut to the steps.
REAL_LOG = """\
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 186B done
#1 DONE 0.0s
#4 [1/4] FROM docker.io/library/python:3.11-slim
#4 DONE 0.0s
#5 [internal] load build context
#5 transferring context: 1.13kB done
#5 DONE 0.0s
#6 [2/4] WORKDIR /app
#6 CACHED
#7 [3/4] COPY . /app
#7 DONE 0.1s
#8 [4/4] RUN pip install -r requirements.txt
#8 1.503 Collecting flask
#8 DONE 12.4s
#9 exporting to image
#9 DONE 0.3s
"""


def test_parse_log():
    steps = parse_log(REAL_LOG)
    assert [(s.number, s.total, s.text, s.seconds, s.cached) for s in steps] == [
        (2, 4, "WORKDIR /app", None, True), (3, 4, "COPY . /app", 0.1, False),
        (4, 4, "RUN pip install -r requirements.txt", 12.4, False)]
    padded = parse_log("#9 [build  3/12] RUN make\n#9 DONE 2.0s\n")
    assert [(s.stage, s.number, s.seconds) for s in padded] == [("build", 3, 2.0)]


def test_cli_timings_estimate_time_saved(repo: Path, tmp_path: Path):
    log = tmp_path / "build.log"
    log.write_text(REAL_LOG)
    done = dfix("explain", str(repo / "svc" / "Dockerfile"), "--history", "50", "--timings", str(log),
                "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)["dockerfiles"][0]
    assert [s["seconds"] for s in doc["steps"]] == [None, 0.1, 12.4]
    # original: COPY 3 x 0.1 + install 3 x 12.4; rewritten: install 1 x 12.4 + COPY 3 x 0.1
    assert doc["history"]["seconds"] == {"original": 37.5, "rewritten": 12.7, "saved": 24.8}
