"""Toolforge's Redis is shared and evicts keys when it is full: a queued message can be lost,
and Redis can stop answering. The database says what should be running, and the worker's
sweep queues again what waits with nobody working on it, so work is delayed, never lost.
Real worker processes, the local Redis (database 7, flushed by these tests) and the farm."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, func, select, text
from support.door import Door
from support.helpers import ADMIN, REQUESTER, farm_api, free_port, start_capture
from support.keys import holding_requester_key
from support.logins import log_in
from support.redisdb import REDIS_URL
from support.smtp_sink import SmtpSink
from support.workers import Workers, wait_for

from webtool.app import create_app
from webtool.infra import db
from webtool.infra.config import api_settings, smtp_settings
from webtool.infra.models import EngagementReport, EvidenceBundle, OutboxMail
from webtool.services import engagement_view, notifications
from webtool.services import evidence_records as store
from webtool.services.help_requests import Submission
from webtool.services.help_requests import store as store_request

SPANS = ("SWEEP_EVERY", "TASKS_TAKEN_UP_AFTER", "CAPTURE_HEARTBEAT", "CAPTURE_TAKEN_UP_AFTER")
STAFF_ADDRESS = "jane@legal.example"


@pytest.fixture
def server(redis_server):
    return redis_server


@pytest.fixture
def meta_door(sandbox):
    """Meta-Wiki's API behind a door: shut, the wikis cannot be asked."""
    meta = urlsplit(sandbox["centralauth_api_url"])
    door = Door((meta.hostname, meta.port))
    yield door
    door.shut()


@pytest.fixture
def relay():
    mailbox = SmtpSink()
    yield mailbox
    mailbox.stop()


@pytest.fixture
def settings(sandbox, sqlite_url, server, meta_door, relay) -> dict:
    """What the web tool and its worker share; the sweep looks every 0.3 s and takes up what
    waited a second (minutes in production)."""
    meta = urlsplit(sandbox["centralauth_api_url"])
    return {
        "SQLALCHEMY_URL": sqlite_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": f"chldp-test-{secrets.token_hex(16)}:",
        "SWEEP_EVERY": 0.3,
        "TASKS_TAKEN_UP_AFTER": 1,
        "CAPTURE_HEARTBEAT": 0.3,
        "CAPTURE_TAKEN_UP_AFTER": 1,
        "API": {"CHLDP_CENTRAL_API": f"http://127.0.0.1:{meta_door.port}{meta.path}"},
        "SMTP": {"CHLDP_SMTP_HOST": "127.0.0.1", "CHLDP_SMTP_PORT": str(relay.port)},
    }


@pytest.fixture
def workers(settings, tmp_path):
    started = Workers(settings, tmp_path / "instance")
    yield started
    started.stop()


def web_tool(settings: dict, instance: Path):
    overrides = dict(settings, TESTING=True)
    overrides["API"] = api_settings(settings["API"])
    overrides["SMTP"] = smtp_settings(settings["SMTP"])
    for name in SPANS:
        overrides[name] = timedelta(seconds=settings[name])
    return create_app(overrides, instance_path=str(instance))


def revision_link(sandbox) -> str:
    contributions = farm_api(sandbox, "enwiki", list="usercontribs", ucuser="Veteran Editor")
    revid = contributions["query"]["usercontribs"][0]["revid"]
    return f"{sandbox['wikis']['enwiki']['server']}/w/index.php?oldid={revid}"


def ask_for_three_things(app, sandbox) -> tuple[str, int]:
    """A capture, an engagement report and an e-mail to the legal team, each queued; the
    capture's reference and the report's id. The requester's browser is kept in BROWSERS."""
    browser = app.test_client()
    log_in(browser, REQUESTER)
    reply = start_capture(browser, revision_link(sandbox))
    assert reply.status_code == 302
    with app.test_request_context():
        report = engagement_view.ask(REQUESTER["name"])
        notifications.set_staff_notice(ADMIN["name"], STAFF_ADDRESS, True)
        submission = Submission.blank("en")
        submission.kinds, submission.description = ["doxxing"], "My address was published."
        notifications.new_request(store_request(submission, REQUESTER, {"unavailable": True}))
    reference = reply.headers["Location"].rsplit("/", 1)[1]
    BROWSERS[reference] = browser
    return reference, report.id


# The browser of each capture's requester, whose device key opens what it captured.
BROWSERS: dict[str, object] = {}


def all_done(app, relay, reference: str, report_id: int) -> bool:
    with app.app_context():
        session = db.session()
        capture = session.scalar(
            select(EvidenceBundle.status).where(EvidenceBundle.reference == reference)
        )
        report = session.get(EngagementReport, report_id).status
        waiting = session.scalar(select(func.count()).select_from(OutboxMail))
        session.close()
    return capture == "done" and report == "done" and not waiting and bool(relay.to(STAFF_ADDRESS))


def test_work_waiting_for_a_retry_when_redis_is_flushed_is_done_all_the_same(
    sandbox, settings, workers, server, meta_door, relay, staff_list, tmp_path
):
    app = web_tool(settings, tmp_path / "instance")
    workers.start()
    # The wikis and the mail relay are away: each task fails and waits for its next try, in
    # Redis's schedule.
    reference, report_id = ask_for_three_things(app, sandbox)

    seen: set[str] = set()

    def each_waits_for_a_retry() -> bool:
        """Each has failed and waited for a retry at least once. Not all at one instant: the
        sweep takes a waiting capture or report up again within a second, so each goes back
        and forth between trying and waiting, each at its own pace."""
        with app.app_context():
            session = db.session()
            capture = session.scalar(
                select(EvidenceBundle.status).where(EvidenceBundle.reference == reference)
            )
            report = session.get(EngagementReport, report_id).status
            tried = session.scalar(select(func.max(OutboxMail.tries)))
            session.close()
        seen.update(
            name
            for name, waits in (
                ("capture", capture == "retrying"),
                ("report", report == "retrying"),
                ("mail", (tried or 0) >= 1),
            )
            if waits
        )
        return seen == {"capture", "report", "mail"}

    wait_for(each_waits_for_a_retry)
    server.flushdb()  # every message and every scheduled retry is gone
    meta_door.open()
    relay.start()
    wait_for(lambda: all_done(app, relay, reference, report_id))
    assert len(relay.to(STAFF_ADDRESS)) == 1  # sent once


def test_work_queued_before_a_flush_is_done_by_the_next_worker(
    sandbox, settings, workers, server, meta_door, relay, staff_list, tmp_path
):
    meta_door.open()
    relay.start()
    app = web_tool(settings, tmp_path / "instance")
    reference, report_id = ask_for_three_things(app, sandbox)
    queue = app.services.queue
    assert sorted(task.name for task in queue.pending()) == [
        "capture",
        "gather_engagement",
        "send-mail",
    ]
    server.flushdb()
    assert queue.pending() == []
    workers.start()
    wait_for(lambda: all_done(app, relay, reference, report_id))
    with app.app_context():
        holding_requester_key(BROWSERS[reference])
        assert store.links_of(store.own_bundle(reference, REQUESTER)).startswith("http")


@pytest.fixture
def redis_away(sqlite_url, tmp_path, nowhere):
    """The web tool with its queue, cache and limits in a Redis that refuses connections."""
    return create_app(
        {
            "SQLALCHEMY_URL": sqlite_url,
            "TESTING": True,
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "REDIS_PREFIX": "chldp-test:",
        },
        instance_path=str(tmp_path / "instance"),
    )


@pytest.mark.no_farm
def test_links_sent_while_redis_refuses_are_kept_and_the_page_says_the_capture_will_start(
    redis_away,
):
    app = redis_away
    links = "https://en.wikipedia.org/w/index.php?oldid=1234"
    browser = app.test_client()
    log_in(browser, REQUESTER)
    reply = start_capture(browser, links)
    assert reply.status_code == 302
    page = browser.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Your links are saved" in page and "You do not need to send them again" in page
    with app.app_context():
        holding_requester_key(browser)
        (bundle,) = store.own_bundles(REQUESTER)
        assert (bundle.status, store.links_of(bundle)) == ("waiting", links)


@pytest.mark.no_farm
def test_an_engagement_report_asked_while_redis_refuses_waits_with_a_sentence(redis_away):
    browser = redis_away.test_client()
    log_in(browser, REQUESTER)
    page = browser.get("/engagement")
    assert page.status_code == 200
    assert "it will be gathered by itself within a few minutes" in page.get_data(as_text=True)


@pytest.fixture(params=["sqlite", "mariadb"])
def unmigrated_url(request, databases, tmp_path):
    """A database with no tables: a new SQLite file, or a new MariaDB database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite'}"
        return
    server = databases.urls["mariadb"].rsplit("/", 1)[0]
    name = f"chldp_new_{secrets.token_hex(4)}"
    engine = create_engine(server)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs MariaDB at {server}")
        pytest.skip(f"no MariaDB answers at {server}")
    yield f"{server}/{name}?charset=utf8mb4"
    with engine.begin() as connection:
        connection.execute(text(f"DROP DATABASE {name}"))
    engine.dispose()


def test_a_worker_on_a_database_not_migrated_stops_at_once_naming_the_upgrade(
    unmigrated_url, tmp_path
):
    environment = dict(
        os.environ,
        DATABASE_URL=unmigrated_url,
        CHLDP_OAUTH_CLIENT_ID="chldp-test",
        CHLDP_OAUTH_CLIENT_SECRET="chldp-test",
        SANDBOX_DIR=str(tmp_path / "no-farm"),
    )
    environment.pop("REDIS_URL", None)
    flask = Path(sys.executable).with_name("flask")
    ran = subprocess.run(
        [str(flask), "--app", "webtool", "worker"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode != 0
    assert "run `flask --app webtool db upgrade`, then start again" in ran.stderr
    assert "Traceback" not in ran.stderr
