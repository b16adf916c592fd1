"""Usernames as MediaWiki reads them: normalised, and refused with a sentence when invalid.

Normalisation follows MediaWiki's Title and UserNameUtils: a `User:` prefix and a `#fragment`
are dropped, underscores become spaces, runs of spaces become one, the ends are trimmed, and
the first letter is upper-cased. Validation refuses what MediaWiki refuses in a username, and
IP addresses and ranges, which have no global account.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

MAX_LENGTH = 85  # $wgMaxNameChars
# Characters MediaWiki's Title forbids, plus those UserNameUtils forbids in usernames.
FORBIDDEN = set("#<>[]|{}/@:=") | {"\u00a0", "\u1680", "\u180e", "\u2000", "\u200b", "\u3000"}
PREFIX = re.compile(r"^\s*(user|benutzer|benutzerin|utilisateur|usuario)\s*:", re.IGNORECASE)


class BadName(ValueError):
    """The name cannot be a Wikimedia username; the message says why."""


def normalise(raw: str) -> str:
    """The name as MediaWiki stores it, or BadName with a sentence."""
    name = PREFIX.sub("", raw or "", count=1)
    name = name.split("#", 1)[0]
    name = unicodedata.normalize("NFC", name.replace("_", " "))
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        raise BadName("Please enter a username.")
    if _is_ip(name):
        raise BadName(
            f"{name} is an IP address or range; edits from it have no global account to report."
        )
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise BadName("A username cannot contain control or invisible characters.")
    bad = sorted({c for c in name if c in FORBIDDEN})
    if bad:
        listed = " ".join(bad)
        raise BadName(f"A username cannot contain these characters: {listed}")
    if len(name.encode("utf-8")) > 255 or len(name) > MAX_LENGTH:
        raise BadName(f"A username has at most {MAX_LENGTH} characters; this one has {len(name)}.")
    return name[0].upper() + name[1:]


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_network(name, strict=False)
    except ValueError:
        return False
    return True
