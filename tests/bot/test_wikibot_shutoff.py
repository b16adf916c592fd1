"""The shutoff page's rule, and the settings from the environment."""

from __future__ import annotations

from wikibot.settings import settings_from_environment
from wikibot.shutoff import is_switched_on


def test_a_missing_shutoff_page_lets_the_bot_run():
    assert not is_switched_on(None)


def test_off_with_a_comment_lets_the_bot_run():
    assert not is_switched_on("<!-- Write anything but 'off' here to stop the bot. -->\n Off \n")


def test_on_stops_the_bot():
    assert is_switched_on("on")


def test_a_blanked_shutoff_page_stops_the_bot():
    assert is_switched_on("")


def test_the_faq_defaults_to_a_subpage_of_the_configured_program_page():
    settings = settings_from_environment({"PYWIKIBOT_DIR": "/x", "CHLDP_BOT_PROGRAM_PAGE": "P"})

    assert (settings.faq_page, settings.pywikibot_dir, settings.status_url) == ("P/FAQ", "/x", None)
