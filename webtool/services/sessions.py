"""Sessions the server can end. The cookie carries the account and a random token, sealed:
to anyone without the tool's key it is an opaque token (a signed cookie is only base64, and
showed the account's id and name). The database keeps the token's SHA-256 with the times it
was made and last used. A session
ends, for every copy of its cookie, on logout, after an idle time (shorter for staff), after
an absolute lifetime, and when its account is no longer staff."""

from __future__ import annotations

import base64
import secrets
import zlib
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app, g, render_template, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Executable

from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.keyed import account_key
from webtool.infra.keys import token_hash
from webtool.infra.models import UserSession
from webtool.services.staff_access import role_of

# Writing the last use on every request would make each page a database write.
TOUCH_EVERY = timedelta(minutes=1)


class SealedCookies(SecureCookieSessionInterface):
    """Flask's session cookie, sealed with Fernet under a key derived from SECRET_KEY (and
    opened with the fallbacks too, for a rotation); the serializer made once for the app's
    keys rather than again at every request."""

    def __init__(self) -> None:
        self.serializers: dict[tuple, Sealed] = {}

    def get_signing_serializer(self, app: Flask) -> Sealed | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self.serializers:
            self.serializers[keys] = Sealed(keys)
        return self.serializers[keys]


class Sealed:
    """What the cookie holds: the session's JSON (Flask's tagged JSON), sealed. A cookie
    that does not open, or is older than the session may be, is refused as Flask refuses a bad
    signature: the visitor gets a new, empty session."""

    def __init__(self, secrets_: tuple[str | bytes, ...]) -> None:
        self.fernet = MultiFernet([Fernet(_cookie_key(secret)) for secret in secrets_])
        self.json = TaggedJSONSerializer()

    def dumps(self, value: dict) -> str:
        # Compressed first, as Flask's signed cookie was: a browser drops a cookie past 4 KB,
        # and the login's pending states add up in a session.
        packed = zlib.compress(self.json.dumps(value).encode())
        return self.fernet.encrypt(packed).decode("ascii")

    def loads(self, token: str | bytes, max_age: int | None = None) -> dict:
        raw = token.encode("ascii") if isinstance(token, str) else token
        try:
            packed = self.fernet.decrypt(raw, ttl=max_age)
            return dict(self.json.loads(zlib.decompress(packed).decode()))
        except (InvalidToken, UnicodeError, ValueError, zlib.error):
            raise BadSignature("the session cookie does not open") from None


def _cookie_key(secret: str | bytes) -> bytes:
    """A Fernet key of its own for the cookie, derived from a SECRET_KEY."""
    material = secret.encode() if isinstance(secret, str) else secret
    derived = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"chldp session cookie")
    return base64.urlsafe_b64encode(derived.derive(material))


def start(user: dict) -> None:
    """Log `user` in, in a new session (the caller has cleared the old one)."""
    session["sid"] = create(user)
    session["user"] = user


def create(user: dict) -> str:
    """A new server-side session for `user`; its token, for the cookie."""
    token = secrets.token_urlsafe(32)
    started = now()
    db.session().add(
        UserSession(
            token_hash=token_hash(token),
            user_key=account_key(user),
            staff=role_of(user["name"]) is not None,
            created_at=started,
            seen_at=started,
        )
    )
    db.session().commit()
    return token


def end() -> None:
    """Log out: the session ends on the server, so a copy of the cookie is worth nothing."""
    token = session.get("sid")
    if isinstance(token, str):
        db.session().execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
        db.session().commit()
    _forget()


def check() -> ResponseReturnValue | None:
    """Before each request: a session that has ended is forgotten, so the visitor is logged
    out; a page that cannot check answers 503 rather than trust the cookie alone."""
    if request.endpoint == "static" or "user" not in session:
        return None
    try:
        alive = _alive(session["user"], session.get("sid"))
    except (SQLAlchemyError, db.driver_error()):
        current_app.logger.exception("a session could not be checked")
        return render_template("error.html", message_key="chldp-error-database"), 503
    if not alive:
        _forget()
    return None


class Seen(NamedTuple):
    """A session's row, as the check reads it."""

    id: int
    user_key: str
    staff: bool
    created_at: datetime
    seen_at: datetime
    unlocked: str | None  # a staff member's private key, locked under the token


def _alive(user: dict, token: object) -> bool:
    if not isinstance(token, str):
        return False
    found = _seen(token_hash(token))
    if found is None or found.user_key != account_key(user):
        return False
    staff = role_of(user["name"]) is not None
    if found.staff and not staff:
        # Taken off the staff list: every session of the account ends, copies included.
        _write(delete(UserSession).where(UserSession.user_key == found.user_key))
        return False
    config = current_app.config
    idle = config["STAFF_SESSION_IDLE"] if staff else config["SESSION_IDLE"]
    moment = now()
    if moment - found.seen_at > idle or moment - found.created_at > config["SESSION_LIFETIME"]:
        _write(delete(UserSession).where(UserSession.id == found.id))
        return False
    if staff and not found.staff or moment - found.seen_at > TOUCH_EVERY:
        _write(
            update(UserSession)
            .where(UserSession.id == found.id)
            .values(staff=found.staff or staff, seen_at=moment)
        )
    # The unlocked key as the row has it, for sealing.staff_private: no second read.
    g.session_unlocked = found.unlocked
    return True


def _seen(token_hash: str) -> Seen | None:
    """The row of the session with this token hash, read afresh on every request (a session
    ended elsewhere ends here at once). On the pool's own driver connection, with the query
    compiled once for the database: SQLAlchemy's Connection and result around so small a
    query cost a page served from memory several times the query itself."""
    engine = db.engine()
    query, positional = _compiled(engine.dialect)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(query, (token_hash,) if positional else {"token_hash": token_hash})
        found = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()  # back to the pool, rolled back
    if found is None:
        return None
    key, user_key, staff, created_at, seen_at, unlocked = found
    return Seen(key, user_key, bool(staff), _time(created_at), _time(seen_at), unlocked)


@cache
def _compiled(dialect: Dialect) -> tuple[str, bool]:
    """SESSION_OF_TOKEN as the database's driver takes it, and whether its parameters are
    positional (SQLite's "?") rather than named (MySQL's "%(token_hash)s")."""
    compiled = SESSION_OF_TOKEN.compile(dialect=dialect)
    return compiled.string, compiled.positional


# Built once, the columns alone rather than an ORM object: every request asks it.
SESSION_OF_TOKEN = select(
    UserSession.id,
    UserSession.user_key,
    UserSession.staff,
    UserSession.created_at,
    UserSession.seen_at,
    UserSession.unlocked,
).where(UserSession.token_hash == bindparam("token_hash"))


def _time(value: datetime | str) -> datetime:
    """A time as the driver gives it: MySQL's driver a datetime, SQLite's the text that
    SQLAlchemy wrote."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _write(statement: Executable) -> None:
    """End or touch a session, at once, on a connection of its own."""
    with db.engine().begin() as connection:
        connection.execute(statement)


def _forget() -> None:
    """Clear the cookie's session, keeping only the chosen language."""
    language = session.get("uselang")
    session.clear()
    if language:
        session["uselang"] = language
