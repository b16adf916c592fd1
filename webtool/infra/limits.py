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
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Flask, abort, current_app, session
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect
from limits import parse
from redis import RedisError

from webtool.infra.keyed import blind_index

csrf = CSRFProtect()
P = ParamSpec("P")
R = TypeVar("R")
limiter = Limiter(key_func=lambda: blind_index("rate-limit", "everyone"), default_limits=[])


def init_limits(app: Flask) -> None:
    """Flask-Limiter, counting the limits of the routes that have one, each checked by its
    route's decorator (or spent in code). Flask-Limiter also hooks into every request, to
    look for limits that apply to every route, add headers and deduct after the response;
    the tool uses none of these, and the hooks cost a page served from memory a sixth of
    its time, so they are not kept."""
    hooks: list[dict[Any, list[Any]]] = [
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
    ]
    kept = [list(hook[None]) for hook in hooks]
    limiter.init_app(app)
    for hook, functions in zip(hooks, kept, strict=True):
        hook[None] = functions


def account() -> str:
    """Rate-limit key: the logged-in account. Visitors who are not logged in share one key;
    the routes limited by account do no work for them (they are sent to log in)."""
    user = session.get("user")
    return blind_index("rate-limit", f"account:{user['id']}" if user else "anonymous")


def spend(rate: str, scope: str, key: str) -> None:
    """Count one use of `scope` by `key` against `rate` (e.g. "6 per minute"), where the
    limiter counts its own; past the limit the visitor gets the "too many" page (429). For a
    limit that only some visits to a page use up: counted where the work is decided, rather
    than by a decorator that would look at every visit."""
    try:
        allowed = limiter.limiter.hit(parse(rate), key, scope)
    except RedisError as error:
        # Redis away: the page goes on unlimited rather than fail, as the decorators do
        # (RATELIMIT_SWALLOW_ERRORS); what costs the wikis most has limits in the database too.
        current_app.logger.warning("a rate limit could not be counted: %s", type(error).__name__)
        return
    if not allowed:
        abort(429)


def browser() -> str:
    """Rate-limit key: this browser, by a random id kept in its session cookie (made on its
    first limited request). A client that drops the cookie gets a new id each time."""
    if "browser" not in session:
        session["browser"] = secrets.token_urlsafe(16)
    return blind_index("rate-limit", f"browser:{session['browser']}")


# Logging in is the one thing a visitor must be able to do while someone floods the tool, and
# without addresses nobody can be told apart before logging in. So logins have no ceiling
# shared by all visitors, which a flood could use up for everyone: a browser that keeps its
# cookie is held to its own small bucket, and a client that drops its cookie at every request
# gains nothing the bucket would have refused it, since /login only redirects and a callback
# without the state of its own session is refused before any request to the provider.
LOGINS_PER_BROWSER = "10 per minute"


def login_limits(view: Callable[P, R]) -> Callable[P, R]:
    """The limit of /login and /oauth/callback: the browser's own bucket."""
    return limiter.limit(LOGINS_PER_BROWSER, key_func=browser)(view)
