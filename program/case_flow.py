"""How a request moves through the legal team's hands: its statuses, the steps allowed
between them, and who may take each step. No I/O."""

from __future__ import annotations

from program.refusal import Refused, word

STATUSES = (
    "new",
    "in_review",
    "information_requested",
    "approved",
    "declined",
    "referred",
    "closed",
    "withdrawn",  # by the requester, from any status but closed
)

# From each status, the statuses a case may move to.
NEXT = {
    "new": ("in_review", "information_requested", "declined", "referred", "closed"),
    "in_review": ("information_requested", "approved", "declined", "referred", "closed"),
    "information_requested": ("in_review", "declined", "closed"),
    "approved": ("closed",),
    "declined": ("closed",),
    "referred": ("closed",),
    "closed": (),
    "withdrawn": ("closed",),
}
# The requester may withdraw a request that has not ended.
ENDED = ("closed", "withdrawn")

# Decisions are an admin's; a reviewer reads, writes notes and asks for information.
DECISIONS = {"approved", "declined", "referred", "closed"}
NEEDS_REASON = {"approved", "declined", "referred", "information_requested"}
# What an approved case gives: help finding a lawyer, money for one, or both.
ASSISTANCE = ("referral", "funding", "both")


def check_step(current: str, wanted: str, role: str, reason: str, assistance: str = "") -> None:
    """Nothing when `role` may move a case from `current` to `wanted` with `reason` (and, to
    approve, the kind of `assistance`); else Refused."""
    if wanted not in NEXT.get(current, ()):
        raise Refused("chldp-refused-step", status_word(current), status_word(wanted))
    if wanted in DECISIONS and role != "admin":
        raise Refused("chldp-refused-step-admin", status_word(wanted))
    if wanted in NEEDS_REASON and not reason.strip():
        raise Refused("chldp-refused-step-reason", status_word(wanted))
    if wanted == "approved" and assistance not in ASSISTANCE:
        raise Refused("chldp-refused-step-assistance")


def steps_for(current: str, role: str) -> list[str]:
    """The statuses `role` may move a case to from `current`."""
    return [s for s in NEXT.get(current, ()) if role == "admin" or s not in DECISIONS]


def status_word(status: str) -> dict[str, str]:
    """A status inside a sentence, as the staff console names it."""
    return word(f"chldp-staff-status-{status}", status.replace("_", " "))
