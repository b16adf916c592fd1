"""Stand-in for the OAuth 2.0 provider of meta.wikimedia.org (Extension:OAuth), on Authlib.

Debian does not package Extension:OAuth. This serves its paths under `/w/rest.php/oauth2/`:
`authorize` (a login form checked against the real local wiki with `action=clientlogin`,
then a consent page, as on Meta), `access_token` (authorization code with PKCE, and refresh
tokens) and `resource/profile` (the fields of Extension:OAuth's UserStatementProvider, read
live from the wiki). Its one client accepts any callback on loopback, as a Wikimedia consumer
may register a callback prefix.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, grants
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Blueprint, jsonify, render_template_string, request, session

USER_AGENT = "chldp-sandbox-oauth/0.1 (stand-in for Extension:OAuth on a local farm)"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
IDENTITY = "mwoauth-authonly"  # the grant of an identity-only consumer on Wikimedia wikis
TOKEN_LIFETIME = 14400  # seconds, as meta.wikimedia.org gives


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return IDENTITY

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri)
        return parts.scheme == "http" and parts.hostname in LOOPBACK

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class User:
    name: str

    def get_user_id(self) -> str:
        return self.name


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float = field(default_factory=lambda: time.time() + 600)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):
    client_id: str
    user: User
    scope: str
    access_token: str
    refresh_token: str | None
    expires_at: float
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - time.time())

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> User:
        return self.user


class RequiredCodeChallenge(CodeChallenge):
    """PKCE for every client: Authlib asks it of public clients only, and the tool is
    confidential, so without this a tool that forgot PKCE would pass in the sandbox."""

    def validate_code_challenge(self, grant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: send code_challenge with method S256.")
        super().validate_code_challenge(grant, redirect_uri)


class Store:
    """Codes and tokens in memory: the front is one threaded process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}


def create_blueprint(
    api_url: str, client_id: str, client_secret: str, central_id: Callable[[str], int | None]
) -> Blueprint:
    """The provider's routes, to mount at url_prefix "/w/rest.php/oauth2"."""
    blueprint = Blueprint("oauth2", __name__)
    client = Client(client_id, client_secret)
    store = Store()
    wiki = requests.Session()
    wiki.headers["User-Agent"] = USER_AGENT

    class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code: str, oauth_request) -> None:
            payload = oauth_request.payload.data
            with store.lock:
                store.codes[code] = Code(
                    code,
                    oauth_request.client.client_id,
                    oauth_request.payload.redirect_uri,
                    oauth_request.scope,
                    oauth_request.user,
                    payload.get("code_challenge"),
                    payload.get("code_challenge_method"),
                )

        def query_authorization_code(self, code: str, oauth_client: Client) -> Code | None:
            with store.lock:
                found = store.codes.get(code)
            if (
                found
                and found.client_id == oauth_client.client_id
                and found.expires_at > time.time()
            ):
                return found
            return None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            with store.lock:
                store.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> User:
            return authorization_code.user

    class RefreshTokenGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
            with store.lock:
                token = store.refresh.get(refresh_token)
            return token if token and not token.revoked else None

        def authenticate_user(self, refresh_token: Token) -> User:
            return refresh_token.user

        def revoke_old_credential(self, refresh_token: Token) -> None:
            refresh_token.revoked = True

    def query_client(wanted: str) -> Client | None:
        return client if wanted == client.client_id else None

    def save_token(token: dict, oauth_request) -> None:
        saved = Token(
            client.client_id,
            oauth_request.user,
            token.get("scope", IDENTITY),
            token["access_token"],
            token.get("refresh_token"),
            time.time() + token["expires_in"],
        )
        with store.lock:
            store.tokens[saved.access_token] = saved
            if saved.refresh_token:
                store.refresh[saved.refresh_token] = saved

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            with store.lock:
                return store.tokens.get(token_string)

    server = AuthorizationServer(query_client=query_client, save_token=save_token)
    server.register_grant(AuthorizationCodeGrant, [RequiredCodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    protected = ResourceProtector()
    protected.register_token_validator(Validator())

    @blueprint.record_once
    def configure(setup) -> None:
        setup.app.config.setdefault(
            "OAUTH2_TOKEN_EXPIRES_IN",
            {
                "authorization_code": TOKEN_LIFETIME,
                "refresh_token": TOKEN_LIFETIME,
            },
        )
        setup.app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
        server.init_app(setup.app)

    @blueprint.route("/authorize", methods=["GET", "POST"])
    def authorize():
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            # A bad client or callback: never redirect to an unchecked address.
            return _page(ERROR_PAGE, error=error.description or error.error), 400
        if request.method == "POST" and not secrets.compare_digest(
            request.form.get("csrf", ""), session.get("oauth_csrf", "")
        ):
            return _page(ERROR_PAGE, error="The form expired. Start the login again."), 400
        user = session.get("oauth_user")
        action = request.form.get("action")
        if action == "login":
            name = _check_password(
                request.form.get("username", ""), request.form.get("password", "")
            )
            if name is None:
                return _page(LOGIN_PAGE, failed=True), 200
            session["oauth_user"] = user = name
            return _page(CONSENT_PAGE, user=user)
        if user is None:
            return _page(LOGIN_PAGE, failed=False)
        if action == "allow":
            return server.create_authorization_response(grant=grant, grant_user=User(user))
        if action == "cancel":
            return server.create_authorization_response(grant=grant, grant_user=None)
        return _page(CONSENT_PAGE, user=user)

    @blueprint.route("/access_token", methods=["POST"])
    def access_token():
        return server.create_token_response()

    @blueprint.route("/resource/profile")
    def profile():
        with protected.acquire() as token:
            return jsonify(_profile(token.user.name, token.scope))

    @blueprint.errorhandler(OAuth2Error)
    def refused(error: OAuth2Error):
        return jsonify(dict(error.get_body())), error.status_code

    @blueprint.errorhandler(requests.RequestException)
    def wiki_unavailable(error: requests.RequestException):
        # Down, slow, or not answering JSON: say so rather than fail with a bare 500.
        return _page(ERROR_PAGE, error="The wiki did not answer. Try again in a moment."), 502

    def _check_password(name: str, password: str) -> str | None:
        """The canonical name when the wiki accepts this password, else None."""
        login = requests.Session()
        login.headers["User-Agent"] = USER_AGENT
        token = login.get(
            api_url,
            params={"action": "query", "meta": "tokens", "type": "login", "format": "json"},
            timeout=15,
        ).json()["query"]["tokens"]["logintoken"]
        result = login.post(
            api_url,
            data={
                "action": "clientlogin",
                "username": name,
                "password": password,
                "loginreturnurl": request.url,
                "logintoken": token,
                "format": "json",
            },
            timeout=15,
        ).json()
        if result.get("clientlogin", {}).get("status") != "PASS":
            return None
        return result["clientlogin"]["username"]

    def _profile(name: str, scope: str) -> dict:
        user = wiki.get(
            api_url,
            params={
                "action": "query",
                "list": "users",
                "ususers": name,
                "usprop": "editcount|groups|rights|registration|blockinfo",
                "format": "json",
                "formatversion": 2,
            },
            timeout=15,
        ).json()["query"]["users"][0]
        registered = user.get("registration")
        return {
            "sub": central_id(name),
            "username": user["name"],
            "editcount": user.get("editcount", 0),
            "confirmed_email": False,  # the farm sends no e-mail, so none is confirmed
            "blocked": "blockid" in user,
            "registered": datetime.fromisoformat(registered.replace("Z", "+00:00")).strftime(
                "%Y%m%d%H%M%S"
            )
            if registered
            else None,
            "groups": user.get("groups", []),
            "rights": user.get("rights", []),
            "grants": scope.split(),
        }

    return blueprint


def _page(template: str, **context) -> str:
    if "oauth_csrf" not in session:
        session["oauth_csrf"] = secrets.token_urlsafe(24)
    return render_template_string(PAGE.replace("BODY", template), **context)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meta (sandbox): log in</title></head>
<body><p><strong>Meta</strong> — sandbox stand-in for meta.wikimedia.org</p>BODY</body></html>"""

LOGIN_PAGE = """
<h1>Log in</h1>
{% if failed %}
  <p role="alert">Incorrect username or password entered. Please try again.</p>
{% endif %}
<form method="post">
  <input type="hidden" name="csrf" value="{{ session['oauth_csrf'] }}">
  <input type="hidden" name="action" value="login">
  <p><label for="username">Username</label>
     <input id="username" name="username" autocomplete="username"></p>
  <p><label for="password">Password</label>
     <input id="password" name="password" type="password"></p>
  <p><button type="submit">Log in</button></p>
</form>"""

CONSENT_PAGE = """
<h1>Verify your identity</h1>
<p>Hi {{ user }}, an application would like to verify that you are a Wikimedia user, on all
projects of this site. It will not be able to edit or take any action on your behalf.</p>
<form method="post">
  <input type="hidden" name="csrf" value="{{ session['oauth_csrf'] }}">
  <button type="submit" name="action" value="allow">Allow</button>
  <button type="submit" name="action" value="cancel">Cancel</button>
</form>"""

ERROR_PAGE = """<h1>Error</h1><p role="alert">{{ error }}</p>"""
