"""The engagement report as the web pages use it: gathered once, cached, drawn as a chart."""

from __future__ import annotations

from flask import Flask, current_app

from webtool.api import ApiClient, ApiError, Limits, Unavailable
from webtool.cache import make_cache
from webtool.engagement import Collector, UserNotFound


def init_app(app: Flask) -> None:
    settings = app.config["API"]
    client = ApiClient(settings.user_agent, Limits(parallel=settings.parallel))
    app.extensions["chldp.api"] = client
    app.extensions["chldp.collector"] = Collector(
        client, settings.central_api, settings.central_wiki
    )
    app.extensions["chldp.cache"] = make_cache(
        app.config["REDIS_URL"],
        app.config["REDIS_PREFIX"],
        app.config["HASH_KEY"],
        app.extensions["chldp.sealer"],
    )


def cached_report(name: str) -> dict | None:
    return current_app.extensions["chldp.cache"].get(_key(name))


def gather(name: str) -> dict:
    """Gather and cache the report; {"ready": True} or {"ready": False, "error": sentence}."""
    try:
        collect(name)
    except UserNotFound:
        return {"ready": False, "error": f"There is no global account named {name}."}
    except (Unavailable, ApiError) as error:
        # The log says what failed, never whose report it was.
        current_app.logger.warning("an engagement report was not gathered: %s", error)
        return {"ready": False, "error": str(error)}
    return {"ready": True}


def collect(name: str) -> dict:
    """The report gathered now, and cached; UserNotFound, Unavailable or ApiError."""
    report = current_app.extensions["chldp.collector"].report(name).to_dict()
    current_app.extensions["chldp.cache"].set(
        _key(name), report, current_app.config["API"].cache_ttl
    )
    return report


def snapshot(name: str) -> dict:
    """The report as it is now, to freeze with a request; a note when it cannot be had."""
    report = cached_report(name)
    if report is None:
        try:
            report = collect(name)
        except (Unavailable, ApiError, UserNotFound):
            return {"unavailable": True}
    return report


def chart(report: dict) -> list[dict]:
    """Edits per wiki with edits, largest first, with each bar's share of the largest."""
    wikis = [w for w in report["wikis"] if w["edits"]]
    largest = max((w["edits"] for w in wikis), default=1)
    return [
        {"wiki": w["wiki"], "edits": w["edits"], "share": round(100 * w["edits"] / largest, 1)}
        for w in wikis
    ]


def _key(name: str) -> str:
    return f"report:{name}"


def register_tasks(app: Flask, queue) -> None:
    """No background work yet: reports are gathered in the request."""
