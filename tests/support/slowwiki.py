"""A slow front for the farm's wikis, for the background work's tests: each wiki of the farm
gets a port of its own here, and each API request is passed to the real wiki after a delay.
The site matrix is rewritten to name these ports, so the web tool's workers talk only to
this front. It counts the requests in flight, and the most there ever were at once."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler

import requests

from support.helpers import serve


class SlowWikis:
    def __init__(self, sandbox: dict, delay: float) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.requests = 0
        self.servers = {
            dbname: serve(self._handler(wiki["server"]))
            for dbname, wiki in sandbox["wikis"].items()
        }
        self.public = {
            wiki["server"]: self.url(dbname) for dbname, wiki in sandbox["wikis"].items()
        }

    def url(self, dbname: str) -> str:
        return f"http://127.0.0.1:{self.servers[dbname].server_port}"

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def _handler(self, target: str):
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                front._enter()
                try:
                    time.sleep(front.delay)
                    reply = requests.get(target + self.path, timeout=30, allow_redirects=False)
                    body = reply.content
                    if b'"sitematrix"' in body:
                        body = front._rewritten(body)
                finally:
                    front._leave()
                try:
                    self.send_response(reply.status_code)
                    self.send_header(
                        "Content-Type", reply.headers.get("Content-Type", "text/plain")
                    )
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except BrokenPipeError:
                    pass  # the worker asking was killed: the tests kill workers on purpose

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def _rewritten(self, body: bytes) -> bytes:
        """The site matrix naming this front's ports instead of the farm's."""
        text = body.decode()
        for farm, here in self.public.items():
            text = text.replace(json.dumps(farm)[1:-1], json.dumps(here)[1:-1])
        return text.encode()

    def _enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.requests += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self.lock:
            self.in_flight -= 1
