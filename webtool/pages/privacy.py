"""The privacy page: what the tool keeps about the people who use it, where, for how long and
who can read it, in the reader's language.

The times it states are the settings the tool runs with, read at every visit, so the page
cannot say one thing while the purge does another.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, render_template

from webtool.services.engagement_view import KEPT_FOR

blueprint = Blueprint("privacy", __name__)

# The units a duration is said in, largest first, each with its message; minutes otherwise.
UNITS = (
    (timedelta(days=1), "chldp-privacy-days"),
    (timedelta(hours=1), "chldp-privacy-hours"),
)
MINUTE = timedelta(minutes=1)


@blueprint.route("/privacy")
def page() -> str:
    config = current_app.config
    return render_template(
        "privacy.html",
        kept={
            "requests": duration(timedelta(days=config["RETENTION_DAYS"])),
            "audit": duration(timedelta(days=config["AUDIT_RETENTION_DAYS"])),
            "engagement": duration(KEPT_FOR),
            "idle": duration(config["SESSION_IDLE"]),
            "lifetime": duration(config["SESSION_LIFETIME"]),
        },
        legal_email=config["LEGAL_EMAIL"],
    )


def duration(span: timedelta) -> dict[str, object]:
    """`span` as a message parameter in the largest unit that says it exactly (730 days,
    24 hours, 90 minutes), so the reader sees the setting itself, not a rounding of it."""
    for unit, key in UNITS:
        if span >= unit and span % unit == timedelta(0):
            return _said(key, span // unit)
    return _said("chldp-privacy-minutes", span // MINUTE)


def _said(key: str, count: int) -> dict[str, object]:
    return {"message": key, "params": [count], "default": str(count)}
