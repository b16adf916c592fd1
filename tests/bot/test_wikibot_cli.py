"""`python -m wikibot` at its edge: choosing pages, and errors shown as one sentence."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import uuid

import pytest
import yaml
from support import CHECKOUT

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


def bot_process(sandbox: dict, stdin: int) -> subprocess.Popen:
    """`python -m wikibot sync` on pages of its own on the farm, with this standard input."""
    base = f"Chldp test {uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "PYWIKIBOT_DIR": sandbox["pywikibot_dir"],
        "CHLDP_STATUS_URL": "",
        "CHLDP_BOT_PROGRAM_PAGE": f"{base}/Program",
        "CHLDP_BOT_SHUTOFF_PAGE": f"{base}/Shutoff",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "wikibot", "sync", "--page", "program"],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=CHECKOUT,
    )


def test_sync_without_a_terminal_or_always_says_so_in_one_sentence_and_exits_2(sandbox):
    # A scheduled job has no terminal on standard input, so the bot cannot ask before saving.
    process = bot_process(sandbox, subprocess.DEVNULL)
    stdout, stderr = process.communicate(timeout=120)
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    assert done.returncode == Exit.USAGE
    (line,) = done.stderr.splitlines()
    assert line.startswith("wikibot: ") and "--always" in line and line.endswith(".")
    assert json.loads(done.stdout.splitlines()[-1])["event"] == "error"


def test_closing_the_terminal_at_the_question_is_quitting(sandbox):
    terminal, bots_end = pty.openpty()
    process = bot_process(sandbox, bots_end)
    os.close(bots_end)
    line = ""
    while "Save these changes" not in line:
        line = process.stderr.readline()
        assert line, "the bot ended without asking"
    os.write(terminal, b"\x04")  # Ctrl-D: end of input
    stdout, stderr = process.communicate(timeout=120)
    os.close(terminal)

    assert process.returncode == Exit.STOPPED
    assert "Traceback" not in stderr
    assert json.loads(stdout.splitlines()[-1])["event"] == "quit"
