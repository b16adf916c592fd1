"""E-mails that carry nothing sensitive: staff learn of a new request (at once when its
requester is in danger now) or of a requester's answer, and once a day of the cases near or
past their time; a requester who gave an address learns there is news on their request, once
they have confirmed it is theirs (a link sent to it, opened while logged in): news never goes
to an address someone mistyped, or typed to have another person's mailbox receive it. Each
says the reference (the digest, its references) and gives a link, nothing more: no
description, no name, no country, no message text, since e-mail is exactly the channel a
doxxer may watch.

Sending never blocks or fails a page. The page stores what it was asked to (a request, a
message) first; the e-mail is then a row of the outbox, sealed, and a task on the queue sends
it. A server that is away is tried again by the task, and by the worker's sweep (sweep.py);
a row is claimed before it is sent and deleted once the server took it, so it goes out once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import smtplib
from collections.abc import Callable
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from program.refusal import Refused
from webtool.infra import db, tasks
from webtool.infra.addresses import external_url
from webtool.infra.clock import now
from webtool.infra.config import SmtpSettings
from webtool.infra.i18n import catalogue, render
from webtool.infra.models import HelpRequest, OutboxMail, StaffNotice
from webtool.services import clocks
from webtool.services.casework import audit, audited_since_daily
from webtool.services.help_requests import EMAIL, opened
from webtool.services.sealing import seal_for_case
from webtool.services.staff_access import staff_roles
from webtool.services.wiring import services

# The daily digest of cases near or past their time goes out after this (UTC).
DIGEST_AT = time(6, 0)
# A sender holds a row this long; a process killed while sending leaves it to the next.
SEND_LEASE = timedelta(minutes=2)
SMTP_TIMEOUT = 10


def new_request(case: HelpRequest) -> None:
    _to_staff(case, "urgent" if case.urgent else "new")


def answered(case: HelpRequest) -> None:
    _to_staff(case, "answered")


def news(case: HelpRequest) -> None:
    """To the requester, when they gave an address, confirmed it and did not turn e-mails
    off."""
    sealed = opened(case)
    contact = sealed.contact()
    if not contact.get("email") or not contact.get("emails", True):
        return
    if not contact.get("confirmed"):
        return
    link = external_url("requester.sent", reference=case.reference)
    _deliver(lambda: _queue(contact["email"], _language(sealed.language), "news", case, link))


def ask_to_confirm(case: HelpRequest) -> None:
    """A link to the requester's address, to confirm it is theirs: the only e-mail an address
    gets before that. A new link replaces the one sent before."""
    sealed = opened(case)
    contact = sealed.contact()
    if not contact.get("email") or contact.get("confirmed"):
        return  # none given, or this browser holds no key of the case
    token = secrets.token_urlsafe(24)
    contact["confirm_hash"] = _hashed(token)
    case.contact_sealed = seal_for_case(case, json.dumps(contact))
    link = external_url("case.confirm_email", reference=case.reference, token=token)
    db.session().commit()
    _deliver(lambda: _queue(contact["email"], _language(sealed.language), "confirm", case, link))


def confirm(case: HelpRequest, token: str) -> bool:
    """The requester's address confirmed with the link's token; False when the token is not
    the newest link's."""
    contact = opened(case).contact()
    wanted = contact.get("confirm_hash")
    if not isinstance(wanted, str) or not hmac.compare_digest(_hashed(token), wanted):
        return False
    contact.pop("confirm_hash")
    contact["confirmed"] = True
    case.contact_sealed = seal_for_case(case, json.dumps(contact))
    audit("requester", "confirm-email", case.reference)
    db.session().commit()
    return True


def address_confirmed(case: HelpRequest) -> bool:
    return bool(opened(case).contact().get("confirmed"))


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _language(language: str) -> str:
    return language.casefold() if language.casefold() in catalogue() else "en"


def _to_staff(case: HelpRequest, kind: str) -> None:
    link = external_url("staff.case", reference=case.reference)

    def queue_each() -> None:
        for address in staff_addresses():
            _queue(address, "en", kind, case, link)

    _deliver(queue_each)


def digest_due(when: datetime) -> bool:
    """Whether the daily digest has not gone out since the last DIGEST_AT before `when`."""
    return not audited_since_daily(when, DIGEST_AT, "clocks", "digest")


def send_digest() -> int:
    """The daily digest to each member of the team who wants e-mails, when any case is near
    or past its time: its references, each with where its clock stands, and a link; nothing
    else. How many references it named; its audit entry says it went out either way."""
    found = clocks.pressing()
    if found:
        words = "\n".join(
            f"{reference}: {render('en', f'chldp-clock-mail-{running.state}')}"
            for reference, running in found
        )
        mail = {
            "subject": render("en", "chldp-mail-digest-subject", len(found)),
            "body": render("en", "chldp-mail-digest-body", words, external_url("staff.queue")),
        }

        def queue_each() -> None:
            for address in staff_addresses():
                _store({**mail, "to": address}, None)

        _deliver(queue_each)
    audit("clocks", "digest", "requests", references=len(found))
    db.session().commit()
    return len(found)


def staff_addresses() -> list[str]:
    """The addresses of the legal team who want e-mails and are on the staff list today."""
    open_ = services().sealer.open
    team = staff_roles()
    wanting = db.session().scalars(select(StaffNotice).where(StaffNotice.wanted.is_(True)))
    return [open_(notice.email_sealed) for notice in wanting if notice.name in team]


def staff_notice(name: str) -> dict:
    """A staff member's e-mail setting: {"email", "wanted"}."""
    notice = db.session().get(StaffNotice, name)
    if notice is None:
        return {"email": "", "wanted": False}
    return {
        "email": services().sealer.open(notice.email_sealed),
        "wanted": notice.wanted,
    }


def set_staff_notice(name: str, email: str, wanted: bool) -> None:
    if wanted and not EMAIL.match(email.strip()):
        raise Refused("chldp-refused-staff-email")
    notice = db.session().get(StaffNotice, name) or StaffNotice(name=name)
    notice.email_sealed = services().sealer.seal(email.strip())
    notice.wanted = wanted
    db.session().add(notice)
    audit(name, "staff-notifications", name, wanted=wanted)
    db.session().commit()


def set_requester_emails(case: HelpRequest, wanted: bool) -> None:
    """The requester's e-mails on this request turned on or off."""
    contact = opened(case).contact()
    if not contact:
        return  # this browser holds no key of the case: nothing is changed, nothing lost
    case.contact_sealed = seal_for_case(case, json.dumps({**contact, "emails": wanted}))
    audit("requester", "requester-notifications", case.reference, wanted=wanted)
    db.session().commit()


def requester_emails(case: HelpRequest) -> bool | None:
    """Whether the requester gets e-mails on this request; None when they gave no address."""
    contact = opened(case).contact()
    return contact.get("emails", True) if contact.get("email") else None


def _queue(to: str, lang: str, kind: str, case: HelpRequest, link: str) -> None:
    mail = {
        "to": to,
        "subject": render(lang, f"chldp-mail-{kind}-subject", case.reference),
        "body": render(lang, f"chldp-mail-{kind}-body", case.reference, link),
    }
    _store(mail, case.id)


def _store(mail: dict[str, str], request_id: int | None) -> None:
    """An e-mail into the outbox, sealed; kept with its request, when it is about one."""
    seal = services().sealer.seal
    db.session().add(
        OutboxMail(
            created_at=now(), mail_sealed=seal(json.dumps(mail)), tries=0, request_id=request_id
        )
    )


def _deliver(queue_mails: Callable[[], None]) -> None:
    """Store the e-mails `queue_mails` adds, then ask the queue to send them; a failure is
    logged, never shown: what the page was for is already stored."""
    if current_app.config["SMTP"].host is None:
        return  # e-mail is not set up
    try:
        queue_mails()
        db.session().commit()
    except SQLAlchemyError:
        db.session().rollback()
        current_app.logger.exception("could not store a notification")
        return
    tasks.enqueued(services().tasks.send_mail)  # else the sweep sends it


def send_waiting() -> int:
    """Send every e-mail of the outbox nobody else is sending; return how many went out.
    Raises when the SMTP server cannot be reached, leaving the rest for the next try."""
    settings: SmtpSettings = current_app.config["SMTP"]
    host = settings.host
    if host is None:
        return 0
    session = db.session()
    waiting = list(session.scalars(select(OutboxMail.id).order_by(OutboxMail.id)))
    sent, server = 0, None
    try:
        for mail_id in waiting:
            if not _claim(mail_id):
                continue
            row = session.get(OutboxMail, mail_id)
            if row is None:
                continue  # sent and removed by a sender whose lease ran out meanwhile
            mail = json.loads(services().sealer.open(row.mail_sealed))
            try:
                server = server or _connect(host, settings)
                server.send_message(_message(mail, settings.sender))
            except smtplib.SMTPRecipientsRefused:
                current_app.logger.warning("the SMTP server refused an address; mail dropped")
            except (OSError, smtplib.SMTPException):
                session.execute(
                    update(OutboxMail).where(OutboxMail.id == mail_id).values(claimed_until=None)
                )
                session.commit()
                raise
            session.delete(row)
            session.commit()
            sent += 1
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent


def _claim(mail_id: int) -> bool:
    """Take the row for this sender, in one UPDATE: two senders never both have it."""
    session = db.session()
    claim = (
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now()),
        )
        .values(claimed_until=now() + SEND_LEASE, tries=OutboxMail.tries + 1)
    )
    # An UPDATE's result is a cursor's, with its row count.
    taken = cast("CursorResult[Any]", session.execute(claim)).rowcount
    session.commit()
    return taken == 1


def _connect(host: str, settings: SmtpSettings) -> smtplib.SMTP:
    if settings.tls == "ssl":
        return smtplib.SMTP_SSL(host, settings.port, timeout=SMTP_TIMEOUT)
    server = smtplib.SMTP(host, settings.port, timeout=SMTP_TIMEOUT)
    if settings.tls == "starttls":
        server.starttls()
    return server


def _message(mail: dict, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail["to"]
    message["Subject"] = mail["subject"]
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail["body"])
    return message
