"""The SHA-256s a bundle is checked by: of each file, and of each record (an item's, and the
manifest's own) as JSON with sorted keys and no spaces, without its own "sha256" key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_sha256(record: dict) -> str:
    """The SHA-256 of a record without its own "sha256" key, as JSON with sorted keys and no
    spaces: how every item, and the manifest itself, is hashed."""
    return sha256_of(canonical(record))


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(record: dict) -> Iterator[str]:
    """`record` without its "sha256", as the JSON that is hashed, a piece at a time."""
    return _CANONICAL.iterencode({key: value for key, value in record.items() if key != "sha256"})


def sha256_of(chunks: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.encode())
    return digest.hexdigest()
