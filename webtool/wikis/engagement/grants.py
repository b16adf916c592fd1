"""Grant participation: edits and pages made in the Grants namespaces on Meta."""

from __future__ import annotations

from webtool.wikis.api import Listing
from webtool.wikis.engagement.report import Finding, at_least, link

GRANTS_NAMESPACES = (200, 201)


def grants_findings(grants: Listing, name: str, meta_url: str, central_wiki: str) -> list[Finding]:
    """The account's edits in Grants: (read oldest first), and each page it created there."""
    contributions = grants.items
    if not contributions:
        return []
    created = [c for c in contributions if c.get("new")]
    pages = {c["title"] for c in contributions}
    findings = [
        Finding(
            "grants",
            central_wiki,
            link(meta_url, f"Special:Contributions/{name}", namespace="200"),
            at_least("chldp-finding-grants", grants.complete),
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
                central_wiki,
                link(meta_url, contribution["title"]),
                "chldp-finding-grants-created",
                [contribution["title"]],
                start=contribution["timestamp"],
            )
        )
    return findings
