"""The web tool's configuration, from environment variables with safe defaults for a laptop.

On a laptop, the sandbox farm's settings (its wikis, its OAuth consumer) come from the file it
writes, `.sandbox/chldp.env`, loaded into the environment (bin/run does); the tool knows
nothing else of the farm. Secrets are made once in the instance folder. In production
(CHLDP_ENV=production) nothing falls back: every secret must be set, long and random, and the
OAuth consumer must be named. On Toolforge every value comes from `toolforge envvars`;
deploy/example.env lists them.
"""

from __future__ import annotations

import base64
import math
import os
import secrets
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from program.clocks import ClockRules
from webtool.infra import keys
from webtool.infra.keys import Cost

WIKIMEDIA_OAUTH = "https://meta.wikimedia.org/w/rest.php/oauth2"
DEFAULT_USER_AGENT = "chldp/0.1 (https://chldp.toolforge.org; legal@wikimedia.org) python-requests"
WIKIMEDIA_CENTRAL_API = "https://meta.wikimedia.org/w/api.php"
# The program page the bot keeps, on the Foundation Governance Wiki, which runs Translate.
PROGRAM_API = "https://foundation.wikimedia.org/w/api.php"
PROGRAM_PAGE = "Legal:Community Health Legal Defense Program"
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_hex(32))"'
MAKE_RECOVERY_KEY = "flask --app webtool make-recovery-key"
MAKE_FERNET_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
# Words of placeholders people copy from examples: such a value is public, whatever its length.
PLACEHOLDER_WORDS = ("change", "example", "secret", "password", "xxxx", "todo", "replace")


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


@dataclass(frozen=True)
class ProgramWiki:
    """Where the program page is translated: the wiki's Action API and the page's title."""

    api: str
    page: str


def program_wiki(env: Mapping[str, str]) -> ProgramWiki:
    """The program page the bot keeps: on the Foundation's wiki unless CHLDP_PROGRAM_API
    names another (the sandbox's Meta-Wiki, where the demo's bot writes it)."""
    api = env.get("CHLDP_PROGRAM_API") or PROGRAM_API
    return ProgramWiki(api, env.get("CHLDP_PROGRAM_PAGE", PROGRAM_PAGE))


def api_settings(environ: Mapping[str, str] | None = None) -> ApiSettings:
    """Where and how to ask the wikis: Meta-Wiki unless CHLDP_CENTRAL_API names another."""
    env = os.environ if environ is None else environ
    central_wiki = env.get("CHLDP_CENTRAL_WIKI", "metawiki")
    return ApiSettings(
        central_api=env.get("CHLDP_CENTRAL_API") or WIKIMEDIA_CENTRAL_API,
        central_wiki=central_wiki,
        user_agent=env.get("CHLDP_USER_AGENT", DEFAULT_USER_AGENT),
        parallel=int(env.get("CHLDP_MAX_PARALLEL", "4")),
        cache_ttl=int(env.get("CHLDP_CACHE_TTL", "600")),
        redis_url=env.get("REDIS_URL") or None,
    )


def flask_settings(instance: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask's config mapping for this environment."""
    env = os.environ if environ is None else environ
    production = _production(env)
    retention_days = int(env.get("CHLDP_RETENTION_DAYS", "730"))
    audit_retention_days = int(env.get("CHLDP_AUDIT_RETENTION_DAYS", "2555"))
    if audit_retention_days <= retention_days:
        raise ConfigError(
            "CHLDP_AUDIT_RETENTION_DAYS must be longer than CHLDP_RETENTION_DAYS: the audit log "
            "tells what happened to requests after they are gone."
        )
    return {
        "SECRET_KEY": _secret(env, "CHLDP_SECRET_KEY", instance / "secret.key", production),
        # Keyed hashes: blind indexes in the database, identifiers in Redis keys.
        "HASH_KEY": _secret(env, "CHLDP_HASH_KEY", instance / "hash.key", production).encode(),
        # Toolforge's Redis is shared by every tool: the tool's keys live under a prefix nobody
        # else knows (Toolforge's Redis refuses KEYS and SCAN, so it cannot be listed).
        "REDIS_PREFIX": _redis_prefix(env, instance, production),
        "CHLDP_PRODUCTION": production,
        "PUBLIC_URL": public_url(env, production),
        "SQLALCHEMY_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'chldp.sqlite'}",
        "ENCRYPTION_KEYS": _encryption_keys(env, instance, production),
        # Keys held by people (keys.py): the recovery key's public half, and the work Argon2id
        # does for a passphrase.
        "RECOVERY_PUBLIC_KEY": _recovery_public_key(env, instance, production),
        "PASSPHRASE_COST": Cost(
            int(env.get("CHLDP_ARGON2_PASSES", "3")),
            int(env.get("CHLDP_ARGON2_MEMORY_KIB", str(64 * 1024))),
        ),
        "UNLOCK_TRIES": int(env.get("CHLDP_UNLOCK_TRIES", "5")),
        "OAUTH": _oauth(env, production),
        "REDIS_URL": env.get("REDIS_URL"),
        "API": api_settings(env),
        "PROGRAM_WIKI": program_wiki(env),
        "RETENTION_DAYS": retention_days,
        "AUDIT_RETENTION_DAYS": audit_retention_days,
        "SESSION_IDLE": timedelta(minutes=int(env.get("CHLDP_SESSION_IDLE_MINUTES", "1440"))),
        "STAFF_SESSION_IDLE": timedelta(
            minutes=int(env.get("CHLDP_STAFF_SESSION_IDLE_MINUTES", "120"))
        ),
        "SESSION_LIFETIME": timedelta(hours=int(env.get("CHLDP_SESSION_LIFETIME_HOURS", "168"))),
        "EVIDENCE_CAPTURES_PER_HOUR": int(env.get("CHLDP_EVIDENCE_CAPTURES_PER_HOUR", "10")),
        # Sized for real evidence: fifty revisions of MediaWiki's largest page with their
        # pages fit one bundle; one person's bundles together stop at the quota.
        "EVIDENCE_BUNDLE_BYTES": _mebibytes(env, "CHLDP_EVIDENCE_BUNDLE_MIB", 512),
        "EVIDENCE_LINK_BYTES": _mebibytes(env, "CHLDP_EVIDENCE_LINK_MIB", 64),
        "EVIDENCE_QUOTA_BYTES": _mebibytes(env, "CHLDP_EVIDENCE_QUOTA_MIB", 2048),
        "DATA_DIR": data_dir(env, instance),
        # The clocks on a case (program/clocks.py), and where a requester in danger now is
        # told to write at once.
        "CLOCKS": ClockRules(
            acknowledge=timedelta(days=float(env.get("CHLDP_ACKNOWLEDGE_DAYS", "7"))),
            decide=timedelta(days=float(env.get("CHLDP_DECIDE_DAYS", "90"))),
            urgent_acknowledge=timedelta(hours=float(env.get("CHLDP_URGENT_HOURS", "3"))),
            warn_at=float(env.get("CHLDP_CLOCK_WARNING", "0.75")),
        ),
        "EMERGENCY_EMAIL": env.get("CHLDP_EMERGENCY_EMAIL", "emergency@wikimedia.org"),
        "TSA": tsa_settings(env, production),
        "MAX_CAPTURES": int(env.get("CHLDP_MAX_CAPTURES", "2")),
        # Messages a requester may write in a day: on one request, and on all of theirs.
        "MESSAGES_PER_CASE": int(env.get("CHLDP_MESSAGES_PER_CASE", "10")),
        "MESSAGES_PER_DAY": int(env.get("CHLDP_MESSAGES_PER_DAY", "20")),
        # A worker marks the capture it runs alive this often; one not marked for the second
        # time span lost its worker, and another worker takes it up from where it stopped.
        "CAPTURE_HEARTBEAT": timedelta(seconds=15),
        "CAPTURE_TAKEN_UP_AFTER": timedelta(seconds=60),
        # The worker's sweep (sweep.py) looks this often for work whose queue message Redis
        # lost; a report waiting this long untouched is queued again (the longest wait between
        # tries is 80 s).
        "SWEEP_EVERY": timedelta(seconds=15),
        "TASKS_TAKEN_UP_AFTER": timedelta(minutes=2),
        # A request to a wiki holds its slot for at most the API client's timeout (10 s); a
        # process killed meanwhile frees it when the lease ends.
        "API_SLOT_LEASE": timedelta(seconds=30),
        "LEGAL_EMAIL": env.get("CHLDP_LEGAL_EMAIL", "legal@wikimedia.org"),
        "SMTP": smtp_settings(env),
        "FUND_AMOUNT": Decimal(env.get("CHLDP_FUND_AMOUNT", "100000.00")),
        "FUND_CURRENCY": env.get("CHLDP_FUND_CURRENCY", "USD"),
        "FUND_WARNING": Decimal(env.get("CHLDP_FUND_WARNING", "10000.00")),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "chldp_session",
        "MAX_CONTENT_LENGTH": 256 * 1024,
    }


@dataclass(frozen=True)
class TsaSettings:
    """The RFC 3161 time-stamping authority: where it answers, and the certificates a stamp is
    checked against (its root, and the certificate it signs with)."""

    url: str | None
    root: Path | None
    cert: Path | None


# A public authority that answers anyone, free of charge (https://freetsa.org): its root and
# signing certificates are published there, for CHLDP_TSA_ROOT and CHLDP_TSA_CERT.
PUBLIC_TSA = "https://freetsa.org/tsr"


def tsa_settings(env: Mapping[str, str], production: bool) -> TsaSettings:
    """The authority of CHLDP_TSA_URL (in production, a public one by default). Without its
    certificates a stamp is still asked for and kept, and checked once they are set; production
    needs them, so that the tool can say a stamp is sound."""
    url = env.get("CHLDP_TSA_URL", PUBLIC_TSA if production else "").strip() or None
    root = env.get("CHLDP_TSA_ROOT", "").strip()
    cert = env.get("CHLDP_TSA_CERT", "").strip()
    if production and url and not (root and cert):
        raise ConfigError(
            "CHLDP_TSA_ROOT and CHLDP_TSA_CERT are not set: give the paths of the time-stamping "
            f"authority's root and signing certificates (PEM), as it publishes them ({url})."
        )
    return TsaSettings(url, Path(root) if root else None, Path(cert) if cert else None)


def data_dir(env: Mapping[str, str], instance: Path) -> Path:
    """Where evidence archives are kept as files: CHLDP_DATA_DIR; on Toolforge the tool's own
    folder ($TOOL_DATA_DIR, which the webservice and the jobs both mount); else the instance
    folder."""
    chosen = env.get("CHLDP_DATA_DIR", "").strip()
    if chosen:
        return Path(chosen)
    if env.get("TOOL_DATA_DIR"):
        return Path(env["TOOL_DATA_DIR"]) / "chldp-data"
    return instance / "data"


def _mebibytes(env: Mapping[str, str], name: str, default: int) -> int:
    return int(env.get(name, str(default))) * 1024 * 1024


def public_url(env: Mapping[str, str], production: bool) -> str | None:
    """The tool's address as people reach it (CHLDP_PUBLIC_URL), without a trailing slash:
    the OAuth callback and every link in an e-mail start with it. Required in production,
    with https://; None on a laptop, where links take the address the page was asked at."""
    value = env.get("CHLDP_PUBLIC_URL", "").strip().rstrip("/")
    example = "such as https://chldp.toolforge.org"
    if not value:
        if production:
            raise ConfigError(
                f"CHLDP_PUBLIC_URL is not set: set it to the tool's address, {example}. The "
                "OAuth callback and the links in e-mails are built from it."
            )
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"CHLDP_PUBLIC_URL is not a web address: give one {example}.")
    if production and parts.scheme != "https":
        raise ConfigError(
            "CHLDP_PUBLIC_URL must start with https:// in production: people reach the tool "
            "over HTTPS, and Meta-Wiki sends logins back only to the registered https:// callback."
        )
    return value


def _production(env: Mapping[str, str]) -> bool:
    return env.get("CHLDP_ENV", "development") == "production"


def _secret(env: Mapping[str, str], name: str, kept: Path, production: bool) -> str:
    """A secret from the environment; on a laptop, made once in the instance folder. In
    production it must be set, and long and random enough that nobody can guess it."""
    value = env.get(name, "").strip()
    if not production:
        return value or _kept_in(kept, lambda: secrets.token_hex(32))
    if not value:
        raise ConfigError(f"{name} is not set. Make one with: {MAKE_SECRET}")
    weakness = weak_secret(value)
    if weakness:
        raise ConfigError(f"{name} {weakness}. Make a new one with: {MAKE_SECRET}")
    return value


def weak_secret(value: str) -> str | None:
    """Why `value` cannot be a production secret (finishing "NAME …"), or None when it can."""
    if len(value) < 32:
        return f"has {len(value)} characters; it needs at least 32"
    if any(word in value.lower() for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder copied from an example"
    # Two rough measures of randomness: how evenly its characters are spread (32 hexadecimal
    # digits from `secrets` score 90 bits or more, "x" * 64 none) and how little it compresses
    # (a short pattern repeated, such as "0123456789abcdef" * 4, halves or better).
    counts = Counter(value)
    bits = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values()) * len(value)
    if bits < 80 or len(zlib.compress(value.encode(), 9)) < len(value) / 2:
        return "is not random enough"
    return None


def _redis_prefix(env: Mapping[str, str], instance: Path, production: bool) -> str:
    if production and not env.get("REDIS_URL"):
        return ""  # no Redis, nothing to hide
    secret = _secret(env, "CHLDP_REDIS_PREFIX", instance / "redis-prefix.key", production)
    return secret + ":"


def _encryption_keys(env: Mapping[str, str], instance: Path, production: bool) -> list[str]:
    """Fernet keys, newest first: the first encrypts, all decrypt (rotation)."""
    from cryptography.fernet import Fernet

    keys = [k.strip() for k in env.get("CHLDP_ENCRYPTION_KEYS", "").split(",") if k.strip()]
    if not keys and production:
        raise ConfigError(
            "CHLDP_ENCRYPTION_KEYS is not set: requests cannot be stored unencrypted. Create a key "
            f"with: {MAKE_FERNET_KEY}"
        )
    for position, key in enumerate(keys, 1):
        try:
            raw = base64.urlsafe_b64decode(key.encode())
            Fernet(key.encode())
        except ValueError:
            raise ConfigError(
                f"Key {position} of CHLDP_ENCRYPTION_KEYS is not a Fernet key. Create one with: "
                f"{MAKE_FERNET_KEY}"
            ) from None
        if production and len(set(raw)) < 16:  # a key of zeros, or of one repeated byte
            raise ConfigError(
                f"Key {position} of CHLDP_ENCRYPTION_KEYS is not random. Create one with: "
                f"{MAKE_FERNET_KEY}"
            )
    return keys or [_kept_in(instance / "encryption.key", lambda: Fernet.generate_key().decode())]


def _recovery_public_key(env: Mapping[str, str], instance: Path, production: bool) -> bytes:
    """The recovery key's public half (CHLDP_RECOVERY_PUBLIC_KEY): the team key is sealed to
    it, so whoever holds the private half, kept offline, can restore the team's access. On a
    laptop, a pair is made once in the instance folder (the private half beside it: a laptop's
    data is test data)."""
    value = env.get("CHLDP_RECOVERY_PUBLIC_KEY", "").strip()
    if not value and production:
        raise ConfigError(
            "CHLDP_RECOVERY_PUBLIC_KEY is not set: make the recovery key offline with "
            f"{MAKE_RECOVERY_KEY}, keep its private half on paper or in the Foundation's vault, "
            "and set its public half here."
        )
    if not value:
        private = keys.private_from_text(
            _kept_in(
                instance / "recovery-private.key", lambda: keys.private_text(keys.new_pair()[1])
            )
        )
        return keys.public_of(private)
    try:
        return keys.public_from_text(value)
    except ValueError:
        raise ConfigError(
            f"CHLDP_RECOVERY_PUBLIC_KEY is not a public key: make one with {MAKE_RECOVERY_KEY}."
        ) from None


def _oauth(env: Mapping[str, str], production: bool) -> OAuthSettings:
    named = env.get("CHLDP_OAUTH_CLIENT_ID") and env.get("CHLDP_OAUTH_CLIENT_SECRET")
    if production and not named:
        raise ConfigError(
            "CHLDP_OAUTH_CLIENT_ID and CHLDP_OAUTH_CLIENT_SECRET are not set: register an OAuth "
            "2.0 consumer on meta.wikimedia.org (see the README's deployment steps)."
        )
    if env.get("CHLDP_OAUTH_CLIENT_ID"):
        base = env.get("CHLDP_OAUTH_BASE_URL", WIKIMEDIA_OAUTH).rstrip("/")
        return OAuthSettings(
            env["CHLDP_OAUTH_CLIENT_ID"],
            env.get("CHLDP_OAUTH_CLIENT_SECRET", ""),
            f"{base}/authorize",
            f"{base}/access_token",
            f"{base}/resource/profile",
        )
    raise ConfigError(
        "No OAuth consumer is configured (CHLDP_OAUTH_CLIENT_ID and CHLDP_OAUTH_CLIENT_SECRET). "
        "On a laptop, use the sandbox's: python -m sandbox up, then "
        "set -a; . .sandbox/chldp.env; set +a (bin/run does both)."
    )


def _kept_in(path: Path, make: Callable[[], str]) -> str:
    """A value kept in a file of the instance folder, made on first use (laptop only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text().strip()


@dataclass(frozen=True)
class CacheSettings:
    redis_url: str | None
    redis_prefix: str
    hash_key: bytes
    encryption_keys: list[str]


def cache_settings(instance: Path, environ: Mapping[str, str] | None = None) -> CacheSettings:
    """What the cache needs outside the web tool (the `report` command): the same Redis, the
    same secret prefix and keys as the tool, refused in production on the same terms."""
    env = os.environ if environ is None else environ
    production = _production(env)
    return CacheSettings(
        redis_url=env.get("REDIS_URL") or None,
        redis_prefix=_redis_prefix(env, instance, production),
        hash_key=_secret(env, "CHLDP_HASH_KEY", instance / "hash.key", production).encode(),
        encryption_keys=_encryption_keys(env, instance, production),
    )


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None  # None: no e-mails are sent
    port: int
    sender: str
    tls: str  # "starttls", "ssl" or "off"


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings:
    """Where notifications are sent through: Toolforge relays mail for tools."""
    tls = env.get("CHLDP_SMTP_TLS", "off")
    if tls not in ("starttls", "ssl", "off"):
        raise ConfigError("CHLDP_SMTP_TLS is one of: starttls, ssl, off.")
    return SmtpSettings(
        host=env.get("CHLDP_SMTP_HOST") or None,
        port=int(env.get("CHLDP_SMTP_PORT", "465" if tls == "ssl" else "25")),
        sender=env.get("CHLDP_SMTP_SENDER", "tools.chldp@toolforge.org"),
        tls=tls,
    )
