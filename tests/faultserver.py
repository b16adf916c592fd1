"""A small local HTTP server that misbehaves on purpose, for the API client's fault tests.

Each test sets a script: the answers to give, one per request, the last repeated. An answer
is (status, headers, body, delay-in-seconds). The server records every request it got.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], str, float]


def ok(body: dict, delay: float = 0.0) -> Answer:
    return 200, {"Content-Type": "application/json"}, json.dumps(body), delay


def maxlag(retry_after: int = 1) -> Answer:
    body = {
        "errors": [{"code": "maxlag", "text": "Waiting for a database server: 6 seconds lagged."}]
    }
    return (
        200,
        {"MediaWiki-API-Error": "maxlag", "Retry-After": str(retry_after)},
        json.dumps(body),
        0.0,
    )


def status(code: int) -> Answer:
    return code, {"Content-Type": "text/html"}, f"<h1>{code}</h1>", 0.0


def redirect(location: str) -> Answer:
    return 302, {"Location": location}, "", 0.0


def garbage() -> Answer:
    return 200, {"Content-Type": "application/json"}, "<html>not json", 0.0


class FaultServer:
    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[dict[str, str]] = []
        self.endless = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                server.requests.append(params)
                if server.endless:
                    answer = ok(
                        {
                            "continue": {"uccontinue": str(len(server.requests))},
                            "query": {"usercontribs": [{"timestamp": "2026-01-01T00:00:00Z"}]},
                        }
                    )
                else:
                    answer = server.script[min(len(server.requests), len(server.script)) - 1]
                code, headers, body, delay = answer
                time.sleep(delay)
                try:
                    self.send_response(code)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it should

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_port}/w/api.php"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
