"""`python -m wikibot sync | check | import PAGE`: the bot from a terminal or a scheduled job.

    sync [--dry-run] [--always] [--force] [--page NAME]...   bring the pages in line
    check [--page NAME]...                                    compare, change nothing
    import PAGE [--output FILE]                               the content as a page has it

Configuration comes from the environment (see wikibot.settings); exit codes are in
wikibot.exits. Errors end the run with one sentence, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from program.content import Content, ContentError, dump_content, load_content
from wikibot.errors import UsageError, WikibotError
from wikibot.exits import Exit
from wikibot.importer import import_faq_page, import_program_page
from wikibot.log import ActionLog
from wikibot.regions import find_regions
from wikibot.settings import USER_AGENT, Settings, settings_from_environment
from wikibot.status import ProgramStatus, read_status
from wikibot.sync import Sync, SyncOptions, check_pages, target_pages
from wikibot.wiki import open_site, page_text, read_pages


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """Run one command; return its exit code."""
    args = _parser().parse_args(argv)
    # import prints YAML on standard output, so its log goes to standard error.
    log = ActionLog(args.command, sys.stderr if args.command == "import" else sys.stdout)
    try:
        _refuse_to_ask_without_a_terminal(args)
        settings = settings or settings_from_environment()
        content = load_content(settings.content_file)
        if args.command == "import":
            return _import(settings, content, args.page, args.output)
        targets = target_pages(settings, args.page)
        status = _status(settings, log)
        if args.command == "check":
            return check_pages(open_site(settings, login=False), targets, content, status, log)
        options = SyncOptions(dry_run=args.dry_run, always=args.always, force=args.force)
        return Sync(open_site(settings), settings, targets, content, status, options, log).run()
    except (WikibotError, ContentError) as error:
        log("error", str(error))
        print(f"wikibot: {error}", file=sys.stderr)
        return Exit.USAGE if isinstance(error, UsageError) else Exit.FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wikibot",
        description="Keep the program page and its FAQ in sync with program/content.yaml.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync", help="bring the pages in line with the content")
    sync.add_argument("--dry-run", action="store_true", help="show the diffs, save nothing")
    sync.add_argument("--always", action="store_true", help="save without asking (for jobs)")
    sync.add_argument(
        "--force", action="store_true", help="overwrite regions that someone edited on the wiki"
    )
    check = commands.add_parser("check", help="compare the pages with the content, read-only")
    for command in (sync, check):
        command.add_argument(
            "--page",
            action="append",
            default=[],
            metavar="NAME",
            help="only this page: 'program', 'faq' or its title (repeatable)",
        )
    imports = commands.add_parser("import", help="print the content as a page has it, as YAML")
    imports.add_argument("page", metavar="PAGE", help="the title of the page to read")
    imports.add_argument("--output", type=Path, help="write the YAML to this file")
    return parser


def _refuse_to_ask_without_a_terminal(args: argparse.Namespace) -> None:
    """`sync` asks before each save; a job has no terminal to answer, so say so before starting
    rather than fail at the first question."""
    asks = args.command == "sync" and not (args.always or args.dry_run)
    if asks and not (sys.stdin and sys.stdin.isatty()):
        raise UsageError(
            "sync asks before saving each page and there is no terminal to answer: "
            "use --always for unattended runs (or --dry-run to only see the diffs)."
        )


def _status(settings: Settings, log: ActionLog) -> ProgramStatus | None:
    reading = read_status(settings.status_url, USER_AGENT)
    if reading.status is None:
        log("status-unknown", f"{reading.problem} The pages keep the status they show now.")
    else:
        log("status", f"The program is {reading.status.status}.", status=reading.status.status)
    return reading.status


def _import(settings: Settings, content: Content, title: str, output: Path | None) -> int:
    site = open_site(settings, login=False)
    page = read_pages(site, [title])[title]
    if not page.exists():
        raise WikibotError(f"The page {title} does not exist on {site}.")
    text = page_text(page)
    is_faq = title == settings.faq_page or any(
        region.name.startswith("faq") for region in find_regions(text)
    )
    imported = (import_faq_page if is_faq else import_program_page)(text, content)
    yaml_text = dump_content(
        imported.content,
        header=f"Imported by `python -m wikibot import` from {title} on {site}.\n"
        f"From the page: {', '.join(imported.found) or 'nothing'}.\n"
        "Every other field kept its current value.",
    )
    for sentence in imported.left_out:
        print(f"wikibot: {sentence}", file=sys.stderr)
    if output:
        output.write_text(yaml_text, encoding="utf-8")
    else:
        sys.stdout.write(yaml_text)
    return Exit.OK


if __name__ == "__main__":
    sys.exit(main())
