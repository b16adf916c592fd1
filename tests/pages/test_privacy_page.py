"""The privacy page: anyone can read it, in their language, with the times the tool keeps
things as the tool is configured, and every page's footer links to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import tool_on

pytestmark = pytest.mark.no_farm

# Settings no default has, so that the page can only show them by reading them.
SETTINGS = {
    "RETENTION_DAYS": 417,
    "AUDIT_RETENTION_DAYS": 983,
    "SESSION_IDLE": timedelta(minutes=97),
    "SESSION_LIFETIME": timedelta(hours=53),
}


@pytest.fixture
def app(request, sqlite_url, tmp_path):
    """The web tool with unusual retention and session settings."""
    return tool_on(request, sqlite_url, tmp_path, TASKS_IMMEDIATE=True, **SETTINGS)


# Each language's words for: requests and loose evidence, the audit log, the engagement
# report (a day), the idle time, the lifetime; and the page's title.
SAID = {
    "en": ["417 days", "983 days", "one day", "97 minutes", "53 hours", "Your privacy"],
    "de": ["417 Tage", "983 Tage", "einen Tag", "97 Minuten", "53 Stunden", "Ihre Privatsphäre"],
    "ar": ["417 يومًا", "983 يومًا", "يوم واحد", "97 دقيقة", "53 ساعة", "خصوصيتك"],
}


@pytest.mark.parametrize("lang", SAID)
def test_a_visitor_reads_the_configured_times_in_their_language(client, lang):
    response = client.get(f"/privacy?uselang={lang}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in page
    for words in SAID[lang]:
        assert words in page, words
    assert page.count(SAID[lang][0]) == 2  # requests, and evidence never attached


def test_the_page_follows_a_setting_changed_while_the_tool_runs(app, client):
    app.config["RETENTION_DAYS"] = 730
    page = client.get("/privacy?uselang=en").get_data(as_text=True)
    assert "730 days" in page and "417 days" not in page


def test_a_duration_is_said_in_the_largest_unit_that_says_it_exactly(app):
    from webtool.infra.i18n import render
    from webtool.pages.privacy import duration

    def said(span: timedelta) -> str:
        return render("en", "chldp-privacy-time-login", duration(span), duration(span))

    assert said(timedelta(minutes=1440)).startswith("Your login ends after one day ")
    assert "after 7 days " in said(timedelta(hours=168))
    assert "after 90 minutes " in said(timedelta(minutes=90))
    assert "after 36 hours " in said(timedelta(hours=36))


def test_the_footer_of_every_page_links_to_the_privacy_page(client):
    page = client.get("/").get_data(as_text=True)
    footer = page[page.index('<footer class="site-footer">') :]
    assert '<a href="/privacy">Privacy</a>' in footer
