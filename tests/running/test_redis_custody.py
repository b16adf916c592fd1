"""Toolforge's Redis is shared by every tool: whatever the web tool and the `report` command
keep there (cached values, the task queue, rate-limit counters) names nobody, sits under the
secret prefix, and is never served when someone else wrote it. Runs against a real Redis
(database 5, emptied by these tests) and the farm."""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import time

import pytest
import redis
from cryptography.fernet import Fernet, InvalidToken
from support.helpers import EVIDENCE_REFERENCE, finished, send, start_capture
from support.logins import provider_answer
from support.redisdb import REDIS_URL

from webtool.__main__ import main as command
from webtool.infra import db
from webtool.wikis.api import ApiClient
from webtool.wikis.engagement import Collector

NAME = "Veteran Editor"
FORGED_EDITS = 987654


@pytest.fixture
def server(redis_server):
    """Database 5 of the local Redis, empty at the start and the end of each test."""
    return redis_server


@pytest.fixture
def prefix() -> str:
    return f"chldp-test-{secrets.token_hex(16)}:"


@pytest.fixture
def redis_app(sandbox, server, prefix, tmp_path):
    """The web tool with its cache, rate limits and task queue in Redis; no worker: the tests
    run what is queued (`work_off`)."""
    from webtool.app import create_app

    url = f"sqlite:///{tmp_path / 'chldp.sqlite'}"
    db.upgrade(url)
    return create_app(
        {"SQLALCHEMY_URL": url, "TESTING": True, "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix},
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def visitor(redis_app):
    return redis_app.test_client()


@pytest.fixture
def listener():
    """A loopback socket that records every connection made to it."""
    accepted: list[tuple] = []
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def record():
        while not stop.is_set():
            try:
                connection, address = sock.accept()
            except TimeoutError:
                continue
            accepted.append(address)
            connection.close()

    thread = threading.Thread(target=record, daemon=True)
    thread.start()
    yield sock.getsockname()[1], accepted
    stop.set()
    thread.join()
    sock.close()


def log_in(sandbox, client, name: str = NAME) -> dict:
    """Log in through the farm's OAuth provider; the session's account."""
    start = client.get("/login")
    client.get(provider_answer(sandbox, start.headers["Location"], name))
    with client.session_transaction() as session:
        return session["user"]


def work_off(app) -> int:
    """Run what the queue holds, as a worker does; how many messages did not open (a worker
    logs them and goes on)."""
    queue = app.services.queue
    refused = 0
    while queue.pending_count():
        try:
            task = queue.dequeue()
        except InvalidToken:
            refused += 1
            continue
        queue.execute(task)
    return refused


def captured(client, link: str) -> str:
    """The page of a capture of `link`, run off the queue."""
    reply = start_capture(client, link)
    assert work_off(client.application) == 0
    return finished(client, EVIDENCE_REFERENCE.search(reply.headers["Location"])[0])


def use_the_tool(sandbox, client, link: str) -> dict:
    """Log in, see the report, send a request, capture evidence: the account and reference."""
    user = log_in(sandbox, client)
    client.get("/engagement")
    assert work_off(client.application) == 0
    assert "2,112" in client.get("/engagement").get_data(as_text=True)
    reference = send(client).headers["Location"].rsplit("/", 1)[1]
    captured(client, link)
    return {**user, "reference": reference}


def keys_of(server: redis.Redis) -> list[str]:
    return [key.decode() for key in server.scan_iter()]


def cached_keys(server: redis.Redis) -> list[str]:
    """Keys holding values (not rate-limit counters)."""
    return [
        key
        for key in keys_of(server)
        if server.type(key) == b"string" and not server.get(key).isdigit()
    ]


def forged_report(sandbox) -> dict:
    """The account's real report with other edit counts, as another tool could write it."""
    collector = Collector(ApiClient(), sandbox["centralauth_api_url"], "metawiki")
    report = collector.report(NAME).to_dict()
    report["totals"]["edits"] = FORGED_EDITS
    for wiki in report["wikis"]:
        wiki["edits"] = FORGED_EDITS
    return report


def plant_in_the_queue(server: redis.Redis, prefix: str, value) -> None:
    """`value` as a message in the tool's task queue, to be run now and later."""
    server.rpush(f"{prefix}tasks:queue", json.dumps(value))
    server.zadd(f"{prefix}tasks:schedule", {json.dumps(value): 0})


def plant(server: redis.Redis, value) -> list[str]:
    """Overwrite every value the tool keeps in Redis with `value`; the keys overwritten."""
    keys = cached_keys(server)
    for key in keys:
        server.set(key, json.dumps(value), keepttl=True)
    return keys


def test_redis_keys_name_nobody_and_sit_under_the_secret_prefix(
    sandbox, server, prefix, visitor, evidence_links
):
    used = use_the_tool(sandbox, visitor, evidence_links["text"])
    keys = keys_of(server)
    assert len(keys) >= 4  # the site matrix, siteinfo, rate-limit counters
    in_clear = [NAME, NAME.replace(" ", "_"), NAME.replace(" ", "%20"), used["reference"]]
    for key in keys:
        assert key.startswith(prefix)
        assert not any(text in key for text in in_clear), key
        assert str(used["id"]) not in re.split(r"[:/]", key), key
        if server.type(key) == b"string":
            assert NAME.encode() not in server.get(key)


def test_a_planted_report_is_never_shown_gathered_nor_frozen_into_a_request(
    sandbox, server, prefix, redis_app, visitor, evidence_links
):
    """Planted under every key the tool writes (rate-limit counters hold only a number): the
    reports shown and frozen are those the tool gathered and sealed in its database."""
    use_the_tool(sandbox, visitor, evidence_links["text"])
    forged = forged_report(sandbox)
    assert plant(server, forged)
    plant_in_the_queue(server, prefix, forged)

    assert f"{FORGED_EDITS:,}" not in visitor.get("/engagement").get_data(as_text=True)
    assert visitor.get("/engagement?again=1").status_code == 302  # gathered anew
    assert work_off(redis_app) == 1  # the planted message, refused
    assert redis_app.services.queue.read_schedule() == []  # refused there too
    page = visitor.get("/engagement").get_data(as_text=True)
    assert f"{FORGED_EDITS:,}" not in page and "2,112" in page  # the farm's real edits

    plant(server, forged)
    plant_in_the_queue(server, prefix, forged)
    sent = visitor.get(send(visitor).headers["Location"]).get_data(as_text=True)
    assert f"{FORGED_EDITS:,}" not in sent and "2,112" in sent


def test_a_planted_site_matrix_opens_no_connection(
    sandbox, server, redis_app, visitor, evidence_links, listener
):
    port, accepted = listener
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    deadline = time.monotonic() + 5
    while not accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(accepted) == 1  # the socket does record a connection
    accepted.clear()

    use_the_tool(sandbox, visitor, evidence_links["text"])
    assert plant(server, [["elsewhere", f"http://127.0.0.1:{port}"]])
    page = captured(visitor, f"http://127.0.0.1:{port}/w/index.php?oldid=1")
    assert accepted == []
    assert "127.0.0.1" in page  # refused, with a sentence
    assert redis_app.services.cache.rejected >= 1


def test_the_report_command_keeps_its_cache_as_the_web_tool_does(
    sandbox, server, prefix, monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("CHLDP_REDIS_PREFIX", prefix.rstrip(":"))
    monkeypatch.setenv("CHLDP_HASH_KEY", secrets.token_hex(32))
    monkeypatch.setenv("CHLDP_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    assert command(["report", NAME, "--json"]) == 0
    real = json.loads(capsys.readouterr().out)

    keys = keys_of(server)
    assert keys and all(key.startswith(prefix) and "Veteran" not in key for key in keys)
    assert plant(server, forged_report(sandbox)) == keys
    assert command(["report", NAME, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["totals"] == real["totals"]
    assert again["totals"]["edits"] != FORGED_EDITS
