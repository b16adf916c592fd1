"""Flask extensions shared by the blueprints: CSRF protection and rate limits.

Rate limits are counted in Redis when REDIS_URL is set, so every replica sees the same
counts; in process memory otherwise (a laptop).
"""

from __future__ import annotations

from flask import session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def account_or_address() -> str:
    """Rate-limit key: the logged-in account, else the client's address."""
    user = session.get("user")
    return f"user:{user['id']}" if user else get_remote_address()
