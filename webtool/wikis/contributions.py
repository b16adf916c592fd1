"""An account's contributions across every wiki it edits, newest first, a page at a time.

There is no cross-wiki list in the Action API: each wiki lists its own (`list=usercontribs`,
newest first). The pages merge those lists. Each wiki has a `Place`: the rows it handed out
that no page has shown yet, the continuation after them, and the order of the last row it
handed out, which bounds everything it has left. A page is final once every wiki that may
still hold a row newer than the page's oldest has been asked, so a wiki is asked only when its
buffered rows ran out and its bound is above that row; a wiki never asked is asked once.

A wiki is asked for a small batch first, sized by its share of the account's edits, and four
times more each time it is asked again (its rows went to a page). Rows sort by (timestamp,
wiki, revision), so two wikis with edits in the same second still have one order, and a row
whose order is not below its wiki's bound is one the wiki gave twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from webtool.wikis.api import ApiClient

FIRST_BATCH = 3  # rows asked of a wiki the first time, at least
MOST_BATCH = 500  # the API's uclimit for an account without apihighlimits
GROWTH = 4  # how much more a wiki is asked for each time its rows all went to a page


@dataclass(frozen=True)
class Contribution:
    wiki: str
    revid: int
    title: str
    timestamp: str
    comment: str
    size_change: int
    diff: str
    hidden: str = ""  # what revision deletion hides, as the API tells: "text", "summary"

    @property
    def order(self) -> tuple[str, str, int]:
        """Where it comes in the merged list, newest first: the last is the smallest."""
        return (self.timestamp, self.wiki, self.revid)


@dataclass(frozen=True)
class Filters:
    namespace: int | None = None
    newest: str | None = None  # a timestamp: nothing after it
    oldest: str | None = None  # a timestamp: nothing before it
    wiki: str | None = None  # only this wiki
    visible_only: bool = False  # leave out edits whose text or summary is hidden


@dataclass
class Place:
    """Where one wiki stands in the merged list."""

    wiki: str
    url: str
    batch: int  # rows to ask for next time
    rows: list[Contribution] = field(default_factory=list)  # handed out, not shown yet
    cont: str | None = None  # the wiki's continuation after `rows`
    done: bool = False  # the wiki has nothing after `rows`
    bound: tuple[str, str, int] | None = None  # the order of the last row it handed out

    def to_dict(self) -> dict:
        return {**asdict(self), "rows": [asdict(r) for r in self.rows]}

    @classmethod
    def from_dict(cls, data: dict) -> Place:
        rows = [Contribution(**r) for r in data["rows"]]
        bound = tuple(data["bound"]) if data["bound"] else None
        return cls(**{**data, "rows": rows, "bound": bound})


@dataclass
class Progress:
    """How far a page is: the wikis asked so far and those still to answer in this round."""

    asked: int = 0
    left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def round(self, wikis: int) -> None:
        with self.lock:
            self.left = wikis

    def answered(self) -> None:
        with self.lock:
            self.asked += 1
            self.left -= 1


def places_for(wikis: list[dict], filters: Filters, limit: int) -> list[Place]:
    """A place for each wiki of the report with edits (or the one the filters name), none
    asked yet: a wiki's first batch is its share of a page, with room to spare."""
    with_edits = [w for w in wikis if w["edits"] and filters.wiki in (None, w["wiki"])]
    total = sum(w["edits"] for w in with_edits) or 1
    return [Place(w["wiki"], w["url"], _first_batch(w["edits"], total, limit)) for w in with_edits]


def next_page(
    client: ApiClient,
    places: list[Place],
    name: str,
    filters: Filters,
    limit: int = 50,
    older_than: tuple[str, str, int] | None = None,
    progress: Progress | None = None,
) -> list[Contribution]:
    """The next `limit` contributions, newest first, taken out of `places` (which it asks as
    needed and updates). Rows not below `older_than` (an earlier page's last) are not shown."""
    progress = progress or Progress()
    while True:
        buffered = sorted((r for p in places for r in p.rows), key=_order, reverse=True)
        oldest = buffered[limit - 1].order if len(buffered) >= limit else None
        to_ask = [p for p in places if _may_hold_newer(p, oldest)]
        if not to_ask:
            break
        progress.round(len(to_ask))

        def ask(place: Place) -> None:
            _ask(client, place, name, filters, older_than)
            progress.answered()

        with ThreadPoolExecutor(max(1, client.limits.parallel)) as pool:
            list(pool.map(ask, to_ask))
    page = buffered[:limit]
    shown = {(r.wiki, r.revid) for r in page}
    for place in places:
        place.rows = [r for r in place.rows if (r.wiki, r.revid) not in shown]
    return page


def has_more(places: list[Place]) -> bool:
    return any(p.rows or not p.done for p in places)


def _may_hold_newer(place: Place, oldest: tuple[str, str, int] | None) -> bool:
    """Whether the wiki may have a row not handed out yet that belongs on the page: its rows
    left are all below its bound."""
    if place.done:
        return False
    return place.bound is None or oldest is None or place.bound > oldest


def _ask(
    client: ApiClient,
    place: Place,
    name: str,
    filters: Filters,
    older_than: tuple[str, str, int] | None,
) -> None:
    """Ask the wiki for its next batch and keep the rows it had not handed out before."""
    newest = filters.newest
    if older_than and (newest is None or older_than[0] < newest):
        newest = older_than[0]  # inclusive: the rest of that second is filtered below
    answer = client.query(
        f"{place.url}/w/api.php",
        action="query",
        list="usercontribs",
        ucuser=name,
        uclimit=place.batch,
        ucprop="ids|title|timestamp|comment|sizediff|flags",
        ucnamespace=filters.namespace,
        ucstart=None if place.cont else newest,
        ucend=None if place.cont else filters.oldest,
        uccontinue=place.cont,
    )
    for row in answer["query"]["usercontribs"]:
        found = _contribution(place, row)
        if place.bound is not None and found.order >= place.bound:
            continue  # given twice, by the wiki or a cache on the way
        place.bound = found.order
        if older_than and found.order >= older_than:
            continue
        if filters.visible_only and found.hidden:
            continue
        place.rows.append(found)
    cont = answer.get("continue", {}).get("uccontinue")
    # A continuation that does not move would never end.
    place.done = cont is None or cont == place.cont
    place.cont = cont
    place.batch = min(MOST_BATCH, place.batch * GROWTH)


def _first_batch(edits: int, total: int, limit: int) -> int:
    # Twice the rows the wiki would give a page if edits were spread evenly over time.
    return min(limit + 1, max(FIRST_BATCH, -(-2 * limit * edits // total)))


def _order(row: Contribution) -> tuple[str, str, int]:
    return row.order


def _contribution(place: Place, row: dict) -> Contribution:
    hidden = [what for flag, what in HIDDEN_FLAGS if row.get(flag)]
    return Contribution(
        place.wiki,
        row["revid"],
        row["title"],
        row["timestamp"],
        row.get("comment", ""),
        row.get("sizediff", 0),
        f"{place.url}/wiki/Special:Diff/{row['revid']}",
        ", ".join(hidden),
    )


HIDDEN_FLAGS = [("texthidden", "text"), ("commenthidden", "summary")]
