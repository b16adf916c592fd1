"""A small cache with a time-to-live: in process memory on a laptop, Redis when REDIS_URL is
set (Toolforge's Redis), so that replicas share what they gathered."""

from __future__ import annotations

import json
import threading
import time
from typing import Protocol


class Cache(Protocol):
    def get(self, key: str) -> object | None: ...

    def set(self, key: str, value: object, ttl: int) -> None: ...


class MemoryCache:
    """A dict with expiry times, safe across threads of one process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, tuple[float, str]] = {}

    def get(self, key: str) -> object | None:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            expires, value = found
            if expires < time.monotonic():
                del self.items[key]
                return None
        return json.loads(value)

    def set(self, key: str, value: object, ttl: int) -> None:
        # Stored as JSON, like Redis does, so a cached value cannot be changed through a reference.
        with self.lock:
            self.items[key] = (time.monotonic() + ttl, json.dumps(value))


class RedisCache:
    """Values as JSON under a key prefix, expiring in Redis itself."""

    def __init__(self, url: str, prefix: str = "chldp:") -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def get(self, key: str) -> object | None:
        value = self.redis.get(self.prefix + key)
        return None if value is None else json.loads(value)

    def set(self, key: str, value: object, ttl: int) -> None:
        self.redis.set(self.prefix + key, json.dumps(value), ex=ttl)


def make_cache(redis_url: str | None) -> Cache:
    return RedisCache(redis_url) if redis_url else MemoryCache()
