"""The requester's own key (DESIGN.md, "Keys held by people"): made with the first thing they
store, its private half kept under a device key that only one browser's cookie holds, and
under a key Argon2id derives from a recovery phrase of twelve words shown once.

- On the device used, everything opens without a step; "forget this device" deletes its wrap.
- On another device, the phrase opens it and that device is remembered in turn.
- Having lost both, the requester makes a new key (and phrase) while logged in; a member of the
  legal team, having checked it is them some other way, wraps their cases' keys to it. What
  only the old key opened (evidence never attached to a request) stays closed.
"""

from __future__ import annotations

import secrets

from flask import current_app, g, has_request_context, request, session
from mnemonic import Mnemonic
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from program.refusal import Refused
from webtool.infra import db, keys
from webtool.infra.accounts import User
from webtool.infra.clock import now
from webtool.infra.keyed import account_key
from webtool.infra.keys import WrongKey
from webtool.infra.models import HelpRequest, RequesterDevice, RequesterKey
from webtool.services import guesses
from webtool.services.casework import audit
from webtool.services.sealing import DEVICE_COOKIE, case_private, hold_requester_private

PHRASE_BITS = 128  # twelve words of BIP-39's English list
PHRASE_SHOWN = "phrase_to_show"  # the session's key for a phrase not yet shown and kept


def key_of(user: User) -> RequesterKey | None:
    return db.session().get(RequesterKey, account_key(user))


def public_key(user: User) -> bytes:
    """The requester's public key, made with the first thing they store: its private half
    under a new device key (this browser's cookie) and a new recovery phrase, which the
    session keeps until the requester has seen it."""
    found = key_of(user)
    if found is not None:
        return keys.public_from_text(found.public_key)
    public, private = keys.new_pair()
    phrase = new_phrase()
    session_ = db.session()
    session_.add(
        RequesterKey(
            account_key=account_key(user),
            public_key=keys.public_text(public),
            created_at=now(),
            private_for_phrase=_locked(private, phrase),
            wrong_tries=0,
        )
    )
    try:
        session_.flush()
    except IntegrityError:  # made by another request at the same moment
        session_.rollback()
        return public_key(user)
    _remember_device(user, private)
    if has_request_context():  # a person's request: the next page shows them the phrase
        _to_show(user, phrase)
    return public


def new_phrase() -> str:
    return Mnemonic("english").generate(PHRASE_BITS)


def normalised(phrase: str) -> str:
    """The phrase as typed, whatever its capitals and spaces."""
    return " ".join(phrase.casefold().split())


def _locked(private: bytes, phrase: str) -> str:
    cost = current_app.config["PASSPHRASE_COST"]
    return keys.lock_with_passphrase(private, normalised(phrase), cost)


def _remember_device(user: User, private: bytes) -> None:
    """This browser holds the key from now on: a wrap under a new device key, which the
    response gives it as a cookie."""
    secret = secrets.token_urlsafe(32)
    device = RequesterDevice(
        account_key=account_key(user),
        private_locked=keys.lock_with_secret(private, secret, "device"),
        created_at=now(),
    )
    db.session().add(device)
    db.session().commit()
    g.device_cookie = f"{device.id}.{secret}"
    hold_requester_private(private)


def _to_show(user: User, phrase: str) -> None:
    """The phrase kept in the session (the sealed cookie, which the server does not store)
    until the requester has seen it; for their account only."""
    session[PHRASE_SHOWN] = [user["id"], phrase]


def phrase_to_show() -> str | None:
    """The phrase waiting to be shown to the signed-in account, if any."""
    waiting, user = session.get(PHRASE_SHOWN), session.get("user")
    if not waiting or not user or waiting[0] != user.get("id"):
        return None
    return str(waiting[1])


def phrase_kept() -> None:
    """The requester kept the phrase, or chose not to: it is never shown again."""
    session.pop(PHRASE_SHOWN, None)


def give_phrase(user: User, private: bytes) -> None:
    """A phrase for a key made before phrases (held by this device): shown next."""
    found = key_of(user)
    if found is None or found.private_for_phrase:
        return
    phrase = new_phrase()
    found.private_for_phrase = _locked(private, phrase)
    db.session().commit()
    _to_show(user, phrase)


def open_with_phrase(user: User, phrase: str) -> None:
    """This device opened with the recovery phrase, and remembered. Wrong phrases in a row
    make the account wait, from wherever they come."""
    found = key_of(user)
    if found is None or not found.private_for_phrase:
        raise Refused("chldp-phrase-error-none")
    guesses.refuse_while_waiting(found, "chldp-phrase-error-wait")
    try:
        private = keys.unlock_with_passphrase(found.private_for_phrase, normalised(phrase))
    except WrongKey:
        guesses.count_wrong(found)
        db.session().commit()
        raise Refused("chldp-phrase-error-wrong") from None
    guesses.guessed_right(found)
    _remember_device(user, private)


def forget_device(user: User) -> None:
    """This browser's wrap of the key deleted, and its cookie with it: the phrase is needed
    here from now on."""
    number = request.cookies.get(DEVICE_COOKIE, "").partition(".")[0]
    if number.isdigit():
        db.session().execute(
            delete(RequesterDevice).where(
                RequesterDevice.id == int(number),
                RequesterDevice.account_key == account_key(user),
            )
        )
        db.session().commit()
    g.forget_device = True


def renew(user: User) -> None:
    """Lost both the phrase and every device: a new key and phrase, this device remembered.
    The requester's cases wait for the legal team to wrap them to it."""
    found = key_of(user)
    if found is None:
        raise Refused("chldp-phrase-error-none")
    public, private = keys.new_pair()
    phrase = new_phrase()
    found.public_key = keys.public_text(public)
    found.private_for_phrase = _locked(private, phrase)
    guesses.guessed_right(found)
    found.renewed_at = now()
    db.session().execute(
        delete(RequesterDevice).where(RequesterDevice.account_key == found.account_key)
    )
    audit("requester", "renew-key", "requester")
    _remember_device(user, private)
    _to_show(user, phrase)


def renewal_waiting(case: HelpRequest) -> RequesterKey | None:
    """The requester's key when they renewed it and their cases wait for the legal team."""
    found = db.session().get(RequesterKey, case.requester_key)
    return found if found is not None and found.renewed_at else None


def wrap_to_renewed_key(case: HelpRequest, actor: str) -> int:
    """Every case of the requester of `case` wrapped to their renewed key, by a member of
    the team who holds the team key (and checked it is them); how many."""
    found = renewal_waiting(case)
    if found is None:
        raise Refused("chldp-phrase-error-nothing-waits")
    public = keys.public_from_text(found.public_key)
    theirs = db.session().scalars(
        select(HelpRequest).where(HelpRequest.requester_key == case.requester_key)
    )
    wrapped = 0
    for each in theirs:
        private = case_private(each)
        if private is None:
            raise Refused("chldp-keys-error-locked")
        each.case_key_requester = keys.seal_to(public, private)
        wrapped += 1
    found.renewed_at = None
    audit(actor, "wrap-to-renewed-key", case.reference, cases=wrapped)
    db.session().commit()
    return wrapped
