"""Logging in: on a Flask test client as the OAuth callback does (a server-side session whose
token goes into the signed cookie), and at the farm's OAuth provider as a person does."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests


def log_in(client, user: dict | None, unlocked: bool = True) -> None:
    """`user` ({"name", "id"}) logged in on `client`; None logs out. A member of the staff list
    has their session unlocked (support/keys.py) unless not `unlocked`."""
    from support import keys
    from webtool.services import sessions
    from webtool.services.staff_access import role_of

    token = None
    if user:
        with client.application.app_context():
            token = sessions.create(user)
        if unlocked and role_of(user["name"]):
            keys.unlock(client.application, user["name"], token)
    with client.session_transaction() as session:
        session.pop("user", None)
        session.pop("sid", None)
        if user:
            session["user"] = user
            session["sid"] = token


def log_in_as(client, name: str, central_id: int) -> None:
    log_in(client, {"name": name, "id": central_id})


def provider_answer(sandbox: dict, authorize_url: str, name: str, action: str = "allow") -> str:
    """Log in at the provider as `name`, consent (or not); the callback path and query."""
    http = requests.Session()
    page = http.get(authorize_url, timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    password = sandbox["accounts"][name]["password"]
    page = http.post(
        page.url,
        data={"csrf": token, "action": "login", "username": name, "password": password},
        timeout=30,
    )
    reply = http.post(
        page.url, data={"csrf": token, "action": action}, allow_redirects=False, timeout=30
    )
    callback = urlsplit(reply.headers["Location"])
    return f"{callback.path}?{callback.query}"
