"""Rate limits behind Toolforge's front proxy, where every request comes from one address: no
visitor can use up a limit for another. Counted in process memory and in Redis alike."""

from __future__ import annotations

import secrets

import pytest
from support.helpers import send
from support.logins import provider_answer
from support.redisdb import REDIS_URL, empty_redis

from webtool.infra import db
from webtool.infra.limits import limiter
from webtool.pages import health

TOO_MANY = "Too many attempts in a short time"


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str | None:
    """Where limits are counted: None for process memory, else Redis (database 5, emptied)."""
    if request.param == "memory":
        yield None
        return
    with empty_redis(REDIS_URL):
        yield REDIS_URL


@pytest.fixture
def limited_app(sandbox, storage, tmp_path):
    from webtool.app import create_app

    url = f"sqlite:///{tmp_path / 'chldp.sqlite'}"
    db.upgrade(url)
    return create_app(
        {
            "SQLALCHEMY_URL": url,
            "TESTING": True,
            "REDIS_URL": storage,
            "REDIS_PREFIX": f"chldp-test-{secrets.token_hex(16)}:",
            "TASKS_IMMEDIATE": True,
        },
        instance_path=str(tmp_path / "instance"),
    )


class FakeCollector:
    """Stands in for the wikis: hands out one real report and counts how often it was asked."""

    def __init__(self, report: dict) -> None:
        self.report_dict = report
        self.asked = 0

    def report(self, name: str):
        self.asked += 1
        return self

    def to_dict(self) -> dict:
        return self.report_dict


@pytest.fixture(scope="module")
def real_report(sandbox) -> dict:
    from webtool.wikis.api import ApiClient
    from webtool.wikis.engagement import Collector

    return Collector(ApiClient(), sandbox["centralauth_api_url"]).report("Grant Writer").to_dict()


def logged_in(sandbox, app, name: str):
    """A browser logged in as `name` through the farm's OAuth provider."""
    browser = app.test_client()
    start = browser.get("/login")
    back = browser.get(provider_answer(sandbox, start.headers["Location"], name))
    assert back.status_code == 302, back.get_data(as_text=True)
    return browser


def hammer(browser, path: str, times: int) -> list[int]:
    """The status of each of `times` requests, stopping at the first 429."""
    statuses = []
    for _ in range(times):
        statuses.append(browser.get(path).status_code)
        if statuses[-1] == 429:
            break
    return statuses


def test_one_browser_hammering_login_does_not_lock_out_others(sandbox, limited_app):
    hammering = limited_app.test_client()
    statuses = hammer(hammering, "/login", 50)
    assert statuses[-1] == 429 and len(statuses) <= 11
    refused = hammering.get("/login")
    assert refused.status_code == 429 and TOO_MANY in refused.get_data(as_text=True)
    for _ in range(700):
        hammering.get("/login")
    assert logged_in(sandbox, limited_app, "Grant Writer").get("/requests").status_code == 200


def test_hammering_the_callback_does_not_lock_out_others(sandbox, limited_app):
    hammering = limited_app.test_client()
    hammering.get("/login")
    statuses = hammer(hammering, "/oauth/callback?state=forged&code=forged", 50)
    assert statuses[-1] == 429 and len(statuses) <= 11
    assert logged_in(sandbox, limited_app, "Grant Writer").get("/requests").status_code == 200


def test_clients_dropping_their_cookie_never_lock_out_logins(sandbox, limited_app):
    statuses = {limited_app.test_client().get("/login").status_code for _ in range(700)}
    assert statuses == {302}
    assert logged_in(sandbox, limited_app, "Grant Writer").get("/requests").status_code == 200


def test_asking_for_the_engagement_is_limited_per_account(sandbox, limited_app, real_report):
    collector = FakeCollector(real_report)
    limited_app.services.collector = collector
    first = logged_in(sandbox, limited_app, "Grant Writer")
    statuses = hammer(first, "/engagement?again=1", 50)  # each visit queues a new gathering
    assert statuses[-1] == 429 and len(statuses) <= 7
    asked = collector.asked
    assert first.get("/engagement").status_code == 200  # showing what was gathered is free
    assert collector.asked == asked
    # A progress page polls for as long as the wikis take: polling is not counted as asking.
    assert set(hammer(first, "/engagement/data", 50)) == {200}

    second = logged_in(sandbox, limited_app, "Veteran Editor")
    assert second.get("/engagement").status_code == 200
    assert collector.asked == asked + 1


def test_asking_for_help_is_limited_per_account(sandbox, limited_app, real_report):
    limited_app.services.collector = FakeCollector(real_report)
    first = logged_in(sandbox, limited_app, "Grant Writer")
    statuses = [send(first).status_code for _ in range(11)]
    assert statuses == [302] * 10 + [429]
    second = logged_in(sandbox, limited_app, "Veteran Editor")
    assert send(second).status_code == 302


def test_healthz_asks_the_central_wiki_once_in_a_while(limited_app, monkeypatch):
    api = limited_app.services.api
    asked = []
    real_query = api.query
    monkeypatch.setattr(api, "query", lambda *a, **k: asked.append(a) or real_query(*a, **k))
    visitor = limited_app.test_client()
    answers = [visitor.get("/healthz") for _ in range(30)]
    assert {answer.status_code for answer in answers} == {200}
    assert answers[-1].get_json() == {"ok": True, "database": True, "api": True}
    assert len(asked) == 1
    # KEPT_FOR seconds later, the answer kept has expired.
    kept = limited_app.services.health.cache
    kept.expire(kept.timer() + health.KEPT_FOR)
    visitor.get("/healthz")
    assert len(asked) == 2


def test_limits_are_counted_in_the_configured_storage(limited_app, storage):
    limited_app.test_client().get("/login")
    kind = type(limiter.storage).__name__
    assert kind == ("MemoryStorage" if storage is None else "RedisStorage")
