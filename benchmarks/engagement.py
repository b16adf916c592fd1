"""API requests and wall time of the engagement report.

(a) On the sandbox farm: each seeded account, cold (asking the wikis) and cached.
(b) At scale: an account attached to 800 wikis, 3 with elevated groups, served by a local
    synthetic API that adds 50 ms to every request; beside it, the way existing eligibility
    tools gather the same facts: one query per attached wiki, in series.

Targets (issue 3): (b) under 1.5 s cold; under 20 ms cached; at least 20x faster than the
per-wiki baseline. Requests: one globaluserinfo, one per wiki with a role, one per wiki of the
former-role budget (program/engagement.yaml), and one more for the block log of each of those
with edits, two per wiki looked at for activity (three when it has no recent edit), and four
on Meta (Grants, global rights, the log of `User:NAME@…`, renames with global blocks): 31 for
(b). Nothing here asserts; it prints.
Run: .venv/bin/python benchmarks/engagement.py
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sandbox import farm
from webtool.infra.cache import MemoryCache
from webtool.wikis.api import ApiClient
from webtool.wikis.engagement import Collector, UserNotFound

WIKIS = 800
ELEVATED = {"wiki0": ["sysop"], "wiki1": ["sysop", "bureaucrat"], "wiki2": ["rollbacker"]}
LATENCY = 0.05


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def cached_read(cache: MemoryCache, key: str) -> float:
    _, seconds = timed(lambda: cache.get(key))
    return seconds


class SelfCounting(ApiClient):
    """A client that counts a report's requests on itself, so that a report ending in "no such
    account" (a hidden account) still has its count."""

    def counting(self) -> ApiClient:
        return self


def on_the_farm() -> None:
    state = farm.up()
    client = SelfCounting()
    collector = Collector(client, state["centralauth_api_url"])
    cache = MemoryCache()
    print("(a) sandbox farm: API requests and wall time per seeded account")
    print(f"    {'account':18} {'requests':>8} {'cold':>9} {'cached':>9}")
    for name in state["accounts"]:
        client.requests_made = 0
        try:
            report, cold = timed(lambda n=name: collector.report(n))
        except UserNotFound:
            print(f"    {name:18} {client.requests_made:>8}   no such account (hidden)")
            continue
        cache.set(f"report:{name}", report.to_dict(), ttl=600)
        warm = cached_read(cache, f"report:{name}")
        print(f"    {name:18} {report.api_requests:>8} {cold * 1000:>7.0f}ms {warm * 1000:>7.2f}ms")


class Synthetic(BaseHTTPRequestHandler):
    """Every wiki of the 800 on one port: /wikiN/w/api.php, 50 ms per answer."""

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        time.sleep(LATENCY)
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        wiki = url.path.split("/")[1]
        body = json.dumps(self.answer(wiki, params)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, wiki: str, params: dict) -> dict:
        server = f"http://127.0.0.1:{self.server.server_port}"
        if params.get("meta") == "globaluserinfo":
            merged = [
                {
                    "wiki": f"wiki{n}",
                    "url": f"{server}/wiki{n}",
                    "id": n + 1,
                    "timestamp": "2012-01-01T00:00:00Z",
                    "method": "login",
                    "editcount": 5000 - n,
                    "registration": "2012-01-01T00:00:00Z",
                    **({"groups": ELEVATED[f"wiki{n}"]} if f"wiki{n}" in ELEVATED else {}),
                }
                for n in range(WIKIS)
            ]
            return {
                "query": {
                    "globaluserinfo": {
                        "home": "wiki0",
                        "id": 1,
                        "registration": "2012-01-01T00:00:00Z",
                        "name": "Busy Editor",
                        "groups": [],
                        "rights": [],
                        "merged": merged,
                        "unattached": [],
                        "editcount": sum(a["editcount"] for a in merged),
                    }
                }
            }
        lists = params.get("list", "").split("|")
        if "logevents" in lists:
            return self.logs_and_groups(wiki, params, lists)
        if params.get("list") == "usercontribs":
            count = 1 if params.get("uclimit") == "1" else 40
            return {
                "query": {
                    "usercontribs": [
                        {"revid": n + 1, "title": "Page", "timestamp": "2026-06-01T00:00:00Z"}
                        for n in range(count)
                    ]
                }
            }
        if params.get("list") == "users":
            return {
                "query": {
                    "users": [
                        {"name": "Busy Editor", "editcount": 10, "groups": ELEVATED.get(wiki, [])}
                    ]
                }
            }
        return {"query": {}}

    def logs_and_groups(self, wiki: str, params: dict, lists: list[str]) -> dict:
        """A wiki's own rights log (a grant where the account has a role) with the account's
        groups; on Meta, its other logs, empty, and a GlobalBlocking that knows `bgtargets`."""
        groups = ELEVATED.get(wiki, []) if params.get("letype") == "rights" else []
        grant = {
            "logid": 1,
            "type": "rights",
            "timestamp": "2015-01-01T00:00:00Z",
            "params": {"oldgroups": [], "newgroups": groups},
        }
        query: dict = {"logevents": [grant] if groups else []}
        if "users" in lists:
            memberships = [{"group": g, "expiry": "infinity"} for g in groups]
            query["users"] = [{"name": "Busy Editor", "groupmemberships": memberships}]
        if "globalblocks" in lists:
            query["globalblocks"] = []
        return {"query": query}

    def log_message(self, *args) -> None:
        pass


def at_scale() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Synthetic)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    collector = Collector(ApiClient(), f"{base}/metawiki/w/api.php")
    report, cold = timed(lambda: collector.report("Busy Editor"))
    cache = MemoryCache()
    cache.set("report:Busy Editor", report.to_dict(), ttl=600)
    warm = cached_read(cache, "report:Busy Editor")

    baseline_client = ApiClient().counting()

    def per_wiki_in_series() -> None:
        for n in range(WIKIS):
            baseline_client.query(
                f"{base}/wiki{n}/w/api.php",
                action="query",
                list="users",
                ususers="Busy Editor",
                usprop="editcount|groups|registration|blockinfo",
            )

    _, baseline = timed(per_wiki_in_series)
    server.shutdown()
    print(
        f"(b) {WIKIS} attached wikis, {len(ELEVATED)} with elevated groups, "
        f"{LATENCY * 1000:.0f} ms per request"
    )
    print(
        f"    this report : {report.api_requests:>4} requests {cold:8.2f} s cold   "
        f"{warm * 1000:.2f} ms cached   (targets: < 1.5 s, < 20 ms)"
    )
    print(f"    per-wiki    : {baseline_client.requests_made:>4} requests {baseline:8.2f} s")
    print(f"    ratio       : {baseline / cold:.0f}x faster   (target: >= 20x)")
    roles = [f.summary for f in report.findings if f.kind == "role"]
    print(f"    roles found : {', '.join(roles)}")
    read = next(f for f in report.findings if f.message == "chldp-finding-rights-logs-read")
    print(f"    logs read   : {read.summary}")


if __name__ == "__main__":
    on_the_farm()
    at_scale()
