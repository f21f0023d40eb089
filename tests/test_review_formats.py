"""--format sarif (validated against the official SARIF 2.1.0 schema) and --format github."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dfix.cli import main
from dfix.report.github import command, escape_data, escape_property

SCHEMA = Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json"

NODE = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "s.js"]\n'
# CRLF, no final newline: the fix regions must keep both exact.
NODE_CRLF = NODE.replace("\n", "\r\n").rstrip("\r\n")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def make_project(root: Path, dockerfile: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_bytes(dockerfile.encode())
    (root / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    return root


def line_starts(text: str) -> list[int]:
    """Offsets where SARIF lines start: lines end at CRLF, CR or LF (SARIF 3.30.3)."""
    starts = [0]
    for m in re.finditer(r"\r\n|\r|\n", text):
        starts.append(m.end())
    return starts


def apply_sarif_fixes(text: str, results: list[dict], uri: str | None = None) -> str:
    """Apply every result's fixes the way a SARIF consumer would, independent of dfix's code.

    With ``uri``, only the changes to that artifact (a fix may also change a .dockerignore).
    """
    starts = line_starts(text)
    spans = []
    for result in results:
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                if uri is not None and change["artifactLocation"]["uri"] != uri:
                    continue
                for rep in change["replacements"]:
                    reg = rep["deletedRegion"]
                    a = starts[reg["startLine"] - 1] + reg["startColumn"] - 1
                    b = starts[reg["endLine"] - 1] + reg["endColumn"] - 1
                    spans.append((a, b, rep.get("insertedContent", {}).get("text", "")))
    spans.sort()
    for (a1, b1, _), (a2, _, _) in zip(spans, spans[1:]):
        assert b1 <= a2, "replacements of different fixes overlap"
    for a, b, new in reversed(spans):
        text = text[:a] + new + text[b:]
    return text


@pytest.mark.parametrize("dockerfile", [NODE, NODE_CRLF], ids=["lf", "crlf-no-final-newline"])
def test_sarif_validates_and_its_fixes_reproduce_the_rewrite(tmp_path: Path, dockerfile: str):
    project = make_project(tmp_path / "p", dockerfile)
    r = invoke("--format", "sarif", str(project))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    errors = sorted(sarif_validator().iter_errors(doc), key=str)
    assert not errors, [e.message for e in errors]

    run = doc["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert {"DF001", "DF101", "DF102", "DF103", "DF104"} <= set(rule_ids)
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    warnings = [x for x in run["results"] if x["level"] == "warning"]
    notes = [x for x in run["results"] if x["level"] == "note"]
    assert {w["ruleId"] for w in warnings} == {"DF001", "DF101", "DF102", "DF301"}
    assert any(n["ruleId"] == "DF103" and "skipped" in n["message"]["text"] for n in notes)
    assert all("fixes" not in n for n in notes)

    assert invoke("--write", str(project)).exit_code == 0
    rewritten = (project / "Dockerfile").read_bytes().decode()
    assert rewritten != dockerfile
    df_uri = (project / "Dockerfile").as_uri()
    assert apply_sarif_fixes(dockerfile, run["results"], df_uri) == rewritten
    # DF301's new .dockerignore is a change to its own artifact, from empty to what --write wrote.
    ignore = project / ".dockerignore"
    assert apply_sarif_fixes("", run["results"], ignore.as_uri()) == ignore.read_text()


def test_sarif_rule_metadata_comes_from_the_catalogue(tmp_path: Path):
    from dfix.rules import rule_by_code

    doc = json.loads(invoke("--format", "sarif", str(make_project(tmp_path / "p", NODE))).stdout)
    rules = {rule["id"]: rule for rule in doc["runs"][0]["tool"]["driver"]["rules"]}
    df103 = rule_by_code("DF103")
    assert rules["DF103"]["shortDescription"]["text"] == df103.summary()
    assert rules["DF103"]["properties"]["safety"] == df103.safety.value
    assert "## Fix safety" in rules["DF103"]["help"]["markdown"]


def test_sarif_reports_file_errors_as_notifications_and_exits_two(tmp_path: Path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "Dockerfile").write_text("FROM\n")
    r = invoke("--format", "sarif", str(bad))
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    assert not list(sarif_validator().iter_errors(doc))
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "Dockerfile" in note["message"]["text"]


def test_sarif_of_a_clean_file_has_no_results(tmp_path: Path):
    project = make_project(tmp_path / "p", NODE)
    invoke("--write", "--select", "DF001", str(project))
    r = invoke("--format", "sarif", "--select", "DF001", str(project))
    assert json.loads(r.stdout)["runs"][0]["results"] == []


def test_github_escaping_follows_the_toolkit():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    line = command("warning", "x: y, z\n::error::forged", file="dir,1/Dockerfile", line=3, title="DF102")
    assert line == "::warning file=dir%2C1/Dockerfile,line=3,title=DF102::x: y, z%0A::error::forged"
    assert "\n" not in line


def test_github_format_annotates_pending_skipped_and_errors(tmp_path: Path):
    project = make_project(tmp_path / "p", NODE)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "Dockerfile").write_text("FROM\n")
    r = invoke("--format", "github", "--check", str(project), str(bad))
    assert r.exit_code == 2  # an error outranks pending fixes
    lines = r.stdout.splitlines()
    path = str(project / "Dockerfile")
    assert f"::warning file={escape_property(path)},line=4,title=DF102::" in "\n".join(lines)
    assert any(x.startswith("::notice ") and "title=DF103 skipped::" in x for x in lines)
    assert any(x.startswith("::error file=") and "bad" in x for x in lines)
    for x in lines:
        assert re.fullmatch(r"::(warning|notice|error) [^:]*::.*", x), x


def test_github_format_check_exits_one_then_zero(tmp_path: Path):
    project = make_project(tmp_path / "p", NODE)
    assert invoke("--format", "github", "--check", str(project)).exit_code == 1
    invoke("--write", str(project))
    r = invoke("--format", "github", "--check", str(project))
    assert r.exit_code == 0
    assert "::warning" not in r.stdout


GOLDEN_CASES = sorted(p for p in (Path(__file__).parents[1] / "golden").glob("*/Dockerfile"))


@pytest.fixture(scope="module")
def validator():
    return sarif_validator()


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=lambda p: p.parent.name)
def test_sarif_fixes_reproduce_every_golden_rewrite(case: Path, tmp_path: Path, validator):
    import shlex
    import shutil

    work = tmp_path / "case"
    shutil.copytree(case.parent, work, symlinks=True)
    args = shlex.split((case.parent / "args").read_text()) if (case.parent / "args").is_file() else []
    r = invoke(*args, "--format", "sarif", str(work / "Dockerfile"))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert not list(validator.iter_errors(doc))
    original = (work / "Dockerfile").read_bytes().decode("utf-8")
    expected = (case.parent / "expected").read_bytes().decode("utf-8")
    results = doc["runs"][0]["results"]
    assert apply_sarif_fixes(original, results, (work / "Dockerfile").as_uri()) == expected
    if (case.parent / "expected.dockerignore").is_file():
        before = (case.parent / ".dockerignore").read_bytes().decode() if (case.parent / ".dockerignore").is_file() else ""
        after = apply_sarif_fixes(before, results, (work / ".dockerignore").as_uri())
        assert after == (case.parent / "expected.dockerignore").read_bytes().decode()


def test_sarif_uris_are_relative_to_the_working_directory(tmp_path: Path, monkeypatch):
    make_project(tmp_path / "svc", NODE)
    monkeypatch.chdir(tmp_path)
    doc = json.loads(invoke("--format", "sarif", "svc").stdout)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in doc["runs"][0]["results"] for loc in result["locations"]}
    assert uris == {"svc/Dockerfile"}
    absolute = json.loads(invoke("--format", "sarif", str(tmp_path / "svc")).stdout)
    uri = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (tmp_path / "svc" / "Dockerfile").as_uri()
