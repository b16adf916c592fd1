"""Requests for help: checking what was typed, storing it sealed, finding one's own.

Nothing a requester typed is lost: a form with mistakes comes back filled in, a form posted
twice makes one request, and a database failure leaves the typed text on the page.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from webtool.infra import db
from webtool.infra.accounts import User
from webtool.infra.keyed import account_key
from webtool.infra.models import HelpRequest
from webtool.services import requester_keys
from webtool.services.sealing import new_case_key, open_for_case, seal_for_case
from webtool.wikis.usernames import BadName, normalise

KINDS = ("harassment", "doxxing", "cyberattack", "other")
ACKNOWLEDGEMENTS = ("discretion", "limited_funds", "not_our_lawyer", "no_fines")
# One address, and only one: no list, no name, no comment ("a@example.org,b@example.org" or
# "Name <a@example.org>" would reach more than the requester, or someone else).
EMAIL = re.compile(r"^[^@\s,;:<>()\[\]\"'\\]+@[^@\s,;:<>()\[\]\"'\\]+\.[^@\s,;:<>()\[\]\"'\\]+$")
LIMITS = {
    "description": 20_000,
    "country": 100,
    "language": 35,
    "email": 254,
    "other_contact": 500,
    "accounts": 2_600,
}
MAX_ACCOUNTS = 10  # accounts a requester names: those who harass them, for the conflict check


@dataclass
class Submission:
    """What the form carried, as typed."""

    kinds: list[str]
    description: str
    country: str
    language: str
    email: str
    other_contact: str
    acknowledged: list[str]
    submission_key: str
    danger: bool = False  # in danger now: urgent, first in the queue, the team told at once
    accounts: str = ""  # the accounts involved, as typed, one a line
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> Submission:
        return cls(
            kinds=[k for k in form.getlist("kinds") if k in KINDS],
            description=form.get("description", "").strip(),
            country=form.get("country", "").strip(),
            language=form.get("language", "").strip(),
            email=form.get("email", "").strip(),
            other_contact=form.get("other_contact", "").strip(),
            acknowledged=[a for a in form.getlist("acknowledged") if a in ACKNOWLEDGEMENTS],
            submission_key=form.get("submission_key", ""),
            danger=form.get("danger") == "now",
            accounts=form.get("accounts", "").strip(),
        )

    @classmethod
    def blank(cls, language: str, danger: bool = False) -> Submission:
        return cls([], "", "", language, "", "", [], new_submission_key(), danger)

    def validate(self) -> bool:
        """Fill `errors` with a message key per field that is wrong; True when none is."""
        if not self.kinds:
            self.errors["kinds"] = "chldp-ask-error-kinds"
        if not self.description:
            self.errors["description"] = "chldp-ask-error-description"
        if not self.country:
            self.errors["country"] = "chldp-ask-error-country"
        if self.email and not EMAIL.match(self.email):
            self.errors["email"] = "chldp-ask-error-email"
        for name, limit in LIMITS.items():
            if len(getattr(self, name)) > limit:
                self.errors[name] = "chldp-ask-error-toolong"
        if set(self.acknowledged) != set(ACKNOWLEDGEMENTS):
            self.errors["acknowledged"] = "chldp-ask-error-acknowledge"
        if not is_submission_key(self.submission_key):
            self.errors["form"] = "chldp-ask-error-form"
        try:
            if len(self.account_names) > MAX_ACCOUNTS:
                self.errors["accounts"] = "chldp-ask-error-accounts-many"
        except BadName:
            self.errors["accounts"] = "chldp-ask-error-accounts"
        return not self.errors

    @property
    def account_names(self) -> list[str]:
        """The accounts named, each as the wikis write it; BadName for one that cannot be."""
        lines = [line.strip() for line in self.accounts.splitlines() if line.strip()]
        return list(dict.fromkeys(normalise(line) for line in lines))


def new_submission_key() -> str:
    """A form's one-time key: the same form sent twice is stored once."""
    return secrets.token_hex(16)


def is_submission_key(key: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{32}", key) is not None


def new_reference(prefix: str = "CHLDP") -> str:
    """An unguessable reference, easy to read aloud: CHLDP-XXXX-XXXX-XXXX-XXXX."""
    raw = secrets.token_hex(8).upper()
    return f"{prefix}-" + "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def store(submission: Submission, user: User, engagement: dict) -> HelpRequest:
    """Save a valid submission for `user` and return it; the same form twice returns the first.

    Database errors propagate to the caller, which keeps the typed text on the page.
    """
    existing = find_by_submission_key(submission.submission_key, user)
    if existing:
        return existing
    now = datetime.now(UTC).replace(tzinfo=None)
    # A key pair of its own, wrapped to the team's key and to the requester's (made now if
    # this is the first thing they store); every word below is sealed to its public half.
    request = HelpRequest(
        reference=new_reference(),
        submission_key=submission.submission_key,
        requester_key=account_key(user),
        created_at=now,
        purge_after=now + timedelta(days=current_app.config["RETENTION_DAYS"]),
        status="new",
        urgent=submission.danger,
        **new_case_key(requester_keys.public_key(user)),
    )
    seal = partial(seal_for_case, request)
    request.facts_sealed = seal(
        json.dumps(
            {
                "name": user["name"],
                "id": user["id"],
                "kinds": submission.kinds,
                "country": submission.country,
                "language": submission.language,
            },
            ensure_ascii=False,
        )
    )
    request.description_sealed = seal(submission.description)
    # An address gets news only once the requester has opened the link sent to it.
    request.contact_sealed = seal(
        json.dumps(
            {"email": submission.email, "other": submission.other_contact, "confirmed": False}
        )
    )
    request.engagement_sealed = seal(json.dumps(engagement, ensure_ascii=False))
    session = db.session()
    session.add(request)
    try:
        session.commit()
    except IntegrityError:
        # The same form arrived twice at once: the other post saved it.
        session.rollback()
        existing = find_by_submission_key(submission.submission_key, user)
        if existing is None:
            raise
        return existing
    return request


@dataclass(frozen=True)
class Opened:
    """A request with its sealed fields opened, for the pages that show them. `sealed` when
    this request holds no key of the case: then only the row's plain columns (reference,
    status, dates) can be shown."""

    row: HelpRequest
    sealed: bool
    name: str
    central_id: int
    kinds: list[str]
    country: str
    language: str

    def engagement(self) -> dict:
        return json.loads(self._open(self.row.engagement_sealed) or "{}")

    def description(self) -> str:
        return self._open(self.row.description_sealed) or ""

    def contact(self) -> dict:
        return json.loads(self._open(self.row.contact_sealed) or "{}")

    def _open(self, value: str) -> str | None:
        return None if self.sealed else open_for_case(self.row, value)

    @classmethod
    def locked(cls, request: HelpRequest) -> Opened:
        """The request as one who may not open it sees it: its plain columns alone."""
        return cls(request, True, "", 0, [], "", "")


def opened(request: HelpRequest) -> Opened:
    # One value for what the queue shows: a case opened costs two key operations, its key's
    # and this one's, however long the queue.
    facts = open_for_case(request, request.facts_sealed)
    if facts is None:
        return Opened.locked(request)
    found = json.loads(facts)
    return Opened(
        request,
        False,
        found["name"],
        found["id"],
        found["kinds"],
        found["country"],
        found["language"],
    )


def find_by_submission_key(key: str, user: User) -> HelpRequest | None:
    return db.session().scalar(
        select(HelpRequest).where(
            HelpRequest.submission_key == key, HelpRequest.requester_key == account_key(user)
        )
    )


def own_requests(user: User) -> list[HelpRequest]:
    return list(
        db.session().scalars(
            select(HelpRequest)
            .where(HelpRequest.requester_key == account_key(user))
            .order_by(HelpRequest.created_at.desc())
        )
    )


def own_request(reference: str, user: User) -> HelpRequest | None:
    """The request with this reference when it is `user`'s; anyone else's is not found."""
    return db.session().scalar(
        select(HelpRequest).where(
            HelpRequest.reference == reference, HelpRequest.requester_key == account_key(user)
        )
    )
