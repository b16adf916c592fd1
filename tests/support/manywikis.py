"""Many wikis on one local port, each answering `list=usercontribs` as MediaWiki does: newest
first (by timestamp, then revision), from `ucstart` down to `ucend`, in one namespace if asked,
`uclimit` rows at a time, continued by `uccontinue` ("timestamp|revid"). Optionally slow, as
a wiki far away is. It counts the requests each wiki gets. Used by the contributions tests and
by benchmarks/contributions.py.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from support.helpers import serve


def edit(revid: int, timestamp: str, namespace: int = 0, **more) -> dict:
    return {
        "revid": revid,
        "title": f"Page {revid}",
        "ns": namespace,
        "timestamp": timestamp,
        "comment": f"edit {revid}",
        "sizediff": 1,
        **more,
    }


class ManyWikis:
    def __init__(self, edits: dict[str, list[dict]], latency: float = 0.0) -> None:
        """`edits`: each wiki's rows, in any order."""
        self.edits = {
            wiki: sorted(rows, key=lambda r: (r["timestamp"], r["revid"]), reverse=True)
            for wiki, rows in edits.items()
        }
        self.latency = latency
        self.asked: Counter[str] = Counter()
        farm = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                time.sleep(farm.latency)
                url = urlsplit(self.path)
                wiki = url.path.split("/")[1]
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                farm.asked[wiki] += 1
                body = json.dumps(farm.answer(wiki, params)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.http = serve(Handler)
        self.base = f"http://127.0.0.1:{self.http.server_port}"

    def wikis(self) -> list[dict]:
        """The wikis as an engagement report lists them."""
        return [
            {"wiki": wiki, "url": f"{self.base}/{wiki}", "edits": len(rows)}
            for wiki, rows in self.edits.items()
        ]

    def answer(self, wiki: str, params: dict[str, str]) -> dict:
        rows = self.edits.get(wiki, [])
        if "ucnamespace" in params:
            rows = [r for r in rows if r["ns"] == int(params["ucnamespace"])]
        if "uccontinue" in params:
            timestamp, revid = params["uccontinue"].split("|")
            rows = [r for r in rows if (r["timestamp"], r["revid"]) <= (timestamp, int(revid))]
        else:
            rows = [r for r in rows if r["timestamp"] <= params.get("ucstart", "9999")]
            rows = [r for r in rows if r["timestamp"] >= params.get("ucend", "")]
        limit = int(params.get("uclimit", 10))
        body: dict = {"query": {"usercontribs": rows[:limit]}}
        if len(rows) > limit:
            following = rows[limit]
            body["continue"] = {
                "uccontinue": f"{following['timestamp']}|{following['revid']}",
                "continue": "-||",
            }
        return body

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
