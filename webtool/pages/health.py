"""`GET /healthz`: is the database reachable, does the central wiki's API answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify

from webtool.infra import db
from webtool.wikis.api import ApiError, Unavailable

blueprint = Blueprint("health", __name__)

# Anyone may call /healthz, as often as they like, and each answer asks the central wiki's API
# and the database. So an answer is kept this many seconds in the process and given again: a
# monitor still learns of an outage within them, and a flood reaches neither.
KEPT_FOR = 10


class LastAnswer:
    """The latest answer of one process and when it was made."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.made = float("-inf")
        self.answer: dict[str, bool] = {}

    def fresh_or(self, make: Callable[[], dict[str, bool]]) -> dict[str, bool]:
        """The kept answer while it is fresh, else a new one from `make`. One request asks at
        a time; the others get the last answer rather than wait on a slow wiki (only before
        the first answer do they wait)."""
        if not self._stale():
            return self.answer
        if not self.lock.acquire(blocking=not self.answer):
            return self.answer
        try:
            if self._stale():
                self.answer = make()
                self.made = time.monotonic()
            return self.answer
        finally:
            self.lock.release()

    def _stale(self) -> bool:
        return time.monotonic() - self.made >= KEPT_FOR


@blueprint.route("/healthz")
def healthz() -> Response:
    last = current_app.extensions.setdefault("chldp.health", LastAnswer())
    return jsonify(last.fresh_or(_checked))


def _checked() -> dict[str, bool]:
    try:
        current_app.extensions["chldp.api"].query(
            current_app.config["API"].central_api, action="query", meta="siteinfo"
        )
        api = True
    except (Unavailable, ApiError):
        api = False
    database = db.reachable()
    return {"ok": api and database, "database": database, "api": api}
