"""Editing: how much the account edited overall and on each wiki, and its activity (first
and last edit, edits in the recent window) on the wikis looked at closely."""

from __future__ import annotations

from datetime import datetime

from program.engagement import EngagementRules
from webtool.wikis.engagement.report import Finding, WikiEdits, at_least, link


def editing_findings(
    wikis: list[WikiEdits],
    name: str,
    total: int,
    registration: str | None,
    recent: dict[str, dict],
    now: datetime,
    rules: EngagementRules,
    central_server: str,
) -> list[Finding]:
    """The editing label overall, the edits on each wiki, and each activity looked at."""
    findings = []
    years = _years_since(registration, now)
    recent_edits = sum(r["recent"] for r in recent.values())
    label = rules.editing_label(total, years, recent_edits)
    if label:
        slug = label.replace(" ", "-")
        findings.append(
            Finding(
                "editing",
                "global",
                link(central_server, f"Special:CentralAuth/{name}"),
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
                    link(wiki.url, f"Special:Contributions/{name}"),
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
                link(wiki.url, f"Special:Contributions/{name}"),
                at_least("chldp-finding-activity", activity["complete"]),
                [
                    activity["recent"],
                    wiki_name,
                    rules.recent_days,
                    _day(activity["first"]),
                    _day(activity["last"]),
                ],
                start=activity["first"],
                end=activity["last"],
                partial=not activity["complete"],
            )
        )
    return findings


def _years_since(timestamp: str | None, now: datetime) -> float:
    if not timestamp:
        return 0.0
    start = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (now - start).days / 365.25


def _day(timestamp: str | None) -> str:
    return timestamp[:10] if timestamp else "none"
