"""The clocks on a case: how long the legal team has to acknowledge a request and to decide
on it, and where each case stands. No I/O.

A request is acknowledged by the team's first message to the requester or first change of
its status; it is decided when it is approved, declined, referred, closed or withdrawn. The
defaults follow what whistleblowing rules expect of such a desk (an acknowledgement within 7
days, an answer within 3 months); a request from someone in danger now has its own, shorter
clock to be acknowledged (hours). Time does not run while the team waits for the requester
(the case asks for information and no answer has come).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ACKNOWLEDGE, DECIDE = "acknowledge", "decide"
RUNNING, WARNING, OVERDUE, PAUSED = "running", "warning", "overdue", "paused"


@dataclass(frozen=True)
class ClockRules:
    acknowledge: timedelta
    decide: timedelta
    urgent_acknowledge: timedelta
    warn_at: float  # the share of the time after which the clock warns (0.75: a quarter left)


@dataclass(frozen=True)
class CaseTimes:
    created_at: datetime
    acknowledged_at: datetime | None
    decided_at: datetime | None
    paused_since: datetime | None  # waiting for the requester since then
    paused: timedelta  # waited for the requester before, in all
    urgent: bool


@dataclass(frozen=True)
class Clock:
    kind: str  # ACKNOWLEDGE or DECIDE
    due: datetime
    left: timedelta  # negative once overdue; as of the pause while paused
    state: str  # RUNNING, WARNING, OVERDUE or PAUSED

    @property
    def pressing(self) -> bool:
        """Near or past its time: the queue and the daily digest name it."""
        return self.state in (WARNING, OVERDUE)


def clock_of(times: CaseTimes, rules: ClockRules, now: datetime) -> Clock | None:
    """The clock that runs on a case now, or None once it is decided."""
    if times.decided_at is not None:
        return None
    waited = times.paused + (now - times.paused_since if times.paused_since else timedelta())
    if times.acknowledged_at is None:
        kind = ACKNOWLEDGE
        allowed = rules.urgent_acknowledge if times.urgent else rules.acknowledge
    else:
        kind, allowed = DECIDE, rules.decide
    due = times.created_at + allowed + waited
    left = due - now
    used = (now - times.created_at - waited) / allowed
    if times.paused_since is not None:
        state = PAUSED
    elif left < timedelta():
        state = OVERDUE
    elif used >= rules.warn_at:
        state = WARNING
    else:
        state = RUNNING
    return Clock(kind, due, left, state)


def queue_order(urgent: bool, clock: Clock | None, unread: int, created_at: datetime) -> tuple:
    """Where a case stands in the queue: urgent cases first, then those past their time,
    then those with answers nobody on the team has read, then the oldest."""
    overdue = clock is not None and clock.state == OVERDUE
    return (not (urgent and clock is not None), not overdue, unread == 0, created_at)
