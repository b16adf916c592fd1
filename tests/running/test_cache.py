"""The report cache keeps values for their time-to-live, in memory and in Redis alike; in Redis,
which every Toolforge tool can read and write, keys name nobody and a value the tool did not
seal itself is never served."""

from __future__ import annotations

import json
import logging
import secrets
import time

import pytest
import redis
from cryptography.fernet import Fernet
from support.redisdb import REDIS_URL

from webtool.infra.cache import MemoryCache, RedisCache
from webtool.infra.crypto import Sealer

HASH_KEY = secrets.token_bytes(32)


@pytest.fixture
def prefix() -> str:
    return f"chldp-test-{secrets.token_hex(16)}:"


@pytest.fixture
def sealer() -> Sealer:
    return Sealer([Fernet.generate_key().decode()])


@pytest.fixture
def server(redis_server):
    """Database 5 of the local Redis, empty at the start and the end of each test."""
    return redis_server


@pytest.fixture
def redis_cache(server, prefix, sealer) -> RedisCache:
    return RedisCache(REDIS_URL, prefix, HASH_KEY, sealer)


@pytest.fixture(params=["memory", "redis"])
def cache(request):
    if request.param == "memory":
        return MemoryCache()
    return request.getfixturevalue("redis_cache")


def keys_under(server: redis.Redis, prefix: str) -> list[bytes]:
    return list(server.scan_iter(match=prefix + "*"))


def test_a_value_comes_back_as_it_was_stored(cache):
    report = {"user": {"name": "Émile"}, "totals": {"edits": 3}}
    cache.set("report:Émile", report, ttl=60)
    assert cache.get("report:Émile") == report


def test_a_missing_key_is_none_and_a_miss(cache):
    assert cache.get("report:Nobody") is None
    assert (cache.misses, cache.rejected) == (1, 0)


def test_a_value_expires_after_its_time_to_live(cache):
    cache.set("short", [1, 2], ttl=1)
    time.sleep(1.2)
    assert cache.get("short") is None


def test_changing_what_was_read_does_not_change_the_cache(cache):
    cache.set("report", {"findings": []}, ttl=60)
    cache.get("report")["findings"].append("changed")
    assert cache.get("report") == {"findings": []}


def test_redis_keys_are_under_the_prefix_and_name_nobody(server, redis_cache, prefix):
    redis_cache.set("report:Émile", {"edits": 3}, ttl=60)
    (key,) = keys_under(server, prefix)
    assert "Émile".encode() not in key and b"report" not in key
    assert "Émile".encode() not in server.get(key)


def test_the_same_key_hashed_with_another_hash_key_is_another_redis_key(server, prefix, sealer):
    RedisCache(REDIS_URL, prefix, HASH_KEY, sealer).set("report:Émile", 1, ttl=60)
    RedisCache(REDIS_URL, prefix, secrets.token_bytes(32), sealer).set("report:Émile", 1, ttl=60)
    assert len(keys_under(server, prefix)) == 2


def test_a_planted_value_is_refused_counted_and_logged_without_its_key(
    server, redis_cache, prefix, caplog
):
    redis_cache.set("report:Émile", {"edits": 3}, ttl=60)
    (key,) = keys_under(server, prefix)
    server.set(key, json.dumps({"edits": 999999}))
    with caplog.at_level(logging.WARNING):
        assert redis_cache.get("report:Émile") is None
    assert (redis_cache.misses, redis_cache.rejected) == (1, 1)
    assert "refused" in caplog.text
    assert key.decode() not in caplog.text and prefix not in caplog.text


def test_a_value_sealed_with_another_key_is_refused(server, redis_cache, prefix):
    redis_cache.set("report:Émile", {"edits": 3}, ttl=60)
    (key,) = keys_under(server, prefix)
    forger = Sealer([Fernet.generate_key().decode()])
    server.set(key, forger.seal(json.dumps({"edits": 999999})))
    assert redis_cache.get("report:Émile") is None
    assert redis_cache.rejected == 1


def test_a_sealed_value_moved_under_another_key_is_refused(server, redis_cache, prefix):
    redis_cache.set("report:Émile", {"edits": 3}, ttl=60)
    (emile,) = keys_under(server, prefix)
    redis_cache.set("report:Karl", {"edits": 999999}, ttl=60)
    (karl,) = set(keys_under(server, prefix)) - {emile}
    server.set(emile, server.get(karl))
    assert redis_cache.get("report:Émile") is None
    assert redis_cache.rejected == 1


def test_a_sealed_value_kept_past_its_time_to_live_is_refused(server, redis_cache, prefix):
    redis_cache.set("report:Émile", {"edits": 3}, ttl=1)
    (key,) = keys_under(server, prefix)
    server.persist(key)  # someone keeps the value alive past its time
    time.sleep(1.2)
    assert redis_cache.get("report:Émile") is None
    assert redis_cache.rejected == 1


def test_a_value_sealed_before_a_key_rotation_still_opens(server, prefix):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    RedisCache(REDIS_URL, prefix, HASH_KEY, Sealer([old])).set("report:Émile", 3, ttl=60)
    assert RedisCache(REDIS_URL, prefix, HASH_KEY, Sealer([new, old])).get("report:Émile") == 3


def test_a_redis_cache_needs_its_secret_prefix(sealer):
    with pytest.raises(ValueError):
        RedisCache(REDIS_URL, "", HASH_KEY, sealer)
