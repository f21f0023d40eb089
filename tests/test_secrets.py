"""Secret detection and masking: no secret value reaches any output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dfix.cli import main
from dfix.dockerfile import parse
from dfix.secrets import Masker, is_secret_name, literal_secrets, looks_random, token_shape

GH = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
PASSWORD = "hunter2"
URL_PASSWORD = "s3cr3t-Pa55"
DOCKERFILE = (f"FROM node:20-slim\nENV GITHUB_TOKEN={GH} NODE_ENV=production\nARG AWS_KEY={AWS}\n"
              f"ENV DB_PASSWORD={PASSWORD}\n"
              f"RUN git clone https://ci:{URL_PASSWORD}@git.example.com/a.git /src\nWORKDIR /app\nCOPY . .\n"
              "RUN npm install\n")
VALUES = (GH, AWS, PASSWORD, URL_PASSWORD)


@pytest.mark.parametrize("name", ["NPM_TOKEN", "GITHUB_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "API_KEY",
                                  "SECRET_KEY_BASE", "NODE_AUTH_TOKEN", "MYSQL_ROOT_PASSWORD", "apiKey"])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "TOKEN_FILE", "PASSWORD_FILE", "NODE_ENV", "SECRET_ID", "PWD",
                                  "GITHUB_TOKEN_URL", "PASSWORD_LENGTH", "BYPASS_CACHE"])
def test_not_secret_names(name):
    assert not is_secret_name(name)


def test_token_shapes_and_entropy():
    assert token_shape(GH) == (0, len(GH), 4)
    assert token_shape(f"x={AWS}")[0] == 2
    assert token_shape("glpat-" + "x" * 20) and token_shape("xoxb-123456789012-abc")
    assert token_shape("npm_" + "a1" * 18) and token_shape("sk-" + "A1b2" * 6)
    assert token_shape("ghp_short") is None
    assert looks_random("aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW")
    assert not looks_random("A035C8C19219BA821ECEA86B64E628F8D684696D")  # a GPG fingerprint (hex)
    assert not looks_random("/usr/local/lib/python3.12/site-packages")


def test_literal_secrets_found_once_each_with_their_line():
    found = literal_secrets(parse(DOCKERFILE))
    assert {s.value: s.line for s in found} == {GH: 2, AWS: 3, PASSWORD: 4, URL_PASSWORD: 5}
    assert {s.value: s.masked for s in found}[GH] == "ghp_****"


def test_masker_keeps_short_values_in_unrelated_text():
    masker = Masker(literal_secrets(parse("FROM a\nENV ROOT_PASSWORD=root\nUSER root\n")))
    assert masker("ENV ROOT_PASSWORD=root\nUSER root\nRUN ls /root") == "ENV ROOT_PASSWORD=****\nUSER root\nRUN ls /root"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "package.json").write_text('{"name": "a"}\n')
    return tmp_path


def _leaks(text: str) -> list[str]:
    return [v for v in VALUES if v in text]


def test_no_secret_in_text_output(project: Path):
    r = CliRunner().invoke(main, ["--verbose", "--unsafe-fixes", str(project)])
    assert r.exit_code == 0, r.output
    assert "+# syntax=docker/dockerfile:1" in r.stdout  # there is a diff, and its context lines are masked
    assert "ENV GITHUB_TOKEN=ghp_**** NODE_ENV=production" in r.stdout
    assert "https://ci:****@git.example.com" in r.stdout
    assert "DF401 error" in r.stderr
    assert _leaks(r.stdout) == [] and _leaks(r.stderr) == []


def test_no_secret_in_json_output(project: Path):
    r = CliRunner().invoke(main, ["--format", "json", str(project)])
    doc = json.loads(r.stdout)
    assert doc["files"][0]["diff"] and any(x["code"] == "DF401" for x in doc["files"][0]["reports"])
    assert _leaks(r.stdout) == []


def test_a_secret_in_a_layer_fails_check_in_every_format(project: Path):
    # Not a "skipped fix": a report at error level, so CI fails on it as on a pending fix.
    (project / "Dockerfile").write_text(f"# syntax=docker/dockerfile:1\nFROM alpine:3.20\nENV GITHUB_TOKEN={GH}\n")
    r = CliRunner().invoke(main, ["--check", str(project)])
    assert r.exit_code == 1 and "DF401 error:" in r.stderr and _leaks(r.stderr) == []
    doc = json.loads(CliRunner().invoke(main, ["--format", "json", str(project)]).stdout)
    [report] = doc["files"][0]["reports"]
    assert (report["code"], report["line"], report["severity"]) == ("DF401", 3, "error")
    github = CliRunner().invoke(main, ["--format", "github", str(project)]).stdout
    assert "::error file=" in github and "title=DF401::" in github
    sarif = json.loads(CliRunner().invoke(main, ["--format", "sarif", str(project)]).stdout)
    assert [x["level"] for x in sarif["runs"][0]["results"]] == ["error"]
    (project / "Dockerfile").write_text("# syntax=docker/dockerfile:1\nFROM alpine:3.20\n")
    assert CliRunner().invoke(main, ["--check", str(project)]).exit_code == 0


def test_write_keeps_the_real_values_in_the_file(project: Path):
    assert CliRunner().invoke(main, ["--write", "--select", "DF001", str(project)]).exit_code == 0
    assert _leaks((project / "Dockerfile").read_text()) == list(VALUES)


@pytest.mark.parametrize("path, expected", [
    (".env", True), ("apps/web/.env.production", True), (".env.example", False), ("id_rsa", True),
    ("deploy/private-key.pem", True), ("certs/cacert.pem", False), ("jenkins.io-2026.key", False),
    ("tests/fixtures/server-key.pem", False), ("vendor/x/.env", False), (".npmrc", False), ("credentials.json", True),
])
def test_credential_files(path, expected):
    from dfix.rules.df401_secrets import is_credential_file

    assert is_credential_file(path) is expected


@pytest.mark.parametrize("line", ['ENV OPENAI_API_KEY=""', "ENV GOOGLE_API_KEY=no", "ARG key_rotation_period=0",
                                  'ENV DATABASE_URL="postgresql://user:pass@localhost/db"'])
def test_placeholders_are_not_secrets(line):
    assert literal_secrets(parse(f"FROM a\n{line}\n")) == []


def test_detect_output_is_masked(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("requests\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12-slim\nCOPY requirements.txt .\n"
        f"RUN pip install --index-url https://ci:{URL_PASSWORD}@pypi.example.com/simple -r requirements.txt\n")
    for fmt in ("json", "text"):
        r = CliRunner().invoke(main, ["detect", "--format", fmt, str(tmp_path)])
        assert r.exit_code == 0, r.output
        assert "pip install" in r.stdout and "https://ci:****@pypi.example.com" in r.stdout
        assert URL_PASSWORD not in r.stdout


def test_sarif_never_offers_a_fix_that_writes_a_mask(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("requests\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12-slim\nCOPY requirements.txt .\n"
        f"RUN pip install --index-url https://ci:{URL_PASSWORD}@pypi.example.com/simple -r requirements.txt\n")
    r = CliRunner().invoke(main, ["--format", "sarif", "--select", "DF102", str(tmp_path)])
    doc = json.loads(r.stdout)
    assert URL_PASSWORD not in r.stdout
    inserted = [rep.get("insertedContent", {}).get("text", "") for res in doc["runs"][0]["results"]
                for fix in res.get("fixes", []) for ch in fix["artifactChanges"] for rep in ch["replacements"]]
    assert [res["ruleId"] for res in doc["runs"][0]["results"] if res["level"] == "warning"] == ["DF102"]
    assert not any("****" in text for text in inserted)
