"""The retention purge: what the tool keeps about people ends when its time is up, and the
fund's books and open cases are never lost with it.

A request is deleted when its retention has ended and its case is closed, with its history,
notes and evidence; its ledger entries stay, detached from it, so money spent stays spent.
Evidence never attached to a request goes when its own retention ends, audit entries after
CHLDP_AUDIT_RETENTION_DAYS, sessions once they can no longer be used, engagement reports
after a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Delete, delete, func, select, update

from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.models import (
    AuditEntry,
    CaseEvent,
    CaseMessage,
    CustodyEvent,
    EngagementReport,
    EvidenceBundle,
    EvidenceItem,
    HelpRequest,
    LedgerEntry,
    OutboxMail,
    RefusedAttempt,
    UserSession,
)
from webtool.services.casework import audit, audited_since_daily
from webtool.services.engagement_view import KEPT_FOR

PURGE_AT = time(3, 17)  # UTC: a quiet hour on the wikis' side of the world


@dataclass
class Purged:
    """What a purge deleted and what it kept, with why."""

    requests: int = 0
    bundles: int = 0
    audit_entries: int = 0
    sessions: int = 0
    reports: int = 0
    ledger_detached: int = 0
    kept_open: list[tuple[str, str]] = field(default_factory=list)  # (reference, status)

    def sentences(self) -> list[str]:
        said = [
            f"Deleted {self.requests} request(s) past their retention, with their history and "
            f"evidence; {self.bundles} evidence bundle(s) never attached to a request; "
            f"{self.audit_entries} audit log row(s) older than "
            f"{current_app.config['AUDIT_RETENTION_DAYS']} days; {self.sessions} ended session(s); "
            f"{self.reports} engagement report(s) older than a day."
        ]
        if self.ledger_detached:
            said.append(
                f"Kept the {self.ledger_detached} ledger row(s) of the deleted requests, detached "
                "from them: the fund's books keep the money committed and paid."
            )
        for reference, status in self.kept_open:
            said.append(
                f"Kept {reference}: its retention has ended, but the case is "
                f"{status.replace('_', ' ')}, not closed; it is purged once it is closed."
            )
        return said


def purge(when: datetime | None = None) -> Purged:
    """Delete what has outlived its retention at `when` (now), in one transaction."""
    when = when or now()
    session = db.session()
    purged = Purged()
    expired = session.scalars(select(HelpRequest).where(HelpRequest.purge_after < when))
    for request in list(expired):
        if request.status != "closed":
            purged.kept_open.append((request.reference, request.status))
            continue
        purged.ledger_detached += delete_request(request)
        purged.requests += 1
    loose = session.scalars(
        select(EvidenceBundle).where(
            EvidenceBundle.request_id.is_(None), EvidenceBundle.purge_after < when
        )
    )
    for bundle in list(loose):
        audit("retention", "purge", bundle.reference)
        session.execute(delete(CustodyEvent).where(CustodyEvent.bundle_id == bundle.id))
        session.delete(bundle)
        purged.bundles += 1
    audit_cutoff = when - timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    purged.audit_entries = _deleted(delete(AuditEntry).where(AuditEntry.at < audit_cutoff))
    _deleted(delete(RefusedAttempt).where(RefusedAttempt.hour < audit_cutoff))
    # A session unused for longer than any idle limit can no longer be used.
    idle = max(current_app.config["SESSION_IDLE"], current_app.config["STAFF_SESSION_IDLE"])
    purged.sessions = _deleted(delete(UserSession).where(UserSession.seen_at < when - idle))
    # A page shows a report of the last few minutes and a request freezes one of the day;
    # an older one serves nobody.
    purged.reports = _deleted(
        delete(EngagementReport).where(EngagementReport.updated_at < when - KEPT_FOR)
    )
    # With the deletions, in one transaction: the sweep reads it to know the night's purge ran.
    counts = {**vars(purged), "kept_open": len(purged.kept_open)}
    audit("retention", "purge-run", "", **counts)
    session.commit()
    return purged


def _deleted(statement: Delete) -> int:
    """Run a DELETE; how many rows it removed (a DELETE's result is a cursor's)."""
    return cast("CursorResult[Any]", db.session().execute(statement)).rowcount


def delete_request(request: HelpRequest, actor: str = "retention", action: str = "purge") -> int:
    """Delete a request and what is kept with it; return how many ledger entries it had,
    which stay, detached. The audit entry says who deleted it (the purge, or the requester)."""
    session = db.session()
    ledger = session.execute(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.request_id == request.id)
    ).scalar_one()
    session.execute(
        update(LedgerEntry).where(LedgerEntry.request_id == request.id).values(request_id=None)
    )
    bundles = select(EvidenceBundle.id).where(EvidenceBundle.request_id == request.id)
    session.execute(delete(EvidenceItem).where(EvidenceItem.bundle_id.in_(bundles)))
    session.execute(delete(CustodyEvent).where(CustodyEvent.bundle_id.in_(bundles)))
    # Its e-mails not yet sent go with it: a relay that comes back sends nothing about it.
    for kept_with in (CaseEvent, CaseMessage, EvidenceBundle, OutboxMail):
        session.execute(delete(kept_with).where(kept_with.request_id == request.id))
    audit(actor, action, request.reference, ledger_entries_kept=ledger)
    session.delete(request)
    return ledger


def purge_due(when: datetime) -> bool:
    """Whether the purge has not run since the last PURGE_AT (UTC) before `when`: the
    worker's sweep runs it then, whatever Redis forgot."""
    return not audited_since_daily(when, PURGE_AT, "retention", "purge-run")
