"""The web tool's commands at a terminal.

`python -m webtool report USERNAME [--json] [--no-cache]`: an engagement report. Exit status:
0 done, 2 the name cannot be a username, 3 no such global account, 4 the wikis could not be
reached; each failure with a sentence on standard error.

`python -m webtool capture URL... [--from-file F|-] --out FILE.wacz`: evidence captured into a
web archive. Exit status: 0 every link captured; 2 a link was refused or not captured, also when
its wiki did not answer (a sentence for each on standard error; the links captured are in the
bundle); 4 the list of Wikimedia wikis could not be read, so nothing was tried.

`python -m webtool verify-bundle FILE [--tsa-root PEM --tsa-cert PEM]`: every hash of a bundle
(a download, a web archive, or a ZIP bundle from before) checked again, its time stamp checked
against the authority's certificates (these, else CHLDP_TSA_ROOT and CHLDP_TSA_CERT, else the
ones the download carries), and the manifest's own SHA-256 printed, to compare with the one kept
when the bundle was made. Exit status: 0 intact, 1 altered or unreadable, with a sentence for
each problem.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from webtool.infra.cache import RedisCache
from webtool.infra.config import api_settings, cache_settings
from webtool.infra.crypto import Sealer
from webtool.infra.i18n import render
from webtool.wikis.api import ApiClient, ApiError, Limits, Unavailable
from webtool.wikis.engagement import Collector, UserNotFound
from webtool.wikis.evidence.bundle import BadBundle
from webtool.wikis.evidence.capture import capture_links
from webtool.wikis.evidence.verify import verify
from webtool.wikis.evidence.wacz import write_wacz
from webtool.wikis.evidence.wikis import shorten, site_matrix
from webtool.wikis.usernames import BadName, normalise

KIND_TITLES = {
    "account": "The account",
    "role": "Current roles",
    "former_role": "Former roles",
    "global_role": "Global roles",
    "grants": "Grants",
    "editing": "Editing",
    "activity": "Activity",
    "restriction": "Blocks and restrictions",
    "block_history": "Block history",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webtool", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="the engagement report of an account")
    report.add_argument("username")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--no-cache", action="store_true", help="ask the wikis afresh")
    capture = commands.add_parser(
        "capture", help="preserve what wiki links point to, in a web archive (WACZ)"
    )
    capture.add_argument("urls", nargs="*", metavar="URL")
    capture.add_argument("--from-file", metavar="F", help="links one a line; - reads stdin")
    capture.add_argument("--out", required=True, metavar="FILE.wacz")
    check = commands.add_parser("verify-bundle", help="check every hash of an evidence bundle")
    check.add_argument("bundle", metavar="FILE")
    check.add_argument("--tsa-root", metavar="PEM", default=os.environ.get("CHLDP_TSA_ROOT"))
    check.add_argument("--tsa-cert", metavar="PEM", default=os.environ.get("CHLDP_TSA_CERT"))
    args = parser.parse_args(argv)
    if args.command == "capture":
        return capture_evidence(args.urls, args.from_file, args.out)
    if args.command == "verify-bundle":
        return verify_evidence(args.bundle, args.tsa_root, args.tsa_cert)
    return print_report(args.username, args.json, not args.no_cache)


def print_report(raw_name: str, as_json: bool, use_cache: bool) -> int:
    settings = api_settings()
    try:
        name = normalise(raw_name)
    except BadName as error:
        print(f"error: {render('en', error.key, *error.params)}", file=sys.stderr)
        return 2
    # A cache only helps when it outlives this command: Redis, shared with the web tool.
    cache = _shared_cache(settings.redis_url) if use_cache and settings.redis_url else None
    report = cache.get(f"report:{name}") if cache else None
    if not isinstance(report, dict):
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


def _shared_cache(redis_url: str) -> RedisCache:
    """The web tool's Redis cache, with its secret prefix and keys (read as the tool reads them:
    the environment, else the instance folder of the current directory)."""
    settings = cache_settings(Path.cwd() / "instance")
    return RedisCache(
        redis_url,
        settings.redis_prefix,
        settings.hash_key,
        Sealer(settings.encryption_keys),
    )


def capture_evidence(urls: list[str], from_file: str | None, out: str) -> int:
    lines = list(urls)
    if from_file:
        with sys.stdin if from_file == "-" else open(from_file, encoding="utf-8") as source:
            lines.append(source.read())
    text = "\n".join(lines)
    if not text.strip():
        print("error: no links were given.", file=sys.stderr)
        return 2
    settings = api_settings()
    client = ApiClient(settings.user_agent, Limits(parallel=settings.parallel))
    try:
        wikis = site_matrix(client, settings.central_api)
    except (Unavailable, ApiError) as error:
        print(f"error: the list of Wikimedia wikis could not be read: {error}", file=sys.stderr)
        return 4
    # A file at a terminal has no bound of its own; each link's still does (Bounds).
    with capture_links(client, wikis, text, progress=_show_progress) as result:
        for refusal in result.refused:
            print(f"refused: {shorten(refusal.text)}: {refusal.reason}", file=sys.stderr)
        if not result.items:
            print("error: nothing was captured, so no bundle was written.", file=sys.stderr)
            return 2
        manifest_sha256 = write_wacz(result, out, Path(out).name).manifest_sha256
    items = f"{len(result.items)} item{'' if len(result.items) == 1 else 's'}"
    print(f"{out}: {items} captured; manifest SHA-256 {manifest_sha256}")
    return 2 if result.refused else 0


def _show_progress(done: int, total: int) -> None:
    print(f"{done} of {total} links done", file=sys.stderr)


def verify_evidence(path: str, root: str | None, cert: str | None) -> int:
    try:
        root_pem = Path(root).read_bytes() if root and cert else None
        tsa_pem = Path(cert).read_bytes() if root and cert else None
        verification = verify(path, root_pem, tsa_pem)
    except (BadBundle, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for problem in verification.problems:
        print(problem)
    if verification.intact:
        print(f"Every hash matches: {verification.items} items, {verification.files} files.")
    if verification.stamp_note:
        print(verification.stamp_note)
    # A bundle altered with every hash written again passes; only this comparison catches it.
    print(
        f"Manifest SHA-256 {verification.manifest_sha256}: it must be the one recorded when the "
        "bundle was made."
    )
    return 0 if verification.intact else 1


def readable(report: dict) -> str:
    user, totals = report["user"], report["totals"]
    lines = [
        f"{user['name']} (central id {user['id']}), home wiki {user['home']},"
        f" registered {(user['registration'] or 'unknown')[:10]}"
        + (", globally locked" if user["locked"] else "")
        # Reports cached or frozen before renames were read have no former names.
        + "".join(f", formerly {former}" for former in user.get("former_names", [])),
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
