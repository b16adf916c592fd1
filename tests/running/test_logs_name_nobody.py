"""Logs name nobody: when the central wiki cannot be reached, what the web tool, the queue and
a worker process log names the wiki and what went wrong, never the account a report was about
(the API request's URL names it in its query)."""

from __future__ import annotations

import logging

import pytest
from support.helpers import ADMIN, REQUESTER, free_port, post
from support.logins import log_in
from support.workers import Workers, wait_for

from webtool.app import create_app
from webtool.wikis.api import Limits

LOOKED_UP = "Grant Writer"


def traces_of(name: str) -> list[str]:
    """`name` as it may appear in a log: as typed, and as a URL's query spells it."""
    return [name, name.replace(" ", "+"), name.replace(" ", "%20"), name.replace(" ", "_")]


@pytest.fixture
def refused(monkeypatch) -> str:
    """The central wiki's API on a loopback port where nothing listens: every connection is
    refused."""
    api = f"http://127.0.0.1:{free_port()}/w/api.php"
    monkeypatch.setenv("CHLDP_CENTRAL_API", api)
    monkeypatch.setenv("CHLDP_OAUTH_CLIENT_ID", "chldp-refused")
    monkeypatch.setenv("CHLDP_OAUTH_CLIENT_SECRET", "refused")
    return api


def test_reports_the_wiki_cannot_give_log_the_wiki_and_no_name(
    refused, sqlite_url, staff_list, tmp_path, caplog, capfd
):
    app = create_app(
        {"SQLALCHEMY_URL": sqlite_url, "REDIS_URL": None, "TESTING": True, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )
    app.services.api.limits = Limits(timeout=2, retries=0)
    requester, staff = app.test_client(), app.test_client()
    log_in(requester, REQUESTER)
    log_in(staff, ADMIN)

    with caplog.at_level(logging.DEBUG):
        requester.get("/engagement")
        post(staff, "/staff/lookup", user=LOOKED_UP)

    assert requester.get("/engagement/data").get_json()["status"] == "retrying"
    logged = caplog.text + capfd.readouterr().err
    assert "could not be reached (the connection was refused)" in logged
    assert "Traceback" not in logged
    for name in (REQUESTER["name"], LOOKED_UP):
        for trace in traces_of(name):
            assert trace not in logged


def test_a_worker_trying_a_report_again_logs_one_line_and_no_name(refused, sqlite_url, tmp_path):
    settings = {
        "SQLALCHEMY_URL": sqlite_url,
        "REDIS_URL": None,
        "TESTING": True,
        "API": {"CHLDP_CENTRAL_API": refused},
    }
    from webtool.infra.config import api_settings

    app = create_app(
        dict(settings, API=api_settings(settings["API"])), instance_path=str(tmp_path / "instance")
    )
    requester = app.test_client()
    log_in(requester, REQUESTER)
    requester.get("/engagement")
    workers = Workers(settings, tmp_path / "instance")
    workers.start(threads=1)
    try:
        # The client's own retries (0.5, 1 and 2 s) pass, then the task is put back for later.
        wait_for(lambda: requester.get("/engagement/data").get_json()["status"] == "retrying")
        log = tmp_path / "worker-0.log"
        wait_for(lambda: "RetryTask" in log.read_text())
    finally:
        workers.stop()
    logged = log.read_text()
    assert "could not be reached (the connection was refused)" in logged
    assert "Traceback" not in logged
    for trace in traces_of(REQUESTER["name"]):
        assert trace not in logged
