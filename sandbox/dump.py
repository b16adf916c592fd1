"""Seeded edit histories as MediaWiki XML dumps, one per wiki, for importDump.php.

The timeline is drawn from a fixed random seed relative to `now`, so every farm has the same
counts, and "edits in the last 12 months" is true of whenever the farm was brought up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from sandbox.accounts import ACCOUNTS, HARASSMENT, HARASSMENT_PAGE, WIKIS

YEAR = timedelta(days=365)
ARTICLES = {
    "metawiki": [f"Meta:Project idea {n}" for n in range(1, 41)],
    "enwiki": [f"Article {n}" for n in range(1, 161)],
    "dewiki": [f"Artikel {n}" for n in range(1, 121)],
}


@dataclass(frozen=True)
class Edit:
    page: str
    user: str
    timestamp: datetime
    comment: str
    text: str


def _spread(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` distinct whole-second times between start and end."""
    span = int((end - start).total_seconds())
    seconds = rng.sample(range(span), count)
    return [start + timedelta(seconds=s) for s in seconds]


def plan_edits(now: datetime) -> dict[str, list[Edit]]:
    """Every seeded edit, by wiki."""
    rng = random.Random(20260101)
    edits: dict[str, list[Edit]] = {wiki: [] for wiki in WIKIS}
    for account in ACCOUNTS:
        for wiki, activity in account.activity.items():
            pages = list(activity.pages or ARTICLES[wiki])
            times = _spread(
                rng,
                activity.edits,
                now - YEAR * activity.years_ago,
                now - YEAR * activity.until_years_ago - timedelta(hours=1),
            )
            for n, when in enumerate(sorted(times)):
                # A grant participant creates each of its pages first, then edits them.
                page = pages[n] if n < len(pages) and activity.pages else rng.choice(pages)
                edits[wiki].append(
                    Edit(
                        page,
                        account.seeded_name,
                        when,
                        f"edit {n + 1}",
                        f"Text by {account.seeded_name}.",
                    )
                )
    for n, (line, summary) in enumerate(HARASSMENT):
        when = now - timedelta(days=20 - 7 * n)
        edits["enwiki"].append(
            Edit(HARASSMENT_PAGE, "Blocked Harasser", when, summary, f"== Notice ==\n{line} --~~~~")
        )
    return edits


def write_dump(edits: list[Edit], path: Path) -> None:
    """An XML dump of `edits`, pages in order, each page's revisions oldest first."""
    by_page: dict[str, list[Edit]] = {}
    for edit in sorted(edits, key=lambda e: e.timestamp):
        by_page.setdefault(edit.page, []).append(edit)
    with path.open("w", encoding="utf-8") as out:
        out.write('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">\n')
        for title, revisions in by_page.items():
            out.write(f"<page><title>{escape(title)}</title>\n")
            text = ""
            for rev in revisions:
                # Each revision appends a line, so no two revisions of a page are identical.
                text = f"{text}{rev.text} ({rev.timestamp:%Y-%m-%d %H:%M:%S})\n"
                out.write(
                    "<revision>"
                    f"<timestamp>{rev.timestamp:%Y-%m-%dT%H:%M:%SZ}</timestamp>"
                    f"<contributor><username>{escape(rev.user)}</username></contributor>"
                    f"<comment>{escape(rev.comment)}</comment>"
                    "<model>wikitext</model><format>text/x-wiki</format>"
                    f'<text xml:space="preserve">{escape(text)}</text>'
                    "</revision>\n"
                )
            out.write("</page>\n")
        out.write("</mediawiki>\n")


def expected_counts(edits: dict[str, list[Edit]], now: datetime) -> dict[str, dict[str, dict]]:
    """{user: {wiki: {edits, first_edit, last_edit, edits_last_year}}} of a plan."""
    counts: dict[str, dict[str, dict]] = {}
    for wiki, wiki_edits in edits.items():
        for edit in wiki_edits:
            entry = counts.setdefault(edit.user, {}).setdefault(
                wiki, {"edits": 0, "edits_last_year": 0, "first_edit": None, "last_edit": None}
            )
            entry["edits"] += 1
            entry["edits_last_year"] += edit.timestamp > now - YEAR
            stamp = edit.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            entry["first_edit"] = min(filter(None, [entry["first_edit"], stamp]))
            entry["last_edit"] = max(filter(None, [entry["last_edit"], stamp]))
    return counts


def utcnow() -> datetime:
    """Now, to the second, in UTC."""
    return datetime.now(UTC).replace(microsecond=0)
