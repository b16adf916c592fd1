"""Keyed hashes (HMAC-SHA-256 with the HASH_KEY setting): a value can be found again, in the
database or in Redis, without being written down. Without the key, a hash cannot be tested
against a guessed name, id or country."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from flask import current_app


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """The hash of `value` for one `purpose` ("requester", "country", "redis"…): the same value
    hashed for two purposes gives two unrelated hashes, so one column cannot be joined with
    another."""
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def blind_index(purpose: str, value: str | int) -> str:
    """`keyed_hash` with the running app's key."""
    return keyed_hash(current_app.config["HASH_KEY"], purpose, str(value))


def account_key(user: Mapping[str, Any]) -> str:
    """The keyed hash that finds an account's rows (its requests, bundles, sessions and key),
    from the account's central "id"."""
    return blind_index("requester", user["id"])
