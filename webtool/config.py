"""The web tool's configuration, from environment variables with safe defaults for a laptop.

With no Wikimedia settings, the tool logs in through the sandbox farm's OAuth provider and
reads its wikis (sandbox.json). On Toolforge every value comes from `toolforge envvars`;
deploy/example.env lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sandbox import load_state
from webtool.api import DEFAULT_USER_AGENT

WIKIMEDIA_OAUTH = "https://meta.wikimedia.org/w/rest.php/oauth2"
WIKIMEDIA_CENTRAL_API = "https://meta.wikimedia.org/w/api.php"


class ConfigError(Exception):
    """The configuration cannot run the tool; the message says which variable to set."""


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str
    client_secret: str
    authorize_url: str
    access_token_url: str
    profile_url: str


@dataclass(frozen=True)
class ApiSettings:
    central_api: str
    central_wiki: str
    user_agent: str
    parallel: int
    cache_ttl: int
    redis_url: str | None


def api_settings(environ: dict[str, str] | None = None) -> ApiSettings:
    """Where and how to ask the wikis: the sandbox's central wiki when it is up and nothing
    else is configured, else Meta-Wiki."""
    env = os.environ if environ is None else environ
    central_api = env.get("CHLDP_CENTRAL_API")
    central_wiki = env.get("CHLDP_CENTRAL_WIKI", "metawiki")
    if not central_api:
        state = load_state()
        central_api = state["centralauth_api_url"] if state else WIKIMEDIA_CENTRAL_API
    return ApiSettings(
        central_api=central_api,
        central_wiki=central_wiki,
        user_agent=env.get("CHLDP_USER_AGENT", DEFAULT_USER_AGENT),
        parallel=int(env.get("CHLDP_MAX_PARALLEL", "4")),
        cache_ttl=int(env.get("CHLDP_CACHE_TTL", "600")),
        redis_url=env.get("REDIS_URL") or None,
    )


def flask_settings(instance: Path, environ: dict[str, str] | None = None) -> dict:
    """Flask's config mapping for this environment."""
    env = os.environ if environ is None else environ
    production = env.get("CHLDP_ENV", "development") == "production"
    secret = env.get("CHLDP_SECRET_KEY") or (None if production else _local_secret(instance))
    if not secret:
        raise ConfigError("CHLDP_SECRET_KEY is not set; production needs a long random value.")
    return {
        "SECRET_KEY": secret,
        "CHLDP_PRODUCTION": production,
        "SQLALCHEMY_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'chldp.sqlite'}",
        "ENCRYPTION_KEYS": _encryption_keys(env, instance, production),
        "OAUTH": _oauth(env),
        "REDIS_URL": env.get("REDIS_URL"),
        "API": api_settings(env),
        "RETENTION_DAYS": int(env.get("CHLDP_RETENTION_DAYS", "730")),
        "EVIDENCE_CAPTURES_PER_HOUR": int(env.get("CHLDP_EVIDENCE_CAPTURES_PER_HOUR", "10")),
        "LEGAL_EMAIL": env.get("CHLDP_LEGAL_EMAIL", "legal@wikimedia.org"),
        "FUND_AMOUNT": Decimal(env.get("CHLDP_FUND_AMOUNT", "100000.00")),
        "FUND_CURRENCY": env.get("CHLDP_FUND_CURRENCY", "USD"),
        "FUND_WARNING": Decimal(env.get("CHLDP_FUND_WARNING", "10000.00")),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "chldp_session",
        "MAX_CONTENT_LENGTH": 256 * 1024,
    }


def _local_secret(instance: Path) -> str:
    return _kept_in(instance / "secret.key", lambda: os.urandom(32).hex())


def _encryption_keys(env: dict[str, str], instance: Path, production: bool) -> list[str]:
    """Fernet keys, newest first: the first encrypts, all decrypt (rotation)."""
    keys = [k.strip() for k in env.get("CHLDP_ENCRYPTION_KEYS", "").split(",") if k.strip()]
    if keys:
        return keys
    if production:
        raise ConfigError(
            "CHLDP_ENCRYPTION_KEYS is not set: requests cannot be stored unencrypted. Create a key "
            'with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key()'
            '.decode())"'
        )
    from cryptography.fernet import Fernet

    return [_kept_in(instance / "encryption.key", lambda: Fernet.generate_key().decode())]


def _oauth(env: dict[str, str]) -> OAuthSettings:
    if env.get("CHLDP_OAUTH_CLIENT_ID"):
        base = env.get("CHLDP_OAUTH_BASE_URL", WIKIMEDIA_OAUTH).rstrip("/")
        return OAuthSettings(
            env["CHLDP_OAUTH_CLIENT_ID"],
            env.get("CHLDP_OAUTH_CLIENT_SECRET", ""),
            f"{base}/authorize",
            f"{base}/access_token",
            f"{base}/resource/profile",
        )
    state = load_state()
    if state is None:
        raise ConfigError(
            "No OAuth consumer is configured (CHLDP_OAUTH_CLIENT_ID) and no sandbox is up "
            "(python -m sandbox up)."
        )
    oauth = state["oauth"]
    return OAuthSettings(
        oauth["client_id"],
        oauth["client_secret"],
        oauth["authorize_url"],
        oauth["access_token_url"],
        oauth["profile_url"],
    )


def _kept_in(path: Path, make) -> str:
    """A value kept in a file of the instance folder, made on first use (laptop only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text().strip()
