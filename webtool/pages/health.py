"""`GET /healthz`: is the database reachable, does the central wiki's API answer."""

from __future__ import annotations

import threading

from flask import Blueprint, Response, current_app, jsonify

from webtool.infra import db
from webtool.services.wiring import services
from webtool.wikis.api import ApiError, Unavailable

blueprint = Blueprint("health", __name__)

# Anyone may call /healthz, as often as they like, and each answer asks the central wiki's API
# and the database. So an answer is kept this many seconds in the process and given again: a
# monitor still learns of an outage within them, and a flood reaches neither.
KEPT_FOR = 10
ASKING = threading.Lock()


@blueprint.route("/healthz")
def healthz() -> Response:
    kept = services().health
    answer = kept.get("answer")
    if answer is None:
        with ASKING:  # one request asks; those that came meanwhile get its answer
            answer = kept.get("answer")
            if answer is None:
                answer = _checked()
                kept.put("answer", answer)
    return jsonify(answer)


def _checked() -> dict[str, bool]:
    try:
        services().api.query(current_app.config["API"].central_api, action="query", meta="siteinfo")
        api = True
    except (Unavailable, ApiError):
        api = False
    database = db.reachable()
    return {"ok": api and database, "database": database, "api": api}
