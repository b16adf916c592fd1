"""The interface's languages: translatewiki-style JSON message files, one per language.

The language is `uselang` when given (and remembered for the session), else the best match
of the browser's Accept-Language, else English. A message missing in a language falls back
to English, as MediaWiki does.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date
from flask import Flask, g, request, session

MESSAGES = Path(__file__).with_name("messages")
RTL = {"ar", "he", "fa", "ur"}


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every language's messages, without the `@metadata` block; qqq.json is documentation."""
    found = {}
    for path in sorted(MESSAGES.glob("*.json")):
        if path.stem != "qqq":
            messages = json.loads(path.read_text(encoding="utf-8"))
            messages.pop("@metadata", None)
            found[path.stem] = messages
    return found


def languages() -> list[str]:
    return sorted(catalogue())


def choose_language() -> str:
    wanted = request.args.get("uselang")
    if wanted in catalogue():
        session["uselang"] = wanted
        return wanted
    if session.get("uselang") in catalogue():
        return session["uselang"]
    return request.accept_languages.best_match(languages(), default="en")


def msg(key: str, *params: object) -> str:
    """The message `key` in the page's language, with $1, $2… replaced by `params`."""
    text = catalogue().get(g.lang, {}).get(key) or catalogue()["en"][key]
    for number, value in reversed(list(enumerate(params, start=1))):
        text = text.replace(f"${number}", str(value))
    return text


def date(value: datetime | str | None) -> str:
    """A date written the way the page's language writes dates."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_date(value, format="long", locale=g.lang)


def init_app(app: Flask) -> None:
    @app.before_request
    def pick_language() -> None:
        g.lang = choose_language()

    @app.context_processor
    def helpers() -> dict:
        lang = g.get("lang", "en")
        return {
            "msg": msg,
            "date": date,
            "lang": lang,
            "dir": "rtl" if lang in RTL else "ltr",
            "languages": languages(),
        }
