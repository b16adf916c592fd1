"""What one page should become: the new text, which regions change, and what stops the change.

Pure text in, text out: the same plan serves `sync` (which saves it), `check` (which only
compares) and the tests, with no wiki needed.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from wikibot.regions import find_regions, fingerprint, write_regions
from wikibot.render import Part
from wikibot.translate import is_translatable, strip_translate_markup, translatable_body

SUMMARY_NAMES = 8


@dataclass(frozen=True)
class PagePlan:
    """The page as it is, as it should be, and why."""

    old_text: str
    new_text: str
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    edited_by_others: tuple[str, ...] = ()

    @property
    def changes(self) -> bool:
        """Whether saving the plan would change the page."""
        return self.new_text != self.old_text

    def diff(self, title: str) -> str:
        """A unified diff from the page to the plan."""
        return "".join(
            difflib.unified_diff(
                self.old_text.splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                fromfile=f"{title} (on the wiki)",
                tofile=f"{title} (from the canonical content)",
            )
        )

    def summary(self, task_page: str) -> str:
        """The edit summary: which regions change, and a link to the bot's task page."""
        changes = [
            f"{verb} {_names(names)}"
            for verb, names in (
                ("added", self.added),
                ("updated", self.updated),
                ("removed", self.removed),
            )
            if names
        ]
        return (
            f"Sync with the program's canonical content: {'; '.join(changes)} "
            f"([[{task_page}|bot task]])"
        )


def plan_page(old_text: str, parts: Sequence[Part], force: bool = False) -> PagePlan:
    """The plan that writes `parts` into the page `old_text`.

    A region a person edited since the bot's last write is not overwritten, and then the
    page is left as it is, unless `force`. A part whose blocks are unknown keeps its region.
    """
    found = {region.name: region for region in find_regions(old_text)}
    translatable = is_translatable(old_text)
    bodies: dict[str, str] = {}
    added, updated, edited = [], [], []
    for part in parts:
        region = found.get(part.name)
        if part.blocks is None:
            continue
        if region is None:
            bodies[part.name] = (
                translatable_body("", part.blocks) if translatable else part.wikitext
            )
            added.append(part.name)
            continue
        same_words = strip_translate_markup(region.body).strip() == part.wikitext
        if same_words and (not translatable or "<translate" in region.body):
            if region.recorded_hash != fingerprint(region.body):
                bodies[part.name] = region.body  # a person made the source's change: re-sign it
                updated.append(part.name)
            continue
        if region.edited_by_someone_else:
            edited.append(part.name)
        bodies[part.name] = (
            translatable_body(region.body, part.blocks) if translatable else part.wikitext
        )
        updated.append(part.name)
    wanted = {part.name for part in parts}
    removed = [name for name in found if name not in wanted]
    edited += [name for name in removed if found[name].edited_by_someone_else]
    if edited and not force:
        return PagePlan(old_text, old_text, edited_by_others=tuple(edited))
    new_text = write_regions(old_text, bodies, [part.name for part in parts], removed=removed)
    return PagePlan(
        old_text,
        new_text,
        added=tuple(added),
        updated=tuple(updated),
        removed=tuple(removed),
        edited_by_others=tuple(edited),
    )


def _names(names: Sequence[str]) -> str:
    if len(names) <= SUMMARY_NAMES:
        return ", ".join(names)
    return ", ".join(names[:SUMMARY_NAMES]) + f" and {len(names) - SUMMARY_NAMES} more"
