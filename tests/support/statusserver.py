"""A stand-in for the web tool's `GET /api/v1/program-status`, on a loopback port, for tests.

The real endpoint belongs to the web tool (the staff console sets the status); the bot only
reads it, so a few lines of http.server are enough to test the bot against HTTP for real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/api/v1/program-status"


class StatusServer(ThreadingHTTPServer):
    """Answers PATH with `answer` as JSON (or `status_code` alone when it is not 200)."""

    answer: Any = {"status": "open", "message": ""}
    status_code = 200

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{PATH}"


class _Handler(BaseHTTPRequestHandler):
    server: StatusServer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.path != PATH:
            self.send_error(404)
            return
        if self.server.status_code != 200:
            self.send_error(self.server.status_code)
            return
        body = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet: test output is for failures."""


@contextmanager
def serve_status(answer: Any = None) -> Iterator[StatusServer]:
    """A running StatusServer on a free loopback port, stopped at the end of the block."""
    server = StatusServer(("127.0.0.1", 0), _Handler)
    if answer is not None:
        server.answer = answer
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
