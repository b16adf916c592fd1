"""Sealing free text at rest with Fernet; MultiFernet so keys can be rotated.

The first key seals; every key opens. To rotate, put a new key first, run
`flask --app webtool rotate-keys`, then drop the old key.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.fernet import Fernet, MultiFernet


class Sealing(Protocol):
    """What seals and opens text and bytes: the server's keys (Sealer) or a bundle's file key
    (keys.FileSealer)."""

    def seal(self, text: str) -> str: ...

    def open(self, token: str) -> str: ...

    def seal_bytes(self, data: bytes) -> str: ...

    def open_bytes(self, token: str) -> bytes: ...


class Sealer:
    def __init__(self, keys: list[str]) -> None:
        self.fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, text: str) -> str:
        return self.fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def seal_bytes(self, data: bytes) -> str:
        return self.fernet.encrypt(data).decode("ascii")

    def open_bytes(self, token: str) -> bytes:
        return self.fernet.decrypt(token.encode("ascii"))

    def reseal(self, token: str) -> str:
        """The same text sealed with the newest key."""
        return self.fernet.rotate(token.encode("ascii")).decode("ascii")
