"""DF301 judges the context as it may be, makes an entry only when it buys something, and
costs one walk and one parse per Dockerfile of a context however many Dockerfiles share it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import dfix.context
import dfix.rules.df301.index
from dfix.cli import main
from dfix.io.limits import InputLimitError, yaml_scalars
from dfix.rules.df301.overlap import overlaps

SERVICE = 'FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\nCMD ["node", "s.js"]\n'


def run_json(*args: str) -> list[dict]:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["files"]


def monorepo(root: Path, services: int) -> Path:
    (root / "Dockerfile").write_text(SERVICE)
    (root / "package.json").write_text('{"name": "mono"}\n')
    for i in range(services):
        svc = root / "services" / f"s{i}"
        svc.mkdir(parents=True)
        (svc / "Dockerfile").write_text(SERVICE)
        (svc / "package.json").write_text('{"name": "s"}\n')
        (svc / "s.js").write_text("1\n")
    return root


@pytest.fixture
def counted(monkeypatch):
    """How many times the tree was walked and how many Dockerfiles DF301's index parsed."""
    counts = {"walks": 0, "parses": 0}
    walk, parse = dfix.context._walk, dfix.rules.df301.index.parse

    def counting_walk(root):
        counts["walks"] += 1
        return walk(root)

    def counting_parse(text):
        counts["parses"] += 1
        return parse(text)

    monkeypatch.setattr(dfix.context, "_walk", counting_walk)
    monkeypatch.setattr(dfix.rules.df301.index, "parse", counting_parse)
    return counts


def test_the_tree_dockerfiles_are_parsed_once_per_context_not_per_pass_or_candidate(tmp_path, counted):
    root = monorepo(tmp_path, 12)
    files = run_json("--select", "DF301", "--jobs", "1", str(root / "Dockerfile"))
    assert files[0]["fixes"], files  # a .dockerignore is proposed, over two passes
    assert counted["walks"] == 1
    assert counted["parses"] == 13  # every Dockerfile of the tree once (not once per pass)


def test_dockerfiles_sharing_one_context_share_one_walk(tmp_path, counted):
    root = monorepo(tmp_path, 6)
    dockerfiles = [str(root / "Dockerfile"), *(str(p) for p in sorted(root.glob("services/*/Dockerfile")))]
    run_json("--select", "DF301", "--jobs", "1", "--context", str(root), *dockerfiles)
    assert counted["walks"] == 1  # seven Dockerfiles, one context
    assert counted["parses"] == 7  # each Dockerfile of the tree once, for all seven together


def test_a_new_run_sees_the_tree_as_it_is_now(tmp_path):
    root = monorepo(tmp_path, 1)
    first = run_json("--select", "DF301", "--jobs", "1", str(root / "Dockerfile"))
    assert not any("cannot expand" in x["reason"] for x in first[0]["skipped"])
    (root / "services" / "s0" / "Dockerfile").write_text("FROM node:20\nCOPY ${UNKNOWN} .\n")
    second = run_json("--select", "DF301", "--jobs", "1", str(root / "Dockerfile"))
    assert "cannot expand" in second[0]["skipped"][0]["reason"]


def test_a_skip_is_reported_once_with_the_line_of_the_input(tmp_path):
    # DF101 moves `COPY . .` down; DF301's unsafe remainder is said in both passes.
    (tmp_path / "Dockerfile").write_text('FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n'
                                         'CMD ["node", "server.js"]\n')
    (tmp_path / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')
    (tmp_path / "package-lock.json").write_text('{"name": "a", "version": "1.0.0", "lockfileVersion": 3, '
                                                '"requires": true, "packages": {"": {"name": "a"}}}\n')
    (tmp_path / ".env").write_text("X=1\n")  # copied today: the `.env` entry is unsafe
    report = run_json("--select", "DF101,DF301", "--jobs", "1", str(tmp_path / "Dockerfile"))[0]
    assert [f["code"] for f in report["fixes"]].count("DF101") == 1
    df301 = [s for s in report["skipped"] if s["code"] == "DF301"]
    assert len(df301) == 1, df301
    assert df301[0]["line"] == 3  # the input's `COPY . .` (the second report said line 5, the input's CMD)


def test_explicit_copies_get_a_note_not_an_entry(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY app.sh /app.sh\nCMD [\"/app.sh\"]\n")
    (tmp_path / "app.sh").write_text("echo\n")
    report = run_json("--select", "DF301", str(tmp_path / "Dockerfile"))[0]
    assert not report["fixes"] and not report["skipped"]
    assert "BuildKit sends only those" in report["notes"][0]["reason"]


def test_only_entries_that_reach_a_directory_copy_are_made(tmp_path):
    # Only `COPY config/ ...` copies a folder: .git, .env and target live at the root, out of its reach.
    (tmp_path / "Dockerfile").write_text("FROM eclipse-temurin:21-jre\nCOPY config/ /etc/app/\n"
                                         "COPY app.jar /app.jar\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "app.properties").write_text("a=1\n")
    (tmp_path / "app.jar").write_text("jar\n")
    (tmp_path / "pom.xml").write_text("<project/>\n")
    (tmp_path / ".dockerignore").write_text("# local\n")
    run_json("--select", "DF301", "--write", str(tmp_path / "Dockerfile"))
    added = [ln for ln in (tmp_path / ".dockerignore").read_text().splitlines() if ln and not ln.startswith("#")]
    # The key entries reach config/, where a developer may keep a key git ignores: offered unsafe, not made.
    assert added == []
    [skip] = run_json("--select", "DF301", str(tmp_path / "Dockerfile"))[0]["skipped"]
    assert "**/*.pem, **/id_rsa, **/id_ed25519;" in skip["reason"] and ".git" not in skip["reason"]


def test_the_nothing_to_add_note_is_not_repeated_after_a_fix_moved_lines(tmp_path):
    (tmp_path / "Dockerfile").write_text('FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n'
                                         'CMD ["node", "server.js"]\n')
    (tmp_path / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')
    (tmp_path / "package-lock.json").write_text('{"name": "a", "version": "1.0.0", "lockfileVersion": 3, '
                                                '"requires": true, "packages": {"": {"name": "a"}}}\n')
    report = run_json("--select", "DF101,DF301", "--jobs", "1", str(tmp_path / "Dockerfile"))[0]
    assert sorted(f["code"] for f in report["fixes"]) == ["DF101", "DF301"]
    assert not [n for n in report["notes"] if n["code"] == "DF301"], report["notes"]


@pytest.mark.parametrize("pattern, glob, below, expected", [
    (".env.*", ".env.production", False, True),
    (".env", ".env.${APP_ENV}", False, False),
    (".env.*", ".env.${APP_ENV}", False, True),
    ("**/*.pem", ".env.${APP_ENV}", False, False),
    ("**/node_modules", "public", True, True),  # public/node_modules
    (".git", "public", True, False),  # anchored at the root
    ("**/__pycache__", "src/a.py", False, False),
    ("dist", "dist/server.js", False, True),  # a folder above it
    ("**/node_modules", "a/xnode_modules", False, False),
    ("a/**/b", "a/x/y/b", False, True),
    ("a/**/b", "a/xb", False, False),
    ("target", "*", True, True),  # a wildcard source may be `target`
    (".git", ".", True, True),  # the whole context
])
def test_overlap_of_an_ignore_pattern_and_a_path_without_files(pattern, glob, below, expected):
    assert overlaps(pattern, glob, below) is expected


def test_overlap_is_bounded_on_hostile_patterns():
    assert overlaps("*a" * 400 + "c", "a" * 500, False) is True  # past the bound: "may overlap", at once


def test_compose_scalars_are_read_without_expanding_anchors():
    text = "x: &c\n  env_file: [.env.dev]\ns:\n  api:\n    <<: *c\n    env_file:\n      - path: ./a.env\n"
    found = list(yaml_scalars(text, "compose.yaml"))
    assert (("x", "env_file", "[]"), ".env.dev") in found
    assert (("s", "api", "env_file", "[]", "path"), "./a.env") in found
    with pytest.raises(ValueError):
        list(yaml_scalars("a: [\n", "compose.yaml"))
    with pytest.raises(InputLimitError):
        list(yaml_scalars("a: " + "[" * 300 + "]" * 300, "compose.yaml"))


def _stage_taken(text: str, files: list[str]) -> set[tuple[str, bool]]:
    from dfix.analysis.buildstate import stage_states
    from dfix.analysis.named import stage_taken
    from dfix.context import BuildContext
    from dfix.dockerfile import parse

    df = parse(text)
    context = BuildContext(Path("/nonexistent"), files, ignore=None, ignored_by=None)
    return {(n.glob, n.below) for n in stage_taken(df, stage_states(df), context)}


def test_copy_from_maps_back_through_the_stage_folder_copies():
    text = ("FROM node:20 AS b\nWORKDIR /app\nCOPY src/ ./src/\nCOPY . .\nCOPY conf/ /etc/app/\nRUN make\n"
            "FROM alpine\nCOPY --from=b /app/src/.env.local /x\nCOPY --from=b /app/public /p\n")
    assert _stage_taken(text, ["src/a.js", "public/i.html"]) == {
        ("src/.env.local", False),  # through `COPY src/ ./src/` and `COPY . .` alike
        ("public", True),  # a folder the checkout holds: its content is named too
    }


def test_copy_from_to_an_unknown_destination_names_every_tail():
    text = "FROM node:20 AS b\nARG DIR\nCOPY . ${DIR}\nFROM alpine\nCOPY --from=b /srv/app/.env /x\n"
    assert _stage_taken(text, ["a.js"]) == {("srv/app/.env", False), ("app/.env", False), (".env", False)}


def test_copy_from_pairs_are_bounded_on_hostile_files():
    text = ("FROM node:20 AS b\nWORKDIR /app\n" + "COPY . .\n" * 400 + "FROM alpine\n"
            + "COPY --from=b /app/.env /x\n" * 400)  # 160,000 pairs: past the bound, tails named at once
    assert (".env", False) in _stage_taken(text, ["a.js"])


def test_a_dockerfile_compose_builds_counts_whatever_its_name(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n")
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "api.docker").write_text("FROM eclipse-temurin:21\nCOPY target/app.jar /app.jar\n")
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    build:\n      context: .\n"
                                           "      dockerfile: deploy/api.docker\n")
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.22\n")
    (tmp_path / "pom.xml").write_text("<project/>\n")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "app.jar").write_text("jar\n")
    report = run_json("--select", "DF301", str(tmp_path / "Dockerfile"))[0]
    assert any("`target` left out" in s["reason"] and "deploy/api.docker line 2" in s["reason"]
               for s in report["skipped"]), report["skipped"]
