"""Background work in real worker processes: a capture survives its worker being killed, the
deployment-wide limits hold across two workers, and a restart of the web tool does not stop a
capture. The wikis are the farm's, behind a slow front that counts requests in flight."""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from support.helpers import ADMIN, form_fields, post, send
from support.keys import holding_requester_key
from support.logins import log_in
from support.slowwiki import SlowWikis
from support.workers import Workers, wait_for
from werkzeug.serving import make_server

from webtool.app import create_app
from webtool.infra import db
from webtool.infra.config import api_settings
from webtool.infra.models import EvidenceBundle, EvidenceItem

USERS = [{"name": "Veteran Editor", "id": 3}, {"name": "Grant Writer", "id": 5}]


@pytest.fixture
def slow_wikis(sandbox):
    front = SlowWikis(sandbox, delay=0.12)
    yield front
    front.close()


@pytest.fixture
def settings(database_url, slow_wikis) -> dict:
    """What the web tool and its workers share: the database, and the wikis behind the front."""
    return {
        "SQLALCHEMY_URL": database_url,
        "REDIS_URL": None,
        "MAX_CAPTURES": 1,
        "CAPTURE_HEARTBEAT": 1,
        "CAPTURE_TAKEN_UP_AFTER": 3,
        # A killed worker's requests free their slots soon (each takes 0.12 s here).
        "API_SLOT_LEASE": 2,
        "API": {
            "CHLDP_CENTRAL_API": slow_wikis.url("metawiki") + "/w/api.php",
            "CHLDP_MAX_PARALLEL": "2",
        },
    }


def web_app(settings: dict, instance: Path):
    from datetime import timedelta

    overrides = dict(settings, API=api_settings(settings["API"]), TESTING=True)
    for name in ("CAPTURE_HEARTBEAT", "CAPTURE_TAKEN_UP_AFTER", "API_SLOT_LEASE"):
        overrides[name] = timedelta(seconds=settings[name])
    return create_app(overrides, instance_path=str(instance))


@pytest.fixture
def workers(settings, tmp_path):
    started = Workers(settings, tmp_path / "instance")
    yield started
    started.stop()


def revision_links(sandbox, slow_wikis, count: int) -> str:
    """`count` links to revisions on enwiki, through the slow front."""
    answer = requests.get(
        sandbox["wikis"]["enwiki"]["api_url"],
        params={
            "action": "query",
            "list": "usercontribs",
            "ucuser": "Veteran Editor",
            "uclimit": count,
            "format": "json",
            "formatversion": "2",
        },
        timeout=10,
    ).json()
    revids = [c["revid"] for c in answer["query"]["usercontribs"]]
    assert len(revids) == count
    return "\n".join(f"{slow_wikis.url('enwiki')}/w/index.php?oldid={r}" for r in revids)


# The browser of each capture's requester, whose device key opens the finished bundle.
BROWSERS: dict[str, object] = {}


def start_capture(app, user: dict, links: str) -> str:
    client = app.test_client()
    log_in(client, user)
    reply = client.post("/evidence", data={"links": links, **form_fields(client, "/evidence")})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    reference = reply.headers["Location"].rsplit("/", 1)[1]
    BROWSERS[reference] = client
    return reference


def bundle_row(app, reference: str) -> EvidenceBundle:
    with app.app_context():
        return db.session().scalar(
            select(EvidenceBundle).where(EvidenceBundle.reference == reference)
        )


def bundled_lines(app, reference: str) -> list[int]:
    """The line of every link in the finished bundle, as its manifest lists them."""
    with app.app_context():
        from webtool.services import evidence_records as store

        holding_requester_key(BROWSERS[reference])  # sealed to the requester who captured it
        found = db.session().scalar(
            select(EvidenceBundle).where(EvidenceBundle.reference == reference)
        )
        manifest = store.manifest_of(found)
    return [item["line"] for item in manifest["items"]] + [r["line"] for r in manifest["refused"]]


def test_a_capture_goes_on_after_its_worker_is_killed(
    sandbox, slow_wikis, settings, workers, tmp_path
):
    app = web_app(settings, tmp_path / "instance")
    reference = start_capture(app, USERS[0], revision_links(sandbox, slow_wikis, 20))
    first = workers.start()
    wait_for(lambda: bundle_row(app, reference).links_done >= 5)
    first.send_signal(signal.SIGKILL)  # no polite stop: the worker gets no chance to tidy up
    first.wait()
    done_before = bundle_row(app, reference).links_done
    assert bundle_row(app, reference).status == "capturing" and done_before < 20
    workers.start()
    finished = wait_for(lambda: bundle_row(app, reference).status in ("done", "failed") or None)
    assert finished
    row = bundle_row(app, reference)
    assert (row.status, row.items, row.refused) == ("done", 20, 0)
    assert sorted(bundled_lines(app, reference)) == list(range(1, 21))  # each link once


def test_the_limits_hold_across_two_workers(sandbox, slow_wikis, settings, workers, tmp_path):
    app = web_app(settings, tmp_path / "instance")
    links = revision_links(sandbox, slow_wikis, 6)
    references = [start_capture(app, user, links) for user in USERS]
    workers.start()
    workers.start()
    most_capturing = 0

    def all_done():
        nonlocal most_capturing
        with app.app_context():
            capturing = db.session().scalar(
                select(func.count())
                .select_from(EvidenceBundle)
                .where(EvidenceBundle.status == "capturing")
            )
        most_capturing = max(most_capturing, capturing)
        return all(bundle_row(app, r).status == "done" for r in references)

    wait_for(all_done, every=0.02)
    assert most_capturing == 1  # CHLDP_MAX_CAPTURES
    assert slow_wikis.most_in_flight <= 2  # CHLDP_MAX_PARALLEL, across both workers
    assert slow_wikis.most_in_flight == 2  # and the bound was reached: it is not idle


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# The web tool's restart touches no database of its own: one database shows it.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_restart_of_the_web_tool_does_not_stop_a_capture(
    sandbox, slow_wikis, settings, workers, tmp_path
):
    instance = tmp_path / "instance"
    app = web_app(settings, instance)
    reference = start_capture(app, USERS[0], revision_links(sandbox, slow_wikis, 20))
    workers.start()
    wait_for(lambda: bundle_row(app, reference).links_done >= 2)
    server = serve(app)
    server.shutdown()  # the web tool goes down mid-capture…
    again = web_app(settings, instance)  # …and comes back, a new process's worth of state
    browser = again.test_client()
    log_in(browser, USERS[0])
    seen = set()
    while bundle_row(again, reference).status != "done":
        page = browser.get(f"/evidence/{reference}").get_data(as_text=True)
        assert "stopped before it finished" not in page
        seen |= {int(n) for n in re.findall(r"(\d+) of 20 links captured", page)}
        time.sleep(0.3)
    assert len(seen) > 1  # the page showed the capture moving on
    assert bundle_row(again, reference).items == 20


def test_a_request_deleted_while_its_capture_runs_leaves_nothing_behind(
    settings, tmp_path, sandbox, slow_wikis, caplog, monkeypatch
):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    app = web_app(settings, tmp_path / "instance")
    requester, staff = app.test_client(), app.test_client()
    log_in(requester, USERS[0])
    reference = send(requester).headers["Location"].rsplit("/", 1)[1]
    log_in(staff, ADMIN)
    links = revision_links(sandbox, slow_wikis, 12)
    post(staff, f"/staff/case/{reference}/evidence", links=links, submission_key="a" * 32)
    queue = app.services.queue

    def kept() -> int:
        with app.app_context():
            return db.session().scalar(select(func.count()).select_from(EvidenceItem))

    with caplog.at_level(logging.INFO):
        capture = threading.Thread(target=queue.execute, args=(queue.dequeue(),))
        capture.start()
        wait_for(lambda: kept() >= 1)  # under way
        post(requester, f"/requests/{reference}/withdraw")
        assert post(requester, f"/requests/{reference}/delete").status_code == 302
        capture.join(120)
    assert kept() == 0
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(EvidenceBundle)) == 0
    assert "its bundle was deleted meanwhile" in caplog.text
    assert "StaleDataError" not in caplog.text and "Traceback" not in caplog.text
