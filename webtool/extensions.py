"""Flask extensions shared by the blueprints: CSRF protection and rate limits.

Rate limits are counted in Redis when REDIS_URL is set, so every replica sees the same
counts; in process memory otherwise (a laptop).

Behind Toolforge's front proxy every request comes from the proxy's address, and the
visitor's own is not passed on: a limit by address would be one bucket for everybody, which
one person could empty for all. So no limit here is keyed on an address. A logged-in visitor
is counted by account; an anonymous one by a random id kept in its session cookie. Every key
is a keyed hash, so the counters in Redis do not tell who used the tool.
"""

from __future__ import annotations

import secrets

from flask import session
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect

from webtool.keyed import blind_index

csrf = CSRFProtect()
limiter = Limiter(key_func=lambda: blind_index("rate-limit", "everyone"), default_limits=[])


def account() -> str:
    """Rate-limit key: the logged-in account. Visitors who are not logged in share one key;
    the routes limited by account do no work for them (they are sent to log in)."""
    user = session.get("user")
    return blind_index("rate-limit", f"account:{user['id']}" if user else "anonymous")


def browser() -> str:
    """Rate-limit key: this browser, by a random id kept in its session cookie (made on its
    first limited request). A client that drops the cookie gets a new id each time, so this
    key alone bounds nothing: it goes with a shared ceiling (`everyone`)."""
    if "browser" not in session:
        session["browser"] = secrets.token_urlsafe(16)
    return blind_index("rate-limit", f"browser:{session['browser']}")


def everyone() -> str:
    """Rate-limit key shared by every visitor: for ceilings on the tool's total work."""
    return blind_index("rate-limit", "everyone")


# Logging in is the one thing a visitor must be able to do while someone floods the tool, and
# without addresses nobody can be told apart before logging in. So a browser that keeps its
# cookie is held to its own small bucket, which it cannot use up for anyone else, and its
# refused attempts are not counted further. Only a client that drops its cookie at every
# request reaches the ceiling all visitors share; the ceiling bounds what such a flood makes
# the tool do (each login costs a token request to the OAuth provider) and is far above the
# program's real traffic (a few logins a day), so a flood has to be large and sustained to
# reach it, and is over a minute after it stops.
LOGINS_PER_BROWSER = "10 per minute"
LOGINS_FOR_EVERYONE = "600 per minute"


def login_limits(view):
    """The limits of /login and /oauth/callback: the browser's own bucket, checked first,
    then the ceiling every visitor shares."""
    ceiling = limiter.shared_limit(LOGINS_FOR_EVERYONE, scope="login", key_func=everyone)
    return ceiling(limiter.limit(LOGINS_PER_BROWSER, key_func=browser)(view))
