"""The local Redis for the tests: one database, emptied before and after each test that uses
it. Under CI a missing Redis fails the run; elsewhere the test is skipped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis


@contextmanager
def empty_redis(url: str) -> Iterator[redis.Redis]:
    server = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        server.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {url}")
        pytest.skip(f"no Redis answers at {url}")
    server.flushdb()
    try:
        yield server
    finally:
        server.flushdb()
        server.close()
