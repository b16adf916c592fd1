"""What the app factory (webtool/app.py) builds once and every service and page shares, held
in one typed object: `services()` in a request or a task, `app.services` where the app is in
hand. Nothing here is built; modules below the app factory only read what it made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from huey import Huey
from huey.api import TaskWrapper

from webtool.infra.cache import Cache, InProcess
from webtool.infra.crypto import Sealer
from webtool.infra.db import Database
from webtool.infra.slots import Gate
from webtool.wikis.api import ApiClient
from webtool.wikis.engagement import Collector


@dataclass(frozen=True)
class Tasks:
    """The queue's tasks, as the app factory registered them."""

    capture: TaskWrapper
    gather_engagement: TaskWrapper
    send_mail: TaskWrapper


@dataclass
class Services:
    """The app's shared services."""

    db: Database
    sealer: Sealer
    # What evidence capture and the look-up read again and again (the site matrix, each
    # wiki's siteinfo, pages of contributions): Redis when set, else this process's memory.
    cache: Cache
    api: ApiClient  # the deployment's client: its bound on requests holds across workers
    collector: Collector
    program_wiki: ApiClient  # the start page's own: short waits, no slot shared with work
    queue: Huey
    tasks: Tasks
    capture_slots: Gate  # captures running at once in the whole deployment
    purges: Gate  # one worker runs a daily job (the purge, the digest) at a time
    oauth: OAuth
    # In this process's memory, each for a few seconds (see where each is read).
    recent_reports: InProcess
    report_pages: InProcess
    program_texts: InProcess
    health: InProcess


class Tool(Flask):
    """The web tool's Flask app, with its shared services."""

    services: Services


def services() -> Services:
    """The current app's shared services."""
    return cast(Tool, current_app).services
