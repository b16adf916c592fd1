"""The global account itself: the names it had before a global rename."""

from __future__ import annotations

from webtool.wikis.engagement.report import Finding, link


def rename_findings(renames: list[dict], meta_url: str) -> list[Finding]:
    """Each global rename to the account, from Meta's gblrename log."""
    return [
        Finding(
            "account",
            "global",
            link(meta_url, "Special:Log", logid=str(entry["logid"])),
            "chldp-finding-renamed",
            [entry["params"]["olduser"], entry["timestamp"][:10]],
            start=entry["timestamp"],
        )
        for entry in renames
    ]
