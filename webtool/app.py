"""The Flask application factory: configuration, database, login, pages, and the headers
that keep a requester's session safe."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cachetools import TLRUCache, TTLCache
from flask import Response, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from webtool import cli, sweep
from webtool.infra import i18n
from webtool.infra.cache import InProcess, make_cache
from webtool.infra.config import flask_settings
from webtool.infra.crypto import Sealer
from webtool.infra.db import Database
from webtool.infra.limits import csrf, init_limits
from webtool.infra.slots import Gate
from webtool.infra.tasks import make_queue, retried_task
from webtool.pages import (
    auth,
    health,
    privacy,
    public_api,
    requester,
    requester_case,
    requester_key,
    staff,
    staff_keys,
)
from webtool.pages import evidence as evidence_pages
from webtool.services import captures, engagement_view, notifications, program_text, sessions
from webtool.services.wiring import Services, Tasks, Tool
from webtool.wikis.api import ApiClient, Limits
from webtool.wikis.engagement import Collector

# The name each task is registered under, which every queued message carries and a worker
# looks up ("module.name"): where the task's code lived when it was first queued. They never
# change, so that messages waiting in the queue during a deploy still run after it.
CAPTURE_TASK = "webtool.evidence.store.capture"
GATHER_TASK = "webtool.engagement_view.gather_engagement"
SEND_MAIL_TASK = "webtool.notifications.send-mail"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def emails_linked(text: str) -> Markup:
    """`text`, escaped, with each e-mail address a mailto: link."""
    return Markup(EMAIL.sub(lambda m: f'<a href="mailto:{m[0]}">{m[0]}</a>', str(escape(text))))


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Tool:
    """The web tool; `overrides` replace settings from the environment (tests, scripts).

    The one place where the tool is put together: every shared service is built here, every
    task registered, every page added. The modules below only define."""
    # The instance folder keeps a laptop's database, queue and made-up secrets.
    instance = instance_path or os.environ.get("CHLDP_INSTANCE_PATH") or Path.cwd() / "instance"
    app = Tool(__name__, instance_path=str(instance))
    app.config.update(flask_settings(Path(app.instance_path)))
    app.config.update(overrides or {})
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True  # Redis away: pages go on, unlimited
    if app.config["REDIS_URL"]:
        # The counters' keys start with the secret prefix, like the cache's (see infra/cache.py).
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "key_prefix": app.config["REDIS_PREFIX"] + "limits"
        }
    app.services = _services(app)
    app.teardown_appcontext(Database.close_session)
    app.session_interface = sessions.SealedCookies()
    # In this order: the language is chosen before a session is checked, so that a database
    # away is said in the reader's language.
    i18n.init_app(app)
    csrf.init_app(app)
    init_limits(app)
    app.before_request(sessions.check)
    sweep.register(app)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    for page in (
        auth,
        requester,
        requester_case,
        requester_key,
        evidence_pages,
        health,
        staff,
        staff_keys,
        public_api,
        privacy,
    ):
        app.register_blueprint(page.blueprint)

    app.add_template_filter(emails_linked)

    @app.after_request
    def security_headers(response: Response) -> Response:
        # An archived page sets its own, stricter policy (pages/evidence.py), framed here only.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["CHLDP_PRODUCTION"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.after_request
    def not_stored_when_personal(response: Response) -> Response:
        # What a logged-in person sees, and every file downloaded (evidence, CSVs), is theirs
        # alone: no browser or proxy keeps a copy. What visitors get (the start page, the
        # public status) and static files are the same for everyone, so they stay cacheable.
        download = response.headers.get("Content-Disposition", "").startswith("attachment")
        if request.endpoint != "static" and (auth.current_user() or download):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        return render_template("error.html", message_key="chldp-error-csrf"), 400

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", message_key="chldp-error-notfound"), 404

    @app.errorhandler(429)
    def too_many(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", message_key="chldp-error-ratelimit"), 429

    return app


def _services(app: Tool) -> Services:
    """Every service the pages, the tasks and the sweep share, built once per app."""
    config = app.config
    settings = config["API"]
    sealer = Sealer(config["ENCRYPTION_KEYS"])
    database = Database(config["SQLALCHEMY_URL"])
    engine = database.engine
    api = ApiClient(settings.user_agent, Limits(parallel=settings.parallel))
    # The client's bound on requests in flight holds across the whole deployment, so adding
    # workers or replicas never adds load on the wikis.
    api.slots = Gate(engine, "api", settings.parallel, lease=config["API_SLOT_LEASE"])
    queue = make_queue(config, app.instance_path, sealer)
    return Services(
        db=database,
        sealer=sealer,
        cache=make_cache(config["REDIS_URL"], config["REDIS_PREFIX"], config["HASH_KEY"], sealer),
        api=api,
        collector=Collector(api, settings.central_api, settings.central_wiki),
        program_wiki=ApiClient(settings.user_agent, program_text.LIMITS),
        queue=queue,
        tasks=Tasks(
            capture=retried_task(app, queue, CAPTURE_TASK, captures.run_capture, context=True),
            gather_engagement=retried_task(
                app, queue, GATHER_TASK, engagement_view.gather, context=True
            ),
            send_mail=retried_task(app, queue, SEND_MAIL_TASK, notifications.send_waiting),
        ),
        capture_slots=Gate(
            engine, "captures", config["MAX_CAPTURES"], lease=config["CAPTURE_TAKEN_UP_AFTER"]
        ),
        purges=Gate(engine, "purge", 1, lease=sweep.PURGE_LEASE),
        oauth=auth.oauth_client(app),
        recent_reports=InProcess(
            # Each row for its own few seconds: (seconds, row), see engagement_view._fresh_done.
            TLRUCache(engagement_view.REMEMBERED_MOST, ttu=lambda _key, kept, now: now + kept[0])
        ),
        report_pages=InProcess(
            TTLCache(engagement_view.PAGE_KEPT_MOST, engagement_view.PAGE_KEPT_FOR)
        ),
        program_texts=InProcess(TTLCache(64, program_text.kept_for(config))),
        health=InProcess(TTLCache(1, health.KEPT_FOR)),
    )
