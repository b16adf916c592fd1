"""The tool's public JSON: the program's status, for the bot and anyone else (no personal data)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from webtool.infra.limits import limiter
from webtool.services import casework

blueprint = Blueprint("public_api", __name__, url_prefix="/api/v1")


@blueprint.route("/program-status")
@limiter.exempt
def program_status() -> Response:
    response = jsonify(casework.program_status())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
