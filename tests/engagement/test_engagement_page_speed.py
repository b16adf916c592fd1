"""The "My engagement" page served from process memory (see benchmarks/webtool_load.py) ends
with its session like every page: the session is read from the database at every request,
whatever the page cache keeps. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import create_engine, select, text, update
from support.helpers import post
from support.logins import log_in

from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.models import UserSession

# An id no other value in a log can contain by chance.
REQUESTER = {"name": "Veteran Editor", "id": 73317331}
STAFF_TOO = "Veteran Editor:reviewer"


def shows_report(client) -> bool:
    """Whether `client` is shown its gathered report (rather than sent to log in)."""
    reply = client.get("/engagement")
    return reply.status_code == 200 and 'class="total-edits"' in reply.get_data(as_text=True)


def sent_to_log_in(client) -> bool:
    reply = client.get("/engagement")
    return reply.status_code == 302 and reply.headers["Location"].startswith("/login")


def reading(app):
    """A browser logged in as REQUESTER whose report is gathered, its page now kept."""
    client = app.test_client()
    log_in(client, REQUESTER)
    assert shows_report(client)  # asked, gathered at once (TASKS_IMMEDIATE), rendered
    assert shows_report(client)  # from the page cache
    return client


def set_seen(app, ago: timedelta) -> None:
    with app.app_context():
        db.session().execute(update(UserSession).values(seen_at=now() - ago))
        db.session().commit()


def seen(app):
    with app.app_context():
        return db.session().scalar(select(UserSession.seen_at))


def test_a_copied_cookie_gets_no_kept_page_after_logout(app):
    reader = reading(app)
    copy = app.test_client()
    copy.set_cookie("chldp_session", reader.get_cookie("chldp_session").value)
    assert shows_report(copy)
    assert post(reader, "/logout").status_code == 302
    assert sent_to_log_in(copy)


def test_an_idle_session_gets_no_kept_page(app):
    reader = reading(app)
    set_seen(app, timedelta(hours=25))
    assert sent_to_log_in(reader)


def test_staff_taken_off_the_list_get_no_kept_page(app, monkeypatch, staff_list):
    monkeypatch.setenv("CHLDP_STAFF", f"{staff_list},{STAFF_TOO}")
    reader = reading(app)
    monkeypatch.setenv("CHLDP_STAFF", staff_list)
    assert sent_to_log_in(reader)


def test_the_last_use_is_written_once_a_minute_at_most(app):
    reader = reading(app)
    set_seen(app, timedelta(seconds=30))
    before = seen(app)
    assert shows_report(reader)
    assert seen(app) == before  # no write: the idle time counts from at most a minute ago
    set_seen(app, timedelta(seconds=90))
    before = seen(app)
    assert shows_report(reader)
    assert now() - seen(app) < timedelta(seconds=30) < seen(app) - before


def test_a_session_that_cannot_be_read_answers_503_and_logs_nothing_personal(
    app, database_url, caplog, capfd
):
    reader = reading(app)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE user_sessions RENAME TO user_sessions_away"))
    try:
        with caplog.at_level(logging.DEBUG):
            reply = reader.get("/engagement")
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE user_sessions_away RENAME TO user_sessions"))
        engine.dispose()
    assert reply.status_code == 503
    assert "a session could not be checked" in caplog.text
    with app.app_context():
        token_hash = db.session().scalar(select(UserSession.token_hash))
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    for personal in (REQUESTER["name"], str(REQUESTER["id"]), token_hash):
        assert personal not in logged, personal
    assert shows_report(reader)  # the session itself was not ended
