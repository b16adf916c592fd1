"""The wikis evidence may come from: an allow-list, checked before any connection is opened.

The list is the site matrix (`action=sitematrix` on the central wiki, kept a day): every
public Wikimedia wiki in production, the farm's wikis in the sandbox. A pasted link is
matched on its host alone, and the tool then talks only to that wiki's own API address from
the list, never to the pasted address: a link can name a wiki, but it cannot choose where a
request goes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from webtool.infra.cache import Cache
from webtool.wikis.api import ApiClient
from webtool.wikis.evidence.errors import EvidenceError

MAX_LINK_LENGTH = 2000  # longer than any link to a wiki page people share
SITE_MATRIX_TTL = 24 * 3600  # wikis are added or closed a few times a year
DEFAULT_PORTS = {"http": 80, "https": 443}
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):(?!\d)", re.IGNORECASE)
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
SHORT_LINK_HOSTS = {"w.wiki"}


class NotAllowed(EvidenceError):
    """The link does not point at one of the configured wikis; the sentence says why."""


@dataclass(frozen=True)
class Wiki:
    dbname: str
    server: str  # how the wiki's own links begin: "https://de.wikipedia.org"
    api_url: str


class AllowList:
    """The wikis a link may point at, found by host (mobile hosts map to their wiki)."""

    def __init__(self, wikis: Iterable[Wiki]) -> None:
        self.by_host = {_host_key(urlsplit(w.server)): w for w in wikis}
        self.domains = {
            ".".join(key.split(".")[-2:]) for key in self.by_host if not _is_ip(key.split(":")[0])
        }

    def __len__(self) -> int:
        return len(self.by_host)

    def locate(self, text: str) -> tuple[Wiki, SplitResult]:
        """The wiki a link points at, and the link's parts; NotAllowed with a sentence."""
        if len(text) > MAX_LINK_LENGTH:
            raise NotAllowed("chldp-evidence-too-long", len(text), MAX_LINK_LENGTH)
        if any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in text):
            raise NotAllowed("chldp-evidence-bad-characters")
        try:
            # urlsplit refuses some hosts itself: "[::1", or letters that NFKC turns into "@".
            parts = urlsplit(_with_scheme(text))
        except ValueError:
            raise NotAllowed("chldp-evidence-unreadable-host") from None
        if parts.scheme not in DEFAULT_PORTS:
            raise NotAllowed("chldp-evidence-scheme", shorten(parts.scheme) + ":")
        if "@" in parts.netloc:
            raise NotAllowed("chldp-evidence-user-in-host")
        try:
            key = _host_key(parts)
        except ValueError:
            raise NotAllowed("chldp-evidence-unreadable-host") from None
        wiki = self.by_host.get(key) or self.by_host.get(_desktop_host(key))
        if wiki is None:
            raise self._refusal(parts.hostname or "", key)
        return wiki, parts

    def _refusal(self, host: str, key: str) -> NotAllowed:
        shown = shorten(key)
        if not host:
            return NotAllowed("chldp-evidence-no-host")
        if host in SHORT_LINK_HOSTS:
            return NotAllowed("chldp-evidence-short-link", shown)
        if _is_ip(host):
            return NotAllowed("chldp-evidence-ip-address", shown)
        if not host.isascii() or any(label.startswith("xn--") for label in host.split(".")):
            return NotAllowed("chldp-evidence-look-alike", shown)
        if any(domain in host for domain in self.domains):
            return NotAllowed("chldp-evidence-imitation", shown)
        return NotAllowed("chldp-evidence-other-host", shown)


def site_matrix(client: ApiClient, meta_api: str, cache: Cache | None = None) -> AllowList:
    """Every public Wikimedia wiki, from the site matrix on Meta (kept a day in `cache`)."""
    sites = cache.get("evidence:sitematrix") if cache else None
    if not isinstance(sites, list):
        sites = _fetch_site_matrix(client, meta_api)
        if cache:
            cache.set("evidence:sitematrix", sites, SITE_MATRIX_TTL)
    return AllowList(Wiki(dbname, url, f"{url}/w/api.php") for dbname, url in sites)


def shorten(text: str, limit: int = 80) -> str:
    """A piece of pasted text safe to quote in a sentence: printable and short."""
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def _fetch_site_matrix(client: ApiClient, meta_api: str) -> list[list[str]]:
    sites: list[list[str]] = []
    params: dict = {}
    while True:
        matrix = client.query(meta_api, action="sitematrix", **params)
        for key, entry in matrix["sitematrix"].items():
            if key == "specials":
                sites += [[s["dbname"], s["url"]] for s in entry if not s.get("private")]
            elif key != "count":
                sites += [[s["dbname"], s["url"]] for s in entry.get("site", [])]
        # The extension continues the old way, though one answer holds every wiki today.
        more = matrix.get("query-continue", {}).get("sitematrix")
        if not more:
            return sites
        params = more


def _with_scheme(text: str) -> str:
    """People paste "de.wikipedia.org/wiki/…" too; a link with a scheme keeps its own."""
    if text.startswith("//"):
        return "https:" + text
    if "://" in text or SCHEME.match(text):
        return text
    return "https://" + text


def _host_key(parts: SplitResult) -> str:
    """Host, with the port only when it is not the scheme's own: how wikis are matched."""
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"


def _desktop_host(key: str) -> str:
    """The desktop host of a mobile one: de.m.wikipedia.org, m.wikidata.org."""
    labels = key.split(".")
    if len(labels) >= 3 and labels[1] == "m":
        return ".".join(labels[:1] + labels[2:])
    if labels[0] == "m":
        return ".".join(["www"] + labels[1:])
    return key


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        # Browsers and resolvers also read 2130706433, 0x7f.1 and 127.1 as addresses.
        return all(NUMERIC_LABEL.match(label) for label in host.split("."))
    return True
