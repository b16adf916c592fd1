"""A minimal Action API session for seeding the farm and for its tests."""

from __future__ import annotations

import requests

from sandbox.accounts import OPERATOR, PASSWORD
from sandbox.mediawiki import SandboxError

USER_AGENT = "chldp-sandbox/0.1 (seeding a local test farm)"


class ApiSession:
    """An Action API session: errors stop the caller with their text."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def get(self, action: str, **params: str | int) -> dict:
        return self._check(self.http.get(self.api_url, params=self._params(action, params)))

    def post(self, action: str, **params: str | int) -> dict:
        return self._check(self.http.post(self.api_url, data=self._params(action, params)))

    def token(self, kind: str) -> str:
        return self.get("query", meta="tokens", type=kind)["query"]["tokens"][f"{kind}token"]

    def post_form(self, title: str, **fields: str) -> str:
        """POST a special page's form to index.php with this session; the page it answers.

        For what some extensions of MediaWiki 1.39 offer only as a form (marking a page for
        translation, a global rename)."""
        index = self.api_url.removesuffix("api.php") + "index.php"
        reply = self.http.post(
            index,
            data={"title": title, "wpEditToken": self.token("csrf"), **fields},
            timeout=120,
        )
        reply.raise_for_status()
        return reply.text

    @staticmethod
    def _params(action: str, params: dict) -> dict:
        return {"action": action, "format": "json", "formatversion": 2, **params}

    @staticmethod
    def _check(reply: requests.Response) -> dict:
        reply.raise_for_status()
        data = reply.json()
        if "error" in data:
            raise SandboxError(f"API error: {data['error']}")
        return data


def operator_session(api_url: str, user: str = OPERATOR, password: str = PASSWORD) -> ApiSession:
    """An API session logged in with a main account's password (action=clientlogin)."""
    api = ApiSession(api_url)
    result = api.post(
        "clientlogin",
        username=user,
        password=password,
        loginreturnurl="http://127.0.0.1/",
        logintoken=api.token("login"),
    )["clientlogin"]
    if result["status"] != "PASS":
        raise SandboxError(f"{user} could not log in to {api_url}: {result}")
    return api
