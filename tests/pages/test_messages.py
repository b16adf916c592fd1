"""Every language has every message, with the same parameters, and every key the pages use
exists; qqq.json documents each one for translators."""

from __future__ import annotations

import json
import re

import pytest
from support import CHECKOUT

WEBTOOL = CHECKOUT / "webtool"
MESSAGES = WEBTOOL / "messages"


def load(code: str) -> dict[str, str]:
    messages = json.loads((MESSAGES / f"{code}.json").read_text(encoding="utf-8"))
    messages.pop("@metadata")
    return messages


ENGLISH = load("en")
LANGUAGES = sorted(p.stem for p in MESSAGES.glob("*.json") if p.stem not in ("en", "qqq"))


def test_there_are_two_more_languages_one_right_to_left():
    assert "ar" in LANGUAGES and len(LANGUAGES) >= 2


@pytest.mark.parametrize("code", [*LANGUAGES, "qqq"])
def test_each_file_has_exactly_the_english_keys(code):
    assert set(load(code)) == set(ENGLISH)


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_the_parameters(code):
    for key, text in load(code).items():
        assert set(re.findall(r"\$\d", text)) == set(re.findall(r"\$\d", ENGLISH[key])), key


TEMPLATES = sorted((WEBTOOL / "templates").rglob("*.html"))


def test_every_template_folder_is_read():
    folders = {template.parent.name for template in TEMPLATES}
    assert {"templates", "staff"} <= folders


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=[str(t.relative_to(WEBTOOL / "templates")) for t in TEMPLATES]
)
def test_every_key_the_templates_use_exists(template):
    text = template.read_text(encoding="utf-8")
    used = set(re.findall(r"msg\(\s*['\"](chldp-[a-z0-9_-]+)['\"]\s*[,)]", text))
    prefixes = set(re.findall(r"msg\(\s*['\"](chldp-[a-z0-9_-]+-)['\"]\s*~", text))
    assert used - set(ENGLISH) == set()
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in ENGLISH), prefix


@pytest.mark.no_farm
def test_qqx_shows_the_keys_on_every_page_and_is_not_remembered(client):
    from support.helpers import REQUESTER
    from support.logins import log_in

    log_in(client, REQUESTER)
    for url in ("/", "/ask", "/evidence", "/requests", "/privacy"):
        page = client.get(url, query_string={"uselang": "qqx"}).get_data(as_text=True)
        shown = re.findall(r"\(chldp-[a-z0-9-]+[:)]", page)
        assert len(shown) > 5, url
        assert "Ask for help" not in page, url  # the navigation's English, shown as its key
    assert "Ask for help" in client.get("/ask").get_data(as_text=True)
