"""`GET /healthz`: is the database reachable, does the central wiki's API answer."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from webtool import db
from webtool.api import ApiError, Unavailable

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
def healthz():
    try:
        current_app.extensions["chldp.api"].query(
            current_app.config["API"].central_api, action="query", meta="siteinfo"
        )
        api = True
    except (Unavailable, ApiError):
        api = False
    database = db.reachable()
    return jsonify({"ok": api and database, "database": database, "api": api})
