"""The clocks on each case (program/clocks.py), kept up as the case moves: what the queue, the
case page and the daily digest (notifications.py) say of its time."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from program.case_flow import DECISIONS, ENDED
from program.clocks import CaseTimes, Clock, clock_of
from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.models import HelpRequest


def clock(case: HelpRequest, at: datetime | None = None) -> Clock | None:
    """The clock that runs on `case` now (or at `at`); None once it is decided."""
    times = CaseTimes(
        created_at=case.created_at,
        acknowledged_at=case.acknowledged_at,
        decided_at=case.decided_at,
        paused_since=case.paused_since,
        paused=timedelta(seconds=case.paused_seconds or 0),
        urgent=bool(case.urgent),
    )
    return clock_of(times, current_app.config["CLOCKS"], at or now())


def staff_wrote(case: HelpRequest) -> None:
    """The team's first message acknowledges the request (the caller commits)."""
    case.acknowledged_at = case.acknowledged_at or now()


def status_changed(case: HelpRequest, old: str, new: str) -> None:
    """A change of status acknowledges the request, a decision stops its clock, and asking
    for information pauses it until the requester answers (the caller commits)."""
    moment = now()
    case.acknowledged_at = case.acknowledged_at or moment
    if old == "information_requested":
        _resume(case, moment)
    if new == "information_requested":
        case.paused_since = moment
    if new in DECISIONS or new in ENDED:
        case.decided_at = case.decided_at or moment


def requester_answered(case: HelpRequest) -> None:
    """The requester answered: the team no longer waits for them (the caller commits)."""
    _resume(case, now())


def _resume(case: HelpRequest, moment: datetime) -> None:
    if case.paused_since is not None:
        case.paused_seconds = (case.paused_seconds or 0) + int(
            (moment - case.paused_since).total_seconds()
        )
        case.paused_since = None


def pressing() -> list[tuple[str, Clock]]:
    """Every undecided case near or past its time: (reference, clock), soonest due first."""
    open_cases = db.session().scalars(select(HelpRequest).where(HelpRequest.decided_at.is_(None)))
    found = [(case.reference, clock(case)) for case in open_cases]
    return sorted(
        ((reference, running) for reference, running in found if running and running.pressing),
        key=lambda item: item[1].due,
    )
