"""Reading the program status from the web tool, and what the bot does without it."""

from __future__ import annotations

import socket

from support.statusserver import serve_status

from wikibot.status import ProgramStatus, read_status

AGENT = "chldp-wikibot tests"


def test_the_status_and_message_are_read_from_the_web_tool():
    with serve_status({"status": "paused", "message": "Back in May."}) as server:
        reading = read_status(server.url, AGENT)

    assert reading.status == ProgramStatus("paused", "Back in May.")


def test_an_unreachable_web_tool_gives_no_status_and_says_so():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/api/v1/program-status"

    reading = read_status(url, AGENT)

    assert reading.status is None
    assert reading.problem == f"The web tool at {url} could not be reached."


def test_a_server_error_gives_no_status():
    with serve_status() as server:
        server.status_code = 503
        reading = read_status(server.url, AGENT)

    assert reading.status is None
    assert "503" in reading.problem


def test_a_status_the_program_does_not_have_is_not_used():
    with serve_status({"status": "maybe"}) as server:
        reading = read_status(server.url, AGENT)

    assert reading.status is None
    assert "'maybe' is not one of open, paused, closed" in reading.problem


def test_no_configured_url_gives_no_status():
    assert read_status(None, AGENT).problem.startswith("No program-status URL is configured")
