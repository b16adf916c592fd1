"""The report cache keeps values for their time-to-live, in memory and in Redis alike."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis

from webtool.cache import MemoryCache, RedisCache

REDIS_URL = os.environ.get("CHLDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["memory", "redis"])
def cache(request):
    if request.param == "memory":
        return MemoryCache()
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL}")
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    return RedisCache(REDIS_URL, prefix=f"chldp-test-{uuid.uuid4().hex}:")


def test_a_value_comes_back_as_it_was_stored(cache):
    report = {"user": {"name": "Émile"}, "totals": {"edits": 3}}
    cache.set("report:Émile", report, ttl=60)
    assert cache.get("report:Émile") == report


def test_a_missing_key_is_none(cache):
    assert cache.get("report:Nobody") is None


def test_a_value_expires_after_its_time_to_live(cache):
    cache.set("short", [1, 2], ttl=1)
    time.sleep(1.2)
    assert cache.get("short") is None


def test_changing_what_was_read_does_not_change_the_cache(cache):
    cache.set("report", {"findings": []}, ttl=60)
    cache.get("report")["findings"].append("changed")
    assert cache.get("report") == {"findings": []}
