"""A local stand-in for the GitHub REST API endpoints ``dfix pr`` uses, on 127.0.0.1.

It serves what GitHub documents for these endpoints and refuses what GitHub would refuse:
- GET  /repos/{owner}/{repo}                      get a repository
- GET  /repos/{owner}/{repo}/pulls?state=&head=    list pull requests (head is "owner:branch")
- POST /repos/{owner}/{repo}/pulls                 create: "head" and "base" required, "title"
                                                   required; 422 when a branch does not exist
                                                   or an open PR from head to base exists
- PATCH /repos/{owner}/{repo}/pulls/{number}      update: only title, body, state, base,
                                                   maintainer_can_modify
Every request must carry the token as ``Authorization: token|Bearer <token>`` (else 401).
Branch existence is read from the real bare git remote. Anything else is a violation,
recorded for the test to assert on, and answered 404.
"""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PATCH_FIELDS = {"title", "body", "state", "base", "maintainer_can_modify"}
CREATE_FIELDS = {"title", "head", "head_repo", "base", "body", "maintainer_can_modify", "draft", "issue"}


class FakeGitHub:
    def __init__(self, owner: str, name: str, bare_remote: Path, token: str, default_branch: str = "main",
                 api_prefix: str = ""):
        # api_prefix "/api/v3" serves the API the way GitHub Enterprise Server does.
        self.owner, self.name, self.bare, self.token = owner, name, bare_remote, token
        self.api_prefix = api_prefix
        self.default_branch = default_branch
        self.pulls: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.violations: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The API root, what --api-url is given."""
        return self.host_url + self.api_prefix

    def __enter__(self) -> "FakeGitHub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # --- data -------------------------------------------------------------------------
    def branch_exists(self, branch: str) -> bool:
        return subprocess.run(["git", "--git-dir", str(self.bare), "rev-parse", "--verify", "-q",
                               f"refs/heads/{branch}"], capture_output=True).returncode == 0

    def repo_json(self) -> dict:
        full = f"{self.owner}/{self.name}"
        return {"id": 1, "node_id": "R_1", "name": self.name, "full_name": full, "private": False,
                "owner": {"login": self.owner, "id": 2, "type": "Organization"},
                "html_url": f"{self.host_url}/{full}", "url": f"{self.url}/repos/{full}",
                "pulls_url": f"{self.url}/repos/{full}/pulls{{/number}}", "default_branch": self.default_branch}

    def pull_json(self, pr: dict) -> dict:
        full = f"{self.owner}/{self.name}"
        return {"id": 100 + pr["number"], "number": pr["number"], "state": pr["state"], "title": pr["title"],
                "body": pr["body"], "url": f"{self.url}/repos/{full}/pulls/{pr['number']}",
                "html_url": f"{self.host_url}/{full}/pull/{pr['number']}",
                "head": {"ref": pr["head"], "label": f"{self.owner}:{pr['head']}", "repo": self.repo_json()},
                "base": {"ref": pr["base"], "label": f"{self.owner}:{pr['base']}", "repo": self.repo_json()}}

    # --- HTTP -------------------------------------------------------------------------
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, payload) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reject(self, status: int, why: str) -> None:
                fake.violations.append(f"{self.command} {self.path}: {why}")
                self._send(status, {"message": why})

            def _authorised(self) -> bool:
                auth = self.headers.get("Authorization", "")
                scheme, _, value = auth.partition(" ")
                if scheme.lower() not in ("token", "bearer") or value != fake.token:
                    self._reject(401, "Bad credentials")
                    return False
                return True

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if "json" not in self.headers.get("Content-Type", ""):
                    self._reject(415, "request body must be JSON")
                    return None
                try:
                    return json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._reject(400, "Problems parsing JSON")
                    return None

            def _route(self):
                parts = urlsplit(self.path)
                prefix = f"{fake.api_prefix}/repos/{fake.owner}/{fake.name}"
                fake.requests.append((self.command, parts.path))
                if not parts.path.startswith(prefix):
                    self._reject(404, "Not Found")
                    return None, None, None
                return parts.path[len(prefix):], parse_qs(parts.query), prefix

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                rest, query, _ = self._route()
                if rest is None:
                    return
                if rest == "":
                    return self._send(200, fake.repo_json())
                if rest == "/pulls":
                    state = query.get("state", ["open"])[0]
                    head = query.get("head", [None])[0]
                    if head is not None and ":" not in head:
                        return self._reject(422, "head must be user:ref-name or organization:ref-name")
                    found = [p for p in fake.pulls if state in ("all", p["state"])
                             and (head is None or head == f"{fake.owner}:{p['head']}")]
                    return self._send(200, [fake.pull_json(p) for p in found])
                self._reject(404, "Not Found")

            def do_POST(self) -> None:
                if not self._authorised():
                    return
                rest, _, _ = self._route()
                if rest != "/pulls":
                    return self._reject(404, "Not Found") if rest is not None else None
                data = self._body()
                if data is None:
                    return
                unknown = set(data) - CREATE_FIELDS
                if unknown:
                    return self._reject(422, f"unknown fields {sorted(unknown)}")
                for required in ("head", "base", "title"):
                    if not isinstance(data.get(required), str) or not data[required]:
                        return self._reject(422, f"{required} is required")
                for ref in (data["head"], data["base"]):
                    if not fake.branch_exists(ref):
                        return self._reject(422, f"Validation Failed: no branch {ref}")
                if any(p["state"] == "open" and p["head"] == data["head"] and p["base"] == data["base"]
                       for p in fake.pulls):
                    return self._reject(422, f"A pull request already exists for {fake.owner}:{data['head']}.")
                pr = {"number": len(fake.pulls) + 1, "state": "open", "title": data["title"],
                      "body": data.get("body"), "head": data["head"], "base": data["base"]}
                fake.pulls.append(pr)
                self._send(201, fake.pull_json(pr))

            def do_PATCH(self) -> None:
                if not self._authorised():
                    return
                rest, _, _ = self._route()
                if rest is None:
                    return
                number = rest.removeprefix("/pulls/")
                pr = next((p for p in fake.pulls if str(p["number"]) == number), None)
                if not rest.startswith("/pulls/") or pr is None:
                    return self._reject(404, "Not Found")
                data = self._body()
                if data is None:
                    return
                if set(data) - PATCH_FIELDS:
                    return self._reject(422, f"unknown fields {sorted(set(data) - PATCH_FIELDS)}")
                pr.update({k: v for k, v in data.items() if k in ("title", "body", "state", "base")})
                self._send(200, fake.pull_json(pr))

        return Handler
