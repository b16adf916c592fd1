"""`python -m wikibot` at its edge: choosing pages, and errors shown as one sentence."""

from __future__ import annotations

import json

import pytest
import yaml

from program.content import CONTENT_FILE
from wikibot.__main__ import main
from wikibot.errors import UsageError
from wikibot.exits import Exit
from wikibot.settings import Settings
from wikibot.sync import target_pages


def test_a_page_is_chosen_by_short_name_or_title():
    settings = Settings(program_page="P", faq_page="P/FAQ")

    assert target_pages(settings, ["faq", "P"]) == {"faq": "P/FAQ", "program": "P"}


def test_no_page_chosen_means_both():
    assert target_pages(Settings(), []) == Settings().pages


def test_a_page_the_bot_does_not_keep_is_refused():
    with pytest.raises(UsageError, match="'Main Page' is not one of the bot's pages"):
        target_pages(Settings(), ["Main Page"])


def test_an_unknown_page_exits_2_before_reaching_the_wiki(capsys):
    code = main(["check", "--page", "Main Page"], settings=Settings(pywikibot_dir="/nowhere"))

    captured = capsys.readouterr()
    assert code == Exit.USAGE
    assert captured.err.startswith("wikibot: 'Main Page' is not one of the bot's pages")
    assert json.loads(captured.out)["event"] == "error"


def test_content_that_breaks_a_rule_exits_5_naming_the_field(tmp_path, capsys):
    data = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    data["name"] = "[[Program]]"
    broken = tmp_path / "content.yaml"
    broken.write_text(yaml.safe_dump(data))

    code = main(["sync", "--dry-run"], settings=Settings(content_file=broken))

    assert code == Exit.FAILED
    assert capsys.readouterr().err == "wikibot: content.name: must be plain text, without '['\n"
