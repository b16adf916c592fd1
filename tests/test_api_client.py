"""The API client against a server that misbehaves on purpose: every fault ends in a result
or a clean Unavailable with a sentence, within a bounded time."""

from __future__ import annotations

import time

import pytest
from faultserver import FaultServer, garbage, listing, maxlag, ok, redirect, status, stuck

from webtool.api import ApiClient, ApiError, Limits, Unavailable

ANSWER = {"batchcomplete": True, "query": {"general": {"sitename": "Test"}}}
FAST = Limits(timeout=0.5, retries=2, backoff=0.05, max_retry_after=1.0, pages=3)


@pytest.fixture
def server():
    fault = FaultServer()
    yield fault
    fault.close()


def test_every_request_carries_the_etiquette(server):
    server.script = [ok(ANSWER)]
    ApiClient("chldp-test/1.0 (test@example.org)", FAST).query(server.url, action="query")
    sent = server.requests[0]
    assert sent["maxlag"] == "5"
    assert sent["formatversion"] == "2" and sent["errorformat"] == "plaintext"


def test_maxlag_is_retried_after_the_servers_retry_after(server):
    server.script = [maxlag(retry_after=1), ok(ANSWER)]
    started = time.monotonic()
    answer = ApiClient(limits=FAST).query(server.url, action="query")
    assert answer == ANSWER
    assert time.monotonic() - started >= 1.0
    assert len(server.requests) == 2


def test_a_503_then_success_gives_the_result(server):
    server.script = [status(503), ok(ANSWER)]
    assert ApiClient(limits=FAST).query(server.url, action="query") == ANSWER


def test_503_forever_ends_unavailable_after_the_retries(server):
    server.script = [status(503)]
    with pytest.raises(Unavailable, match="busy or failing"):
        ApiClient(limits=FAST).query(server.url, action="query")
    assert len(server.requests) == FAST.retries + 1


def test_malformed_json_is_unavailable_with_a_sentence(server):
    server.script = [garbage()]
    with pytest.raises(Unavailable, match="not JSON"):
        ApiClient(limits=FAST).query(server.url, action="query")


def test_a_redirect_is_not_followed(server):
    # A wiki's API never redirects; following one would let an answer choose where the tool
    # connects next.
    elsewhere = FaultServer()
    try:
        server.script = [redirect(elsewhere.url + "?action=query")]
        with pytest.raises(Unavailable, match="sent the request elsewhere"):
            ApiClient(limits=FAST).query(server.url, action="query")
        assert elsewhere.requests == []
    finally:
        elsewhere.close()


def test_a_stalled_response_times_out_within_the_bound(server):
    server.script = [ok(ANSWER, delay=3)]
    started = time.monotonic()
    with pytest.raises(Unavailable, match="could not be reached"):
        ApiClient(limits=FAST).query(server.url, action="query")
    assert time.monotonic() - started < (FAST.retries + 1) * FAST.timeout + 1


def contribution(revid: int) -> dict:
    return {"revid": revid, "timestamp": "2026-01-01T00:00:00Z"}


def contributions(client: ApiClient, server: FaultServer):
    return client.query_list(server.url, "usercontribs", "revid", action="query")


def test_endless_continuation_stops_at_the_page_bound_and_says_it_was_cut_short(server):
    server.route = listing("usercontribs", [[contribution(n)] for n in range(1, 10)], endless=True)
    found = contributions(ApiClient(limits=FAST), server)
    assert len(server.requests) == FAST.pages
    assert server.requests[1]["usercontribs-continue"] == "1"
    assert [c["revid"] for c in found.items] == [1, 2, 3]
    assert found.complete is False


def test_continuation_to_its_end_is_complete(server):
    server.route = listing("usercontribs", [[contribution(1)], [contribution(2)]])
    found = contributions(ApiClient(limits=FAST), server)
    assert [c["revid"] for c in found.items] == [1, 2]
    assert found.complete is True


def test_an_item_repeated_across_continuation_pages_is_kept_once(server):
    pages = [[contribution(1), contribution(2)], [contribution(2), contribution(3)]]
    server.route = listing("usercontribs", pages)
    found = contributions(ApiClient(limits=FAST), server)
    assert [c["revid"] for c in found.items] == [1, 2, 3]
    assert found.complete is True


def test_a_continuation_that_does_not_move_stops_at_once_cut_short(server):
    server.route = stuck("usercontribs", [contribution(1)])
    found = contributions(ApiClient(limits=FAST), server)
    assert len(server.requests) == 2
    assert [c["revid"] for c in found.items] == [1]
    assert found.complete is False


def test_an_api_error_keeps_its_code_and_text(server):
    server.script = [ok({"errors": [{"code": "baduser", "text": "Invalid value."}]})]
    with pytest.raises(ApiError) as error:
        ApiClient(limits=FAST).query(server.url, action="query")
    assert error.value.code == "baduser" and error.value.text == "Invalid value."


def test_nobody_listening_is_unavailable():
    with pytest.raises(Unavailable, match="could not be reached"):
        ApiClient(limits=FAST).query("http://127.0.0.1:9/w/api.php", action="query")


def test_the_client_counts_its_requests(server):
    server.script = [status(500), ok(ANSWER)]
    client = ApiClient(limits=FAST).counting()
    client.query(server.url, action="query")
    assert client.requests_made == 2
