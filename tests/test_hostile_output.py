"""Issue 16 items 9 and 10: what dfix prints is safe to print, and its lines are BuildKit's lines.

Names, comments and RUN text come from the pull request: none of it may drive the reader's
terminal (escape sequences, bidi overrides), become a GitHub Actions workflow command in a CI
log, go live as Markdown in a pull request body, or print a credential; and a line is what
BuildKit and ``git apply`` call a line (``\\n``), not what ``str.splitlines`` does.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hostile import DFIX, run_dfix
from dfix.io.printable import is_workflow_command

NAIVE = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\n"
OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
RLO = "\u202e"
HOSTILE_NAME = f"svc{OSC52}{RLO}::error file=x::##[warning]"
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def node_project(root: Path, dockerfile: str = NAIVE) -> Path:
    root.mkdir(parents=True)
    (root / "Dockerfile").write_text(dockerfile)
    (root / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    return root


def assert_printable(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and RLO not in text, ascii(text)


def assert_no_workflow_command(lines: list[str]) -> None:
    commands = [line for line in lines if is_workflow_command(line)]
    assert not commands, commands


# --- item 9: terminals and CI logs ------------------------------------------------------------

def test_escape_sequences_and_workflow_commands_in_names_and_comments_are_defused(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    comment = f"# {OSC52} {RLO}evil\n# ::add-mask::x ##[set-env name=A;]b\n"
    node_project(tmp_path / HOSTILE_NAME, comment + NAIVE)
    run = run_dfix("--verbose", str(tmp_path))
    assert run.code == 0, run.stderr
    assert_printable(run.stderr)
    assert_no_workflow_command(run.stderr.splitlines())
    assert "\\x1b]52" in run.stderr and "\\u202e" in run.stderr  # visible, not dropped
    assert "+++ b/" in run.stdout  # piped: the diff's bytes as they are (it must still apply)
    detect = run_dfix("detect", str(tmp_path))
    assert_printable(detect.stdout + detect.stderr)
    assert_no_workflow_command((detect.stdout + detect.stderr).splitlines())
    for fmt in ("json", "sarif"):
        out = run_dfix("--format", fmt, str(tmp_path)).stdout
        assert_printable(out)  # JSON escapes every control and non-ASCII character
        json.loads(out)


def test_diff_on_a_terminal_shows_escapes(tmp_path: Path):
    import os
    import pty
    import re

    node_project(tmp_path / "app", f"# {OSC52} {RLO}x\r\n" + NAIVE)
    main, child = pty.openpty()
    proc = subprocess.Popen([DFIX, str(tmp_path / "app")], stdout=child, stderr=subprocess.DEVNULL)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(main)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.decode())  # dfix's own colours
    assert "+++ b/" in text
    assert_printable(text)
    assert "\\x1b]52" in text and "\\u202e" in text


def test_diff_in_a_github_actions_log_cannot_hold_workflow_commands(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    node_project(tmp_path / "app", "# ::add-mask::x\n# ##[error]forged\n" + NAIVE)
    run = run_dfix(str(tmp_path / "app"))
    lines = run.stdout.splitlines()
    assert lines[0].startswith("::stop-commands::") and len(lines[0]) > len("::stop-commands::") + 16
    token = lines[0].removeprefix("::stop-commands::")
    assert lines[-1] == f"::{token}::"
    assert "  ::add-mask::x" not in lines and " # ::add-mask::x" in lines  # the diff itself unchanged
    assert_no_workflow_command(run.stderr.splitlines())


def test_github_annotations_show_control_characters_escaped(tmp_path: Path):
    node_project(tmp_path / HOSTILE_NAME)
    run = run_dfix("--format", "github", str(tmp_path))
    assert_printable(run.stdout)
    assert all(line.startswith(("::warning ", "::notice ", "::error ")) for line in run.stdout.splitlines())


def test_explain_text_output_is_escaped(tmp_path: Path):
    node_project(tmp_path / HOSTILE_NAME, f"FROM node:20-slim\n# {OSC52}\nRUN echo '{RLO}' {OSC52}\n")
    run = run_dfix("explain", str(tmp_path))
    assert run.code == 0, run.stderr
    assert_printable(run.stdout + run.stderr)
    assert_no_workflow_command(run.stdout.splitlines())


# --- item 9: Markdown -------------------------------------------------------------------------

def markdown_tokens(text: str):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    stack = list(md.parse(text))
    while stack:
        token = stack.pop()
        yield token
        stack.extend(token.children or [])


def assert_inert_markdown(text: str, *needles: str) -> None:
    """No HTML, image or link from input; every needle only inside code or with its ``@`` defused."""
    from dfix.commands.pr.body import MARKER

    tokens = list(markdown_tokens(text))
    kinds = {t.type for t in tokens}
    assert not kinds & {"html_inline", "image", "link_open"}, kinds
    for block in (t.content for t in tokens if t.type == "html_block"):  # only dfix's own
        assert block.strip() == MARKER or block.startswith(("<details><summary><code>", "</details>")), block
        assert "<!--" not in block.replace(MARKER, "") and "<img" not in block and "\x1b" not in block, block
    for token in tokens:
        if token.type == "text":
            assert "@org" not in token.content, token.content  # a mention would notify the team
            assert_printable(token.content)
    for needle in needles:
        assert any(needle in t.content for t in tokens if t.type == "code_inline"), needle


def test_pr_body_keeps_backticks_mentions_and_html_of_names_inert():
    from dfix.commands.pr.body import FixItem, SkipItem, pr_body

    path = "svc`@org/team <!-- ![x](https://t.example/p.png) `` |x|/Dockerfile"
    script = "node -e \"`@org/team`\" <img src=x onerror=alert(1)>"
    reason = f"the postinstall script in package.json (`{script}`) may read any file"
    body = pr_body([FixItem(path, 3, "DF101", f"`RUN npm ci` now reads `{path}` only")],
                   [SkipItem(path, 4, "DF101", reason),
                    SkipItem(path, 5, "DF102", "odd `` ` backticks @org/team <b>x</b>")],
                   [(f"RUN echo {OSC52} ``` @org/team", 3, 1)],
                   diffs=[(path + OSC52, "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1 @@\n-a\n+b\n")])
    assert_inert_markdown(body, "@org/team <!--")
    # Each row is still one table row of the right width (a `|` in the name did not split it).
    rows = [line for line in body.splitlines() if line.startswith("| ") and "Dockerfile" in line]
    assert len(rows) == 3
    [chart] = [t for t in markdown_tokens(body) if t.type == "fence" and t.info == "mermaid"]
    assert chart.content.rstrip().endswith("bar [1]")  # a label did not close it


def test_explain_markdown_keeps_names_inert(tmp_path: Path):
    project = node_project(tmp_path / "svc`@org/team <!--", "FROM node:20-slim\nRUN echo '<b>@org/team</b>' `x`\n")
    run = run_dfix("explain", "--format", "markdown", str(project))
    assert run.code == 0, run.stderr
    assert_inert_markdown(run.stdout, "@org/team")


# --- item 9: masking everywhere ---------------------------------------------------------------

CREDENTIAL_RUN = f"FROM node:20-slim\nRUN git clone https://x:{TOKEN}@git.example/repo.git /src\n"


@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_explain_masks_a_url_credential(tmp_path: Path, fmt: str):
    project = node_project(tmp_path / "app", CREDENTIAL_RUN)
    run = run_dfix("explain", "--format", fmt, str(project))
    assert run.code == 0, run.stderr
    assert TOKEN not in run.stdout + run.stderr and TOKEN[4:12] not in run.stdout
    assert "https://x:****@git.example" in run.stdout


def test_pr_body_evidence_masks_a_url_credential(tmp_path: Path):
    from dfix.commands.explain.compare import rebuild_rows

    repo = node_project(tmp_path / "repo", CREDENTIAL_RUN)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)
    rows = rebuild_rows(repo / "Dockerfile", history=1)
    assert rows and not any(TOKEN in label for label, _, _ in rows)
    assert any("x:****@git.example" in label for label, _, _ in rows)
