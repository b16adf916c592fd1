"""The interface's languages: translatewiki-style JSON message files, one per language.

The language is `uselang` when given (and remembered for the session), else the best match
of the browser's Accept-Language, else English. A message missing in a language falls back
to English, as MediaWiki does. `?uselang=qqx` shows each message's key (and its parameters)
in its place, as MediaWiki does for translators; it is never remembered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask, g, request, session

MESSAGES = Path(__file__).parent.parent / "messages"
RTL = {"ar", "he", "fa", "ur"}
QQX = "qqx"  # the pseudo-language that shows message keys
PLURAL = re.compile(r"\{\{PLURAL:\$(\d+)\|([^}]*)\}\}")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
PLURAL_ORDER = ("zero", "one", "two", "few", "many", "other")  # MediaWiki's order of forms


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


def render(lang: str, key: str, *params: object) -> str:
    """The message `key` in `lang` (else English), with $1, $2… replaced by `params`:
    numbers written the language's way, {{PLURAL:$n|…}} chosen by its plural rules, and a
    param {"message": key, "params": [...], "default": text} itself translated when the key
    exists."""
    text = catalogue().get(lang, {}).get(key) or catalogue()["en"][key]

    def plural(match: re.Match) -> str:
        count = params[int(match[1]) - 1]
        forms = match[2].split("|")
        rule = Locale.parse(lang).plural_form
        tags = [t for t in PLURAL_ORDER if t in rule.tags or t == "other"]
        category = rule(abs(count)) if isinstance(count, int) else "other"
        return forms[min(tags.index(category), len(forms) - 1)]

    text = PLURAL.sub(plural, text)
    for number, value in reversed(list(enumerate(params, start=1))):
        text = text.replace(f"${number}", _written(lang, value))
    return text


def msg(key: str, *params: object) -> str:
    """The message `key` in the page's language; its key with `?uselang=qqx`."""
    if g.get("qqx"):
        return keys_shown(key, params)
    return render(g.lang, key, *params)


def keys_shown(key: str, params: Sequence[object]) -> str:
    """What `?uselang=qqx` shows for a message: `(key: param, param)`, a parameter that is
    itself a message shown the same way."""
    shown = [
        keys_shown(p["message"], p.get("params", ())) if isinstance(p, dict) else str(p)
        for p in params
    ]
    return f"({key}: {', '.join(shown)})" if shown else f"({key})"


def _written(lang: str, value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, locale=lang)
    if isinstance(value, Decimal):
        # Amounts of money: cents always shown, grouped and marked the language's way.
        return format_decimal(value, format="#,##0.00", locale=lang)
    if isinstance(value, dict):
        known = value["message"] in catalogue()["en"]
        params = value.get("params", ())
        return render(lang, value["message"], *params) if known else str(value["default"])
    return str(value)


def date(value: datetime | str | None) -> str:
    """A date written the way the page's language writes dates."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_date(value, format="long", locale=g.lang)


def said(finding: dict, lang: str) -> str:
    """A finding as a sentence in `lang`. Its days are ISO dates (as in its English summary,
    which records stay in); a reader reads them the language's way."""
    params = [
        format_date(datetime.fromisoformat(p), format="medium", locale=lang)
        if isinstance(p, str) and ISO_DAY.fullmatch(p)
        else p
        for p in finding["params"]
    ]
    return sentence(render(lang, finding["message"], *params))


def sentence(text: str) -> str:
    """`text` with a capital first letter, as a sentence starts."""
    return text[:1].upper() + text[1:]


def init_app(app: Flask) -> None:
    @app.before_request
    def pick_language() -> None:
        g.lang = choose_language()
        g.qqx = request.args.get("uselang") == QQX

    @app.context_processor
    def helpers() -> dict:
        lang = g.get("lang", "en")
        return {
            "msg": msg,
            "say": lambda finding: (
                keys_shown(finding["message"], finding["params"])
                if g.get("qqx")
                else said(finding, lang)
            ),
            "date": date,
            "number": lambda n: format_decimal(n, locale=lang),
            "lang": lang,
            "dir": "rtl" if lang in RTL else "ltr",
            "languages": languages(),
        }
