"""API requests and seconds of the bot's sync on the sandbox: with nothing to change, and with
one FAQ answer changed. Requests are counted after login, as Pywikibot sends them.

Target (issue 7): a no-change sync of both pages makes no write and at most 3 read requests
after login.
Run with a sandbox up: .venv/bin/python benchmarks/bot.py
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from program.content import dump_content, load_content
from sandbox import load_state
from wikibot.log import ActionLog
from wikibot.settings import Settings
from wikibot.sync import Sync, SyncOptions
from wikibot.wiki import open_site


def timed_sync(site, settings: Settings) -> tuple[float, list[str]]:
    """Seconds and the API actions of one `sync --always`, from the pages' read to the end."""
    from pywikibot.comms import http

    actions: list[str] = []
    request = http.request

    def counted(site, uri=None, method="GET", data=None, **kwargs):
        # Pywikibot sends the parameters url-encoded, in the body or in the query string.
        query = data if isinstance(data, str | bytes) else urlparse(uri or "").query
        params = parse_qs(query.decode() if isinstance(query, bytes) else query)
        actions.append(f"{method} {params.get('action', ['?'])[0]}")
        return request(site, uri=uri, method=method, data=data, **kwargs)

    http.request = counted
    started = time.perf_counter()
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            code = Sync(
                site,
                settings,
                settings.pages,
                load_content(settings.content_file),
                None,
                SyncOptions(always=True),
                ActionLog("sync", io.StringIO()),
            ).run()
    finally:
        http.request = request
    if code != 0:
        sys.exit(f"the sync ended with exit code {code}")
    return time.perf_counter() - started, actions


def main() -> None:
    state = load_state()
    if state is None:
        sys.exit("No sandbox is up; start one with: .venv/bin/python -m sandbox up")
    base = f"Chldp benchmark {uuid.uuid4().hex[:8]}"
    settings = Settings(
        program_page=f"{base}/Program",
        faq_page=f"{base}/Program/FAQ",
        shutoff_page=f"{base}/Shutoff",
        pywikibot_dir=state["pywikibot_dir"],
    )
    site = open_site(settings)
    timed_sync(site, settings)  # creates both pages
    unchanged_seconds, unchanged = timed_sync(site, settings)

    content = load_content()
    entries = tuple(
        replace(e, answer=("Write to legal@wikimedia.org.",)) if e.id == "how" else e
        for e in content.faq.entries
    )
    with tempfile.TemporaryDirectory() as directory:
        changed_file = Path(directory) / "content.yaml"
        changed_file.write_text(
            dump_content(replace(content, faq=replace(content.faq, entries=entries)))
        )
        changed_seconds, changed = timed_sync(site, replace(settings, content_file=changed_file))

    for label, seconds, actions in (
        ("no change ", unchanged_seconds, unchanged),
        ("one change", changed_seconds, changed),
    ):
        writes = sum(action == "POST edit" for action in actions)
        print(
            f"sync, {label}: {len(actions) - writes} read and {writes} write API requests "
            f"after login, {seconds:5.2f} s   ({', '.join(actions)})"
        )
    print("target: a no-change sync of both pages makes 0 writes and at most 3 reads")


if __name__ == "__main__":
    main()
