"""How a request moves through the legal team's hands: its statuses, the steps allowed
between them, and who may take each step. No I/O."""

from __future__ import annotations

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


class StepRefused(ValueError):
    """This step is not allowed; the message says why."""


def check_step(current: str, wanted: str, role: str, reason: str, assistance: str = "") -> None:
    """Nothing when `role` may move a case from `current` to `wanted` with `reason` (and, to
    approve, the kind of `assistance`)."""
    if wanted not in NEXT.get(current, ()):
        raise StepRefused(f"A case that is {_words(current)} cannot become {_words(wanted)}.")
    if wanted in DECISIONS and role != "admin":
        raise StepRefused(f"Only an admin can make a case {_words(wanted)}.")
    if wanted in NEEDS_REASON and not reason.strip():
        raise StepRefused(f"Say why the case becomes {_words(wanted)}: the reason is recorded.")
    if wanted == "approved" and assistance not in ASSISTANCE:
        raise StepRefused("Say what the approval gives: a referral to counsel, funding, or both.")


def steps_for(current: str, role: str) -> list[str]:
    """The statuses `role` may move a case to from `current`."""
    return [s for s in NEXT.get(current, ()) if role == "admin" or s not in DECISIONS]


def _words(status: str) -> str:
    return status.replace("_", " ")
