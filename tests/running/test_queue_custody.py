"""The task queue in Toolforge's Redis, shared by every tool: its keys are under the secret
prefix, its messages hold ids only and cannot be read, and a message someone else plants is
refused before anything in it runs."""

from __future__ import annotations

import pickle
import secrets

import pytest
from cryptography.fernet import InvalidToken
from support.redisdb import REDIS_URL

from webtool.app import create_app


@pytest.fixture
def server(redis_server):
    """Database 6 of the local Redis, empty at the start and the end of each test."""
    return redis_server


@pytest.fixture
def queue(server, database_url, tmp_path):
    prefix = f"{secrets.token_hex(16)}:"
    app = create_app(
        {"SQLALCHEMY_URL": database_url, "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix},
        instance_path=str(tmp_path / "instance"),
    )
    return app, prefix


class Planted:
    """What a hostile message would run when unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_queue_keys_are_under_the_secret_prefix_and_hold_ids_only(server, queue):
    app, prefix = queue
    huey = app.services.queue
    app.services.tasks.capture(424242)
    keys = [key.decode() for key in server.keys("*")]
    assert keys and all(key.startswith(prefix) for key in keys)
    (message,) = server.lrange(f"{prefix}tasks:queue", 0, -1)
    assert b"424242" not in message and b"capture" not in message  # sealed
    (task,) = huey.pending()
    assert task.args == (424242,)


def test_a_planted_message_is_refused_before_it_is_unpickled(server, queue, tmp_path):
    app, prefix = queue
    huey = app.services.queue
    marker = tmp_path / "planted-ran"
    server.lpush(f"{prefix}tasks:queue", pickle.dumps(Planted(str(marker))))
    with pytest.raises(InvalidToken):
        huey.dequeue()
    assert not marker.exists()
