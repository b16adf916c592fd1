"""The API client against a server that misbehaves on purpose: every fault ends in a result
or a clean Unavailable with a sentence, within a bounded time."""

from __future__ import annotations

import re
import time

import pytest
from support.faultserver import FaultServer, garbage, listing, maxlag, ok, redirect, status, stuck

from webtool.app import create_app
from webtool.wikis.api import ApiClient, ApiError, Limits, Unavailable

ANSWER = {"batchcomplete": True, "query": {"general": {"sitename": "Test"}}}
FAST = Limits(timeout=0.5, retries=2, backoff=0.05, max_retry_after=1.0, pages=3)


def test_every_request_carries_the_etiquette(fault, sqlite_url, monkeypatch, tmp_path):
    # The client the web tool makes from its settings, as a deployment leaves them.
    monkeypatch.delenv("CHLDP_USER_AGENT", raising=False)
    monkeypatch.setenv("CHLDP_CENTRAL_API", fault.url)
    monkeypatch.setenv("CHLDP_OAUTH_CLIENT_ID", "chldp-test")
    tool = create_app({"SQLALCHEMY_URL": sqlite_url}, instance_path=str(tmp_path))
    fault.script = [ok(ANSWER)]
    tool.services.api.query(tool.config["API"].central_api, meta="siteinfo")

    (headers,) = fault.headers
    # Wikimedia's User-Agent policy: the tool's name and version, then a way to reach its
    # operators (a web page and an e-mail address) in parentheses.
    name, contact = re.fullmatch(r"(\S+/[\d.]+) \(([^)]*)\).*", headers["User-Agent"]).groups()
    assert name.startswith("chldp/")
    assert re.search(r"https://\S+", contact) and re.search(r"[\w.+-]+@[\w-]+\.\w+", contact)
    assert "gzip" in headers["Accept-Encoding"]
    (sent,) = fault.requests
    assert sent["maxlag"] == "5"
    assert sent["format"] == "json" and sent["formatversion"] == "2"
    assert sent["errorformat"] == "plaintext"


def test_maxlag_is_retried_after_the_servers_retry_after(fault):
    fault.script = [maxlag(retry_after=1), ok(ANSWER)]
    started = time.monotonic()
    answer = ApiClient(limits=FAST).query(fault.url, action="query")
    assert answer == ANSWER
    assert time.monotonic() - started >= 1.0
    assert len(fault.requests) == 2


def test_a_503_then_success_gives_the_result(fault):
    fault.script = [status(503), ok(ANSWER)]
    assert ApiClient(limits=FAST).query(fault.url, action="query") == ANSWER


def test_503_forever_ends_unavailable_after_the_retries(fault):
    fault.script = [status(503)]
    with pytest.raises(Unavailable, match="busy or failing"):
        ApiClient(limits=FAST).query(fault.url, action="query")
    assert len(fault.requests) == FAST.retries + 1


def test_malformed_json_is_unavailable_with_a_sentence(fault):
    fault.script = [garbage()]
    with pytest.raises(Unavailable, match="not JSON"):
        ApiClient(limits=FAST).query(fault.url, action="query")


def test_a_redirect_is_not_followed(fault):
    # A wiki's API never redirects; following one would let an answer choose where the tool
    # connects next.
    elsewhere = FaultServer()
    try:
        fault.script = [redirect(elsewhere.url + "?action=query")]
        with pytest.raises(Unavailable, match="sent the request elsewhere"):
            ApiClient(limits=FAST).query(fault.url, action="query")
        assert elsewhere.requests == []
    finally:
        elsewhere.close()


def test_a_stalled_response_times_out_within_the_bound(fault):
    fault.script = [ok(ANSWER, delay=3)]
    started = time.monotonic()
    with pytest.raises(Unavailable, match="could not be reached"):
        ApiClient(limits=FAST).query(fault.url, action="query")
    assert time.monotonic() - started < (FAST.retries + 1) * FAST.timeout + 1


def contribution(revid: int) -> dict:
    return {"revid": revid, "timestamp": "2026-01-01T00:00:00Z"}


def contributions(client: ApiClient, fault: FaultServer):
    return client.query_list(fault.url, "usercontribs", "revid", action="query")


def test_endless_continuation_stops_at_the_page_bound_and_says_it_was_cut_short(fault):
    fault.route = listing("usercontribs", [[contribution(n)] for n in range(1, 10)], endless=True)
    found = contributions(ApiClient(limits=FAST), fault)
    assert len(fault.requests) == FAST.pages
    assert fault.requests[1]["usercontribs-continue"] == "1"
    assert [c["revid"] for c in found.items] == [1, 2, 3]
    assert found.complete is False


def test_continuation_to_its_end_is_complete(fault):
    fault.route = listing("usercontribs", [[contribution(1)], [contribution(2)]])
    found = contributions(ApiClient(limits=FAST), fault)
    assert [c["revid"] for c in found.items] == [1, 2]
    assert found.complete is True


def test_an_item_repeated_across_continuation_pages_is_kept_once(fault):
    pages = [[contribution(1), contribution(2)], [contribution(2), contribution(3)]]
    fault.route = listing("usercontribs", pages)
    found = contributions(ApiClient(limits=FAST), fault)
    assert [c["revid"] for c in found.items] == [1, 2, 3]
    assert found.complete is True


def test_a_continuation_that_does_not_move_stops_at_once_cut_short(fault):
    fault.route = stuck("usercontribs", [contribution(1)])
    found = contributions(ApiClient(limits=FAST), fault)
    assert len(fault.requests) == 2
    assert [c["revid"] for c in found.items] == [1]
    assert found.complete is False


def test_an_api_error_keeps_its_code_and_text(fault):
    fault.script = [ok({"errors": [{"code": "baduser", "text": "Invalid value."}]})]
    with pytest.raises(ApiError) as error:
        ApiClient(limits=FAST).query(fault.url, action="query")
    assert error.value.code == "baduser" and error.value.text == "Invalid value."


def test_nobody_listening_is_unavailable():
    with pytest.raises(Unavailable, match="could not be reached"):
        ApiClient(limits=FAST).query("http://127.0.0.1:9/w/api.php", action="query")


def test_the_client_counts_its_requests(fault):
    fault.script = [status(500), ok(ANSWER)]
    client = ApiClient(limits=FAST).counting()
    client.query(fault.url, action="query")
    assert client.requests_made == 2
