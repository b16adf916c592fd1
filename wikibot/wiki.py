"""The wiki through Pywikibot: the site, the login, and pages read in one batched request.

Pywikibot reads its configuration (user-config.py in PYWIKIBOT_DIR) once, when it is first
imported, so it is imported here, lazily, after PYWIKIBOT_DIR is set from the settings.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from wikibot.errors import ConfigurationError, WikiError
from wikibot.settings import Settings

if TYPE_CHECKING:
    import pywikibot
    from pywikibot.site import APISite


def open_site(settings: Settings, login: bool = True) -> APISite:
    """The wiki of the Pywikibot configuration in settings.pywikibot_dir, logged in if asked."""
    pywikibot = _pywikibot(settings)
    try:
        site = pywikibot.Site()
        if login:
            site.login()
    except pywikibot.exceptions.Error as error:
        raise WikiError(f"Pywikibot could not open the wiki: {error}") from error
    if login and not site.logged_in():
        raise WikiError(f"Pywikibot could not log in to {site}; check user-config.py.")
    return site


def read_pages(site: APISite, titles: Iterable[str]) -> dict[str, pywikibot.Page]:
    """The pages with their text and templates, read in one request, by the titles asked."""
    import pywikibot

    asked = {title: pywikibot.Page(site, title) for title in titles}
    try:
        # One query for all of them; the templates let botMayEdit see {{nobots}} without another.
        list(site.preloadpages(list(asked.values()), templates=True))
    except pywikibot.exceptions.Error as error:
        raise WikiError(f"The pages could not be read from {site}: {error}") from error
    return asked


def page_text(page: pywikibot.Page) -> str:
    """The page's wikitext; empty for a page that does not exist yet."""
    return page.text if page.exists() else ""


def _pywikibot(settings: Settings) -> ModuleType:
    wanted = settings.pywikibot_dir
    if "pywikibot" not in sys.modules:
        if wanted:
            if not (Path(wanted) / "user-config.py").exists():
                raise ConfigurationError(f"There is no user-config.py in {wanted}.")
            os.environ["PYWIKIBOT_DIR"] = wanted
        try:
            import pywikibot
        except RuntimeError as error:  # Pywikibot found no user-config.py
            raise ConfigurationError(f"Pywikibot is not configured: {error}") from error
    import pywikibot

    if wanted and Path(pywikibot.config.base_dir).resolve() != Path(wanted).resolve():
        raise ConfigurationError(
            f"Pywikibot was already configured from {pywikibot.config.base_dir}, not {wanted}."
        )
    return pywikibot
