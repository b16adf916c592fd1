"""Evidence links as people paste them: which wiki, and which revision, diff, log entry or page.

Every form MediaWiki itself understands is read: index.php's `diff` and `oldid`, Special:Diff,
Special:PermanentLink, Special:Redirect, Special:Log's `logid`, MobileFrontend's
Special:MobileDiff, plain page addresses, and mobile hosts. A wiki's own names for its special
pages ("Spezial:Differenz") come from its siteinfo, asked once per wiki.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any, Required, TypedDict
from urllib.parse import SplitResult, parse_qs, unquote

from webtool.infra.cache import Cache
from webtool.infra.i18n import render
from webtool.wikis.api import ApiClient, ApiError, Unavailable
from webtool.wikis.evidence.errors import EvidenceError, Param
from webtool.wikis.evidence.wikis import MAX_LINK_LENGTH, AllowList, NotAllowed, Wiki, shorten

MAX_LINKS = 50  # per capture; more is a second capture
SITEINFO_TTL = 24 * 3600
RELATIONS = ("prev", "next", "cur")
# What MediaWikiTitleCodec refuses in a title: a character outside $wgLegalTitleChars, and
# the percent escapes and HTML entities that would make two spellings of one page.
TITLE_REFUSED = re.compile(
    r"[^ %!\"$&'()*,\-./0-9:;=?@A-Z\\^_`a-z~+\x80-\U0010ffff]"
    r"|%[0-9A-Fa-f]{2}"
    r"|&[A-Za-z0-9\x80-\U0010ffff]+;"
)
TITLE_SPACES = re.compile(r"[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
BIDI_MARKS = re.compile(r"[\u200e\u200f\u202a-\u202e]+")
NAMESPACE_PREFIX = re.compile(r"^(.+?)_*:_*(.*)$")
MAX_TITLE_BYTES = 255  # the database's page title column
MAX_SPECIAL_TITLE_BYTES = 512  # special pages are never stored, so MediaWiki allows more
TALK_NAMESPACE = 1
SPECIAL_NAMESPACE = -1


class BadLink(EvidenceError):
    """The link is to a wiki but not to something that can be captured; the sentence says why."""


@dataclass(frozen=True)
class Link:
    """What one line points at. A diff is told as index.php tells it: `oldid` is the left side,
    `revid` the right (MediaWiki keeps them so even when the left is the newer), and
    `relation` names the side the wiki works out."""

    line: int
    url: str
    wiki: Wiki
    kind: str  # "revision", "diff", "log" or "page"
    revid: int | None = None
    oldid: int | None = None
    relation: str | None = None  # "prev" (oldid is the revision before revid, or before the
    # page's latest when only the title is known, in the page's history), "next" or "cur"
    # (revid is the revision after oldid, or the page's latest)
    logid: int | None = None
    title: str | None = None


class Target(TypedDict, total=False):
    """What a line points at: a Link's fields after where it was pasted."""

    kind: Required[str]
    revid: int | None
    oldid: int | None
    relation: str | None
    logid: int | None
    title: str | None


@dataclass(frozen=True)
class Refusal:
    """A line that was not captured, and why: a message key and its params."""

    line: int
    text: str
    key: str
    params: tuple[Param, ...] = ()
    temporary: bool = False  # the wiki could not be asked; trying later may work

    @classmethod
    def of(cls, line: int, text: str, error: EvidenceError) -> Refusal:
        return cls(line, text, error.key, error.params)

    @classmethod
    def unanswered(cls, line: int, text: str, wiki: Wiki, error: Unavailable | ApiError) -> Refusal:
        """The wiki could not be reached, or answered with an error: trying later may work."""
        if isinstance(error, ApiError):
            return cls(line, text, "chldp-evidence-wiki-error", (wiki.dbname, error.text), True)
        return cls(line, text, "chldp-evidence-unreachable", (wiki.dbname,), True)

    @property
    def reason(self) -> str:
        """The sentence in English, for the manifest and the terminal."""
        return self.say("en")

    def say(self, lang: str) -> str:
        """The sentence in `lang` (English where a translation is missing)."""
        return render(lang, self.key, *self.params)

    def record(self) -> dict[str, object]:
        """What manifest.json says of it: the key and params, and the English sentence."""
        return {
            "line": self.line,
            "text": self.text,
            "key": self.key,
            "params": list(self.params),
            "reason": self.reason,
            "temporary": self.temporary,
        }


@dataclass(frozen=True)
class Site:
    """What a wiki says about its own addresses and special page names."""

    article_prefix: str
    script: str
    special_namespace: frozenset[str]
    special_pages: dict[str, str]  # folded alias -> canonical name
    namespaces: dict[str, int]  # folded name, canonical name or alias -> namespace number

    @classmethod
    def from_siteinfo(cls, info: dict[str, Any]) -> Site:
        general = info["general"]
        special = info["namespaces"]["-1"]
        names = {special["name"], special["canonical"]}
        names |= {a["alias"] for a in info.get("namespacealiases", []) if a["id"] == -1}
        pages = {
            _fold(alias): page["realname"]
            for page in info["specialpagealiases"]
            for alias in page["aliases"]
        }
        namespaces = {
            _fold(name): int(number)
            for number, namespace in info["namespaces"].items()
            for name in (namespace["name"], namespace.get("canonical"))
            if name
        }
        namespaces |= {_fold(a["alias"]): a["id"] for a in info.get("namespacealiases", [])}
        return cls(
            article_prefix=general["articlepath"].split("$1")[0],
            script=general["script"],
            special_namespace=frozenset(_fold(n) for n in names),
            special_pages=pages,
            namespaces=namespaces,
        )


class LinkReader:
    """Reads links for the wikis of an allow-list, asking each wiki's siteinfo once."""

    def __init__(
        self, client: ApiClient, allow_list: AllowList, cache: Cache | None = None
    ) -> None:
        self.client = client
        self.allow_list = allow_list
        self.cache = cache
        self.sites: dict[str, Site] = {}
        self.failed: dict[str, Unavailable] = {}  # a wiki that did not answer is not asked again
        self.lock = threading.Lock()

    def read_lines(self, text: str) -> tuple[list[Link], list[Refusal]]:
        """Every non-blank line read on its own: the links, and a sentence for each other."""
        links: list[Link] = []
        refused: list[Refusal] = []
        for number, raw in enumerate(text.splitlines(), 1):
            pasted = raw.strip()
            if not pasted:
                continue
            # What was pasted is kept with its refusal, within a bound.
            shown = shorten(pasted, MAX_LINK_LENGTH) if len(pasted) > MAX_LINK_LENGTH else pasted
            if len(links) + len(refused) >= MAX_LINKS:
                refused.append(Refusal(number, shown, "chldp-evidence-too-many", (MAX_LINKS,)))
                continue
            try:
                wiki, parts = self.allow_list.locate(pasted)
                links.append(self._read(wiki, parts, number))
            except (NotAllowed, BadLink) as error:
                refused.append(Refusal.of(number, shown, error))
            except (Unavailable, ApiError) as error:
                refused.append(Refusal.unanswered(number, shown, wiki, error))
        return links, refused

    def read(self, text: str, line: int = 1) -> Link:
        """One link; NotAllowed or BadLink with a sentence, Unavailable or ApiError."""
        return self._read(*self.allow_list.locate(text), line)

    def _read(self, wiki: Wiki, parts: SplitResult, line: int) -> Link:
        site = self.site(wiki)
        # Where a parameter is repeated, PHP, and so index.php, reads the last.
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        latest_diff = False
        if query.get("diff") == "":
            # MediaWiki reads an empty diff as 0, the page's current revision: beside an
            # oldid it is diff=cur; alone, it is the diff of the page's current revision.
            if "oldid" in query:
                query["diff"] = "cur"
            else:
                del query["diff"]
                latest_diff = True
        url = parts.geturl()
        if "diff" in query or "oldid" in query:
            return Link(line, url, wiki, **_diff_or_revision(query.get("diff"), query.get("oldid")))
        title = _checked_title(_title(parts, site, query), site)
        namespace, colon, rest = title.partition(":")
        if colon and _fold(namespace) in site.special_namespace:
            return Link(line, url, wiki, **_special(site, title, rest, query))
        if latest_diff:
            return Link(line, url, wiki, kind="diff", relation="prev", title=title)
        return Link(line, url, wiki, kind="page", title=title)

    def site(self, wiki: Wiki) -> Site:
        with self.lock:
            known = self.sites.get(wiki.dbname)
            failed = self.failed.get(wiki.dbname)
        if known:
            return known
        if failed:
            raise failed
        key = f"evidence:siteinfo:{wiki.dbname}"
        cached = self.cache.get(key) if self.cache else None
        info = cached if isinstance(cached, dict) else None
        if info is None:
            try:
                info = self.client.query(
                    wiki.api_url,
                    action="query",
                    meta="siteinfo",
                    siprop="general|namespaces|namespacealiases|specialpagealiases",
                )["query"]
            except Unavailable as error:
                with self.lock:
                    self.failed[wiki.dbname] = error
                raise
            if self.cache:
                self.cache.set(key, info, SITEINFO_TTL)
        site = Site.from_siteinfo(info)
        with self.lock:
            self.sites[wiki.dbname] = site
        return site


def _title(parts: SplitResult, site: Site, query: dict[str, str]) -> str:
    path = unquote(parts.path)
    if path in ("", "/"):
        return ""  # the wiki's own address, which leads to its main page
    if path.startswith(site.article_prefix):
        title = path[len(site.article_prefix) :]
    elif path == site.script:
        title = query.get("title", "")
    else:
        raise BadLink("chldp-evidence-not-a-page-address", shorten(path))
    return title


def _checked_title(text: str, site: Site) -> str:
    """The page a link's title names, read as index.php reads it (Title::newFromURL, then
    MediaWikiTitleCodec::splitTitleString): spaces and underscores alike, bidi marks dropped,
    a leading ":" and a "#fragment" set aside, the namespace found by the wiki's own names.
    BadLink, with the rule it breaks, for a title MediaWiki would refuse, so that it is never
    sent: a "|" in it would make the API answer for several pages. The rules that need the
    wiki's interwiki table are left to the wiki, whose refusal is said too."""
    shown = shorten(text)
    key = BIDI_MARKS.sub("", unicodedata.normalize("NFC", text))  # as WebRequest gives it
    key = TITLE_SPACES.sub("_", key).strip("_")
    if not key:
        raise BadLink("chldp-evidence-wiki-itself")
    if "\ufffd" in key:
        raise BadLink("chldp-evidence-title-encoding", shown)
    if key.startswith(":"):
        key = key[1:].strip("_")
    prefix, namespace = "", 0
    found = NAMESPACE_PREFIX.match(key)
    if found and _fold(found[1]) in site.namespaces:
        prefix, key = found[1], found[2]
        namespace = site.namespaces[_fold(prefix)]
        inner = NAMESPACE_PREFIX.match(key)
        if namespace == TALK_NAMESPACE and inner and site.namespaces.get(_fold(inner[1])):
            raise BadLink("chldp-evidence-title-talk", shown)
    key, fragment, _ = key.partition("#")
    key = key.rstrip("_")
    refused = TITLE_REFUSED.search(key)
    if refused:
        raise BadLink("chldp-evidence-title-characters", shown, _character(refused[0]))
    if _relative(key):
        raise BadLink("chldp-evidence-title-relative", shown)
    if "~~~" in key:
        raise BadLink("chldp-evidence-title-tildes", shown)
    limit = MAX_SPECIAL_TITLE_BYTES if namespace == SPECIAL_NAMESPACE else MAX_TITLE_BYTES
    if len(key.encode()) > limit:
        raise BadLink("chldp-evidence-title-too-long", shown, limit)
    if not key and fragment and not prefix:
        raise BadLink("chldp-evidence-wiki-itself")  # "#…" alone is the main page
    if not key:
        raise BadLink("chldp-evidence-title-empty", shown)
    if key.startswith(":"):
        raise BadLink("chldp-evidence-title-colon", shown)
    page = key.replace("_", " ")
    return f"{prefix.replace('_', ' ')}:{page}" if prefix else page


def _relative(key: str) -> bool:
    # Browsers resolve "./" and "../" in an address, so such a page could not be reached.
    return (
        key in (".", "..")
        or key.startswith(("./", "../"))
        or "/./" in key
        or "/../" in key
        or key.endswith(("/.", "/.."))
    )


def _character(found: str) -> str:
    """A refused character as a sentence can quote it: itself, or its code when unprintable."""
    if len(found) == 1 and not found.isprintable():
        return f"U+{ord(found):04X}"
    return shorten(found)


def _special(site: Site, title: str, rest: str, query: dict[str, str]) -> Target:
    name, _, sub = rest.partition("/")
    canonical = site.special_pages.get(_fold(name))
    if canonical in ("Diff", "MobileDiff"):
        ids = sub.split("..." if canonical == "MobileDiff" else "/")
        if len(ids) == 1:
            return _diff_or_revision(ids[0], None)
        if len(ids) == 2:
            return _diff_or_revision(ids[1], ids[0])
    elif canonical == "PermanentLink":
        return {"kind": "revision", "revid": _id(sub, "revision")}
    elif canonical == "Redirect":
        what, _, value = sub.partition("/")
        if not what:  # the form's own address: Special:Redirect?wptype=revision&wpvalue=N
            what, value = query.get("wptype", ""), query.get("wpvalue", "")
        if what == "revision":
            return {"kind": "revision", "revid": _id(value, "revision")}
        if what == "logid":
            return {"kind": "log", "logid": _id(value, "log")}
    elif canonical == "Log":
        if "logid" in query:
            return {"kind": "log", "logid": _id(query["logid"], "log")}
        raise BadLink("chldp-evidence-whole-log")
    else:
        raise BadLink("chldp-evidence-other-special-page", shorten(title.partition("/")[0]))
    raise BadLink("chldp-evidence-no-id", shorten(title))


def _diff_or_revision(diff: str | None, oldid: str | None) -> Target:
    """index.php's reading of `diff` and `oldid` (Special:Diff/M/N means oldid=M&diff=N)."""
    old = _id(oldid, "revision") if oldid is not None else None
    if diff is None:
        return {"kind": "revision", "revid": old}
    if diff in RELATIONS:
        if old is None:
            raise BadLink("chldp-evidence-relative-diff", f"diff={diff}")
        if diff == "prev":
            return {"kind": "diff", "revid": old, "relation": "prev"}
        return {"kind": "diff", "oldid": old, "relation": diff}
    new = _id(diff, "revision")
    if old is None:
        return {"kind": "diff", "revid": new, "relation": "prev"}
    return {"kind": "diff", "oldid": old, "revid": new}


def _id(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) == 0:
        if not text:
            raise BadLink(f"chldp-evidence-no-{what}-number")
        raise BadLink(f"chldp-evidence-bad-{what}-number", shorten(text))
    return int(text)


def _fold(name: str) -> str:
    # MediaWiki compares special page names and namespaces without case, "_" as " ".
    return name.replace("_", " ").strip().casefold()
