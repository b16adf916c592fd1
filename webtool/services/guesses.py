"""Wrong guesses at a secret that opens a key (a staff member's passphrase, a requester's
recovery phrase), counted on the account's key row, never per address: whoever guesses, from
wherever, it is the account that is guessed at. After CHLDP_UNLOCK_TRIES in a row the account
waits a minute, then twice as long after each wrong guess, up to an hour."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from program.refusal import Refused
from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.models import RequesterKey, StaffKey

LONGEST_WAIT = 64  # minutes

Guessed = StaffKey | RequesterKey


def refuse_while_waiting(found: Guessed, refusal_key: str) -> None:
    """Refused with `refusal_key` (its parameter the minutes left) while the account waits."""
    moment = now()
    if found.wait_until and found.wait_until > moment:
        minutes = int((found.wait_until - moment).total_seconds() // 60) + 1
        raise Refused(refusal_key, minutes)


def count_wrong(found: Guessed) -> None:
    """One more wrong guess, added in the database (two at once count two), and the wait it
    brings. The caller commits."""
    session = db.session()
    if isinstance(found, StaffKey):
        counted = update(StaffKey).where(StaffKey.name == found.name)
    else:
        counted = update(RequesterKey).where(RequesterKey.account_key == found.account_key)
    session.execute(counted.values(wrong_tries=type(found).wrong_tries + 1))
    session.refresh(found)
    allowed = current_app.config["UNLOCK_TRIES"]
    if found.wrong_tries >= allowed:
        minutes = min(2 ** (found.wrong_tries - allowed), LONGEST_WAIT)
        found.wait_until = now() + timedelta(minutes=minutes)


def guessed_right(found: Guessed) -> None:
    found.wrong_tries, found.wait_until = 0, None
