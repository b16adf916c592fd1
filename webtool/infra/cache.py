"""A small cache with a time-to-live: in process memory on a laptop, Redis when REDIS_URL is
set (Toolforge's Redis), so that replicas share what they gathered.

Toolforge's Redis is shared by every tool, with no access control: anyone there can read or
write a key whose name they can guess. So the tool treats it as untrusted storage. A key is
the secret prefix followed by a keyed hash of the cache's own key, so it names nobody and
cannot be guessed from a username. A value is sealed with Fernet together with its Redis key
and its expiry time, so a value written by anyone else, altered, moved from another key or
kept past its time opens to nothing: it is refused, counted, and read as a miss.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Hashable
from typing import Any, Protocol

import cachetools
from cryptography.fernet import InvalidToken

from webtool.infra.crypto import Sealer
from webtool.infra.keyed import keyed_hash

log = logging.getLogger(__name__)


class Cache(Protocol):
    misses: int
    rejected: int

    def get(self, key: str) -> object | None: ...

    def set(self, key: str, value: object, ttl: int) -> None: ...


class InProcess:
    """A cachetools cache (which expires and evicts) that the threads of one process share:
    each call holds the lock, as cachetools' caches are not safe across threads."""

    def __init__(self, cache: cachetools.Cache) -> None:
        self.cache = cache
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self.lock:
            return self.cache.get(key)

    def put(self, key: Hashable, value: object) -> None:
        with self.lock:
            self.cache[key] = value

    def pop(self, key: Hashable) -> None:
        with self.lock:
            self.cache.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.cache.clear()


class Refused(Exception):
    """A value in Redis the tool did not seal for this key, or whose time is over."""


class Counts:
    """Misses (values absent, expired or refused) and refusals, across threads."""

    def __init__(self) -> None:
        self.counting = threading.Lock()
        self.misses = 0
        self.rejected = 0

    def missed(self, refused: bool = False) -> None:
        with self.counting:
            self.misses += 1
            self.rejected += refused


class MemoryCache(Counts):
    """This process's memory, each value kept for its own time; nobody else writes it, so
    nothing in it is refused."""

    def __init__(self, most: int = 10_000) -> None:
        super().__init__()
        # Each value as (its time to live, its JSON): the cache asks the first for the expiry.
        self.items = InProcess(
            cachetools.TLRUCache(most, ttu=lambda _key, value, now: now + value[0])
        )

    def get(self, key: str) -> object | None:
        found = self.items.get(key)
        if found is None:
            self.missed()
            return None
        return json.loads(found[1])

    def set(self, key: str, value: object, ttl: int) -> None:
        # Stored as JSON, like Redis does, so a cached value cannot be changed through a reference.
        self.items.put(key, (ttl, json.dumps(value)))


class RedisCache(Counts):
    """Values sealed under hashed keys below the secret prefix, expiring in Redis itself."""

    def __init__(self, url: str, prefix: str, hash_key: bytes, sealer: Sealer) -> None:
        import redis

        if not prefix:
            raise ValueError("a Redis cache needs the secret key prefix (CHLDP_REDIS_PREFIX)")
        super().__init__()
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self.hash_key = hash_key
        self.sealer = sealer

    def get(self, key: str) -> object | None:
        name = self._name(key)
        stored = self.redis.get(name)
        if stored is None:
            self.missed()
            return None
        try:
            return self._opened(name, stored)
        except Refused:
            # Written by someone else, or tampered with: never served. The key is not logged,
            # since with the prefix it would let anyone who reads the logs write the tool's keys.
            log.warning("a value in Redis was refused: the tool did not seal it for this key")
            self.missed(refused=True)
            return None

    def set(self, key: str, value: object, ttl: int) -> None:
        name = self._name(key)
        sealed = {"key": name, "expires": time.time() + ttl, "value": value}
        self.redis.set(name, self.sealer.seal(json.dumps(sealed)), ex=ttl)

    def _name(self, key: str) -> str:
        return f"{self.prefix}cache:{keyed_hash(self.hash_key, 'redis-cache', key)}"

    def _opened(self, name: str, stored: bytes | str) -> object:
        try:
            # redis-py answers bytes unless the client decodes them; this one does not.
            token = stored.decode("ascii") if isinstance(stored, bytes) else stored
            sealed = json.loads(self.sealer.open(token))
        except (InvalidToken, UnicodeError, ValueError):
            raise Refused from None
        if not isinstance(sealed, dict) or sealed.get("key") != name:
            raise Refused
        if not isinstance(sealed.get("expires"), float) or sealed["expires"] < time.time():
            raise Refused
        return sealed.get("value")


def make_cache(redis_url: str | None, prefix: str, hash_key: bytes, sealer: Sealer) -> Cache:
    """Redis when `redis_url` is set, else process memory."""
    return RedisCache(redis_url, prefix, hash_key, sealer) if redis_url else MemoryCache()
