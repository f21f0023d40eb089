"""dfix pr when the API fails: one line naming the service, a bounded wait, and nothing pushed.

Each server here is a real HTTP server on 127.0.0.1 answering one way (refusing, 502, an
HTML page, a rate limit an hour away, silence, a 50 MB error); the git side is the real
repository and bare remote of test_bot_pr.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_bot_pr import TOKEN, git, repo  # noqa: F401  (fixture)

from dfix.cli import main
from dfix.commands.pr import github as github_client

pytest.importorskip("github")


class _Answer(BaseHTTPRequestHandler):
    status = 200
    content_type = "application/json"
    body = b"{}"
    headers_out: dict[str, str] = {}
    delay = 0.0

    def do_GET(self):  # noqa: N802 (http.server's name)
        time.sleep(self.delay)
        try:
            self.send_response(self.status)
            self.send_header("Content-Type", self.content_type)
            self.send_header("Content-Length", str(len(self.body)))
            for key, value in self.headers_out.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(self.body)
        except OSError:
            pass  # the client gave up

    do_POST = do_PATCH = do_GET

    def log_message(self, *args):
        pass


def _serve(**answer):
    handler = type("Handler", (_Answer,), answer)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _run_pr(repo: Path, api_url: str, monkeypatch):
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["pr", "--repo", "acme/app", "--api-url", api_url, "--history", "0"])
    return result, time.monotonic() - started


def _nothing_pushed(repo: Path) -> bool:
    return git(repo.parent / "remote.git", "branch", "--list", "dfix/*") == ""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_refused_connection_names_the_api_and_pushes_nothing(repo: Path, monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}"
    r, _ = _run_pr(repo, url, monkeypatch)
    assert r.exit_code == 2
    assert f"GitHub API at {url} could not be reached" in r.output
    assert "dfix bug" not in r.output
    assert _nothing_pushed(repo)


@pytest.mark.parametrize("answer, expected", [
    ({"status": 502, "body": b'{"message": "Bad Gateway"}'}, "answered 502: Bad Gateway"),
    ({"status": 200, "content_type": "text/html", "body": b"<html><body>Sign in</body></html>"},
     "is not GitHub's API"),
    ({"status": 403, "body": b'{"message": "API rate limit exceeded"}',
      "headers_out": {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)}},
     "answered 403: API rate limit exceeded"),
])
def test_api_failures_are_one_bounded_line(repo: Path, monkeypatch, answer, expected):
    server = _serve(**answer)
    try:
        r, seconds = _run_pr(repo, f"http://127.0.0.1:{server.server_address[1]}", monkeypatch)
    finally:
        server.shutdown()
    assert r.exit_code == 2, r.output
    assert expected in r.output and "dfix bug" not in r.output
    assert seconds < 30  # three tries with at most 8 s between them, never the rate limit's hour
    assert _nothing_pushed(repo)


def test_a_huge_error_body_is_cut(repo: Path, monkeypatch):
    server = _serve(status=422, body=b'{"message": "' + b"x" * 50_000_000 + b'"}')
    try:
        r, _ = _run_pr(repo, f"http://127.0.0.1:{server.server_address[1]}", monkeypatch)
    finally:
        server.shutdown()
    assert r.exit_code == 2
    [line] = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(line) < 500


def test_a_server_that_never_answers_times_out(repo: Path, monkeypatch):
    monkeypatch.setattr(github_client, "_TIMEOUT", 1)
    server = _serve(delay=60)
    try:
        r, seconds = _run_pr(repo, f"http://127.0.0.1:{server.server_address[1]}", monkeypatch)
    finally:
        server.shutdown()
    assert r.exit_code == 2
    assert "could not be reached" in r.output
    assert seconds < 30
    assert _nothing_pushed(repo)


def test_a_repository_without_a_dockerfile_is_not_a_failure(repo: Path, monkeypatch):
    git(repo, "rm", "-q", "Dockerfile")
    git(repo, "commit", "-q", "-m", "no image here")
    git(repo, "push", "-q", "origin", "main")
    r, _ = _run_pr(repo, f"http://127.0.0.1:{_closed_port()}", monkeypatch)
    assert r.exit_code == 0, r.output
    assert "nothing to fix" in r.output
    assert _nothing_pushed(repo)
