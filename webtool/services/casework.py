"""The legal team's work on requests: the audit log, status changes, notes, the fund's ledger
and the program's public status. Every action writes its audit entry in the same
transaction, so there is no action without its entry and no entry without its action."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from flask import current_app
from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError

from program.assistance import CENT, load_categories
from program.case_flow import ENDED, check_step, status_word
from program.content import PROGRAM_STATUSES
from program.refusal import Refused
from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.models import (
    AuditEntry,
    CaseEvent,
    HelpRequest,
    LedgerEntry,
    ProgramStatus,
    RefusedAttempt,
)
from webtool.services import clocks
from webtool.services.sealing import open_for_case, open_for_team, seal_for_case, seal_for_team

LEDGER_KINDS = ("commitment", "payment")
PUBLIC_MESSAGE_LENGTH = 500  # characters of the program's public status message
TARGET_MOST = 200  # characters of an audit entry's target kept
AUDIT_PAGE = 100  # entries on a page of the audit log


def audit(actor: str, action: str, target: str, **detail: object) -> None:
    """Add an audit entry to the current transaction; what it was about is sealed to the
    team's key (anyone writes, only the team reads). The target is cut to TARGET_MOST
    characters: a path or a name, whatever length a request sends."""
    seal = seal_for_team
    db.session().add(
        AuditEntry(
            at=now(),
            actor=actor,
            action=action,
            target_sealed=seal(target[:TARGET_MOST]),
            detail_sealed=seal(json.dumps(detail, ensure_ascii=False, default=str)),
        )
    )


def audited_since_daily(when: datetime, daily_at: time, actor: str, action: str) -> bool:
    """Whether `actor` has audited `action` since the last `daily_at` (UTC) before `when`: how
    a job run once a day knows it ran, whichever worker ran it and whatever Redis forgot."""
    last = datetime.combine(when.date(), daily_at)
    if when < last:
        last -= timedelta(days=1)
    found = select(AuditEntry.id).where(
        AuditEntry.actor == actor, AuditEntry.action == action, AuditEntry.at >= last
    )
    return db.session().scalar(found.limit(1)) is not None


def audit_page(before: int | None = None) -> tuple[list[dict], int | None]:
    """AUDIT_PAGE entries of the audit log opened, newest first, older than the entry `before`
    when given; and the id to ask for the page after, None on the last."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE + 1)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(db.session().scalars(query))
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    return [_opened(row) for row in rows], rows[-1].id if more and rows else None


def audit_entries(limit: int | None = None) -> list[dict]:
    """The audit log opened, newest first: {"at", "actor", "action", "target", "detail"}."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return [_opened(entry) for entry in db.session().scalars(query)]


def every_audit_entry() -> Iterator[dict]:
    """The whole audit log opened, oldest first, read a few hundred rows at a time: the CSV is
    written as it is read, never held whole."""
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=500)
    for entry in db.session().scalars(query):
        yield _opened(entry)


def _opened(entry: AuditEntry) -> dict:
    """An entry with its target and details opened; None where this session does not hold
    the team key."""
    open_ = open_for_team
    return {
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "target": open_(entry.target_sealed),
        "detail": open_(entry.detail_sealed),
    }


def count_refused(kind: str) -> None:
    """One more refused attempt of `kind` at the staff console this hour: a count per hour and
    kind, so a flood of requests adds to a number instead of adding rows."""
    hour = now().replace(minute=0, second=0, microsecond=0)
    session = db.session()
    if not _bumped(hour, kind):
        session.add(RefusedAttempt(hour=hour, kind=kind, count=1))
        try:
            session.commit()
            return
        except IntegrityError:  # another request made the row first: add to it
            session.rollback()
            _bumped(hour, kind)
    session.commit()


def _bumped(hour: datetime, kind: str) -> bool:
    bumped = db.session().execute(
        update(RefusedAttempt)
        .where(RefusedAttempt.hour == hour, RefusedAttempt.kind == kind)
        .values(count=RefusedAttempt.count + 1)
    )
    return bool(cast("CursorResult[Any]", bumped).rowcount)


def refused_counts(days: int = 7) -> list[RefusedAttempt]:
    """The refused attempts of the last `days`, newest hour first."""
    return list(
        db.session().scalars(
            select(RefusedAttempt)
            .where(RefusedAttempt.hour >= now() - timedelta(days=days))
            .order_by(RefusedAttempt.hour.desc(), RefusedAttempt.kind)
        )
    )


def record(actor: str, action: str, target: str, **detail: object) -> None:
    """An audit entry on its own, for actions that change nothing else (views, look-ups)."""
    audit(actor, action, target, **detail)
    db.session().commit()


def change_status(
    case: HelpRequest, actor: str, role: str, wanted: str, reason: str, assistance: str = ""
) -> None:
    check_step(case.status, wanted, role, reason, assistance)
    _add_event(case, actor, "status", reason, from_status=case.status, to_status=wanted)
    audit(actor, "status", case.reference, old=case.status, new=wanted, assistance=assistance)
    if wanted == "approved":
        case.assistance = assistance
    clocks.status_changed(case, case.status, wanted)
    case.status = wanted
    db.session().commit()


def withdraw(case: HelpRequest) -> None:
    """The requester takes their request back; the fund's ledger is left as it is."""
    if case.status in ENDED:
        raise Refused("chldp-refused-withdraw", status_word(case.status))
    _add_event(case, "requester", "status", "", from_status=case.status, to_status="withdrawn")
    audit("requester", "withdraw", case.reference, old=case.status)
    clocks.status_changed(case, case.status, "withdrawn")
    case.status = "withdrawn"
    db.session().commit()


def add_note(case: HelpRequest, actor: str, text: str) -> None:
    if not text.strip():
        raise Refused("chldp-refused-note-empty")
    _add_event(case, actor, "note", text.strip())
    audit(actor, "note", case.reference)
    db.session().commit()


def _add_event(case: HelpRequest, actor: str, kind: str, text: str, **statuses: str) -> None:
    db.session().add(
        CaseEvent(
            request_id=case.id,
            at=now(),
            actor=actor,
            kind=kind,
            text_sealed=seal_for_case(case, text),
            **statuses,
        )
    )


def history(case: HelpRequest) -> list[dict]:
    events = db.session().scalars(
        select(CaseEvent).where(CaseEvent.request_id == case.id).order_by(CaseEvent.id)
    )
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "kind": e.kind,
            "from": e.from_status,
            "to": e.to_status,
            "text": open_for_case(case, e.text_sealed),
        }
        for e in events
    ]


@dataclass(frozen=True)
class Fund:
    amount: Decimal
    currency: str
    committed: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed

    @property
    def low(self) -> bool:
        return self.remaining < current_app.config["FUND_WARNING"]


def fund() -> Fund:
    committed, paid = _ledger_totals()
    return Fund(
        current_app.config["FUND_AMOUNT"], current_app.config["FUND_CURRENCY"], committed, paid
    )


def case_money(case: HelpRequest) -> tuple[Decimal, Decimal]:
    """(committed, paid) for one case."""
    return _ledger_totals(LedgerEntry.request_id == case.id)


def _ledger_totals(*where: ColumnElement[bool]) -> tuple[Decimal, Decimal]:
    """(committed, paid) over the ledger entries that match `where`."""
    query = select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
    totals = dict(db.session().execute(query.where(*where).group_by(LedgerEntry.kind)).all())
    return _from_cents(totals.get("commitment", 0)), _from_cents(totals.get("payment", 0))


def add_ledger_entry(
    case: HelpRequest, actor: str, kind: str, category: str, amount: Decimal, override: str = ""
) -> None:
    """A commitment or a payment, checked against the program's rules and the fund."""
    load_categories().check(category)
    if case.status != "approved":
        raise Refused("chldp-refused-money-not-approved")
    if kind not in LEDGER_KINDS:
        raise Refused("chldp-refused-money-kind")
    if kind == "commitment" and not override.strip():
        left = fund()
        if amount > left.remaining:
            raise Refused("chldp-refused-money-beyond-fund", str(left.remaining), left.currency)
    if kind == "payment":
        committed, paid = case_money(case)
        if paid + amount > committed and not override.strip():
            raise Refused("chldp-refused-money-beyond-committed", str(committed - paid))
    db.session().add(
        LedgerEntry(
            request_id=case.id,
            at=now(),
            actor=actor,
            kind=kind,
            category=category,
            amount_cents=int(amount * 100),
            override_sealed=seal_for_team(override.strip()),
        )
    )
    audit(
        actor,
        kind,
        case.reference,
        category=category,
        amount=str(amount),
        override=override.strip(),
    )
    db.session().commit()


def _from_cents(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def program_status() -> dict:
    """The program's public status: {"status", "message", "updated"}; open until set."""
    latest = db.session().scalar(select(ProgramStatus).order_by(ProgramStatus.id.desc()))
    if latest is None:
        return {"status": "open", "message": "", "updated": None}
    return {
        "status": latest.status,
        "message": latest.message,
        "updated": latest.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def set_program_status(actor: str, status: str, message: str) -> None:
    if status not in PROGRAM_STATUSES:
        raise Refused("chldp-refused-program-status")
    if len(message) > PUBLIC_MESSAGE_LENGTH:
        raise Refused("chldp-refused-public-message", PUBLIC_MESSAGE_LENGTH)
    db.session().add(ProgramStatus(at=now(), actor=actor, status=status, message=message.strip()))
    audit(actor, "program-status", "program", status=status, message=message.strip())
    db.session().commit()
