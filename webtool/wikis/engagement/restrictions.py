"""Restrictions in force: the global lock, each wiki's block (sitewide or partial) and global
blocks. Those of the past are in block_history.py."""

from __future__ import annotations

from webtool.wikis.api import Listing
from webtool.wikis.engagement.report import NO_END, Finding, link


def lock_findings(
    info: dict, name: str, meta_url: str, steward_logs: list[Listing]
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
        account_link = link(meta_url, f"Special:CentralAuth/{name}")
        return [Finding("restriction", "global", account_link, "chldp-finding-locked", [])]
    latest = max(locks, key=lambda e: e["timestamp"])
    return [
        Finding(
            "restriction",
            "global",
            link(meta_url, "Special:Log", logid=str(latest["logid"])),
            "chldp-finding-locked-since",
            [latest["timestamp"][:10], latest.get("comment") or "—"],
            start=latest["timestamp"],
        )
    ]


def block_findings(info: dict, name: str, answers: dict[str, Listing]) -> list[Finding]:
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
            restrictions = block.get("restrictions", {})
            pages = [page["title"] for page in restrictions.get("pages", [])]
            where = restricted_to(
                pages, restrictions.get("namespaces", []), first.get("namespaces", {})
            )
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
                link(account["url"], "Special:Log/block", page=f"User:{name}"),
                message if forever else f"{message}-until",
                params,
                start=block.get("timestamp"),
                end=None if forever else expiry,
            )
        )
    return findings


def global_block_findings(blocks: list[dict], name: str, meta_url: str) -> list[Finding]:
    findings = []
    log_link = link(meta_url, "Special:Log/gblblock", page=f"User:{name}")
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
            Finding("restriction", "global", log_link, message, params, block.get("timestamp"), end)
        )
    return findings


def restricted_to(pages: list[str], namespace_ids: list[int], namespaces: dict) -> list[str]:
    """The pages and the namespaces (by the wiki's own names, from its siteinfo) a partial
    block covers, each a dash when there are none."""
    names = [namespaces.get(str(n), {}).get("name") or str(n) for n in namespace_ids]
    return [", ".join(pages) or "—", ", ".join(names) or "—"]
