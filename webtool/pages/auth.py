"""Login with a Wikimedia account: OAuth 2.0 authorization code with PKCE, identity only.

Authlib's client keeps `state` and the PKCE verifier in the session and checks them on the
way back. The tool keeps only the account's name and central id in its session, beside the
token of its server-side session (services/sessions.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from requests import RequestException
from sqlalchemy.exc import SQLAlchemyError

from webtool.infra import db
from webtool.infra.accounts import User
from webtool.infra.addresses import external_url
from webtool.infra.limits import login_limits
from webtool.services import sessions
from webtool.services.wiring import services

blueprint = Blueprint("auth", __name__)
P = ParamSpec("P")


def oauth_client(app: Flask) -> OAuth:
    """Meta-Wiki's OAuth 2.0 (or the sandbox's), with PKCE, as the settings name it."""
    settings = app.config["OAUTH"]
    oauth = OAuth(app)
    oauth.register(
        "wikimedia",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        authorize_url=settings.authorize_url,
        access_token_url=settings.access_token_url,
        client_kwargs={"code_challenge_method": "S256", "timeout": 15},
    )
    return oauth


def current_user() -> User | None:
    """The logged-in account, or None."""
    return session.get("user")


def signed_in_user() -> User:
    """The logged-in account, in a view behind `login_required` (which has sent everyone else
    to log in): a view that forgot it answers 401 rather than act for nobody."""
    user = current_user()
    if user is None:
        abort(401)
    return user


def login_required(
    view: Callable[P, ResponseReturnValue],
) -> Callable[P, ResponseReturnValue]:
    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path of this tool, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def _client() -> FlaskOAuth2App:
    return services().oauth.wikimedia


@blueprint.route("/login")
@login_limits
def login() -> ResponseReturnValue:
    session["next"] = safe_next(request.args.get("next"))
    return _client().authorize_redirect(external_url("auth.callback"))


@blueprint.route("/oauth/callback")
@login_limits
def callback() -> ResponseReturnValue:
    if request.args.get("error"):
        reason = "denied" if request.args["error"] == "access_denied" else "refused"
        return render_template("login_failed.html", reason=reason), 403
    try:
        token = _client().authorize_access_token()
        profile = _client().get(current_app.config["OAUTH"].profile_url, token=token).json()
    except OAuthError:
        # A forged or stale state, a reused code: nothing to trust here.
        return render_template("login_failed.html", reason="invalid"), 400
    except (RequestException, ValueError):
        return render_template("login_failed.html", reason="unavailable"), 502
    if profile.get("blocked") and "username" not in profile:
        return render_template("login_failed.html", reason="refused"), 403
    target = session.pop("next", None)
    language = session.get("uselang")
    session.clear()  # a new session for the logged-in account, keeping only its language
    if language:
        session["uselang"] = language
    try:
        sessions.start({"name": profile["username"], "id": int(profile["sub"])})
    except SQLAlchemyError:
        db.session().rollback()
        current_app.logger.exception("a session could not be started")
        return render_template("error.html", message_key="chldp-error-database"), 503
    return redirect(target or url_for("requester.engagement"))


@blueprint.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    try:
        sessions.end()
    except SQLAlchemyError:
        db.session().rollback()
        current_app.logger.exception("a session could not be ended")
        return render_template("error.html", message_key="chldp-error-database"), 503
    return redirect(url_for("requester.start"))
