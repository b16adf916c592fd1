"""A small local HTTP server that misbehaves on purpose, for the API client's fault tests.

Each test sets a script: the answers to give, one per request, the last repeated. An answer
is (status, headers, body, delay-in-seconds). Or it sets a route, which answers each request
by its parameters: a collector asks several things at once, in no fixed order. The server
records every request it got: its parameters and its headers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from support.helpers import serve

Answer = tuple[int, dict[str, str], str, float]
Route = Callable[[dict[str, str]], Answer]


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


def listing(list_name: str, pages: list[list[dict]], endless: bool = False) -> Route:
    """A list query answered page by page through `continue`, as MediaWiki does. Endless, every
    page says there is more, and the pages past the last repeat it."""
    key = f"{list_name}-continue"

    def answer(params: dict[str, str]) -> Answer:
        index = int(params.get(key, 0))
        body: dict = {"query": {list_name: pages[min(index, len(pages) - 1)]}}
        if endless or index < len(pages) - 1:
            body["continue"] = {key: str(index + 1), "continue": "-||"}
        return ok(body)

    return answer


def stuck(list_name: str, rows: list[dict]) -> Route:
    """A list query whose `continue` always points back at the page just given."""
    return lambda params: ok(
        {"continue": {f"{list_name}-continue": "1"}, "query": {list_name: rows}}
    )


class FaultServer:
    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[dict[str, str]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in the same order
        self.route: Route | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                server.requests.append(params)
                server.headers.append(dict(self.headers))
                if server.route:
                    answer = server.route(params)
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

        self.http = serve(Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/w/api.php"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
