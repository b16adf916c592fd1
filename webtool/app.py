"""The Flask application factory: configuration, database, login, pages, and the headers
that keep a requester's session safe."""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from webtool import cli, sweep
from webtool.infra import db, i18n, tasks
from webtool.infra.config import flask_settings
from webtool.infra.crypto import Sealer
from webtool.infra.limits import csrf, init_limits
from webtool.pages import auth, health, privacy, public_api, requester, requester_case, staff
from webtool.pages import evidence as evidence_pages
from webtool.services import engagement_view, sessions

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def emails_linked(text: str) -> Markup:
    """`text`, escaped, with each e-mail address a mailto: link."""
    return Markup(EMAIL.sub(lambda m: f'<a href="mailto:{m[0]}">{m[0]}</a>', str(escape(text))))


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    """The web tool; `overrides` replace settings from the environment (tests, scripts)."""
    # The instance folder keeps a laptop's database, queue and made-up secrets.
    instance = instance_path or os.environ.get("CHLDP_INSTANCE_PATH") or Path.cwd() / "instance"
    app = Flask(__name__, instance_path=str(instance))
    app.config.update(flask_settings(Path(app.instance_path)))
    app.config.update(overrides or {})
    app.extensions["chldp.sealer"] = Sealer(app.config["ENCRYPTION_KEYS"])
    app.session_interface = sessions.SignedCookies()
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True  # Redis away: pages go on, unlimited
    if app.config["REDIS_URL"]:
        # The counters' keys start with the secret prefix, like the cache's (see cache.py).
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "key_prefix": app.config["REDIS_PREFIX"] + "limits"
        }
    db.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    init_limits(app)
    auth.init_app(app)
    engagement_view.init_app(app)
    tasks.init_app(app)
    # The worker's sweep sits above the tasks it looks after, so the factory starts it.
    sweep.register(app, app.extensions["chldp.queue"])
    cli.init_app(app)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(requester.blueprint)
    app.register_blueprint(requester_case.blueprint)
    app.register_blueprint(evidence_pages.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(staff.blueprint)
    app.register_blueprint(public_api.blueprint)
    app.register_blueprint(privacy.blueprint)

    app.add_template_filter(emails_linked)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
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
