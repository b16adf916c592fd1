"""API requests and wall time of the staff look-up's contributions, pages 1 to 3, for an
account with edits on 800 wikis, served by a local API that adds 50 ms to every request
(tests/support/manywikis.py). Beside them, in the same run, the baseline: each page from
scratch, every wiki asked for a page and one more row from the last row shown on, as the
look-up did before.

The account's wikis edit at different paces: wiki N once every N+1 hours, all on the hour, so
many wikis share each second. Both use the same politeness limit (4 requests in flight).
Targets (issue 15): pages 2 and 3 each at most 10% of page 1's requests and time; page 1 no
slower than the baseline's; the same rows as the baseline. Nothing here asserts; it prints.
Run: .venv/bin/python benchmarks/contributions.py
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.manywikis import ManyWikis, edit  # noqa: E402 (from the tests folder, just added)

from webtool.wikis.api import ApiClient  # noqa: E402
from webtool.wikis.contributions import Contribution, Filters, next_page, places_for  # noqa: E402

WIKIS = 800
EDITS = 40  # per wiki
LATENCY = 0.05
PAGE = 50
NAME = "Busy Editor"


def account() -> dict[str, list[dict]]:
    newest = datetime(2026, 6, 1, tzinfo=UTC)
    return {
        f"wiki{n}": [
            edit(k + 1, (newest - timedelta(hours=k * (n + 1))).strftime("%Y-%m-%dT%H:%M:%SZ"))
            for k in range(EDITS)
        ]
        for n in range(WIKIS)
    }


def baseline_page(client: ApiClient, wikis: list[dict], last: tuple | None) -> list[tuple]:
    """A page from scratch: every wiki from the last row shown on, merged."""

    def newest(wiki: dict) -> list[tuple]:
        answer = client.query(
            f"{wiki['url']}/w/api.php",
            action="query",
            list="usercontribs",
            ucuser=NAME,
            uclimit=PAGE + 1,
            ucstart=last[0] if last else None,
            ucprop="ids|title|timestamp|comment|sizediff|flags",
        )
        rows = [(c["timestamp"], wiki["wiki"], c["revid"]) for c in answer["query"]["usercontribs"]]
        return [r for r in rows if last is None or r < last]

    with ThreadPoolExecutor(client.limits.parallel) as pool:
        found = [row for rows in pool.map(newest, wikis) for row in rows]
    return sorted(found, reverse=True)[:PAGE]


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def keys(rows: list[Contribution]) -> list[tuple]:
    return [r.order for r in rows]


def main() -> None:
    farm = ManyWikis(account(), latency=LATENCY)
    wikis = farm.wikis()
    places = places_for(wikis, Filters(), PAGE)
    ours, base = ApiClient(), ApiClient()
    last = None
    figures = []
    for number in (1, 2, 3):
        before_ours, before_base = ours.requests_made, base.requests_made
        rows, seconds = timed(lambda: next_page(ours, places, NAME, Filters(), PAGE))
        expected, base_seconds = timed(lambda last=last: baseline_page(base, wikis, last))
        last = expected[-1]
        figures.append(
            (
                number,
                ours.requests_made - before_ours,
                seconds,
                base.requests_made - before_base,
                base_seconds,
                keys(rows) == expected,
            )
        )
    farm.close()
    print(f"{WIKIS} wikis with edits, {LATENCY * 1000:.0f} ms per request, {PAGE} rows a page, ")
    print(f"at most {ours.limits.parallel} requests in flight for both")
    print(f"page  {'requests':>8} {'seconds':>8}   baseline {'requests':>8} {'seconds':>8}   rows")
    for number, asked, seconds, base_asked, base_seconds, same in figures:
        print(
            f"{number:>4}  {asked:>8} {seconds:>8.2f}            {base_asked:>8} "
            f"{base_seconds:>8.2f}   {'identical' if same else 'DIFFERENT'}"
        )
    first = figures[0]
    for number, asked, seconds, *_ in figures[1:]:
        print(
            f"page {number}: {asked / first[1]:.1%} of page 1's requests, "
            f"{seconds / first[2]:.1%} of its time (target: <= 10% each)"
        )
    print(f"page 1: {first[2] / first[4]:.2f} of the baseline's time (target: <= 1.00, no slower)")


if __name__ == "__main__":
    main()
