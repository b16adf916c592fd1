"""The web tool as Toolforge serves it: the Procfile's gunicorn in production, behind a front
proxy it does not trust for forwarded headers, which ends HTTPS and passes the request on as
plain HTTP. Every address the tool sends out of itself (the OAuth callback, the links in
e-mails) is the configured https:// one, never what the request says. Gunicorn listens on
127.0.0.2 and the proxy speaks from 127.0.0.3: two hosts, inside the loopback range."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from support import CHECKOUT
from support.helpers import ADMIN, FORM, REQUESTER, STAFF, free_port, hidden_fields
from support.logins import log_in

from webtool.app import create_app
from webtool.infra import db, keys
from webtool.infra.crypto import Sealer
from webtool.infra.models import OutboxMail
from webtool.services import notifications

PUBLIC_URL = "https://chldp.toolforge.org"
PROXY_HEADERS = {"Host": "chldp.toolforge.org", "X-Forwarded-Proto": "https"}


@pytest.fixture
def production(monkeypatch, tmp_path) -> dict[str, str]:
    """Production's settings, every outside service a loopback port that refuses."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    env = {
        "CHLDP_ENV": "production",
        "CHLDP_PUBLIC_URL": PUBLIC_URL,
        "CHLDP_SECRET_KEY": secrets.token_hex(32),
        "CHLDP_HASH_KEY": secrets.token_hex(32),
        "CHLDP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CHLDP_RECOVERY_PUBLIC_KEY": keys.public_text(keys.new_pair()[0]),
        "CHLDP_OAUTH_CLIENT_ID": "chldp-consumer",
        "CHLDP_OAUTH_CLIENT_SECRET": secrets.token_hex(20),
        "CHLDP_OAUTH_BASE_URL": f"{nowhere}/w/rest.php/oauth2",
        "CHLDP_CENTRAL_API": f"{nowhere}/w/api.php",
        "CHLDP_PROGRAM_API": f"{nowhere}/w/api.php",
        # Never the public authority from a test: traffic stays on loopback.
        "CHLDP_TSA_URL": f"{nowhere}/tsr",
        "CHLDP_TSA_ROOT": str(tmp_path / "tsa-root.pem"),
        "CHLDP_TSA_CERT": str(tmp_path / "tsa-cert.pem"),
        "CHLDP_SMTP_HOST": "127.0.0.1",
        "CHLDP_SMTP_PORT": str(free_port()),
        "CHLDP_STAFF": STAFF,
        "CHLDP_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chldp.sqlite'}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    db.upgrade(env["DATABASE_URL"])
    return env


@pytest.fixture
def procfile_web(production, tmp_path):
    """The Procfile's `web` line, run as written but on 127.0.0.2 instead of every address."""
    (line,) = [x for x in (CHECKOUT / "Procfile").read_text().splitlines() if x.startswith("web:")]
    port = free_port()
    # Run by a shell, as the Build Service's launcher runs a Procfile's line, with $PORT set.
    command = "exec " + line.removeprefix("web:").strip().replace("0.0.0.0", "127.0.0.2")
    venv = str(Path(sys.executable).parent)
    environment = dict(os.environ, PORT=str(port), PATH=f"{venv}:{os.environ['PATH']}")
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        ["/bin/sh", "-c", command], cwd=CHECKOUT, env=environment, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.2", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (
                tmp_path / "gunicorn.log"
            ).read_text()
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)
    log.close()


def through_proxy(port: int, method: str, path: str, body: str = "", cookie: str = ""):
    """A request as Toolforge's front proxy passes it on, from 127.0.0.3."""
    connection = http.client.HTTPConnection("127.0.0.2", port, source_address=("127.0.0.3", 0))
    headers = dict(PROXY_HEADERS)
    if cookie:
        headers["Cookie"] = cookie
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    reply = connection.getresponse()
    reply.text = reply.read().decode()
    connection.close()
    return reply


def session_cookie(reply, cookie: str) -> str:
    """The session cookie after `reply`: the one it set, else the one sent."""
    for header in reply.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie(header)
        if "chldp_session" in jar:
            return f"chldp_session={jar['chldp_session'].value}"
    return cookie


def test_production_behind_the_proxy_sends_people_to_its_https_address(production, procfile_web):
    to_meta = through_proxy(procfile_web, "GET", "/login")
    assert to_meta.status == 302
    (callback,) = parse_qs(urlsplit(to_meta.getheader("Location")).query)["redirect_uri"]
    assert callback == f"{PUBLIC_URL}/oauth/callback"

    # A requester sends a request; the legal team's e-mail links to the case.
    app = create_app()
    with app.app_context():
        notifications.set_staff_notice(ADMIN["name"], "jane@legal.example", True)
    browser = app.test_client()
    log_in(browser, REQUESTER)
    cookie = f"chldp_session={browser.get_cookie('chldp_session').value}"
    form = through_proxy(procfile_web, "GET", "/ask", cookie=cookie)
    assert form.status == 200
    cookie = session_cookie(form, cookie)
    sent = through_proxy(
        procfile_web,
        "POST",
        "/ask",
        body=urlencode({**FORM, **hidden_fields(form.text)}, doseq=True),
        cookie=cookie,
    )
    assert sent.status == 302, sent.text
    with app.app_context():
        sealer = Sealer(app.config["ENCRYPTION_KEYS"])
        bodies = [
            json.loads(sealer.open(mail.mail_sealed))["body"]
            for mail in db.session().query(OutboxMail).order_by(OutboxMail.id)
        ]
    # The legal team's "new request", then the requester's link to confirm their address.
    [staff_links, requester_links] = [re.findall(r"\w+://\S+", body) for body in bodies]
    assert staff_links and all(link.startswith(f"{PUBLIC_URL}/staff/case/") for link in staff_links)
    assert requester_links
    assert all(link.startswith(f"{PUBLIC_URL}/requests/") for link in requester_links)
