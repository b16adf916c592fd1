"""The bot's configuration, from the environment.

Pywikibot keeps its own configuration (wiki, account, throttle, maxlag) in user-config.py in
PYWIKIBOT_DIR; see user-config.example.py. The sandbox writes one for its wikis, and names it
with the web tool's status address in `.sandbox/chldp.env`: loaded into the environment, it
points the bot at the farm.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from program.content import CONTENT_FILE

PROGRAM_PAGE = "Legal:Community Health Legal Defense Program"
USER_AGENT = "chldp-wikibot/0.1 (Community Health Legal Defense Program page sync)"


@dataclass(frozen=True)
class Settings:
    """Which pages the bot keeps, where it reads the status, and what stops it."""

    program_page: str = PROGRAM_PAGE
    faq_page: str = PROGRAM_PAGE + "/FAQ"
    shutoff_page: str = "User:ChldpBot/Shutoff"
    task_page: str = "User:ChldpBot/Program pages"
    status_url: str | None = None
    pywikibot_dir: str | None = None
    content_file: Path = CONTENT_FILE

    @property
    def pages(self) -> dict[str, str]:
        """The pages the bot keeps, by their short name."""
        return {"program": self.program_page, "faq": self.faq_page}


def settings_from_environment(env: Mapping[str, str] = os.environ) -> Settings:
    """Settings from CHLDP_BOT_* variables, CHLDP_STATUS_URL and PYWIKIBOT_DIR."""
    program_page = env.get("CHLDP_BOT_PROGRAM_PAGE", PROGRAM_PAGE)
    return Settings(
        program_page=program_page,
        faq_page=env.get("CHLDP_BOT_FAQ_PAGE", program_page + "/FAQ"),
        shutoff_page=env.get("CHLDP_BOT_SHUTOFF_PAGE", Settings.shutoff_page),
        task_page=env.get("CHLDP_BOT_TASK_PAGE", Settings.task_page),
        status_url=env.get("CHLDP_STATUS_URL") or None,
        pywikibot_dir=env.get("PYWIKIBOT_DIR") or None,
        content_file=Path(env.get("CHLDP_BOT_CONTENT", CONTENT_FILE)),
    )
