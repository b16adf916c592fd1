"""Gathering a report: the requests, as few as the findings allow, asked in parallel, and the
findings of each kind made from their answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from program.engagement import EngagementRules, load_rules
from webtool.wikis.api import ApiClient, ApiError, Listing
from webtool.wikis.engagement.account import rename_findings
from webtool.wikis.engagement.block_history import block_history_findings
from webtool.wikis.engagement.editing import editing_findings
from webtool.wikis.engagement.grants import GRANTS_NAMESPACES, grants_findings
from webtool.wikis.engagement.report import Report, UserNotFound, WikiEdits, server_of
from webtool.wikis.engagement.restrictions import (
    block_findings,
    global_block_findings,
    lock_findings,
)
from webtool.wikis.engagement.roles import (
    global_role_findings,
    logs_read_finding,
    rights_logs_to_read,
    role_findings,
)


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
        meta_url = central.url if central else server_of(self.central_api)
        busiest = [w for w in wikis if w.edits > 0]
        read = rights_logs_to_read(wikis, self.rules)
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
        rights_logs = {wiki: rights for wiki, (rights, _) in answers.items()}
        block_logs = {wiki: blocks for wiki, (_, blocks) in answers.items()}
        renamed, global_blocks = renames.result()
        former_names = [e["params"]["olduser"] for e in renamed]
        # Meta's log keeps a steward's acts under the name of their day.
        steward_logs = [stewards.result()] + [
            self._stewards_log(api, old, read_names) for old in former_names
        ]

        findings = rename_findings(renamed, meta_url)
        findings += role_findings(wikis, name, rights_logs, steward_logs, meta_url, now, self.rules)
        if len(read) < len(wikis):
            findings.append(logs_read_finding(read, wikis, name, meta_url))
        findings += global_role_findings(info, name, meta_url, global_log.result())
        findings += grants_findings(grants.result(), name, meta_url, self.central_wiki)
        recent = {wiki: future.result() for wiki, future in activity.items()}
        total = info.get("editcount", sum(w.edits for w in wikis))
        findings += editing_findings(
            wikis,
            name,
            total,
            info.get("registration"),
            recent,
            now,
            self.rules,
            server_of(self.central_api),
        )
        findings += lock_findings(info, name, meta_url, steward_logs)
        findings += block_findings(info, name, block_logs)
        findings += global_block_findings(global_blocks, name, meta_url)
        findings += block_history_findings(wikis, block_logs, steward_logs, name, meta_url, now)
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

    def _local(
        self, api: ApiClient, wiki: WikiEdits, name: str, rights: bool, blocked: bool
    ) -> tuple[Listing, Listing]:
        """What a wiki read closely says of the account: its rights log (when `rights`) with
        the account's groups and their expiries, and its block log with its block in force
        (when `blocked`) and the namespaces' names, which partial blocks give by number.

        One request cannot read two logs of a type each. Where the account never edited, the
        logs about it are short (no one thanks an account or patrols edits it has not made):
        one request reads every log about it, and the two are taken from it. Elsewhere the
        block log is one request more."""
        url = f"{wiki.url}/w/api.php"
        groups: dict = {"ususers": name, "usprop": "groupmemberships"} if wiki.groups else {}
        block: dict = {"meta": "siteinfo", "siprop": "namespaces"}
        if blocked:
            block |= {"bkusers": name, "bkprop": "timestamp|expiry|reason|flags|restrictions"}
        with_groups = "users" if wiki.groups else ""
        with_block = "blocks" if blocked else ""
        title = f"User:{name}"
        if rights and not wiki.edits:
            both = "|".join(filter(None, [with_groups, with_block]))
            every = _log(api, url, title=title, also=both, **groups, **block)
            return _of_type(every, "rights"), _of_type(every, "block")
        rights_log = (
            _log(api, url, "rights", title, also=with_groups, **groups)
            if rights
            else Listing([], complete=True)
        )
        return rights_log, _log(api, url, "block", title, also=with_block, **block)

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

    def _renames_and_global_block(self, api: ApiClient, name: str) -> tuple[list[dict], list[dict]]:
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
        """The first and latest edit on `wiki`, and the edits since `since`."""
        url = f"{wiki.url}/w/api.php"
        first = _one_edit(api, url, name, ucdir="newer")
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
        last = recent.items[0]["timestamp"] if recent.items else None
        if first and last is None:
            # No edit in the window: the latest is older, and one request more dates it.
            last = _one_edit(api, url, name)
        return {
            "first": first,
            "last": last,
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


def _log(
    api: ApiClient,
    api_url: str,
    log_type: str | None = None,
    title: str | None = None,
    prefix: str | None = None,
    also: str = "",
    **more: object,
) -> Listing:
    """The entries of a log (or of every log) about one title or titles with a prefix,
    oldest first; `also` and `more` ask other modules in the same request (ApiClient.query_list)."""
    return api.query_list(
        api_url,
        "logevents",
        "logid",
        also=also,
        action="query",
        letype=log_type,
        letitle=title,
        leprefix=prefix,
        lelimit="max",
        ledir="newer",
        **more,
    )


def _of_type(log: Listing, log_type: str) -> Listing:
    """The entries of one type out of a listing of every log."""
    return Listing(
        [e for e in log.items if e.get("type") == log_type], complete=log.complete, first=log.first
    )


def _ignored(answer: dict, parameter: str) -> bool:
    """Whether the wiki warned that it does not know `parameter` (and so answered without it)."""
    return any(
        warning.get("code") == "unrecognizedparams" and parameter in warning.get("text", "")
        for warning in answer.get("warnings", [])
    )


def _one_edit(api: ApiClient, url: str, name: str, **order: str) -> str | None:
    """The timestamp of the account's latest edit on the wiki at `url` (its first with
    ucdir=newer), or None when it has none."""
    found = api.query(
        url,
        action="query",
        list="usercontribs",
        ucuser=name,
        uclimit=1,
        ucprop="timestamp",
        **order,
    )["query"]["usercontribs"]
    return found[0]["timestamp"] if found else None
