"""Why a link was not captured, as a message key with its parameters.

The sentence is written when it is shown: in the requester's language on a page, in English
in the manifest, the terminal and logs (webtool.infra.i18n renders it either way). Numbers that
are ids are passed as text, so that no language writes them with a thousands separator.
"""

from __future__ import annotations

from webtool.infra.i18n import render

Param = str | int


class EvidenceError(Exception):
    """A sentence saying why something cannot be captured: the message `key` and its params."""

    def __init__(self, key: str, *params: Param) -> None:
        super().__init__(key, *params)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return self.say("en")

    def say(self, lang: str) -> str:
        """The sentence in `lang` (English where a translation is missing)."""
        return render(lang, self.key, *self.params)
