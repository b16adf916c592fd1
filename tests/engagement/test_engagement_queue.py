"""Engagement reports gathered on the task queue: a row per report asked for, sealed, with a
status the pages show while it waits, gathers or retries. Runs on SQLite and on MariaDB, with
tasks run at once (TASKS_IMMEDIATE), or queued in SQLite with no worker to take them."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from support.faultserver import status
from support.helpers import ON_SQLITE, look_up, send
from support.keys import holding_team_key
from support.logins import log_in
from werkzeug.serving import make_server

from webtool.infra import db
from webtool.infra.config import api_settings
from webtool.infra.keyed import blind_index
from webtool.infra.models import EngagementReport, HelpRequest
from webtool.wikis.api import Limits

REQUESTER = {"name": "Veteran Editor", "id": 3}
STAFF = {"name": "Jane Doe", "id": 10}
REAL_EDITS = "2,112"  # the farm's edits of Veteran Editor, on every wiki
BUSY = "is busy or failing (HTTP 503)"
STATUS = "/engagement/data"


@pytest.fixture
def failing_app(sandbox, database_url, tmp_path, fault):
    """The web tool whose central wiki is the misbehaving server; tasks run at once, and their
    retries when the test runs the queue's schedule."""
    from webtool.app import create_app

    app = create_app(
        {
            "SQLALCHEMY_URL": database_url,
            "TESTING": True,
            "REDIS_URL": None,
            "TASKS_IMMEDIATE": True,
            "API": api_settings({"CHLDP_CENTRAL_API": fault.url}),
        },
        instance_path=str(tmp_path / "instance"),
    )
    # The client's own quick retries cut to none: what is tested is the queue's.
    app.services.api.limits = Limits(timeout=2, retries=0)
    return app


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def rows(app) -> list[EngagementReport]:
    with app.app_context():
        return list(db.session().scalars(select(EngagementReport).order_by(EngagementReport.id)))


def opened(app, token: str) -> str:
    return app.services.sealer.open(token)


def run_the_retries(app) -> list[datetime]:
    """Run each retry the queue scheduled, at its time, until none is left; their times."""
    queue = app.services.queue
    times = []
    while due := queue.read_schedule(datetime(9999, 1, 1)):
        for task in due:
            times.append(task.eta)
            queue.execute(task, timestamp=task.eta)
    return times


def test_a_report_is_gathered_by_the_queue_and_shown(app, client):
    log_in(client, REQUESTER)
    page = client.get("/engagement").get_data(as_text=True)
    assert REAL_EDITS in page
    assert client.get("/engagement").status_code == 200
    [row] = rows(app)  # the second visit showed the same report
    assert row.status == "done"
    with app.app_context():
        assert row.subject_key == blind_index("report", "Veteran Editor")
    assert "Veteran" not in row.subject_sealed + row.report_sealed
    assert opened(app, row.subject_sealed) == "Veteran Editor"
    assert json.loads(opened(app, row.report_sealed))["totals"]["edits"] == 2112
    assert client.get(STATUS).get_json()["status"] == "done"


def test_the_status_says_retrying_with_the_reason_then_failed(failing_app, fault):
    fault.script = [status(503)]
    client = failing_app.test_client()
    log_in(client, REQUESTER)
    page = client.get("/engagement").get_data(as_text=True)
    assert "Retrying" in page and BUSY in page
    answer = client.get(STATUS).get_json()
    assert answer["status"] == "retrying" and BUSY in answer["detail"]
    assert answer["message"].startswith("Retrying: ") and BUSY in answer["message"]
    german = client.get(STATUS + "?uselang=de").get_json()["message"]
    assert german.startswith("Erneuter Versuch: ")

    waits = run_the_retries(failing_app)
    assert len(waits) == 3  # three more tries, each after a longer wait than the one before
    assert waits[2] - waits[1] > waits[1] - waits[0]
    answer = client.get(STATUS + "?uselang=en").get_json()
    assert answer["status"] == "failed" and BUSY in answer["detail"]
    assert answer["message"].startswith("Your engagement could not be gathered: ")
    page = client.get("/engagement").get_data(as_text=True)
    assert BUSY in page and "again=1" in page
    assert 'http-equiv="refresh"' not in page  # nothing more will happen by itself
    assert len(fault.requests) == 4
    assert len(rows(failing_app)) == 1  # the failure is shown, not asked again at each visit


def test_trying_again_after_a_failure_asks_anew(failing_app, fault):
    fault.script = [status(503)]
    client = failing_app.test_client()
    log_in(client, REQUESTER)
    client.get("/engagement")
    run_the_retries(failing_app)
    assert client.get("/engagement?again=1").status_code == 302
    assert [row.status for row in rows(failing_app)] == ["failed", "retrying"]


def test_a_missing_account_fails_at_once_with_a_sentence(app, client, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    log_in(client, STAFF)
    page = look_up(client, "Nobody by this name")
    assert "There is no global account named Nobody by this name." in page
    [row] = rows(app)
    assert row.status == "failed"
    assert "Nobody by this name" in opened(app, row.detail_sealed)  # sealed, as every detail
    # The reason is the tool's own words, so each reader gets it in their language.
    german = client.get("/staff/lookup?user=Nobody by this name&uselang=de").get_data(as_text=True)
    assert "Es gibt kein globales Benutzerkonto namens Nobody by this name." in german
    assert app.services.queue.scheduled_count() == 0  # not tried again


def test_waiting_for_a_worker_and_no_task_holds_the_name(queued_app):
    client = queued_app.test_client()
    log_in(client, REQUESTER)
    page = client.get("/engagement").get_data(as_text=True)
    assert "Waiting for a free worker" in page
    assert client.get(STATUS).get_json()["status"] == "waiting"
    client.get("/engagement")  # asking again while one waits reuses it
    [row] = rows(queued_app)
    queue = queued_app.services.queue
    [task] = queue.pending()
    assert task.args == (row.id,) and task.kwargs == {}
    queue_file = (queued_app.instance_path + "/tasks.sqlite").encode()
    assert b"Veteran" not in open(queue_file, "rb").read()


def test_the_page_without_javascript_refreshes_itself(queued_app):
    client = queued_app.test_client()
    log_in(client, REQUESTER)
    page = client.get("/engagement").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh"' in page
    assert "wait=1" not in page
    # Once gathered, the same address shows the report.
    queue = queued_app.services.queue
    queue.execute(queue.dequeue())
    assert REAL_EDITS in client.get("/engagement").get_data(as_text=True)


@pytest.fixture
def served(queued_app):
    """The queued app served over HTTP on a free loopback port."""
    server = make_server("127.0.0.1", 0, queued_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@ON_SQLITE
@pytest.mark.parametrize("script", [True, False], ids=["javascript", "no-javascript"])
def test_the_page_follows_its_report_in_a_browser(sandbox, queued_app, served, page, script):
    from playwright.sync_api import expect
    from support.browser import log_in as log_in_browser

    if not script:
        page = page.context.browser.new_context(java_script_enabled=False).new_page()
    log_in_browser(
        page, served, "Veteran Editor", sandbox["accounts"]["Veteran Editor"]["password"]
    )
    page.goto(served + "/engagement")
    expect(page.locator("#gathering")).to_contain_text("Waiting for a free worker")
    queue = queued_app.services.queue
    queue.execute(queue.dequeue())
    # The report is shown without anyone reloading: by the script, or by the page's refresh.
    expect(page.locator(".total-edits")).to_have_text(REAL_EDITS, timeout=10_000)


def test_staff_see_progress_with_a_refresh_and_the_lookup_is_audited(queued_app, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    client = queued_app.test_client()
    log_in(client, STAFF)
    page = look_up(client, "Veteran Editor")
    assert "Waiting for a free worker" in page and 'http-equiv="refresh"' in page
    page = client.get("/staff/lookup?user=Veteran Editor").get_data(as_text=True)  # a refresh
    assert "Waiting for a free worker" in page
    queue = queued_app.services.queue
    queue.execute(queue.dequeue())
    page = client.get("/staff/lookup?user=Veteran Editor").get_data(as_text=True)
    assert "2,112 edits" in page and "Contributions on every wiki" in page
    assert 'http-equiv="refresh"' not in page
    with queued_app.app_context():
        from webtool.infra.models import AuditEntry

        actions = db.session().scalars(select(AuditEntry.action)).all()
    assert actions.count("lookup") == 1  # one look-up, however often its page reloads


def test_the_case_page_asks_for_the_report_now(queued_app, monkeypatch):
    from webtool.services.help_requests import Submission, store

    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    with queued_app.app_context():
        reference = store(Submission.blank("en"), REQUESTER, {"unavailable": True}).reference
    client = queued_app.test_client()
    log_in(client, STAFF)
    page = client.get(f"/staff/case/{reference}").get_data(as_text=True)
    assert "Waiting for a free worker" in page and 'http-equiv="refresh"' in page
    queue = queued_app.services.queue
    queue.execute(queue.dequeue())
    page = client.get(f"/staff/case/{reference}").get_data(as_text=True)
    assert "2,112 edits" in page and 'http-equiv="refresh"' not in page


def test_a_request_freezes_a_report_of_the_day_and_never_gathers(queued_app):

    client = queued_app.test_client()
    log_in(client, REQUESTER)
    assert send(client).status_code == 302
    assert rows(queued_app) == []  # nothing asked of the wikis, nor queued
    client.get("/engagement")
    queue = queued_app.services.queue
    queue.execute(queue.dequeue())
    send(client)
    with queued_app.app_context():
        session = db.session()
        session.execute(update(EngagementReport).values(updated_at=utc_now() - timedelta(hours=20)))
        session.commit()
    send(client)  # the report is past the page's time, not the day's
    with queued_app.app_context():
        session = db.session()
        session.execute(update(EngagementReport).values(updated_at=datetime(2020, 1, 1)))
        session.commit()
    send(client)
    from webtool.services.help_requests import opened as opened_request

    with queued_app.app_context():
        holding_team_key(queued_app)
        frozen = [
            opened_request(found).engagement()
            for found in db.session().scalars(select(HelpRequest).order_by(HelpRequest.id))
        ]
    assert frozen[0] == {"unavailable": True} and frozen[3] == {"unavailable": True}
    assert frozen[1]["totals"]["edits"] == frozen[2]["totals"]["edits"] == 2112


def test_the_purge_deletes_reports_older_than_a_day(app, client):
    from webtool.services.retention import purge

    log_in(client, REQUESTER)
    client.get("/engagement")
    with app.app_context():
        purge(utc_now() + timedelta(hours=12))
        assert db.session().scalar(select(func.count()).select_from(EngagementReport)) == 1
        purged = purge(utc_now() + timedelta(days=2))
        assert db.session().scalar(select(func.count()).select_from(EngagementReport)) == 0
        assert purged.reports == 1
        assert "1 engagement report(s)" in purged.sentences()[0]
