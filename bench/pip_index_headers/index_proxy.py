#!/usr/bin/env python3
"""A forwarding package index that adds the cache headers the public index sends.

Serves the simple API (HTML) of an upstream index, rewriting every file link to go
through this server, and adds `Cache-Control: max-age=…` and a strong `ETag` to what it
serves (answering `If-None-Match` with 304), the way the public index does. With
`--no-cache-headers` it sends none of them (this lab's proxy behaviour), so the two
cases differ only in the headers.

Upstream: `--upstream`, else the index the host's pip uses (`PIP_INDEX_URL`, `index-url` in
`pip config list`, else pip's built-in default). TLS to the upstream uses `PIP_CERT` / pip's
`cert` setting when set. Upstream responses are kept in memory (simple pages) and in
`--cache-dir` (files), so the upstream's speed does not enter the measurement: every byte
a build gets comes from this server, through docker0.

Listens on docker0's address by default (the interface `rebuild-bench --limit-rate`
shapes). HTTPS with `--certfile/--keyfile`. Writes `URL` (the index URL to give pip) to
`--url-file` once listening, and a request summary to stderr on SIGTERM/SIGINT.

  index_proxy.py [--bind ADDR] [--port N] [--upstream URL] [--no-cache-headers]
                 [--cache-dir DIR] [--url-file FILE] [--certfile F --keyfile F]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import os
import re
import shlex
import signal
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FILE_MAX_AGE = 365000000  # what the public index sends for files (immutable)
PAGE_MAX_AGE = 600        # and for simple-index pages
HREF = re.compile(r'href="([^"]+)"')


def pip_settings() -> dict[str, str]:
    """`pip config list` as {key without section: value} (later sections win, as in pip)."""
    try:
        out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], check=False, capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    settings = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if value:
            settings[key.rsplit(".", 1)[-1]] = shlex.split(value)[0] if value.strip() else ""
    return settings


def default_upstream(settings: dict[str, str]) -> str:
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    if settings.get("index-url"):
        return settings["index-url"]
    from pip._internal.models.index import PyPI  # pip's own default index
    return PyPI.simple_url


def docker0_address() -> str:
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "docker0"], check=False, capture_output=True, text=True).stdout
    match = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    if not match:
        sys.exit("index_proxy: no IPv4 address on docker0 (is dockerd running?); pass --bind")
    return match.group(1)


class Index:
    def __init__(self, upstream: str, cache_dir: Path, headers: bool, cafile: str | None):
        self.upstream = upstream.rstrip("/") + "/"
        self.cache_dir = cache_dir
        self.headers = headers
        self.ssl = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
        self.pages: dict[str, bytes] = {}
        self.hosts: set[str] = set()   # file hosts seen in served pages: the only ones forwarded
        self.lock = threading.Lock()
        self.stats: Counter = Counter()

    def fetch(self, url: str, accept: str = "*/*") -> bytes:
        req = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "pip-index-headers-bench"})
        with urllib.request.urlopen(req, context=self.ssl, timeout=300) as resp:
            return resp.read()

    def page(self, project: str, self_base: str) -> bytes:
        with self.lock:
            cached = self.pages.get(project)
        if cached is not None:
            return cached
        page_url = self.upstream + (project + "/" if project else "")
        body = self.fetch(page_url, accept="text/html").decode("utf-8")

        def rewrite(match: re.Match) -> str:
            target = urllib.parse.urljoin(page_url, html.unescape(match.group(1)))
            parts = urllib.parse.urlsplit(target)
            with self.lock:
                self.hosts.add(parts.netloc)
            new = f"{self_base}/_files/{parts.scheme}/{parts.netloc}{parts.path}"
            if parts.query:
                new += "?" + parts.query
            if parts.fragment:
                new += "#" + parts.fragment
            return f'href="{html.escape(new, quote=True)}"'

        # The root listing's project links are relative: they stay (and resolve against this server).
        data = (HREF.sub(rewrite, body) if project else body).encode("utf-8")
        with self.lock:
            self.pages[project] = data
        return data

    def file(self, scheme: str, host: str, path: str) -> bytes:
        with self.lock:
            allowed = host in self.hosts
        if not allowed or scheme not in ("http", "https"):
            raise PermissionError(host)
        local = self.cache_dir / host / path.lstrip("/")
        if local.is_file():
            return local.read_bytes()
        data = self.fetch(f"{scheme}://{host}{path}")
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(local.name + f".tmp{os.getpid()}.{threading.get_ident()}")
        tmp.write_bytes(data)
        tmp.replace(local)
        return data


def make_handler(index: Index, self_base: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # one line per request on stderr is too much for pip's hundreds
            pass

        def send(self, status: int, body: bytes, ctype: str, max_age: int | None) -> None:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            cacheable = index.headers and max_age is not None
            if cacheable and status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", f"max-age={max_age}, public")
                self.send_header("Content-Length", "0")
                self.end_headers()
                index.stats["304"] += 1
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if cacheable and status == 200:
                self.send_header("Cache-Control", f"max-age={max_age}, public" +
                                 (", immutable" if max_age == FILE_MAX_AGE else ""))
                self.send_header("ETag", etag)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            index.stats[str(status)] += 1
            index.stats["bytes"] += len(body) if self.command != "HEAD" else 0

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            try:
                if path.startswith("/_files/"):
                    scheme, _, rest = path[len("/_files/"):].partition("/")
                    host, _, fpath = rest.partition("/")
                    index.stats["file requests"] += 1
                    self.send(200, index.file(scheme, host, "/" + fpath), "application/octet-stream",
                              FILE_MAX_AGE)
                elif path == "/simple" or path.startswith("/simple/"):
                    project = path[len("/simple"):].strip("/")
                    index.stats["page requests"] += 1
                    self.send(200, index.page(project, self_base), "text/html; charset=utf-8", PAGE_MAX_AGE)
                else:
                    self.send(404, b"not found\n", "text/plain", None)
            except PermissionError:
                self.send(403, b"host not served by this index\n", "text/plain", None)
            except urllib.error.HTTPError as err:
                self.send(err.code, f"upstream: {err.code}\n".encode(), "text/plain", None)
            except (urllib.error.URLError, OSError) as err:
                self.send(502, f"upstream: {err}\n".encode(), "text/plain", None)

        do_HEAD = do_GET

    return Handler


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", help="address to listen on (default: docker0's IPv4 address)")
    ap.add_argument("--port", type=int, default=0, help="0 = any free port")
    ap.add_argument("--upstream", help="simple-index URL to forward (default: the host pip's index)")
    ap.add_argument("--no-cache-headers", action="store_true", help="send no Cache-Control/ETag (control case)")
    ap.add_argument("--cache-dir", default="/tmp/pip-index-headers-cache", help="host-side copy of upstream files")
    ap.add_argument("--url-file", help="write the index URL here once listening")
    ap.add_argument("--certfile")
    ap.add_argument("--keyfile")
    args = ap.parse_args()

    settings = pip_settings()
    upstream = args.upstream or default_upstream(settings)
    cafile = os.environ.get("PIP_CERT") or settings.get("cert") or None
    bind = args.bind or docker0_address()
    index = Index(upstream, Path(args.cache_dir), not args.no_cache_headers, cafile)

    scheme = "https" if args.certfile else "http"
    server = ThreadingHTTPServer((bind, args.port), None)
    server.daemon_threads = True
    self_base = f"{scheme}://{bind}:{server.server_address[1]}"
    server.RequestHandlerClass = make_handler(index, self_base)
    if args.certfile:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.certfile, args.keyfile)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)

    def stop(signum, frame):
        print(f"index_proxy: {dict(index.stats)}", file=sys.stderr, flush=True)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = f"{self_base}/simple"
    if args.url_file:
        Path(args.url_file).write_text(url + "\n")
    print(f"index_proxy: serving {url} (cache headers {'on' if index.headers else 'off'}), "
          f"forwarding the host pip's index", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
