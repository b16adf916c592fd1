"""The exit codes of `python -m wikibot`; when pages end differently, the highest wins."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """What a run of the bot ended with."""

    OK = 0  # every page matches the canonical content (or was saved to match it)
    OUT_OF_DATE = 1  # check: a page differs from the canonical content
    USAGE = 2  # the command line was wrong, or sync would ask with no terminal to answer
    EDITED_BY_OTHERS = 3  # a person edited inside a managed region; nothing was overwritten
    STOPPED = 4  # the shutoff page, {{nobots}}, a repeated edit conflict or the operator
    FAILED = 5  # the configuration, the content, the wiki or the login failed
