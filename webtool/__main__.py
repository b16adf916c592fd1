"""`python -m webtool report USERNAME [--json] [--no-cache]`: an engagement report at a terminal.

Exit status: 0 done, 2 the name cannot be a username, 3 no such global account, 4 the wikis
could not be reached; each failure with a sentence on standard error.
"""

from __future__ import annotations

import argparse
import json
import sys

from webtool.api import ApiClient, ApiError, Limits, Unavailable
from webtool.cache import make_cache
from webtool.config import api_settings
from webtool.engagement import Collector, UserNotFound
from webtool.usernames import BadName, normalise

KIND_TITLES = {
    "role": "Current roles",
    "former_role": "Former roles",
    "global_role": "Global roles",
    "grants": "Grants",
    "editing": "Editing",
    "activity": "Activity",
    "restriction": "Blocks and restrictions",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webtool", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="the engagement report of an account")
    report.add_argument("username")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--no-cache", action="store_true", help="ask the wikis afresh")
    args = parser.parse_args(argv)
    return print_report(args.username, args.json, not args.no_cache)


def print_report(raw_name: str, as_json: bool, use_cache: bool) -> int:
    settings = api_settings()
    try:
        name = normalise(raw_name)
    except BadName as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    cache = make_cache(settings.redis_url) if use_cache else None
    report = cache.get(f"report:{name}") if cache else None
    if report is None:
        collector = Collector(
            ApiClient(settings.user_agent, Limits(parallel=settings.parallel)),
            settings.central_api,
            settings.central_wiki,
        )
        try:
            report = collector.report(name).to_dict()
        except UserNotFound:
            print(f"error: there is no global account named {name}.", file=sys.stderr)
            return 3
        except (Unavailable, ApiError) as error:
            print(f"error: the wikis could not be asked: {error}", file=sys.stderr)
            return 4
        if cache:
            cache.set(f"report:{name}", report, settings.cache_ttl)
    print(json.dumps(report, ensure_ascii=False, indent=2) if as_json else readable(report))
    return 0


def readable(report: dict) -> str:
    user, totals = report["user"], report["totals"]
    lines = [
        f"{user['name']} (central id {user['id']}), home wiki {user['home']},"
        f" registered {(user['registration'] or 'unknown')[:10]}"
        + (", globally locked" if user["locked"] else ""),
        f"{totals['edits']:,} edits on {totals['wikis_with_edits']} wikis"
        f" ({totals['wikis_attached']} attached)",
    ]
    for kind, title in KIND_TITLES.items():
        found = [f for f in report["findings"] if f["kind"] == kind]
        if found:
            lines.append(f"\n{title}:")
            lines += [f"  - {f['summary']}\n    {f['link']}" for f in found]
    lines.append(f"\n({report['api_requests']} API requests, gathered {report['gathered_at']})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
