"""Answers with the libpq version psycopg2 was built against and loads at run time."""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import psycopg2
import psycopg2.extensions


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({
            "app": "split-python-psycopg2",
            "psycopg2": psycopg2.__version__.split()[0],
            "libpq": psycopg2.extensions.libpq_version(),
        }).encode() + b"\n"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"listening on {port}", flush=True)
    HTTPServer(("0.0.0.0", port), Handler).serve_forever()
