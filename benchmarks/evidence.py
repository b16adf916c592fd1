"""API requests, wall time and bundle size of an evidence capture on the sandbox farm.

One capture of 50 mixed links (the most one capture takes): diffs, old revisions,
Special:Diff and Special:PermanentLink, pages, log entries on two wikis, and German special
page names on dewiki. Nothing here asserts; it prints.
Run: .venv/bin/python benchmarks/evidence.py
"""

from __future__ import annotations

import io
import time

import requests

from sandbox import farm
from webtool.api import ApiClient
from webtool.evidence.bundle import verify_bundle, write_bundle
from webtool.evidence.capture import capture_links
from webtool.evidence.links import MAX_LINKS
from webtool.evidence.wikis import site_matrix

FORMS = {
    "enwiki": [
        "{server}/w/index.php?diff={revid}",
        "{server}/w/index.php?diff={revid}&oldid={parent}",
        "{server}/w/index.php?oldid={revid}",
        "{server}/wiki/Special:Diff/{revid}",
        "{server}/wiki/Special:PermanentLink/{revid}",
        "{server}/wiki/{title}",
    ],
    "dewiki": [
        "{server}/wiki/Spezial:Diff/{revid}",
        "{server}/wiki/Spezial:Permanenter_Link/{revid}",
    ],
}


def revisions(state: dict, wiki: str, count: int) -> list[dict]:
    """`count` revisions of `wiki` that have a parent, with their page titles."""
    answer = requests.get(
        state["wikis"][wiki]["api_url"],
        params={
            "action": "query",
            "list": "allrevisions",
            "arvprop": "ids",
            "arvlimit": 500,
            "format": "json",
            "formatversion": 2,
        },
        timeout=30,
    ).json()["query"]["allrevisions"]
    found = [
        {"revid": r["revid"], "parent": r["parentid"], "title": page["title"].replace(" ", "_")}
        for page in answer
        for r in page["revisions"]
        if r["parentid"]
    ]
    return found[:count]


def log_ids(state: dict, wiki: str) -> list[int]:
    answer = requests.get(
        state["wikis"][wiki]["api_url"],
        params={"action": "query", "list": "logevents", "lelimit": 500, "format": "json"},
        timeout=30,
    ).json()["query"]["logevents"]
    return [event["logid"] for event in answer]


def mixed_links(state: dict) -> list[str]:
    """MAX_LINKS links: about 3/5 enwiki forms, 1/5 dewiki, 1/5 log entries."""
    logs = log_ids(state, "enwiki")[:5] + log_ids(state, "metawiki")[:5]
    wanted = {"dewiki": MAX_LINKS // 5, "enwiki": MAX_LINKS - MAX_LINKS // 5 - len(logs)}
    links = []
    for wiki, count in wanted.items():
        server = state["wikis"][wiki]["server"]
        for n, revision in enumerate(revisions(state, wiki, count)):
            form = FORMS[wiki][n % len(FORMS[wiki])]
            links.append(form.format(server=server, **revision))
    for n, logid in enumerate(logs):
        wiki = "enwiki" if n < 5 else "metawiki"
        links.append(f"{state['wikis'][wiki]['server']}/wiki/Special:Log?logid={logid}")
    return links


def run(client: ApiClient, state: dict, text: str) -> None:
    counted = client.counting()
    started = time.perf_counter()
    result = capture_links(counted, site_matrix(ApiClient(), state["centralauth_api_url"]), text)
    seconds = time.perf_counter() - started
    data = io.BytesIO()
    manifest = write_bundle(result, data)
    verification = verify_bundle(io.BytesIO(data.getvalue()))
    captured, refused = len(result.items), len(result.refused)
    lines = captured + refused
    print(f"    links           : {lines} ({captured} captured, {refused} refused)")
    print(
        f"    API requests    : {counted.requests_made}"
        f" ({counted.requests_made / max(lines, 1):.2f} per link)"
    )
    print(
        f"    wall time       : {seconds:.2f} s ({seconds / max(lines, 1) * 1000:.0f} ms per link)"
    )
    print(
        f"    bundle          : {len(data.getvalue()) / 1024:.0f} KiB,"
        f" {verification.files} files, intact: {verification.intact}"
    )
    print(f"    manifest SHA-256: {manifest['sha256']}")


def main() -> None:
    state = farm.up()
    links = mixed_links(state)
    client = ApiClient()
    print(f"Evidence capture of {len(links)} mixed links on the sandbox farm")
    run(client, state, "\n".join(links))


if __name__ == "__main__":
    main()
