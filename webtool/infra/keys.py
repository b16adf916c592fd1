"""Keys held by people (DESIGN.md): X25519 key pairs whose private halves the server never
holds in the open.

- `seal_to` seals to a public key (libsodium's sealed box): anyone can add to a case or the
  team's books, and only the private key opens it;
- `lock_with_passphrase` keeps a private key under a key Argon2id derives from a passphrase;
- `lock_with_secret` keeps one under a key derived from a random secret that only a cookie
  holds (a session's token), so a copy of the server opens nothing.

Values are text for the database: a prefix, then URL-safe base64.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.utils
from nacl.bindings import crypto_box_seal_open
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

BOX = "box1:"  # a value sealed to a public key
FILE = "file1:"  # a value sealed under a bundle's file key


class WrongKey(Exception):
    """The key, passphrase or secret does not open this value."""


@dataclass(frozen=True)
class Cost:
    """Argon2id's work for one passphrase: passes over `memory` KiB. Stored with each locked
    key, so a change of the settings never locks anyone out."""

    passes: int
    memory_kib: int


def new_pair() -> tuple[bytes, bytes]:
    """A new X25519 key pair: (public, private), 32 bytes each."""
    private = PrivateKey.generate()
    return bytes(private.public_key), bytes(private)


def public_of(private: bytes) -> bytes:
    return bytes(PrivateKey(private).public_key)


def seal_to(public: bytes, data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return BOX + _text(SealedBox(PublicKey(public)).encrypt(raw))


def is_sealed_to_key(value: str) -> bool:
    return value.startswith(BOX)


def has_own_key(value: str) -> bool:
    """Sealed under a key of its own (a case's, the team's, a bundle's), not the server's."""
    return value.startswith((BOX, FILE))


class Opener:
    """A private key with its public half, to open many values: working the public half out
    is a key operation of its own, done once, or not at all when it is known (a case's)."""

    def __init__(self, private: bytes, public: bytes | None = None) -> None:
        self.private = private
        self.public = public or public_of(private)

    def open(self, value: str) -> bytes:
        if not is_sealed_to_key(value):
            raise WrongKey("not sealed to a key")
        try:
            return crypto_box_seal_open(_bytes(value.removeprefix(BOX)), self.public, self.private)
        except (nacl.exceptions.CryptoError, ValueError):
            raise WrongKey("this key does not open it") from None


def open_with(private: bytes | Opener, value: str) -> bytes:
    return (private if isinstance(private, Opener) else Opener(private)).open(value)


def open_text(private: bytes | Opener, value: str) -> str:
    return open_with(private, value).decode("utf-8")


class FileSealer:
    """What is sealed under one evidence bundle's file key (random, 32 bytes): the file is
    sealed once, and only the key is wrapped again (to the server while it captures, to the
    case it is attached to). The same methods as crypto.Sealer."""

    def __init__(self, key: bytes) -> None:
        self.box = SecretBox(key)

    def derived(self, purpose: bytes) -> bytes:
        """A key of its own for another use of the bundle's key (its archive file's chunks, a
        cipher other than this box's): one key is never used by two ciphers."""
        return hashlib.blake2b(bytes(self.box), digest_size=32, person=purpose).digest()

    def seal(self, text: str) -> str:
        return self.seal_bytes(text.encode("utf-8"))

    def open(self, value: str) -> str:
        return self.open_bytes(value).decode("utf-8")

    def seal_bytes(self, data: bytes) -> str:
        return FILE + _text(self.box.encrypt(data))

    def open_bytes(self, value: str) -> bytes:
        if not value.startswith(FILE):
            raise WrongKey("not sealed under a file key")
        return _opened(self.box, value.removeprefix(FILE))


def new_file_key() -> bytes:
    return nacl.utils.random(SecretBox.KEY_SIZE)


def lock_with_passphrase(secret: bytes, passphrase: str, cost: Cost) -> str:
    salt = nacl.utils.random(argon2id.SALTBYTES)
    box = SecretBox(_stretched(passphrase, salt, cost))
    return json.dumps(
        {
            "argon2id": [cost.passes, cost.memory_kib],
            "salt": _text(salt),
            "box": _text(box.encrypt(secret)),
        }
    )


def unlock_with_passphrase(locked: str, passphrase: str) -> bytes:
    stored = json.loads(locked)
    key = _stretched(passphrase, _bytes(stored["salt"]), Cost(*stored["argon2id"]))
    return _opened(SecretBox(key), stored["box"])


def _stretched(passphrase: str, salt: bytes, cost: Cost) -> bytes:
    return argon2id.kdf(
        SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=cost.passes,
        memlimit=cost.memory_kib * 1024,
    )


def lock_with_secret(secret: bytes, material: str, purpose: str) -> str:
    """`secret` kept under a key derived from `material`, a random token (already strong: no
    stretching needed), for one `purpose`."""
    return _text(SecretBox(_derived(material, purpose)).encrypt(secret))


def unlock_with_secret(locked: str, material: str, purpose: str) -> bytes:
    return _opened(SecretBox(_derived(material, purpose)), locked)


def _derived(material: str, purpose: str) -> bytes:
    return hashlib.blake2b(
        material.encode(), digest_size=SecretBox.KEY_SIZE, key=purpose.encode(), person=b"chldp"
    ).digest()


def _opened(box: SecretBox, value: str) -> bytes:
    try:
        return box.decrypt(_bytes(value))
    except (nacl.exceptions.CryptoError, ValueError):
        raise WrongKey("this key does not open it") from None


def token_hash(token: str) -> str:
    """What the server keeps of a token that only a cookie holds: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(public: bytes) -> str:
    """What people compare to know they hold the same public key: 64 bits of its SHA-256, in
    four groups of four hexadecimal digits."""
    digest = hashlib.sha256(public).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def public_text(public: bytes) -> str:
    return _text(public)


def public_from_text(text: str) -> bytes:
    """A public key as configured (URL-safe base64 of 32 bytes); ValueError otherwise."""
    raw = _bytes(text.strip())
    if len(raw) != PublicKey.SIZE:
        raise ValueError("a public key is 32 bytes")
    return raw


def private_text(private: bytes) -> str:
    return _text(private)


def private_from_text(text: str) -> bytes:
    raw = _bytes(text.strip())
    if len(raw) != PrivateKey.SIZE:
        raise ValueError("a private key is 32 bytes")
    return raw


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _bytes(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeError):
        raise ValueError("not base64") from None
