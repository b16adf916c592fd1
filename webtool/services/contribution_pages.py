"""The staff look-up's pages of contributions: where the merged list stands between pages, and
a page gathered while the browser is shown how far it is.

Where each wiki stands (its rows not shown yet, its continuation) is kept on the server, in
the tool's cache (sealed, under a keyed hash, in Redis), for an hour. The URL carries a short
token signed with the app's SECRET_KEY, as Flask signs its cookie: the record's random key,
the last row shown, and a digest of the account and filters it belongs to. A token cannot be
made or altered without the key, and the wikis asked are always the report's own, so a
visitor cannot make the tool ask any other host. When the record has expired, the page starts
again from the last row shown: every wiki is asked once more, and nothing is shown twice.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from program.refusal import Refused
from webtool.infra.cache import Cache
from webtool.services.wiring import services
from webtool.wikis.api import ApiClient, ApiError, Unavailable
from webtool.wikis.contributions import (
    Contribution,
    Filters,
    Place,
    Progress,
    has_more,
    next_page,
    places_for,
)

PAGE = 50  # rows on a page
KEPT = 3600  # seconds a page's record is kept
SHOWN_EVERY = 1.0  # seconds between progress lines


class BadLink(Refused):
    """A filter or a page token that the look-up cannot use; the message key says why."""


def filters_from(args: MultiDict, wikis: list[dict]) -> Filters:
    """The filters of the look-up form; a wiki must be one of the report's."""
    namespace = args.get("namespace", "").strip()
    wiki = args.get("wiki", "").strip() or None
    if namespace and not namespace.lstrip("-").isdigit():
        raise BadLink("chldp-refused-lookup-namespace")
    if wiki and wiki not in {w["wiki"] for w in wikis}:
        raise BadLink("chldp-refused-lookup-wiki", wiki)
    return Filters(
        namespace=int(namespace) if namespace else None,
        newest=_day(args.get("to", ""), "T23:59:59Z"),
        oldest=_day(args.get("from", ""), "T00:00:00Z"),
        wiki=wiki,
        visible_only=args.get("visible") == "1",
    )


def filter_args(filters: Filters) -> dict:
    """The filters as the form's fields, for links to other pages of the same list."""
    fields = {
        "namespace": filters.namespace,
        "from": filters.oldest and filters.oldest[:10],
        "to": filters.newest and filters.newest[:10],
        "wiki": filters.wiki,
        "visible": "1" if filters.visible_only else None,
    }
    return {k: v for k, v in fields.items() if v is not None}


class PageRun:
    """One page, gathered in a thread while the page's template shows progress lines."""

    def __init__(self, name: str, filters: Filters, wikis: list[dict], token: str | None):
        self.name, self.filters = name, filters
        self.places, self.older_than = _resume(token, name, filters, wikis)
        self.client: ApiClient = services().api
        self.progress = Progress()
        self.rows: list[Contribution] = []
        self.error: str | None = None
        self.token: str | None = None  # names this page's rows (CSV) and where the next starts
        self.more = False
        self.thread = threading.Thread(target=self._gather, daemon=True)
        self.thread.start()

    def lines(self) -> Iterator[Progress]:
        """While the wikis answer: how many were asked and are left, every second or so."""
        self.thread.join(SHOWN_EVERY)
        while self.thread.is_alive():
            yield self.progress
            self.thread.join(SHOWN_EVERY)
        if self.error is None:
            self.token = _save(self.name, self.filters, self.places, self.rows)
            self.more = has_more(self.places)

    def _gather(self) -> None:
        try:
            self.rows = next_page(
                self.client,
                self.places,
                self.name,
                self.filters,
                PAGE,
                self.older_than,
                self.progress,
            )
        except (ApiError, Unavailable) as error:
            self.error = str(error)


def shown_rows(token: str, name: str, filters: Filters) -> list[Contribution] | None:
    """The rows of the page that `token` names, while its record is kept."""
    key, _ = _opened(token, name, filters)
    record = _cache().get(f"contributions:{key}")
    return [Contribution(**r) for r in record["shown"]] if isinstance(record, dict) else None


def _resume(
    token: str | None, name: str, filters: Filters, wikis: list[dict]
) -> tuple[list[Place], tuple[str, str, int] | None]:
    """The places to take the next page from, and the last row shown before it."""
    fresh = places_for(wikis, filters, PAGE)
    if not token:
        return fresh, None
    key, last = _opened(token, name, filters)
    record = _cache().get(f"contributions:{key}")
    kept = (
        {p["wiki"]: Place.from_dict(p) for p in record["places"]}
        if isinstance(record, dict)
        else {}
    )
    # Only the report's wikis, at the report's addresses; a wiki attached since starts anew,
    # below the last row shown.
    for place in fresh:
        if place.wiki in kept and kept[place.wiki].url == place.url:
            fresh[fresh.index(place)] = kept[place.wiki]
    return fresh, last


def _save(name: str, filters: Filters, places: list[Place], shown: list[Contribution]) -> str:
    key = secrets.token_urlsafe(12)
    record = {"places": [p.to_dict() for p in places], "shown": [asdict(r) for r in shown]}
    _cache().set(f"contributions:{key}", record, ttl=KEPT)
    last = list(shown[-1].order) if shown else None
    return _serializer().dumps({"k": key, "a": last, "s": _digest(name, filters)})


def _opened(token: str, name: str, filters: Filters) -> tuple[str, tuple[str, str, int] | None]:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise BadLink("chldp-refused-lookup-damaged") from None
    if data.get("s") != _digest(name, filters):
        raise BadLink("chldp-refused-lookup-another")
    last = data.get("a")
    return data["k"], (last[0], last[1], int(last[2])) if last else None


def _digest(name: str, filters: Filters) -> str:
    # A page belongs to one account and one set of filters; the token is signed, so a short
    # digest is enough to tell them apart.
    return hashlib.sha256(json.dumps([name, asdict(filters)]).encode()).hexdigest()[:12]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="chldp-contributions")


def _cache() -> Cache:
    return services().cache


def _day(text: str, time_of_day: str) -> str | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat() + time_of_day
    except ValueError:
        raise BadLink("chldp-refused-lookup-date", text) from None
