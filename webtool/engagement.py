"""The engagement report: verified facts about an account across every Wikimedia wiki, each
with a link to where a person can check it.

One `meta=globaluserinfo` call on the central wiki already carries every attached wiki with
its edit count, groups and blocks. Other wikis are asked only where a finding needs them:
rights logs where the account has a role and, for former roles, on its busiest wikis up to a
budget (with the groups' expiries and the blocks' details in the same request), first and
recent edits on its busiest wikis. Meta is asked for Grants pages, global groups, the rights
stewards changed from Meta and the lock (`User:NAME@…`), renames and global blocks. An
account hidden from the public is "no such account", as Wikimedia shows it: nothing more is
asked about it. The report says what is true; it never says who is eligible. A list the wiki
had more of than the client reads (its continuation bound) gives counts that say "at least",
and each item counts once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from program.engagement import EngagementRules, load_rules
from webtool.api import ApiClient, ApiError, Listing
from webtool.i18n import render, sentence

GRANTS_NAMESPACES = (200, 201)
# How the API writes "no end" for a group membership or a block.
NO_END = ("infinity", "infinite", "indefinite", "never")


class UserNotFound(LookupError):
    """No global account has this name."""


@dataclass
class Finding:
    """One fact: `message` and `params` say it in any interface language (webtool/messages),
    `summary` in English for the command line and staff."""

    kind: str  # account, role, former_role, global_role, grants, editing, activity, restriction
    wiki: str
    link: str
    message: str
    params: list
    start: str | None = None
    end: str | None = None
    partial: bool = False  # read from a list the wiki cut short; the message says so
    summary: str = field(init=False)

    def __post_init__(self) -> None:
        self.summary = sentence(render("en", self.message, *self.params))


@dataclass
class RightsChange:
    """One entry of a rights log: the wiki's own, or Meta's where a steward changed the
    rights of `User:NAME@wiki`."""

    timestamp: str
    old: set[str]
    new: set[str]
    expiries: dict[str, str | None]  # each group of `new` with its end, None for none
    link: str


@dataclass
class Membership:
    """A time in a group, as the rights logs tell it."""

    group: str
    start: str | None  # None when the grant is not in the logs read
    link: str
    expiry: str | None = None
    end: str | None = None  # when it was removed, or when it expired
    expired: bool = False


@dataclass
class WikiEdits:
    wiki: str
    url: str
    edits: int
    registration: str | None
    groups: list[str] = field(default_factory=list)


@dataclass
class Report:
    user: dict
    totals: dict
    wikis: list[WikiEdits]
    findings: list[Finding]
    api_requests: int
    gathered_at: str

    def to_dict(self) -> dict:
        return asdict(self)


class Collector:
    """Gathers reports through one API client, against one central wiki."""

    def __init__(
        self,
        client: ApiClient,
        central_api: str,
        central_wiki: str = "metawiki",
        rules: EngagementRules | None = None,
    ) -> None:
        self.client = client
        self.central_api = central_api
        self.central_wiki = central_wiki
        self.rules = rules or load_rules()

    def report(self, name: str, now: datetime | None = None) -> Report:
        """The report for a normalised username; UserNotFound, ApiError or Unavailable."""
        now = now or datetime.now(UTC)
        api = self.client.counting()
        info = api.query(
            self.central_api,
            action="query",
            meta="globaluserinfo",
            guiuser=name,
            guiprop="groups|rights|merged|unattached|editcount",
        )["query"]["globaluserinfo"]
        # CentralAuth says "missing" of a hidden or suppressed account too: nothing more is
        # asked, so the report of a hidden account cannot hold anything but the name asked.
        if info.get("missing"):
            raise UserNotFound(name)
        name = info["name"]
        wikis = [
            WikiEdits(
                a["wiki"],
                a["url"],
                a.get("editcount", 0),
                a.get("registration"),
                a.get("groups", []),
            )
            for a in info.get("merged", [])
        ]
        wikis.sort(key=lambda w: -w.edits)
        central = next((w for w in wikis if w.wiki == self.central_wiki), None)
        meta_url = central.url if central else _server(self.central_api)
        busiest = [w for w in wikis if w.edits > 0]
        read = self._rights_logs_to_read(wikis)
        blocked = {a["wiki"] for a in info.get("merged", []) if a.get("blocked")}
        asked = [w for w in wikis if w in read or w.wiki in blocked]
        active = busiest[: self.rules.activity_wikis]
        since = now - timedelta(days=self.rules.recent_days)
        read_names = [w.wiki for w in read]

        with ThreadPoolExecutor(max(1, self.client.limits.parallel)) as pool:
            local = {
                w.wiki: pool.submit(self._local, api, w, name, w in read, w.wiki in blocked)
                for w in asked
            }
            activity = {w.wiki: pool.submit(self._activity, api, w, name, since) for w in active}
            grants = pool.submit(self._grants, api, name)
            global_log = pool.submit(self._global_rights_log, api, name)
            stewards = pool.submit(self._stewards_log, api, name, read_names)
            renames = pool.submit(self._renames_and_global_block, api, name)
        answers = {wiki: future.result() for wiki, future in local.items()}
        renamed, global_blocks = renames.result()
        former_names = [e["params"]["olduser"] for e in renamed]
        # Meta's log keeps a steward's acts under the name of their day.
        steward_logs = [stewards.result()] + [
            self._stewards_log(api, old, read_names) for old in former_names
        ]

        findings = self._renames(renamed, meta_url)
        findings += self._roles(wikis, name, answers, steward_logs, meta_url, now)
        if len(read) < len(wikis):
            findings.append(self._logs_read(read, wikis, name, meta_url))
        findings += self._global_roles(info, name, meta_url, global_log.result())
        findings += self._grants_findings(grants.result(), name, meta_url)
        recent = {wiki: future.result() for wiki, future in activity.items()}
        total = info.get("editcount", sum(w.edits for w in wikis))
        findings += self._editing(wikis, name, total, info.get("registration"), recent, now)
        findings += self._lock(info, name, meta_url, steward_logs)
        findings += self._blocks(info, name, answers)
        findings += self._global_blocks(global_blocks, name, meta_url)
        return Report(
            user={
                "name": name,
                "id": info["id"],
                "home": info.get("home"),
                "registration": info.get("registration"),
                "locked": bool(info.get("locked")),
                "global_groups": info.get("groups", []),
                "former_names": former_names,
            },
            totals={
                "edits": total,
                "wikis_with_edits": len(busiest),
                "wikis_attached": len(wikis),
            },
            wikis=wikis,
            findings=findings,
            api_requests=api.requests_made,
            gathered_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    def _rights_logs_to_read(self, wikis: list[WikiEdits]) -> list[WikiEdits]:
        """Every wiki where the account has a role, then, within the budget, the others with
        the most edits first: a former role is likeliest where someone edited most."""
        with_roles = [w for w in wikis if w.groups]
        others = [w for w in wikis if not w.groups][: self.rules.former_role_wikis]
        return with_roles + others

    # Targeted requests -----------------------------------------------------------------

    def _local(
        self, api: ApiClient, wiki: WikiEdits, name: str, rights: bool, blocked: bool
    ) -> Listing:
        """One request to a wiki for all it must say: its rights log about the account, the
        account's groups with their expiries, and its block with the namespaces' names."""
        extra: dict = {"ususers": name, "usprop": "groupmemberships"} if wiki.groups else {}
        if blocked:
            extra |= {
                "bkusers": name,
                "bkprop": "timestamp|expiry|reason|flags|restrictions",
                "meta": "siteinfo",
                "siprop": "namespaces",
            }
        also = "|".join(n for n, wanted in (("users", wiki.groups), ("blocks", blocked)) if wanted)
        if not rights:
            # Only the block is wanted: a log that is never read costs nothing to leave out.
            answer = api.query(f"{wiki.url}/w/api.php", action="query", list=also, **extra)
            return Listing([], complete=True, first=answer)
        return api.query_list(
            f"{wiki.url}/w/api.php",
            "logevents",
            "logid",
            also=also,
            action="query",
            letype="rights",
            letitle=f"User:{name}",
            lelimit="max",
            ledir="newer",
            **extra,
        )

    def _stewards_log(self, api: ApiClient, name: str, wikis: list[str]) -> Listing:
        """Meta's log about `User:NAME@…`: rights stewards changed on other wikis
        (`User:NAME@enwiki`) and the global account's status (`User:NAME@global`)."""
        try:
            return _log(api, self.central_api, prefix=f"User:{name}@")
        except ApiError as error:
            if error.code != "prefixsearchdisabled":
                raise
        # A wiki in miser mode (all of Wikimedia's) refuses a prefix: ask each title instead,
        # for the wikis whose own logs are read.
        titles = [f"User:{name}@global", *(f"User:{name}@{wiki}" for wiki in wikis)]
        with ThreadPoolExecutor(max(1, self.client.limits.parallel)) as pool:
            listings = list(pool.map(lambda t: _log(api, self.central_api, title=t), titles))
        return Listing(
            [item for listing in listings for item in listing.items],
            complete=all(listing.complete for listing in listings),
        )

    def _global_rights_log(self, api: ApiClient, name: str) -> Listing:
        try:
            return _log(api, self.central_api, "gblrights", title=f"User:{name}")
        except ApiError as error:
            if error.code == "badvalue":  # a central wiki without CentralAuth's global log
                return Listing([], complete=True)
            raise

    def _renames_and_global_block(self, api: ApiClient, name: str) -> tuple[list, list]:
        """The global renames to `name` (Meta's gblrename log) and the global blocks of the
        account, in one request. A GlobalBlocking that cannot block accounts (REL1_39) does
        not know `bgtargets` and lists every global block instead: then there are none."""
        answer = api.query(
            self.central_api,
            action="query",
            list="logevents|globalblocks",
            letype="gblrename",
            letitle=f"Special:CentralAuth/{name}",
            lelimit="max",
            bgtargets=name,
            bglimit=1,
        )
        query = answer.get("query", {})
        renames = [
            e for e in query.get("logevents", []) if e.get("params", {}).get("newuser") == name
        ]
        if _ignored(answer, "bgtargets"):
            return renames, []
        return renames, query.get("globalblocks", [])

    def _activity(self, api: ApiClient, wiki: WikiEdits, name: str, since: datetime) -> dict:
        url = f"{wiki.url}/w/api.php"
        first = api.query(
            url,
            action="query",
            list="usercontribs",
            ucuser=name,
            uclimit=1,
            ucdir="newer",
            ucprop="timestamp",
        )["query"]["usercontribs"]
        recent = api.query_list(
            url,
            "usercontribs",
            "revid",
            action="query",
            ucuser=name,
            uclimit="max",
            ucprop="ids|timestamp",
            ucend=since.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        return {
            "first": first[0]["timestamp"] if first else None,
            "last": recent.items[0]["timestamp"] if recent.items else None,
            "recent": len(recent.items),
            "complete": recent.complete,
        }

    def _grants(self, api: ApiClient, name: str) -> Listing:
        return api.query_list(
            self.central_api,
            "usercontribs",
            "revid",
            action="query",
            ucuser=name,
            ucnamespace="|".join(str(n) for n in GRANTS_NAMESPACES),
            uclimit="max",
            ucprop="ids|title|timestamp|flags",
            ucdir="newer",
        )

    # Findings --------------------------------------------------------------------------

    def _role(self, group: str) -> dict:
        """A group as a message param: translated where the interface knows it."""
        return {"message": f"chldp-role-{group}", "default": self.rules.role_name(group)}

    def _renames(self, renames: list[dict], meta_url: str) -> list[Finding]:
        return [
            Finding(
                "account",
                "global",
                _link(meta_url, "Special:Log", logid=str(entry["logid"])),
                "chldp-finding-renamed",
                [entry["params"]["olduser"], entry["timestamp"][:10]],
                start=entry["timestamp"],
            )
            for entry in renames
        ]

    def _roles(
        self,
        wikis: list[WikiEdits],
        name: str,
        answers: dict[str, Listing],
        steward_logs: list[Listing],
        meta_url: str,
        now: datetime,
    ) -> list[Finding]:
        """Current and former roles on each wiki, from its own rights log and Meta's."""
        from_meta = _changes_from_meta(steward_logs, meta_url)
        meta_complete = all(log.complete for log in steward_logs)
        by_name = {w.wiki: w for w in wikis}
        current, former = [], []
        for wiki_name in [*by_name, *(w for w in from_meta if w not in by_name)]:
            wiki = by_name.get(wiki_name) or WikiEdits(wiki_name, "", 0, None)
            log = answers.get(wiki_name, Listing([], complete=True))
            local_link = _link(wiki.url, "Special:Log/rights", page=f"User:{name}")
            changes = [_change(e, local_link) for e in log.items]
            held, ended = _memberships(changes + from_meta.get(wiki_name, []), now)
            # Read oldest first, a log cut short may lack the latest grant of a current role.
            dated = log.complete and meta_complete
            expiries = _expiries(log.first)
            for group in wiki.groups:
                current.append(
                    self._current_role(wiki, group, held.get(group), dated, expiries, local_link)
                )
            former += [self._former_role(wiki_name, m) for m in ended if m.group not in wiki.groups]
            if not log.complete:
                former.append(
                    Finding(
                        "former_role",
                        wiki_name,
                        local_link,
                        "chldp-finding-rights-log-cut",
                        [wiki_name],
                        partial=True,
                    )
                )
        if not meta_complete:
            former.append(
                Finding(
                    "former_role",
                    "global",
                    _link(meta_url, "Special:Log/rights"),
                    "chldp-finding-meta-rights-log-cut",
                    [],
                    partial=True,
                )
            )
        return current + former

    def _current_role(
        self,
        wiki: WikiEdits,
        group: str,
        held: Membership | None,
        dated: bool,
        expiries: dict[str, str | None],
        local_link: str,
    ) -> Finding:
        # The wiki's own answer says when a membership ends; the logs, when it began.
        expiry = expiries.get(group, held.expiry if held else None)
        start = held.start if held and dated else None
        link = held.link if held and held.start else local_link
        # chldp-finding-role, -role-since, -role-until or -role-since-until.
        message = "chldp-finding-role" + ("-since" if start else "") + ("-until" if expiry else "")
        params = [self._role(group), wiki.wiki, *(day[:10] for day in (start, expiry) if day)]
        return Finding("role", wiki.wiki, link, message, params, start=start, end=expiry)

    def _former_role(self, wiki: str, membership: Membership) -> Finding:
        role, start, end = self._role(membership.group), membership.start, membership.end
        if start:
            # chldp-finding-former-role, or -former-role-expired for a term that ran out.
            message = "chldp-finding-former-role" + ("-expired" if membership.expired else "")
            params = [role, wiki, start[:10], end[:10]]
        else:
            message, params = "chldp-finding-former-role-until", [role, wiki, end[:10]]
        return Finding("former_role", wiki, membership.link, message, params, start, end)

    def _logs_read(
        self, read: list[WikiEdits], wikis: list[WikiEdits], name: str, meta_url: str
    ) -> Finding:
        """Which wikis' rights logs were read, so a reader knows where no one looked."""
        return Finding(
            "former_role",
            "global",
            _link(meta_url, f"Special:CentralAuth/{name}"),
            "chldp-finding-rights-logs-read",
            [len(read), len(wikis), ", ".join(w.wiki for w in read)],
        )

    def _global_roles(self, info: dict, name: str, meta_url: str, log: Listing) -> list[Finding]:
        link = _link(meta_url, f"Special:CentralAuth/{name}")
        findings = [
            Finding("global_role", "global", link, "chldp-finding-global-role", [group])
            for group in info.get("groups", [])
        ]
        log_link = _link(meta_url, "Special:Log/gblrights", page=f"User:{name}")
        for entry in log.items:
            for group in _removed(entry):
                findings.append(
                    Finding(
                        "former_role",
                        "global",
                        log_link,
                        "chldp-finding-former-global-role",
                        [group],
                        end=entry["timestamp"],
                    )
                )
        if not log.complete:
            findings.append(
                Finding(
                    "former_role",
                    "global",
                    log_link,
                    "chldp-finding-global-rights-log-cut",
                    [],
                    partial=True,
                )
            )
        return findings

    def _grants_findings(self, grants: Listing, name: str, meta_url: str) -> list[Finding]:
        contributions = grants.items
        if not contributions:
            return []
        created = [c for c in contributions if c.get("new")]
        pages = {c["title"] for c in contributions}
        findings = [
            Finding(
                "grants",
                self.central_wiki,
                _link(meta_url, f"Special:Contributions/{name}", namespace="200"),
                _at_least("chldp-finding-grants", grants.complete),
                [len(contributions), len(pages), len(created)],
                start=contributions[0]["timestamp"],
                # Read oldest first: cut short, the latest edit is among the unread.
                end=contributions[-1]["timestamp"] if grants.complete else None,
                partial=not grants.complete,
            )
        ]
        for contribution in created:
            findings.append(
                Finding(
                    "grants",
                    self.central_wiki,
                    _link(meta_url, contribution["title"]),
                    "chldp-finding-grants-created",
                    [contribution["title"]],
                    start=contribution["timestamp"],
                )
            )
        return findings

    def _editing(
        self,
        wikis: list[WikiEdits],
        name: str,
        total: int,
        registration: str | None,
        recent: dict[str, dict],
        now: datetime,
    ) -> list[Finding]:
        findings = []
        years = _years_since(registration, now)
        recent_edits = sum(r["recent"] for r in recent.values())
        label = self.rules.editing_label(total, years, recent_edits)
        if label:
            slug = label.replace(" ", "-")
            findings.append(
                Finding(
                    "editing",
                    "global",
                    _link(_server(self.central_api), f"Special:CentralAuth/{name}"),
                    "chldp-finding-editing-overall",
                    [
                        {"message": f"chldp-editing-label-{slug}", "default": label},
                        total,
                        sum(1 for w in wikis if w.edits),
                        (registration or "?")[:4],
                    ],
                    start=registration,
                )
            )
        for wiki in wikis:
            if wiki.edits:
                findings.append(
                    Finding(
                        "editing",
                        wiki.wiki,
                        _link(wiki.url, f"Special:Contributions/{name}"),
                        "chldp-finding-editing",
                        [wiki.edits, wiki.wiki],
                        start=wiki.registration,
                    )
                )
        for wiki_name, activity in recent.items():
            wiki = next(w for w in wikis if w.wiki == wiki_name)
            findings.append(
                Finding(
                    "activity",
                    wiki_name,
                    _link(wiki.url, f"Special:Contributions/{name}"),
                    _at_least("chldp-finding-activity", activity["complete"]),
                    [
                        activity["recent"],
                        wiki_name,
                        self.rules.recent_days,
                        _day(activity["first"]),
                        _day(activity["last"]),
                    ],
                    start=activity["first"],
                    end=activity["last"],
                    partial=not activity["complete"],
                )
            )
        return findings

    def _lock(
        self, info: dict, name: str, meta_url: str, steward_logs: list[Listing]
    ) -> list[Finding]:
        """The lock, dated by the steward's entry in Meta's log when that entry was read."""
        if not info.get("locked"):
            return []
        locks = [
            e
            for log in steward_logs
            for e in log.items
            if e.get("type") == "globalauth" and "locked" in e.get("params", {}).get("added", [])
        ]
        if not locks:
            link = _link(meta_url, f"Special:CentralAuth/{name}")
            return [Finding("restriction", "global", link, "chldp-finding-locked", [])]
        latest = max(locks, key=lambda e: e["timestamp"])
        return [
            Finding(
                "restriction",
                "global",
                _link(meta_url, "Special:Log", logid=str(latest["logid"])),
                "chldp-finding-locked-since",
                [latest["timestamp"][:10], latest.get("comment") or "—"],
                start=latest["timestamp"],
            )
        ]

    def _blocks(self, info: dict, name: str, answers: dict[str, Listing]) -> list[Finding]:
        """Each wiki's block: sitewide or partial, with its end and reason, as the wiki's own
        block list tells it (globaluserinfo says neither how wide nor since when)."""
        findings = []
        for account in info.get("merged", []):
            summary = account.get("blocked")
            if not summary:
                continue
            first = answers[account["wiki"]].first.get("query", {})
            block = next(iter(first.get("blocks", [])), summary)
            expiry = block.get("expiry", "infinity")
            forever = expiry in NO_END
            reason = block.get("reason") or "—"
            wiki = account["wiki"]
            if block.get("partial"):
                where = _restrictions(block.get("restrictions", {}), first.get("namespaces", {}))
                message = "chldp-finding-partial-block"
                params = [wiki, *([] if forever else [expiry[:10]]), *where, reason]
            else:
                message, params = "chldp-finding-blocked", [wiki, reason]
                if not forever:
                    params.insert(1, expiry[:10])
            findings.append(
                Finding(
                    "restriction",
                    wiki,
                    _link(account["url"], "Special:Log/block", page=f"User:{name}"),
                    message if forever else f"{message}-until",
                    params,
                    start=block.get("timestamp"),
                    end=None if forever else expiry,
                )
            )
        return findings

    def _global_blocks(self, blocks: list[dict], name: str, meta_url: str) -> list[Finding]:
        findings = []
        link = _link(meta_url, "Special:Log/gblblock", page=f"User:{name}")
        for block in blocks:
            expiry = block.get("expiry", "infinity")
            reason = block.get("reason") or "—"
            if expiry in NO_END:
                message, params, end = "chldp-finding-global-block", [reason], None
            else:
                message, params, end = (
                    "chldp-finding-global-block-until",
                    [expiry[:10], reason],
                    expiry,
                )
            findings.append(
                Finding("restriction", "global", link, message, params, block.get("timestamp"), end)
            )
        return findings


def _log(
    api: ApiClient,
    api_url: str,
    log_type: str | None = None,
    title: str | None = None,
    prefix: str | None = None,
) -> Listing:
    """The entries of a log (or of every log) about one title or titles with a prefix,
    oldest first."""
    return api.query_list(
        api_url,
        "logevents",
        "logid",
        action="query",
        letype=log_type,
        letitle=title,
        leprefix=prefix,
        lelimit="max",
        ledir="newer",
    )


def _changes_from_meta(logs: list[Listing], meta_url: str) -> dict[str, list[RightsChange]]:
    """Meta's rights entries about `User:NAME@wiki`, by wiki."""
    changes: dict[str, list[RightsChange]] = {}
    for log in logs:
        for entry in log.items:
            if entry.get("type") != "rights" or "@" not in entry.get("title", ""):
                continue
            wiki = entry["title"].rsplit("@", 1)[1]
            link = _link(meta_url, "Special:Log/rights", page=entry["title"])
            changes.setdefault(wiki, []).append(_change(entry, link))
    return changes


def _change(entry: dict, link: str) -> RightsChange:
    params = entry.get("params", {})
    # Since MediaWiki 1.29 each entry gives each group's expiry; older ones have none.
    expiries = {m["group"]: _end(m.get("expiry")) for m in params.get("newmetadata", [])}
    return RightsChange(
        entry["timestamp"],
        set(params.get("oldgroups", [])),
        set(params.get("newgroups", [])),
        expiries,
        link,
    )


def _memberships(
    changes: list[RightsChange], now: datetime
) -> tuple[dict[str, Membership], list[Membership]]:
    """The memberships the logs tell of: those still held (by group), and those that ended,
    removed or expired. A membership that expired leaves no entry of its own: its end is the
    expiry written when it was granted or last changed."""
    held: dict[str, Membership] = {}
    ended: list[Membership] = []

    def close_expired(before: str, kept: set[str]) -> None:
        for group, membership in list(held.items()):
            if group not in kept and membership.expiry and membership.expiry < before:
                membership.end, membership.expired = membership.expiry, True
                ended.append(held.pop(group))

    # Sorted stably: entries of the same second keep the order each log gave them.
    for change in sorted(changes, key=lambda c: c.timestamp):
        close_expired(change.timestamp, change.old)
        for group in change.new:
            if group in held:
                held[group].expiry = change.expiries.get(group)
            else:
                start = None if group in change.old else change.timestamp
                held[group] = Membership(group, start, change.link, change.expiries.get(group))
        for group in change.old - change.new:
            membership = held.pop(group, None) or Membership(group, None, change.link)
            membership.end = change.timestamp
            ended.append(membership)
    close_expired(now.strftime("%Y-%m-%dT%H:%M:%SZ"), set())
    return held, ended


def _expiries(answer: dict) -> dict[str, str | None]:
    """The account's groups on a wiki with their ends, from `list=users&usprop=groupmemberships`."""
    users = answer.get("query", {}).get("users", [])
    memberships = users[0].get("groupmemberships", []) if users else []
    return {m["group"]: _end(m.get("expiry")) for m in memberships}


def _end(expiry: str | None) -> str | None:
    return None if expiry in (None, *NO_END) else expiry


def _restrictions(restrictions: dict, namespaces: dict) -> list[str]:
    """The pages and the namespaces (by the wiki's own names) a partial block covers."""
    pages = [p["title"] for p in restrictions.get("pages", [])]
    names = [
        namespaces.get(str(n), {}).get("name") or str(n) for n in restrictions.get("namespaces", [])
    ]
    return [", ".join(pages) or "—", ", ".join(names) or "—"]


def _ignored(answer: dict, parameter: str) -> bool:
    """Whether the wiki warned that it does not know `parameter` (and so answered without it)."""
    return any(
        warning.get("code") == "unrecognizedparams" and parameter in warning.get("text", "")
        for warning in answer.get("warnings", [])
    )


def _at_least(message: str, complete: bool) -> str:
    """The message of a count read in full, or of one the wiki cut short ("at least")."""
    return message if complete else f"{message}-partial"


def _removed(entry: dict) -> set[str]:
    params = entry.get("params", {})
    return set(params.get("oldgroups", [])) - set(params.get("newgroups", []))


def _link(server: str, title: str, **query: str) -> str:
    path = f"{server}/wiki/{quote(title.replace(' ', '_'), safe='/:')}"
    if query:
        path += "?" + "&".join(
            # "@" as it is, so `User:NAME@enwiki` reads in the link as on the wiki.
            f"{k}={quote(v.replace(' ', '_'), safe=':@')}"
            for k, v in query.items()
        )
    return path


def _server(api_url: str) -> str:
    return api_url.split("/w/api.php")[0]


def _years_since(timestamp: str | None, now: datetime) -> float:
    if not timestamp:
        return 0.0
    start = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (now - start).days / 365.25


def _day(timestamp: str | None) -> str:
    return timestamp[:10] if timestamp else "none"
