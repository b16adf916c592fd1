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
        report = current_app.extensions["chldp.collector"].report(name).to_dict()
    except (Unavailable, ApiError, UserNotFound) as error:
        current_app.logger.warning("engagement of %s not gathered: %s", name, error)
        return {"ready": False, "error": str(error)}
    current_app.extensions["chldp.cache"].set(
        _key(name), report, current_app.config["API"].cache_ttl
    )
    return {"ready": True}


def snapshot(name: str) -> dict:
    """The report as it is now, to freeze with a request; a note when it cannot be had."""
    report = cached_report(name)
    if report is None and gather(name)["ready"]:
        report = cached_report(name)
    return report or {"unavailable": True}


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
