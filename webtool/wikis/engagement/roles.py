"""Roles: the groups an account holds on each wiki and globally, and those it held, dated by
the rights logs (each wiki's own, and Meta's where a steward changed rights from there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from program.engagement import EngagementRules
from webtool.wikis.api import Listing
from webtool.wikis.engagement.report import Finding, WikiEdits, end_of, link


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
    """A time in a group that is still held, as the rights logs tell it."""

    group: str
    start: str | None  # None when the grant is not in the logs read
    link: str
    expiry: str | None = None

    def ended(self, end: str, expired: bool = False) -> FormerMembership:
        return FormerMembership(self.group, self.start, self.link, end, expired)


@dataclass
class FormerMembership:
    """A time in a group that ended, as the rights logs tell it."""

    group: str
    start: str | None  # None when the grant is not in the logs read
    link: str
    end: str  # when it was removed, or when it expired
    expired: bool = False


def rights_logs_to_read(wikis: list[WikiEdits], rules: EngagementRules) -> list[WikiEdits]:
    """Every wiki where the account has a role, then, within the budget, the others with
    the most edits first: a former role is likeliest where someone edited most."""
    with_roles = [w for w in wikis if w.groups]
    others = [w for w in wikis if not w.groups][: rules.former_role_wikis]
    return with_roles + others


def role_findings(
    wikis: list[WikiEdits],
    name: str,
    answers: dict[str, Listing],
    steward_logs: list[Listing],
    meta_url: str,
    now: datetime,
    rules: EngagementRules,
) -> list[Finding]:
    """Current and former roles on each wiki, from its own rights log and Meta's."""
    from_meta = _changes_from_meta(steward_logs, meta_url)
    meta_complete = all(log.complete for log in steward_logs)
    by_name = {w.wiki: w for w in wikis}
    current, former = [], []
    for wiki_name in [*by_name, *(w for w in from_meta if w not in by_name)]:
        wiki = by_name.get(wiki_name) or WikiEdits(wiki_name, "", 0, None)
        log = answers.get(wiki_name, Listing([], complete=True))
        local_link = link(wiki.url, "Special:Log/rights", page=f"User:{name}")
        changes = [_change(e, local_link) for e in log.items]
        held, ended = _memberships(changes + from_meta.get(wiki_name, []), now)
        # Read oldest first, a log cut short may lack the latest grant of a current role.
        dated = log.complete and meta_complete
        expiries = _expiries(log.first)
        for group in wiki.groups:
            current.append(
                _current_role(rules, wiki, group, held.get(group), dated, expiries, local_link)
            )
        former += [_former_role(rules, wiki_name, m) for m in ended if m.group not in wiki.groups]
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
                link(meta_url, "Special:Log/rights"),
                "chldp-finding-meta-rights-log-cut",
                [],
                partial=True,
            )
        )
    return current + former


def logs_read_finding(
    read: list[WikiEdits], wikis: list[WikiEdits], name: str, meta_url: str
) -> Finding:
    """Which wikis' rights logs were read, so a reader knows where no one looked."""
    return Finding(
        "former_role",
        "global",
        link(meta_url, f"Special:CentralAuth/{name}"),
        "chldp-finding-rights-logs-read",
        [len(read), len(wikis), ", ".join(w.wiki for w in read)],
    )


def global_role_findings(info: dict, name: str, meta_url: str, log: Listing) -> list[Finding]:
    """The account's global groups, and those Meta's global rights log says it lost."""
    account_link = link(meta_url, f"Special:CentralAuth/{name}")
    findings = [
        Finding("global_role", "global", account_link, "chldp-finding-global-role", [group])
        for group in info.get("groups", [])
    ]
    log_link = link(meta_url, "Special:Log/gblrights", page=f"User:{name}")
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


def _role(rules: EngagementRules, group: str) -> dict:
    """A group as a message param: translated where the interface knows it."""
    return {"message": f"chldp-role-{group}", "default": rules.role_name(group)}


def _current_role(
    rules: EngagementRules,
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
    where = held.link if held and held.start else local_link
    # chldp-finding-role, -role-since, -role-until or -role-since-until.
    message = "chldp-finding-role" + ("-since" if start else "") + ("-until" if expiry else "")
    params = [_role(rules, group), wiki.wiki, *(day[:10] for day in (start, expiry) if day)]
    return Finding("role", wiki.wiki, where, message, params, start=start, end=expiry)


def _former_role(rules: EngagementRules, wiki: str, membership: FormerMembership) -> Finding:
    role, start, end = _role(rules, membership.group), membership.start, membership.end
    if start:
        # chldp-finding-former-role, or -former-role-expired for a term that ran out.
        message = "chldp-finding-former-role" + ("-expired" if membership.expired else "")
        params = [role, wiki, start[:10], end[:10]]
    else:
        message, params = "chldp-finding-former-role-until", [role, wiki, end[:10]]
    return Finding("former_role", wiki, membership.link, message, params, start, end)


def _changes_from_meta(logs: list[Listing], meta_url: str) -> dict[str, list[RightsChange]]:
    """Meta's rights entries about `User:NAME@wiki`, by wiki."""
    changes: dict[str, list[RightsChange]] = {}
    for log in logs:
        for entry in log.items:
            if entry.get("type") != "rights" or "@" not in entry.get("title", ""):
                continue
            wiki = entry["title"].rsplit("@", 1)[1]
            entry_link = link(meta_url, "Special:Log/rights", page=entry["title"])
            changes.setdefault(wiki, []).append(_change(entry, entry_link))
    return changes


def _change(entry: dict, entry_link: str) -> RightsChange:
    params = entry.get("params", {})
    # Since MediaWiki 1.29 each entry gives each group's expiry; older ones have none.
    expiries = {m["group"]: end_of(m.get("expiry")) for m in params.get("newmetadata", [])}
    return RightsChange(
        entry["timestamp"],
        set(params.get("oldgroups", [])),
        set(params.get("newgroups", [])),
        expiries,
        entry_link,
    )


def _memberships(
    changes: list[RightsChange], now: datetime
) -> tuple[dict[str, Membership], list[FormerMembership]]:
    """The memberships the logs tell of: those still held (by group), and those that ended,
    removed or expired. A membership that expired leaves no entry of its own: its end is the
    expiry written when it was granted or last changed."""
    held: dict[str, Membership] = {}
    ended: list[FormerMembership] = []

    def close_expired(before: str, kept: set[str]) -> None:
        for group, membership in list(held.items()):
            if group not in kept and membership.expiry and membership.expiry < before:
                del held[group]
                ended.append(membership.ended(membership.expiry, expired=True))

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
            ended.append(membership.ended(change.timestamp))
    close_expired(now.strftime("%Y-%m-%dT%H:%M:%SZ"), set())
    return held, ended


def _expiries(answer: dict) -> dict[str, str | None]:
    """The account's groups on a wiki with their ends, from `list=users&usprop=groupmemberships`."""
    users = answer.get("query", {}).get("users", [])
    memberships = users[0].get("groupmemberships", []) if users else []
    return {m["group"]: end_of(m.get("expiry")) for m in memberships}


def _removed(entry: dict) -> set[str]:
    params = entry.get("params", {})
    return set(params.get("oldgroups", [])) - set(params.get("newgroups", []))
