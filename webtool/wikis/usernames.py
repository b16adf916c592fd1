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

from program.refusal import Refused

MAX_LENGTH = 85  # $wgMaxNameChars
# Characters MediaWiki's Title forbids, plus those UserNameUtils forbids in usernames.
FORBIDDEN = set("#<>[]|{}/@:=") | {"\u00a0", "\u1680", "\u180e", "\u2000", "\u200b", "\u3000"}
PREFIX = re.compile(r"^\s*(user|benutzer|benutzerin|utilisateur|usuario)\s*:", re.IGNORECASE)


class BadName(Refused):
    """The name cannot be a Wikimedia username; the message key says why."""


def normalise(raw: str) -> str:
    """The name as MediaWiki stores it, or BadName saying why not."""
    name = PREFIX.sub("", raw or "", count=1)
    name = name.split("#", 1)[0]
    name = unicodedata.normalize("NFC", name.replace("_", " "))
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        raise BadName("chldp-refused-name-empty")
    if _is_ip(name):
        raise BadName("chldp-refused-name-ip", name)
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise BadName("chldp-refused-name-invisible")
    bad = sorted({c for c in name if c in FORBIDDEN})
    if bad:
        raise BadName("chldp-refused-name-characters", " ".join(bad))
    if len(name.encode("utf-8")) > 255 or len(name) > MAX_LENGTH:
        raise BadName("chldp-refused-name-too-long", MAX_LENGTH, len(name))
    return name[0].upper() + name[1:]


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_network(name, strict=False)
    except ValueError:
        return False
    return True
