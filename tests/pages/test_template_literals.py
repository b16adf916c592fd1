"""No template writes a word of its own: every word a reader sees or hears comes from the
message files, so each page speaks the reader's language. What a template may still write
itself is what no language translates: punctuation, numbers and symbols."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from jinja2 import Environment
from support import CHECKOUT

TEMPLATES = CHECKOUT / "webtool" / "templates"
# Attributes a person reads or hears (a screen reader speaks them).
SPOKEN_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "label",
    "aria-label",
    "aria-description",
    "aria-placeholder",
    "aria-roledescription",
    "aria-valuetext",
}
# A button's value is its label.
BUTTON_TYPES = {"submit", "button", "reset"}
HIDDEN_ELEMENTS = {"script", "style"}
A_LETTER = re.compile(r"[^\W\d_]")
# Attributes written on their own, as a macro that adds them to a tag writes them.
ATTRIBUTE = re.compile(r'([a-z][a-z-]*)="([^"]*)"')
ONLY_ATTRIBUTES = re.compile(r'\s*([a-z][a-z-]*="[^"]*"\s*)+')
# Where an expression or a tag of the template stands in the HTML: never a letter, and spaced
# so that a tag with an `{% if %}` inside still reads as a tag.
HOLE = "\x00"
# Text that has letters but is no word of any language, each with the reason.
NOT_WORDS = {
    ".zip": "the extension of a file name, after the bundle's reference",
    "SHA-256": "the name of the hash algorithm, written so in every language",
}


def words(text: str) -> bool:
    """Whether `text` has a letter once the template's holes and the allowed non-words are gone."""
    text = text.replace(HOLE, " ")
    for allowed in NOT_WORDS:
        text = text.replace(allowed, " ")
    return bool(A_LETTER.search(text))


def literal_with_words(token: str) -> bool:
    """Whether a string in a template's expression reads as words: a capital letter, a space
    between letters, or letters beyond ASCII. Lower-case identifiers (message keys, endpoints,
    statuses, CSS classes) and strftime formats are not words."""
    text = re.sub(r"%[A-Za-z]", "", token[1:-1])
    return bool(
        re.search(r"[A-Z]", text)
        or re.search(r"[^\W\d_]\s+[^\W\d_]", text)
        or (re.search(r"[^\x00-\x7f]", text) and A_LETTER.search(text))
    )


class Literals(HTMLParser):
    """Collects text nodes and spoken attributes that hold words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_ELEMENTS:
            self.hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            button = tag in ("input", "button") and values.get("type") in BUTTON_TYPES
            spoken = name in SPOKEN_ATTRIBUTES or (name == "value" and button)
            if spoken and value and words(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_ELEMENTS:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if ONLY_ATTRIBUTES.fullmatch(data.replace(HOLE, " ")):
            self.handle_starttag("", ATTRIBUTE.findall(data))
        elif not self.hidden and words(data):
            self.found.append(" ".join(data.replace(HOLE, " ").split()))


def literals(source: str) -> list[str]:
    """The words written in a template itself: in its HTML, and in strings of its expressions."""
    html, found = [], []
    for _, kind, value in Environment().lex(source):
        if kind == "data":
            html.append(value)
        elif kind in ("variable_begin", "block_begin"):
            html.append(f" {HOLE} ")
        elif kind == "string" and literal_with_words(value):
            found.append(value)
    parser = Literals()
    parser.feed("".join(html))
    parser.close()
    return parser.found + found


def test_the_checker_finds_words_and_lets_symbols_pass():
    assert literals("<p>Queue</p>") == ["Queue"]
    assert literals('<a title="Open it">{{ x }}</a>') == ["<a title='Open it'>"]
    assert literals('<input type="submit" value="Send">') == ["<input value='Send'>"]
    assert literals("{{ x or 'None yet' }}") == ["'None yet'"]
    assert literals("<p>Der Fall</p>") == ["Der Fall"]
    assert literals("<p>الحالة</p>") == ["الحالة"]
    assert literals("<p>{{ msg('chldp-title') }} — {{ n }} · 3 %</p>") == []
    assert literals("<option{% if x %} selected{% endif %}>{{ w }}</option>") == []
    assert literals("<a{% if x %} title='Open'{% endif %}>") == ["<a title='Open'>"]
    assert literals('{% macro m() %} lang="en" title="Open"{% endmacro %}') == ["< title='Open'>"]
    assert literals("<script>let x = 'Not shown';</script>{# A comment #}") == []
    assert literals("{{ d.strftime('%Y-%m-%d') }} {{ url_for('staff.case') }}") == []


def test_no_template_writes_a_word_of_its_own():
    left = {}
    for template in sorted(TEMPLATES.rglob("*.html")):
        found = literals(template.read_text(encoding="utf-8"))
        if found:
            left[str(template.relative_to(TEMPLATES))] = found
    assert left == {}
