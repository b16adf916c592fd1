"""`sync` and `check`: the bot's pages compared with the canonical content, saved when asked.

Both read every page they need in one request. `sync` then works page by page as Pywikibot's
bundled scripts do: it shows the diff, asks (unless --always), checks the shutoff page again
and saves with a bot flag and a summary that says what changed. It never overwrites a
person's edit inside a managed region unless forced, honours {{nobots}} and {{bots}}, and on
an edit conflict reads the page again once and recomputes before it gives up on that page.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from program.content import Content
from wikibot import render
from wikibot.errors import RegionError, UsageError
from wikibot.exits import Exit
from wikibot.log import ActionLog
from wikibot.plan import PagePlan, plan_page
from wikibot.render import Part
from wikibot.settings import Settings
from wikibot.shutoff import is_switched_on
from wikibot.status import ProgramStatus
from wikibot.wiki import page_text, read_pages

if TYPE_CHECKING:
    import pywikibot
    from pywikibot.site import APISite


@dataclass(frozen=True)
class SyncOptions:
    """The options of `sync`, named as in Pywikibot's scripts where they have a name there."""

    dry_run: bool = False  # Pywikibot's -simulate: show the diffs, save nothing
    always: bool = False  # Pywikibot's -always: save without asking
    force: bool = False  # overwrite regions that a person edited


class _Stop(Exception):
    """Stop the whole run now (the shutoff page, or the operator quit)."""


def target_pages(settings: Settings, wanted: Sequence[str]) -> dict[str, str]:
    """The pages to work on, by short name, from short names or titles (all when empty)."""
    if not wanted:
        return settings.pages
    chosen = {}
    for name in wanted:
        key = next((k for k, title in settings.pages.items() if name in (k, title)), None)
        if key is None:
            known = ", ".join(f"{k} ({title})" for k, title in settings.pages.items())
            raise UsageError(f"{name!r} is not one of the bot's pages: {known}.")
        chosen[key] = settings.pages[key]
    return chosen


def page_parts(key: str, content: Content, status: ProgramStatus | None) -> list[Part]:
    """The regions the page with short name `key` should hold."""
    render_page = render.program_page if key == "program" else render.faq_page
    return render_page(content, status)


def check_pages(
    site: APISite,
    targets: dict[str, str],
    content: Content,
    status: ProgramStatus | None,
    log: ActionLog,
) -> Exit:
    """Compare the target pages with the content, print what differs, and change nothing."""
    loaded = read_pages(site, targets.values())
    result = Exit.OK
    for key, title in targets.items():
        text = page_text(loaded[title])
        parts = page_parts(key, content, status)
        try:
            plan = plan_page(text, parts)
        except RegionError as error:
            log("damaged", f"{title}: {error}.", page=title)
            result = max(result, Exit.EDITED_BY_OTHERS)
            continue
        if plan.edited_by_others:
            _show_diff(plan_page(text, parts, force=True), title)
            log(
                "edited-by-others",
                f"{title}: someone edited {', '.join(plan.edited_by_others)} since the bot's "
                "last write.",
                page=title,
                regions=list(plan.edited_by_others),
            )
            result = max(result, Exit.EDITED_BY_OTHERS)
        elif plan.changes:
            _show_diff(plan, title)
            log(
                "out-of-date",
                f"{title} differs from the canonical content.",
                page=title,
                regions=[*plan.added, *plan.updated, *plan.removed],
            )
            result = max(result, Exit.OUT_OF_DATE)
        else:
            log("up-to-date", f"{title} matches the canonical content.", page=title)
    return result


class Sync:
    """One run of `sync` over the target pages (short name to title, see target_pages)."""

    def __init__(
        self,
        site: APISite,
        settings: Settings,
        targets: dict[str, str],
        content: Content,
        status: ProgramStatus | None,
        options: SyncOptions,
        log: ActionLog,
    ) -> None:
        self.site = site
        self.settings = settings
        self.targets = targets
        self.content = content
        self.status = status
        self.options = options
        self.always = options.always
        self.log = log

    def run(self) -> Exit:
        """Bring every page in line with the content; the exit code says how it went."""
        shutoff = self.settings.shutoff_page
        loaded = read_pages(self.site, [*self.targets.values(), shutoff])
        result = Exit.OK
        try:
            self._stop_if_switched_on(loaded[shutoff])
            for key, title in self.targets.items():
                parts = page_parts(key, self.content, self.status)
                result = max(result, self._sync_page(loaded[title], parts))
        except _Stop:
            return Exit.STOPPED
        return result

    def _sync_page(self, page: pywikibot.Page, parts: list[Part]) -> Exit:
        import pywikibot

        title = page.title()
        if not page.botMayEdit():
            self.log(
                "excluded",
                f"{title} excludes this bot with {{{{nobots}}}} or {{{{bots}}}}.",
                page=title,
            )
            return Exit.STOPPED
        for again in ("", " again"):
            try:
                plan = plan_page(page_text(page), parts, force=self.options.force)
            except RegionError as error:
                self.log("damaged", f"{title}: {error}; nothing was changed.", page=title)
                return Exit.EDITED_BY_OTHERS
            if plan.edited_by_others and not plan.changes:
                self.log(
                    "edited-by-others",
                    f"{title}: someone edited {', '.join(plan.edited_by_others)} since the "
                    "bot's last write; nothing was overwritten (use --force to restore).",
                    page=title,
                    regions=list(plan.edited_by_others),
                )
                return Exit.EDITED_BY_OTHERS
            if not plan.changes:
                self.log("unchanged", f"{title} already matches the canonical content.", page=title)
                return Exit.OK
            _show_diff(plan, title)
            if not self._confirmed(plan, title):
                return Exit.OK
            try:
                return self._save(page, plan)
            except pywikibot.exceptions.EditConflictError:
                self.log(
                    "edit-conflict", f"{title} changed{again} while the bot worked.", page=title
                )
                page = read_pages(self.site, [title])[title]
        self.log("skipped", f"{title} kept changing; it was left for the next run.", page=title)
        return Exit.STOPPED

    def _confirmed(self, plan: PagePlan, title: str) -> bool:
        if self.options.dry_run:
            self.log(
                "would-save",
                f"{title} would be saved: {plan.summary(self.settings.task_page)}",
                page=title,
            )
            return False
        if self.always:
            return True
        from pywikibot.bot import QuitKeyboardInterrupt, input_choice

        try:
            answer = input_choice(
                f"Save these changes to {title}?",
                [("yes", "y"), ("no", "n"), ("all", "a")],
                default="n",
            )
        except (QuitKeyboardInterrupt, EOFError):  # q, or the terminal closed (Ctrl-D)
            self.log("quit", "The operator stopped the run.")
            raise _Stop from None
        self.always = answer == "a"
        if answer == "n":
            self.log("declined", f"The operator did not save {title}.", page=title)
        return answer != "n"

    def _save(self, page: pywikibot.Page, plan: PagePlan) -> Exit:
        import pywikibot

        shutoff = self.settings.shutoff_page
        self._stop_if_switched_on(read_pages(self.site, [shutoff])[shutoff])
        title = page.title()
        summary = plan.summary(self.settings.task_page)
        # Conflicts are detected against the revision read, by its id and without Pywikibot's
        # base timestamp: MediaWiki takes an edit made in the same second as that timestamp
        # for the bot's own and drops the conflict. A page missing when read must still be
        # missing: someone may have created it since.
        guard = (
            {"baserevid": page.latest_revision_id, "basetimestamp": None}
            if page.exists()
            else {"createonly": True}
        )
        page.text = plan.new_text
        try:
            page.save(summary=summary, bot=True, minor=False, quiet=True, **guard)
        except pywikibot.exceptions.EditConflictError:
            raise  # _sync_page reads the page again
        except pywikibot.exceptions.Error as error:
            self.log("not-saved", f"{title} could not be saved: {error}.", page=title)
            return Exit.FAILED
        self.log(
            "saved",
            f"{title} saved: {summary}",
            page=title,
            revision=page.latest_revision_id,
            forced=list(plan.edited_by_others),
        )
        return Exit.OK

    def _stop_if_switched_on(self, shutoff: pywikibot.Page) -> None:
        if is_switched_on(page_text(shutoff) if shutoff.exists() else None):
            self.log(
                "shutoff",
                f"The shutoff page {shutoff.title()} is switched on; the bot stopped.",
                page=shutoff.title(),
            )
            raise _Stop


def _show_diff(plan: PagePlan, title: str) -> None:
    print(plan.diff(title), file=sys.stderr, flush=True)
