"""The OAuth 2.0 provider stand-in, over HTTP as a tool meets it: authorize, log in against
the real wiki, consent, exchange the code with PKCE, read the profile; and its refusals."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from support.helpers import farm_api

CALLBACK = "http://127.0.0.1:5000/oauth/callback"
PROFILE_FIELDS = {
    "sub": int,
    "username": str,
    "editcount": int,
    "confirmed_email": bool,
    "blocked": bool,
    "registered": str,
    "groups": list,
    "rights": list,
    "grants": list,
}


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(farm: dict, http: requests.Session, verifier: str, **changes) -> requests.Response:
    params = {
        "response_type": "code",
        "client_id": farm["oauth"]["client_id"],
        "redirect_uri": CALLBACK,
        "state": "state-123",
        "code_challenge": challenge_of(verifier),
        "code_challenge_method": "S256",
        **changes,
    }
    return http.get(farm["oauth"]["authorize_url"], params={k: v for k, v in params.items() if v})


def form_token(page: requests.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text)[1]


def log_in(http: requests.Session, page: requests.Response, name: str, password: str):
    return http.post(
        page.url,
        data={"csrf": form_token(page), "action": "login", "username": name, "password": password},
    )


def consent(http: requests.Session, page: requests.Response, action: str = "allow") -> dict:
    reply = http.post(
        page.url, data={"csrf": form_token(page), "action": action}, allow_redirects=False
    )
    assert reply.status_code == 302
    location = urlsplit(reply.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def code_for(state: dict, verifier: str, name: str = "Grant Writer") -> str:
    http = requests.Session()
    page = authorize(state, http, verifier)
    consent_page = log_in(http, page, name, state["accounts"][name]["password"])
    return consent(http, consent_page)["code"]


def exchange(state: dict, code: str, verifier: str, **changes) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": state["oauth"]["client_id"],
        "client_secret": state["oauth"]["client_secret"],
        "code_verifier": verifier,
        **changes,
    }
    return requests.post(state["oauth"]["access_token_url"], data=data, timeout=30)


@pytest.fixture
def verifier() -> str:
    return secrets.token_urlsafe(48)


def test_the_whole_flow_ends_with_the_profile_of_the_account_that_logged_in(sandbox, verifier):
    http = requests.Session()
    login_page = authorize(sandbox, http, verifier)
    assert 'name="password"' in login_page.text
    consent_page = log_in(
        http, login_page, "Grant Writer", sandbox["accounts"]["Grant Writer"]["password"]
    )
    assert "verify that you are a Wikimedia user" in consent_page.text
    answer = consent(http, consent_page)
    assert answer["state"] == "state-123"

    token = exchange(sandbox, answer["code"], verifier)
    assert token.status_code == 200
    body = token.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 14400
    assert body["access_token"] and body["refresh_token"]

    profile = requests.get(
        sandbox["oauth"]["profile_url"],
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=30,
    ).json()
    for name, kind in PROFILE_FIELDS.items():
        assert isinstance(profile[name], kind), name
    assert profile["username"] == "Grant Writer"
    assert profile["grants"] == ["mwoauth-authonly"]
    assert re.fullmatch(r"\d{14}", profile["registered"])
    central = farm_api(sandbox, "metawiki", meta="globaluserinfo", guiuser="Grant Writer")["query"][
        "globaluserinfo"
    ]
    assert profile["sub"] == central["id"]


def test_the_login_form_needs_its_csrf_token(sandbox, verifier):
    http = requests.Session()
    page = authorize(sandbox, http, verifier)
    password = sandbox["accounts"]["Grant Writer"]["password"]
    for token in ({}, {"csrf": "forged"}):
        reply = http.post(
            page.url,
            data={"action": "login", "username": "Grant Writer", "password": password, **token},
        )
        assert reply.status_code == 400 and "Allow" not in reply.text


def test_a_wrong_password_issues_no_code(sandbox, verifier):
    http = requests.Session()
    page = log_in(http, authorize(sandbox, http, verifier), "Grant Writer", "not-the-password")
    assert "Incorrect username or password" in page.text
    assert 'name="password"' in page.text


def test_the_state_comes_back_unchanged_so_a_tool_can_refuse_a_forged_one(sandbox, verifier):
    http = requests.Session()
    page = authorize(sandbox, http, verifier, state="forged-by-nobody")
    consent_page = log_in(http, page, "Émile", sandbox["accounts"]["Émile"]["password"])
    assert consent(http, consent_page)["state"] == "forged-by-nobody"


def test_cancel_returns_access_denied(sandbox, verifier):
    http = requests.Session()
    page = log_in(
        http, authorize(sandbox, http, verifier), "Émile", sandbox["accounts"]["Émile"]["password"]
    )
    answer = consent(http, page, action="cancel")
    assert answer["error"] == "access_denied" and "code" not in answer


@pytest.mark.parametrize(
    "callback",
    [
        "https://evil.example/callback",
        "http://127.0.0.1.evil.example/callback",
        "https://127.0.0.1/callback",
        "",
    ],
)
def test_a_callback_other_than_http_on_loopback_is_refused_without_a_redirect(
    sandbox, verifier, callback
):
    reply = authorize(sandbox, requests.Session(), verifier, redirect_uri=callback)
    assert reply.status_code == 400 and "Location" not in reply.headers


def test_pkce_is_required(sandbox, verifier):
    http = requests.Session()
    reply = authorize(sandbox, http, verifier, code_challenge="", code_challenge_method="")
    assert reply.status_code == 400


def test_pkce_must_use_s256(sandbox, verifier):
    http = requests.Session()
    plain = {"code_challenge": verifier, "code_challenge_method": "plain"}
    reply = authorize(sandbox, http, verifier, **plain)
    assert reply.status_code == 400 and "S256" in reply.text


def test_a_code_needs_its_verifier(sandbox, verifier):
    reply = exchange(sandbox, code_for(sandbox, verifier), verifier, code_verifier="")
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_request"


def test_a_code_is_bound_to_its_callback(sandbox, verifier):
    code = code_for(sandbox, verifier)
    reply = exchange(sandbox, code, verifier, redirect_uri="http://127.0.0.1:5000/elsewhere")
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_the_client_may_authenticate_with_http_basic(sandbox, verifier):
    oauth = sandbox["oauth"]
    data = {
        "grant_type": "authorization_code",
        "code": code_for(sandbox, verifier),
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    reply = requests.post(
        oauth["access_token_url"],
        data=data,
        auth=(oauth["client_id"], oauth["client_secret"]),
        timeout=30,
    )
    assert reply.status_code == 200 and reply.json()["token_type"] == "Bearer"


def test_a_code_works_once(sandbox, verifier):
    code = code_for(sandbox, verifier)
    assert exchange(sandbox, code, verifier).status_code == 200
    again = exchange(sandbox, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_wrong_verifier_is_refused(sandbox, verifier):
    code = code_for(sandbox, verifier)
    reply = exchange(sandbox, code, verifier, code_verifier=secrets.token_urlsafe(48))
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_refused(sandbox, verifier):
    code = code_for(sandbox, verifier)
    reply = exchange(sandbox, code, verifier, client_secret="wrong")
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"


def test_the_profile_needs_a_valid_token(sandbox):
    url = sandbox["oauth"]["profile_url"]
    missing = requests.get(url, timeout=30)
    assert missing.status_code == 401 and missing.json()["error"] == "missing_authorization"
    bad = requests.get(url, headers={"Authorization": "Bearer not-a-token"}, timeout=30)
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"


def test_a_refresh_token_gives_a_new_access_token(sandbox, verifier):
    first = exchange(sandbox, code_for(sandbox, verifier), verifier).json()
    renewed = requests.post(
        sandbox["oauth"]["access_token_url"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": sandbox["oauth"]["client_id"],
            "client_secret": sandbox["oauth"]["client_secret"],
        },
        timeout=30,
    )
    assert renewed.status_code == 200
    assert renewed.json()["access_token"] != first["access_token"]
