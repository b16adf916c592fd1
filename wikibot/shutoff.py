"""The shutoff page: anyone on the wiki can stop the bot by editing one page.

The bot runs while the page is missing or says `off` (comments and spacing aside). Anything
else on it (`on`, `stop`, a note, or a blanked page) switches the bot off, before its first
edit and before each further one.
"""

from __future__ import annotations

import mwparserfromhell
from mwparserfromhell.nodes import Comment


def is_switched_on(text: str | None) -> bool:
    """Whether the shutoff page's text (None: the page does not exist) stops the bot."""
    if text is None:
        return False
    code = mwparserfromhell.parse(text)
    for comment in code.filter(recursive=False, matches=lambda node: isinstance(node, Comment)):
        code.remove(comment)
    return str(code).strip().lower() != "off"
