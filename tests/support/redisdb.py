"""The local Redis for the tests: one database per test process, emptied before and after each
test that uses it. Under CI a missing Redis fails the run; elsewhere the test is skipped.

The suite runs in parallel (pytest-xdist): worker gwN uses database N + 1 of the server named
by CHLDP_TEST_REDIS_URL, so two workers never empty each other's keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

SERVER = os.environ.get("CHLDP_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
# Redis has 16 databases; 0 is left to whatever else runs on the machine.
assert WORKER < 15, "at most 15 test workers share one Redis"
REDIS_URL = f"{SERVER}/{WORKER + 1}"


@contextmanager
def empty_redis(url: str = REDIS_URL) -> Iterator[redis.Redis]:
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
