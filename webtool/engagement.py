"""The engagement report: verified facts about an account across every Wikimedia wiki, each
with a link to where a person can check it.

One `meta=globaluserinfo` call on the central wiki already carries every attached wiki with
its edit count, groups and blocks. Other wikis are asked only where a finding needs them:
rights logs where the account has a role (and, for former roles, on its busiest wikis),
first and recent edits on its busiest wikis, Grants pages on Meta. The report says what is
true; it never says who is eligible. A list the wiki had more of than the client reads (its
continuation bound) gives counts that say "at least", and each item counts once.
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


class UserNotFound(LookupError):
    """No global account has this name."""


@dataclass
class Finding:
    """One fact: `message` and `params` say it in any interface language (webtool/messages),
    `summary` in English for the command line and staff."""

    kind: str  # role, former_role, global_role, grants, editing, activity, restriction
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
        with_roles = [w for w in wikis if w.groups]
        former_candidates = [w for w in busiest if not w.groups][: self.rules.former_role_wikis]
        active = busiest[: self.rules.activity_wikis]
        since = now - timedelta(days=self.rules.recent_days)

        with ThreadPoolExecutor(max(1, self.client.limits.parallel)) as pool:
            rights = {
                w.wiki: pool.submit(self._rights_log, api, w, name)
                for w in with_roles + former_candidates
            }
            activity = {w.wiki: pool.submit(self._activity, api, w, name, since) for w in active}
            grants = pool.submit(self._grants, api, name)
            global_log = pool.submit(self._global_rights_log, api, name)

        findings: list[Finding] = []
        for wiki in with_roles:
            findings += self._current_roles(wiki, name, rights[wiki.wiki].result())
        for wiki in with_roles + former_candidates:
            findings += self._former_roles(wiki, name, rights[wiki.wiki].result())
        findings += self._global_roles(info, name, meta_url, global_log.result())
        findings += self._grants_findings(grants.result(), name, meta_url)
        recent = {wiki: future.result() for wiki, future in activity.items()}
        total = info.get("editcount", sum(w.edits for w in wikis))
        findings += self._editing(wikis, name, total, info.get("registration"), recent, now)
        findings += self._restrictions(info, wikis, name, meta_url)
        return Report(
            user={
                "name": name,
                "id": info["id"],
                "home": info.get("home"),
                "registration": info.get("registration"),
                "locked": bool(info.get("locked")),
                "global_groups": info.get("groups", []),
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

    # Targeted requests -----------------------------------------------------------------

    def _rights_log(self, api: ApiClient, wiki: WikiEdits, name: str) -> Listing:
        return _log(api, f"{wiki.url}/w/api.php", "rights", name)

    def _global_rights_log(self, api: ApiClient, name: str) -> Listing:
        try:
            return _log(api, self.central_api, "gblrights", name)
        except ApiError as error:
            if error.code == "badvalue":  # a central wiki without CentralAuth's global log
                return Listing([], complete=True)
            raise

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

    def _current_roles(self, wiki: WikiEdits, name: str, log: Listing) -> list[Finding]:
        findings = []
        link = _link(wiki.url, "Special:Log/rights", page=f"User:{name}")
        # The log is read oldest first: cut short, its latest grant may be among the unread.
        known = log.items if log.complete else []
        for group in wiki.groups:
            granted = [e["timestamp"] for e in known if group in _added(e)]
            role = self._role(group)
            if granted:
                found = Finding(
                    "role",
                    wiki.wiki,
                    link,
                    "chldp-finding-role-since",
                    [role, wiki.wiki, granted[-1][:10]],
                    start=granted[-1],
                )
            else:
                found = Finding("role", wiki.wiki, link, "chldp-finding-role", [role, wiki.wiki])
            findings.append(found)
        return findings

    def _former_roles(self, wiki: WikiEdits, name: str, log: Listing) -> list[Finding]:
        findings = []
        link = _link(wiki.url, "Special:Log/rights", page=f"User:{name}")
        # Read oldest first, a log cut short still holds every grant before each removal read.
        for entry in log.items:
            for group in _removed(entry):
                if group in wiki.groups:
                    continue
                granted = [
                    e["timestamp"]
                    for e in log.items
                    if group in _added(e) and e["timestamp"] <= entry["timestamp"]
                ]
                start = granted[-1] if granted else None
                ended = entry["timestamp"]
                if start:
                    message, params = (
                        "chldp-finding-former-role",
                        [self._role(group), wiki.wiki, start[:10], ended[:10]],
                    )
                else:
                    message, params = (
                        "chldp-finding-former-role-until",
                        [self._role(group), wiki.wiki, ended[:10]],
                    )
                findings.append(
                    Finding("former_role", wiki.wiki, link, message, params, start, ended)
                )
        if not log.complete:
            findings.append(
                Finding(
                    "former_role",
                    wiki.wiki,
                    link,
                    "chldp-finding-rights-log-cut",
                    [wiki.wiki],
                    partial=True,
                )
            )
        return findings

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

    def _restrictions(
        self, info: dict, wikis: list[WikiEdits], name: str, meta_url: str
    ) -> list[Finding]:
        findings = []
        if info.get("locked"):
            findings.append(
                Finding(
                    "restriction",
                    "global",
                    _link(meta_url, f"Special:CentralAuth/{name}"),
                    "chldp-finding-locked",
                    [],
                )
            )
        for account in info.get("merged", []):
            block = account.get("blocked")
            if not block:
                continue
            expiry = block.get("expiry", "infinity")
            forever = expiry in ("infinity", "infinite")
            reason = block.get("reason") or "—"
            link = _link(account["url"], "Special:Log/block", page=f"User:{name}")
            if forever:
                message, params = "chldp-finding-blocked", [account["wiki"], reason]
            else:
                message, params = (
                    "chldp-finding-blocked-until",
                    [account["wiki"], expiry[:10], reason],
                )
            findings.append(
                Finding(
                    "restriction",
                    account["wiki"],
                    link,
                    message,
                    params,
                    end=None if forever else expiry,
                )
            )
        return findings


def _log(api: ApiClient, api_url: str, log_type: str, name: str) -> Listing:
    """The entries of one log about the user page of `name`, oldest first."""
    return api.query_list(
        api_url,
        "logevents",
        "logid",
        action="query",
        letype=log_type,
        letitle=f"User:{name}",
        lelimit="max",
        ledir="newer",
    )


def _at_least(message: str, complete: bool) -> str:
    """The message of a count read in full, or of one the wiki cut short ("at least")."""
    return message if complete else f"{message}-partial"


def _added(entry: dict) -> set[str]:
    params = entry.get("params", {})
    return set(params.get("newgroups", [])) - set(params.get("oldgroups", []))


def _removed(entry: dict) -> set[str]:
    params = entry.get("params", {})
    return set(params.get("oldgroups", [])) - set(params.get("newgroups", []))


def _link(server: str, title: str, **query: str) -> str:
    path = f"{server}/wiki/{quote(title.replace(' ', '_'), safe='/:')}"
    if query:
        path += "?" + "&".join(
            f"{k}={quote(v.replace(' ', '_'), safe=':')}" for k, v in query.items()
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
