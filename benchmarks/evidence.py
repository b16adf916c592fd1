"""API requests, wall time, peak memory and archive size of evidence captures on the sandbox
farm, and the peak memory of the web tool's pages that list, download and stream bundles.

One capture of 50 mixed links (the most one capture takes): diffs, old revisions,
Special:Diff and Special:PermanentLink, pages, log entries on two wikis, and German special
page names on dewiki, each with the wiki's own page and its style sheets. Then 50 links to
revisions of about 2 MiB (MediaWiki's largest), bounded as the web tool bounds a bundle by
default (CHLDP_EVIDENCE_BUNDLE_MIB, CHLDP_EVIDENCE_LINK_MIB). The large pages are made on
enwiki by the farm's operator the first time, in the operator's user space, so the seeded
accounts' edit counts and the other tests' pages stay as they are.

Then the web tool on SQLite (benchmarks/memory.py): the evidence page listing 100 bundles, the
download of a bundle of 600 MiB, and "download my data" with 100 bundles (each a copy of the
first capture's archive), each read to its end.

Peak memory is the most the process held during the capture and the writing of the archive
(or while a page was answered and read), above what it held just before: the Python heap's
peak (tracemalloc) and the resident set's (VmHWM from /proc/self/status, reset through
/proc/self/clear_refs, minus VmRSS before). Each
capture runs in a process of its own, forked, so that none starts above what an earlier one
left allocated.
Nothing here asserts; it prints.
Run: .venv/bin/python benchmarks/evidence.py
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import string
import tempfile
import time
import tracemalloc
from pathlib import Path

import requests
from memory import REQUESTER, logged_in, made_app, with_bundles

from sandbox import farm
from sandbox import settings as farm_settings
from sandbox.seed import operator_session
from webtool.infra.config import flask_settings
from webtool.wikis.api import ApiClient
from webtool.wikis.evidence.capture import Bounds, capture_links
from webtool.wikis.evidence.links import MAX_LINKS
from webtool.wikis.evidence.spool import MiB
from webtool.wikis.evidence.wacz import verify_wacz, write_wacz
from webtool.wikis.evidence.wikis import site_matrix

LARGE_PREFIX = "User:Farm Operator/Evidence benchmark/"
LARGE_BYTES = 2 * MiB - 8 * 1024  # just under MediaWiki's largest page ($wgMaxArticleSize)
STATUS = Path("/proc/self/status")

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
        if r["parentid"] and not page["title"].startswith(LARGE_PREFIX)
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


def large_text(seed: int) -> str:
    """LARGE_BYTES of made-up prose, about as compressible as an article, other for each seed."""
    chance = random.Random(seed)
    letters = string.ascii_lowercase
    words = ["".join(chance.choices(letters, k=chance.randint(2, 10))) for _ in range(5000)]
    paragraphs, length = [], 0
    while length < LARGE_BYTES:
        paragraph = " ".join(chance.choices(words, k=80)) + ".\n\n"
        paragraphs.append(paragraph)
        length += len(paragraph)
    return "".join(paragraphs)[:LARGE_BYTES]


def large_revisions(state: dict) -> list[int]:
    """The latest revisions of MAX_LINKS pages of LARGE_BYTES on enwiki, the missing ones made
    now by the farm's operator."""
    api_url = state["wikis"]["enwiki"]["api_url"]
    titles = [f"{LARGE_PREFIX}{n}" for n in range(1, MAX_LINKS + 1)]
    pages = requests.get(
        api_url,
        params={
            "action": "query",
            "titles": "|".join(titles),
            "prop": "info",
            "format": "json",
            "formatversion": 2,
        },
        timeout=30,
    ).json()["query"]["pages"]
    found = {page["title"]: page.get("lastrevid") for page in pages}
    missing = [n for n, title in enumerate(titles, 1) if not found.get(title)]
    if missing:
        print(f"Making {len(missing)} pages of {LARGE_BYTES / MiB:.1f} MiB on enwiki…")
        operator = state["operator"]
        session = operator_session(api_url, operator["name"], operator["password"])
        for n in missing:
            saved = session.post(
                "edit",
                title=titles[n - 1],
                text=large_text(n),
                summary="A large page for the evidence benchmark",
                token=session.token("csrf"),
            )
            found[titles[n - 1]] = saved["edit"]["newrevid"]
    return [found[title] for title in titles]


class PeakMemory:
    """The most memory the code inside takes, above what the process held when it began: the
    Python heap's (tracemalloc) and the resident set's (VmHWM), in bytes."""

    def __enter__(self) -> PeakMemory:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
        self.rss_before = _status_bytes("VmRSS")
        tracemalloc.start()
        self.heap_before = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.heap = tracemalloc.get_traced_memory()[1] - self.heap_before
        tracemalloc.stop()
        self.rss = _status_bytes("VmHWM") - self.rss_before


def _status_bytes(field: str) -> int:
    line = next(line for line in STATUS.read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) * 1024


def run(
    client: ApiClient, state: dict, text: str, bounds: Bounds, keep: Path | None = None
) -> None:
    counted = client.counting()
    wikis = site_matrix(ApiClient(), state["centralauth_api_url"])
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "bundle.wacz"
        with PeakMemory() as memory:
            started = time.perf_counter()
            with capture_links(counted, wikis, text, bounds=bounds) as result:
                seconds = time.perf_counter() - started
                manifest_sha256 = write_wacz(result, archive, "benchmark").manifest_sha256
        size = archive.stat().st_size
        verification = verify_wacz(archive)
        if keep:
            shutil.copyfile(archive, keep)
    captured, refused = len(result.items), len(result.refused)
    lines = captured + refused
    print(f"    links           : {lines} ({captured} captured, {refused} refused)")
    for key in sorted({refusal.key for refusal in result.refused}):
        count = sum(refusal.key == key for refusal in result.refused)
        print(f"                      {count} × {key}")
    print(
        f"    requests        : {counted.requests_made}"
        f" ({counted.requests_made / max(lines, 1):.2f} per link: the API's, the wiki's pages,"
        " their style sheets)"
    )
    print(
        f"    wall time       : {seconds:.2f} s ({seconds / max(lines, 1) * 1000:.0f} ms per link)"
    )
    print(
        f"    web archive     : {size / MiB:.1f} MiB,"
        f" {verification.files} files, intact: {verification.intact}"
    )
    print(
        f"    peak memory     : {memory.heap / MiB:.0f} MiB above the baseline (tracemalloc),"
        f" {memory.rss / MiB:.0f} MiB (resident set, VmHWM)"
    )
    print(f"    manifest SHA-256: {manifest_sha256}")


def apart(target, *args: object) -> None:
    """target(*args) in a process of its own, forked from this one."""
    process = multiprocessing.get_context("fork").Process(target=target, args=args)
    process.start()
    process.join()


def page_memory(app, name: str, send) -> None:
    """The peak memory of one page, asked and read to its end, above what came before."""
    send().close()  # warm: templates compiled, messages read
    with PeakMemory() as memory:
        reply = send()
        size = sum(len(chunk) for chunk in reply.response)
        reply.close()
    print(
        f"    {name:28}: {size / MiB:7.2f} MiB answered; peak {memory.heap / MiB:5.1f} MiB"
        f" (tracemalloc), {memory.rss / MiB:5.1f} MiB (resident set)"
    )


def pages(archive: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = made_app(Path(folder))
        many = with_bundles(app, 100, 0, archive)
        requester = logged_in(app, REQUESTER)
        print(f"  100 bundles of {archive.stat().st_size / MiB:.1f} MiB attached to {many}")
        page_memory(app, "/evidence", lambda: requester.get("/evidence", buffered=False))
        page_memory(app, "/my-data (POST)", lambda: requester.post("/my-data", buffered=False))
    with tempfile.TemporaryDirectory() as folder:
        app = made_app(Path(folder))
        with_bundles(app, 1, 600 * MiB)
        requester = logged_in(app, REQUESTER)
        big = "/evidence/EVID-0000-0000-0000-0000/bundle.zip"
        print("  one bundle of 600 MiB")
        page_memory(app, "its download", lambda: requester.get(big, buffered=False))


def main() -> None:
    state = farm.up()
    os.environ.update(farm_settings(state))  # the web tool's settings for this farm
    links = mixed_links(state)
    client = ApiClient()
    settings = flask_settings(Path(tempfile.mkdtemp()))
    bounds = Bounds(settings["EVIDENCE_LINK_BYTES"], settings["EVIDENCE_BUNDLE_BYTES"])
    with tempfile.TemporaryDirectory() as folder:
        mixed = Path(folder) / "mixed.wacz"
        print(f"Evidence capture of {len(links)} mixed links on the sandbox farm", flush=True)
        apart(run, client, state, "\n".join(links), bounds, mixed)
        server = state["wikis"]["enwiki"]["server"]
        large = [f"{server}/w/index.php?oldid={revid}" for revid in large_revisions(state)]
        print(
            f"Evidence capture of {len(large)} revisions of {LARGE_BYTES / MiB:.1f} MiB, bounded"
            f" as the web tool bounds a bundle ({bounds.bundle_bytes / MiB:.0f} MiB, a link"
            f" {bounds.item_bytes / MiB:.0f} MiB)",
            flush=True,
        )
        apart(run, client, state, "\n".join(large), bounds)
        print("The web tool's pages, on SQLite, asking no wiki", flush=True)
        apart(pages, mixed)


if __name__ == "__main__":
    main()
