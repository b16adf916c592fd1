"""Messages on a case, both ways: the requester writes to the legal team on their request's
page, staff write back (or keep an internal note, which the requester never sees). A question
asked with "information requested" is a message to the requester, and their answer moves the
case back to review. The text and the attachments are sealed; the audit log says who wrote on
which case, and when, never what.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from program.case_flow import ENDED
from program.refusal import Refused
from webtool.infra import db
from webtool.infra.accounts import User
from webtool.infra.clock import now
from webtool.infra.keyed import account_key
from webtool.infra.models import CaseMessage, HelpRequest
from webtool.services import casework, clocks
from webtool.services.evidence_records import attach, can_open, own_bundle
from webtool.services.help_requests import is_submission_key
from webtool.services.sealing import open_for_case, seal_for_case

MAX_TEXT = 20_000
# A case in one of these waits for the team; in the others, for the requester or nobody.
WAITING_FOR_TEAM = ("new", "in_review")
REQUESTER = "requester"  # the author of the requester's messages, in the audit log too


class MessageRefused(Refused):
    """The message is not taken; the message key says why."""


def write_as_requester(
    case: HelpRequest, user: User, text: str, bundles: list[str], key: str
) -> bool:
    """The requester's message, with their own finished bundles attached to the case; False
    when this form (its one-time `key`) was stored before, so nothing is stored or sent again.
    An answer to a question moves the case back to review, and marks the team's messages
    read."""
    if _stored_before(case, key):
        return False
    text = _checked(case, text, bool(bundles), key)
    _within_limits(case, user)
    attached = []
    for reference in bundles:
        bundle = own_bundle(reference, user)
        if bundle is None or bundle.status != "done":
            raise MessageRefused("chldp-conversation-error-bundle")
        if bundle.request_id not in (None, case.id):
            # Evidence on one request stays there: attaching it here would take it off that one.
            raise MessageRefused("chldp-conversation-error-bundle-elsewhere")
        if not can_open(bundle):
            # Its file key is sealed to the requester's key, which this browser does not hold:
            # attached, nobody on the case could open it.
            raise MessageRefused("chldp-case-sealed-here")
        attached.append(bundle)
    for bundle in attached:
        attach(bundle, case)
    _add(case, REQUESTER, text, [bundle.reference for bundle in attached], key)
    _mark_read(case, from_requester=False)
    casework.audit(REQUESTER, "message", case.reference, attachments=len(attached))
    if case.status == "information_requested":
        casework.change_status(case, REQUESTER, REQUESTER, "in_review", "")
        return True
    return _committed(case, key)


def write_as_staff(case: HelpRequest, staff_name: str, text: str, key: str = "") -> bool:
    """A message from the legal team to the requester; False when this form (its one-time
    `key`, when it has one) was stored before. Writing marks the requester's messages read."""
    if key and _stored_before(case, key):
        return False
    _add(case, staff_name, _checked(case, text, False, key or None), [], key or None)
    _mark_read(case, from_requester=True)
    clocks.staff_wrote(case)
    casework.audit(staff_name, "message", case.reference)
    return _committed(case, key)


def unanswered_before(case: HelpRequest) -> int:
    """The requester's messages on `case` that no one of the team has read, but the newest:
    the team hears of the first by e-mail, and of the next once they have read it."""
    return max(0, unread(case, from_requester=True) - 1)


def mark_read(case: HelpRequest, from_requester: bool) -> None:
    """The other side's messages on `case` marked read, by a button on the page."""
    _mark_read(case, from_requester)
    db.session().commit()


def unread(case: HelpRequest, from_requester: bool) -> int:
    """Messages on `case` from that side that the other has not marked read."""
    count = db.session().scalar(
        select(func.count())
        .select_from(CaseMessage)
        .where(
            CaseMessage.request_id == case.id,
            CaseMessage.from_requester.is_(from_requester),
            CaseMessage.read_at.is_(None),
        )
    )
    return count or 0


def _stored_before(case: HelpRequest, key: str) -> bool:
    return (
        key != ""
        and db.session().scalar(
            select(CaseMessage.id).where(
                CaseMessage.request_id == case.id, CaseMessage.submission_key == key
            )
        )
        is not None
    )


def _committed(case: HelpRequest, key: str) -> bool:
    """Whether this request stored the message: the same form sent twice at once is stored
    once (the unique key refuses the second), and for the second that is not an error."""
    try:
        db.session().commit()
    except IntegrityError:
        db.session().rollback()
        if not (key and _stored_before(case, key)):
            raise
        return False
    return True


def _within_limits(case: HelpRequest, user: User) -> None:
    """A requester writes at most MESSAGES_PER_CASE on a case and MESSAGES_PER_DAY on all of
    theirs in a day: enough for any conversation, too few to flood the legal team."""
    since = now() - timedelta(days=1)
    limits = current_app.config
    on_case = db.session().scalar(
        select(func.count())
        .select_from(CaseMessage)
        .where(
            CaseMessage.request_id == case.id,
            CaseMessage.from_requester.is_(True),
            CaseMessage.at >= since,
        )
    )
    if (on_case or 0) >= limits["MESSAGES_PER_CASE"]:
        raise MessageRefused("chldp-conversation-error-toomany-case", limits["MESSAGES_PER_CASE"])
    everywhere = db.session().scalar(
        select(func.count())
        .select_from(CaseMessage)
        .join(HelpRequest, HelpRequest.id == CaseMessage.request_id)
        .where(
            HelpRequest.requester_key == account_key(user),
            CaseMessage.from_requester.is_(True),
            CaseMessage.at >= since,
        )
    )
    if (everywhere or 0) >= limits["MESSAGES_PER_DAY"]:
        raise MessageRefused("chldp-conversation-error-toomany-day", limits["MESSAGES_PER_DAY"])


def _checked(case: HelpRequest, text: str, has_attachments: bool, key: str | None) -> str:
    text = text.strip()
    if key is not None and not is_submission_key(key):
        raise MessageRefused("chldp-ask-error-form")
    if case.status in ENDED:
        raise MessageRefused("chldp-conversation-error-ended")
    if not text and not has_attachments:
        raise MessageRefused("chldp-conversation-error-empty")
    if len(text) > MAX_TEXT:
        raise MessageRefused("chldp-ask-error-toolong")
    return text


def _add(
    case: HelpRequest, author: str, text: str, attachments: list[str], key: str | None
) -> None:
    seal = partial(seal_for_case, case)
    db.session().add(
        CaseMessage(
            request_id=case.id,
            at=now(),
            author=author,
            from_requester=author == REQUESTER,
            text_sealed=seal(text),
            attachments_sealed=seal(json.dumps(attachments)),
            submission_key=key,
        )
    )


def messages(case: HelpRequest) -> list[dict]:
    """The messages of a case in order: {"at", "author", "from_requester", "text",
    "attachments", "read_at"}; the text None, and no attachments, where this request holds
    no key of the case."""
    open_ = partial(open_for_case, case)
    rows = db.session().scalars(
        select(CaseMessage).where(CaseMessage.request_id == case.id).order_by(CaseMessage.id)
    )
    return [
        {
            "at": row.at,
            "author": row.author,
            "from_requester": row.from_requester,
            "text": open_(row.text_sealed),
            "attachments": json.loads(open_(row.attachments_sealed) or "[]"),
            "read_at": row.read_at,
        }
        for row in rows
    ]


def for_requester(case: HelpRequest) -> list[dict]:
    """What the requester reads: the messages and each step of their case (never a note),
    in order. Reading marks nothing: answering, or the page's button, does."""
    steps = [event for event in casework.history(case) if event["kind"] == "status"]
    said = [{**m, "kind": "message"} for m in messages(case)]
    return sorted(
        said + [{"at": e["at"], "kind": "status", "to": e["to"]} for e in steps],
        key=lambda entry: entry["at"],
    )


def for_staff(case: HelpRequest) -> list[dict]:
    """What the legal team reads: messages both ways, internal notes and steps (as the case's
    history has them: "author", "from", "to"), in order. Reading marks nothing: writing to
    the requester, or the page's button, does."""
    events = [{**event, "author": event["actor"]} for event in casework.history(case)]
    said = [{**m, "kind": "message"} for m in messages(case)]
    return sorted(said + events, key=lambda entry: entry["at"])


def _mark_read(case: HelpRequest, from_requester: bool) -> None:
    unread = db.session().scalars(
        select(CaseMessage).where(
            CaseMessage.request_id == case.id,
            CaseMessage.from_requester == from_requester,
            CaseMessage.read_at.is_(None),
        )
    )
    for row in unread:
        row.read_at = now()


def unread_for_requester(case: HelpRequest) -> int:
    return _count_unread([case.id], from_requester=False).get(case.id, 0)


def waiting(cases: list[HelpRequest]) -> dict[int, dict]:
    """For the queue, per case id: {"unread": the requester's messages no one on the team has
    opened, "since": when the case began to wait for the team, or None when it waits for the
    requester or nobody}."""
    ids = [case.id for case in cases]
    unread = _count_unread(ids, from_requester=True)
    last_said = dict(
        db.session()
        .execute(
            select(CaseMessage.request_id, func.max(CaseMessage.at))
            .where(CaseMessage.request_id.in_(ids), CaseMessage.from_requester.is_(True))
            .group_by(CaseMessage.request_id)
        )
        .all()
    )
    return {
        case.id: {
            "unread": unread.get(case.id, 0),
            "since": _since(case, last_said.get(case.id))
            if case.status in WAITING_FOR_TEAM
            else None,
        }
        for case in cases
    }


def _since(case: HelpRequest, last_said: datetime | None) -> datetime:
    """The requester's last word: their request, or their latest message."""
    return max(case.created_at, last_said) if last_said else case.created_at


def _count_unread(ids: list[int], from_requester: bool) -> dict[int, int]:
    return dict(
        db.session()
        .execute(
            select(CaseMessage.request_id, func.count())
            .where(
                CaseMessage.request_id.in_(ids),
                CaseMessage.from_requester.is_(from_requester),
                CaseMessage.read_at.is_(None),
            )
            .group_by(CaseMessage.request_id)
        )
        .all()
    )
