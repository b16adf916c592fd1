"""Logging in on a Flask test client as the OAuth callback does: a server-side session whose
token goes into the signed cookie."""

from __future__ import annotations


def log_in(client, user: dict | None) -> None:
    """`user` ({"name", "id"}) logged in on `client`; None logs out."""
    from webtool import sessions

    token = None
    if user:
        with client.application.app_context():
            token = sessions.create(user)
    with client.session_transaction() as session:
        session.pop("user", None)
        session.pop("sid", None)
        if user:
            session["user"] = user
            session["sid"] = token
