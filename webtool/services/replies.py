"""Answers in the requester's language: the legal team's reply templates, kept in the message
files as every other text is (translatewiki style, documented in qqq.json), and filled in for
one case in its requester's contact language where the template has been translated, else in
English. Staff edit the text before it is sent; nothing goes out from a template alone."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from webtool.infra.i18n import catalogue, render
from webtool.infra.models import HelpRequest

# The templates, in the order the case page offers them: each is the message
# chldp-reply-NAME, with $1 the request's reference and $2 the legal team's address.
TEMPLATES = (
    "acknowledgement",
    "more-information",
    "decision-assistance",
    "decision-declined",
    "withdrawn",
)


@dataclass(frozen=True)
class Reply:
    name: str
    language: str  # the language the text is in
    wanted: str  # the requester's contact language
    text: str

    @property
    def fallback(self) -> bool:
        """The template is not translated into the requester's language: the page says so."""
        return self.language != self.wanted


def reply(name: str, case: HelpRequest, wanted: str) -> Reply | None:
    """Template `name` for `case`, in `wanted` (the requester's contact language) where it is
    translated, else in English; None for a name that is not a template."""
    if name not in TEMPLATES:
        return None
    key = f"chldp-reply-{name}"
    language = wanted if key in catalogue().get(wanted, {}) else "en"
    text = render(language, key, case.reference, current_app.config["LEGAL_EMAIL"])
    return Reply(name, language, wanted, text)
