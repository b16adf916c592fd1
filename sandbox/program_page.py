"""The program page on the farm's Meta-Wiki, translated, so that the demo's start page shows
the program in German and Arabic.

Each step takes the path a real wiki takes: the bot's sync writes the page, a person adds
`<languages/>`, the bot's next sync wraps its regions for translation, a translation
administrator marks it on Special:PageTranslation, and translators save units through the API.
Every step is skipped when it was done before, so running it again changes nothing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from program.content import Content, load_content
from sandbox import load_state, sandbox_dir
from sandbox.api import ApiSession, operator_session
from sandbox.mediawiki import SandboxError
from sandbox.translation import mark_for_translation, run_jobs, translate_unit
from wikibot.__main__ import main as wikibot_main
from wikibot.exits import Exit
from wikibot.settings import Settings
from wikibot.translate import is_translatable

# By language, each unit's translation by its English text (Translate's "definition").
Translations = Mapping[str, Mapping[str, str]]


def demo_translations(content: Content) -> dict[str, dict[str, str]]:
    """German and Arabic for the introduction and the conditions; the rest stays English, so
    the demo also shows how the start page says that part of it is not translated yet."""
    first, second = content.introduction
    conditions = content.conditions
    return {
        "de": {
            first: (
                "Das Community Health Legal Defense Program der Wikimedia Foundation hilft "
                "Freiwilligen in den seltenen Fällen, in denen ihre Arbeit für die "
                "Wikimedia-Bewegung sie zur Zielscheibe schwerer oder anhaltender Belästigung "
                "gemacht hat, einen Anwalt zu finden, ihn zu bezahlen oder beides."
            ),
            second: (
                "Belästigung dieser Schwere ist selten. Das Programm will sie noch seltener "
                "machen: Wer davon betroffen ist, kann Hilfe bei der Wahl eines qualifizierten "
                "Rechtsbeistands und bei der Bezahlung rechtlicher Schritte gegen die "
                "belästigende Person bekommen, auch wenn das sonst die eigenen Mittel übersteigen "
                "würde. Die Mittel des Programms sind begrenzt und bleiben deshalb den schwersten "
                "Fällen vorbehalten."
            ),
            heading(conditions.heading): heading("Wer um Hilfe bitten kann"),
            conditions.lead: "Um berücksichtigt zu werden, müssen Sie alle drei Bedingungen "
            "erfüllen:",
            list_unit(content): list_of(
                [
                    "Sie unterstützen die Wikimedia-Projekte. Das lässt sich auf viele Arten "
                    "zeigen, zum Beispiel als Autorin oder Autor, mit einer administrativen Rolle "
                    "oder durch die Teilnahme am Förderprogramm der Foundation.",
                    "Wegen Ihrer Arbeit in der Wikimedia-Bewegung sind Sie Ziel schwerer oder "
                    "anhaltender Belästigung, von Doxxing, Cyberangriffen oder etwas ähnlich "
                    "Ernstem.",
                    "Sie haben die Nutzungsbedingungen, die Datenschutzrichtlinie und die für Sie "
                    "geltenden Richtlinien der Community und der Foundation eingehalten.",
                ]
            ),
        },
        "ar": {
            first: (
                "يساعد برنامج الدفاع القانوني لصحة المجتمع التابع لمؤسسة ويكيميديا المتطوعين "
                "على إيجاد محامٍ أو دفع أتعابه أو كليهما، في الحالات النادرة التي جعلهم فيها "
                "عملهم من أجل حركة ويكيميديا هدفًا لمضايقات شديدة أو مطوّلة."
            ),
            second: (
                "المضايقات بهذه الخطورة نادرة. ويسعى البرنامج أيضًا إلى جعلها أندر: إذ يمكن لمن "
                "يتعرّض لها أن يحصل على مساعدة في اختيار محامٍ مؤهَّل وفي دفع تكاليف الإجراءات "
                "القانونية ضد من يضايقه، حتى حين يفوق ذلك إمكاناته. والأموال المخصّصة للبرنامج "
                "محدودة، ولذلك تُحفَظ للحالات الأشد خطورة."
            ),
            heading(conditions.heading): heading("من يمكنه طلب المساعدة"),
            conditions.lead: "لكي يُنظَر في طلبك، يجب أن تستوفي هذه الشروط الثلاثة جميعها:",
            list_unit(content): list_of(
                [
                    "أنت تدعم مشاريع ويكيميديا. وهناك طرق كثيرة لإظهار ذلك، مثلًا بصفتك محررًا، "
                    "أو بتولّيك دورًا إداريًا، أو بمشاركتك في عملية المنح لدى المؤسسة.",
                    "بسبب عملك في حركة ويكيميديا، أنت هدف لمضايقات شديدة أو مستمرة، أو لكشف "
                    "معلوماتك الشخصية، أو لهجمات إلكترونية، أو لما يماثلها خطورة.",
                    "لقد التزمت بشروط الاستخدام وسياسة الخصوصية وسياسات المجتمع والمؤسسة التي "
                    "تنطبق عليك.",
                ]
            ),
        },
    }


def list_unit(content: Content) -> str:
    """The English of the unit that holds the list of conditions, as Translate defines it."""
    return list_of([item.text for item in content.conditions.items])


def heading(text: str) -> str:
    """A section's heading in wikitext, as the bot writes it: a unit of its own."""
    return f"== {text} =="


def list_of(lines: list[str]) -> str:
    """A numbered list in wikitext, as the bot writes the conditions."""
    return "\n".join(f"# {line}" for line in lines)


def translate_program_page(
    state: Mapping | str | os.PathLike | None = None,
    settings: Settings | None = None,
    translations: Translations | None = None,
) -> list[str]:
    """Write the program page on the farm's Meta-Wiki, mark it for translation and save
    `translations` (the demo's by default); what was done, in words (nothing the second time).

    `state` is the farm's sandbox.json as a dict, or its directory; `settings` say which page
    (the bot's own page by default). SandboxError when a step fails."""
    if not isinstance(state, Mapping):
        state = _state(state)
    settings = settings or Settings(pywikibot_dir=state["pywikibot_dir"])
    if translations is None:
        translations = demo_translations(load_content(settings.content_file))
    root = Path(state["dir"])
    title = settings.program_page
    operator = state["operator"]
    admin = operator_session(
        state["wikis"]["metawiki"]["api_url"], operator["name"], operator["password"]
    )
    done = []

    _sync(settings)  # the bot writes the page, or keeps it as it is
    if not is_translatable(wiki_text(admin, title)):
        # The bot never adds <languages/>: a person decides that a page is to be translated.
        admin.post(
            "edit",
            title=title,
            text="<languages/>\n" + wiki_text(admin, title),
            summary="Prepare for translation",
            token=admin.token("csrf"),
        )
        _sync(settings)  # wraps each region for translation
        done.append("prepared for translation")
    if not _latest_is_marked(admin, title):
        mark_for_translation(root, admin, title)
        done.append("marked for translation")
    saved = 0
    for language, wanted in translations.items():
        units = {u["definition"]: u for u in translation_units(admin, title, language)}
        for english, words in wanted.items():
            unit = units.get(english)
            if unit is None:
                raise SandboxError(f"{title} has no translation unit for: {english[:60]}")
            if unit["translation"] != words:
                translate_unit(admin, unit["title"].rsplit("/", 1)[0], language, words)
                saved += 1
    if saved:
        run_jobs(root)  # renders the translated pages
        done.append(f"{saved} translations saved")
    return done


def translation_units(api: ApiSession, title: str, language: str) -> list[dict]:
    """The translation units of the page `title` in `language`, as Translate lists them."""
    return api.get(
        "query",
        list="messagecollection",
        mcgroup=f"page-{title}",
        mclanguage=language,
        mcprop="definition|translation|tags",
        mclimit="max",
    )["query"]["messagecollection"]


def wiki_text(api: ApiSession, title: str) -> str:
    """The wikitext of `title`; empty when there is no such page."""
    page = api.get("query", prop="revisions", titles=title, rvprop="content", rvslots="main")
    page = page["query"]["pages"][0]
    return "" if page.get("missing") else page["revisions"][0]["slots"]["main"]["content"]


def _state(directory: str | os.PathLike | None) -> dict:
    state = load_state(directory)
    if state is None:
        raise SandboxError(f"No sandbox in {sandbox_dir(directory)}; start one first.")
    return state


def _sync(settings: Settings) -> None:
    # The bot logs each step and shows each diff: said only when it fails.
    log = io.StringIO()
    with redirect_stdout(log), redirect_stderr(log):
        code = wikibot_main(["sync", "--always", "--page", "program"], settings=settings)
    if code != Exit.OK:
        raise SandboxError(
            f"The bot's sync of {settings.program_page} ended with exit {code}:\n{log.getvalue()}"
        )


def _latest_is_marked(admin: ApiSession, title: str) -> bool:
    """Whether the page's latest revision is the one last marked for translation: Translate
    logs each marking with its revision (REL1_39 has no API that says it)."""
    page = admin.get("query", prop="revisions", titles=title, rvprop="ids")["query"]["pages"][0]
    marks = admin.get(
        "query", list="logevents", letype="pagetranslation", letitle=title, lelimit="max"
    )["query"]["logevents"]
    last = next((entry for entry in marks if entry["action"] in ("mark", "unmark")), None)
    return (
        last is not None
        and last["action"] == "mark"
        and last["params"].get("revision") == page["revisions"][0]["revid"]
    )
