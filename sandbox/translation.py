"""Extension:Translate on metawiki, driven as a translation administrator drives it.

Translate REL1_39 has no API to mark a page for translation: a translation administrator
posts Special:PageTranslation's form, and the wiki's jobs then make the translation pages.
The farm runs jobs only when told (`$wgJobRunRate = 0`), so each step runs them.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.api import ApiSession
from sandbox.mediawiki import SandboxError, run_php

WIKI = "metawiki"


def mark_for_translation(root: Path, admin: ApiSession, title: str) -> None:
    """Mark the page's current revision for translation; SandboxError with Translate's
    reason when it refuses (broken markup, say)."""
    revision = admin.get("query", prop="revisions", titles=title, rvprop="ids")["query"]["pages"][
        0
    ]["revisions"][0]["revid"]
    page = admin.post_form(
        "Special:PageTranslation",
        do="mark",
        target=title,
        revision=str(revision),
        translatetitle="1",
        token=admin.token("csrf"),
    )
    if "has been marked up for translation" not in page:
        raise SandboxError(f"Translate did not mark {title}: {_error_of(page)}")
    run_jobs(root)


def translate_unit(translator: ApiSession, unit: str, language: str, text: str) -> None:
    """Save a translation of one unit (`Translations:TITLE/N`) into `language`; the
    translated page follows once the jobs have run (`run_jobs`)."""
    translator.post(
        "edit",
        title=f"{unit}/{language}",
        text=text,
        summary="Translation",
        token=translator.token("csrf"),
    )


def run_jobs(root: Path) -> None:
    """Run metawiki's queued jobs (translation pages, statistics)."""
    run_php(root, WIKI, "runJobs.php")


def _error_of(page: str) -> str:
    start = page.find("errorbox")
    return page[start : start + 600] if start >= 0 else page[-600:]
