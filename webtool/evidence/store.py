"""Evidence bundles kept with the account that captured them.

A capture is started from a form and runs in the background, so a large one can be left and
returned to: its row says how many links are done, and the finished ZIP is stored sealed. The
process holding a capture, queued or running, marks it alive every minute; a capture whose
process ended under it (a restart) stops being marked and shows as stopped, with its links
kept so they can be captured again.
"""

from __future__ import annotations

import io
import json
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from webtool import db
from webtool.api import ApiError, Unavailable
from webtool.evidence.bundle import write_bundle
from webtool.evidence.capture import Bounds, capture_links
from webtool.evidence.links import MAX_LINKS
from webtool.evidence.wikis import MAX_LINK_LENGTH, site_matrix
from webtool.help_requests import account_key, new_reference, new_submission_key
from webtool.models import EvidenceBundle, HelpRequest

MAX_BUNDLE_BYTES = 8 * 1024 * 1024  # sealed, it still fits one MariaDB packet (16 MiB)
HEARTBEAT = 60  # seconds between the marks a process puts on the captures it holds
STALE_AFTER = timedelta(minutes=5)  # several missed marks: the process is gone
RUNNING = ("waiting", "capturing")
_keeping = threading.Lock()  # guards each app's set of held captures and its keeper thread


@dataclass
class LinksForm:
    """The capture form as typed: the links, one a line, and its one-time key."""

    links: str
    submission_key: str
    errors: list[tuple[str, tuple]] = field(default_factory=list)  # (message key, params)

    @classmethod
    def from_form(cls, form) -> LinksForm:
        return cls(form.get("links", "").strip(), form.get("submission_key", ""))

    @classmethod
    def blank(cls, links: str = "") -> LinksForm:
        return cls(links, new_submission_key())

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    def validate(self) -> bool:
        count = len(self.lines)
        if not count:
            self.errors.append(("chldp-evidence-error-empty", ()))
        elif count > MAX_LINKS:
            self.errors.append(("chldp-evidence-error-toomany", (count, MAX_LINKS)))
        elif len(self.links) > MAX_LINKS * (MAX_LINK_LENGTH + 2):
            self.errors.append(("chldp-evidence-error-toolong", ()))
        if not self.submission_key.isalnum() or len(self.submission_key) != 32:
            self.errors.append(("chldp-ask-error-form", ()))
        return not self.errors


def init_app(app: Flask) -> None:
    # Captures run beside the requests that start them; two at once keeps the wikis' etiquette
    # (each capture asks its wikis serially-first through the shared API client).
    app.extensions["chldp.evidence_pool"] = ThreadPoolExecutor(2, "evidence")
    app.extensions["chldp.evidence_live"] = set()  # ids of the captures this process holds
    app.extensions["chldp.evidence_keeper"] = None  # the thread marking them, while there are any


def may_start(form: LinksForm, owner: dict) -> int | None:
    """None when the form's capture may start (or already has: the same form twice); else
    the HTTP status to answer, with the reason in `form.errors`."""
    if not form.validate():
        return 400
    if _by_submission_key(form.submission_key, owner):
        return None
    running = running_capture(owner)
    if running:
        form.errors.append(("chldp-evidence-error-running", (running.reference,)))
        return 429
    if hourly_limit_reached(owner):
        limit = current_app.config["EVIDENCE_CAPTURES_PER_HOUR"]
        form.errors.append(("chldp-evidence-error-hourly", (limit,)))
        return 429
    return None


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hourly_limit_reached(owner: dict) -> bool:
    since = now() - timedelta(hours=1)
    started = db.session().scalar(
        select(func.count())
        .select_from(EvidenceBundle)
        .where(EvidenceBundle.owner_key == account_key(owner), EvidenceBundle.created_at >= since)
    )
    return started >= current_app.config["EVIDENCE_CAPTURES_PER_HOUR"]


def running_capture(owner: dict) -> EvidenceBundle | None:
    """The owner's capture that is still under way, if any: one at a time each."""
    candidates = db.session().scalars(
        select(EvidenceBundle).where(
            EvidenceBundle.owner_key == account_key(owner), EvidenceBundle.status.in_(RUNNING)
        )
    )
    return next((bundle for bundle in candidates if not stopped(bundle)), None)


def start(form: LinksForm, owner: dict, request_id: int | None = None) -> EvidenceBundle:
    """A new capture of the form's links for `owner`, started in the background; the same
    form twice returns the first. Database errors propagate (the form keeps the links)."""
    existing = _by_submission_key(form.submission_key, owner)
    if existing:
        return existing
    sealer = current_app.extensions["chldp.sealer"]
    created = now()
    bundle = EvidenceBundle(
        reference=new_reference("EVID"),  # told apart from a request's at a glance
        submission_key=form.submission_key,
        owner_key=account_key(owner),
        owner_sealed=sealer.seal(json.dumps({"name": owner["name"], "id": owner["id"]})),
        request_id=request_id,
        created_at=created,
        updated_at=created,
        purge_after=created + timedelta(days=current_app.config["RETENTION_DAYS"]),
        status="waiting",
        links_total=len(form.lines),
        links_done=0,
        items=0,
        refused=0,
        links_sealed=sealer.seal(form.links),
        outcome_sealed=sealer.seal("{}"),
    )
    session = db.session()
    session.add(bundle)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the same form arrived twice at once: the other post saved it
        existing = _by_submission_key(form.submission_key, owner)
        if existing is None:
            raise
        return existing
    app = current_app._get_current_object()
    _hold(app, bundle.id)
    app.extensions["chldp.evidence_pool"].submit(_run, app, bundle.id)
    return bundle


def own_bundles(owner: dict) -> list[EvidenceBundle]:
    return list(
        db.session().scalars(
            select(EvidenceBundle)
            .where(EvidenceBundle.owner_key == account_key(owner))
            .order_by(EvidenceBundle.created_at.desc(), EvidenceBundle.id.desc())
        )
    )


def own_bundle(reference: str, owner: dict) -> EvidenceBundle | None:
    """The bundle with this reference when it is the owner's; anyone else's is not found."""
    return db.session().scalar(
        select(EvidenceBundle).where(
            EvidenceBundle.reference == reference, EvidenceBundle.owner_key == account_key(owner)
        )
    )


def owner_of(bundle: EvidenceBundle) -> dict:
    """{"name", "id"} of the account that captured the bundle."""
    return json.loads(current_app.extensions["chldp.sealer"].open(bundle.owner_sealed))


def bundles_of_request(request_id: int) -> list[EvidenceBundle]:
    return list(
        db.session().scalars(
            select(EvidenceBundle)
            .where(EvidenceBundle.request_id == request_id)
            .order_by(EvidenceBundle.created_at)
        )
    )


def attach(bundle: EvidenceBundle, help_request: HelpRequest) -> None:
    """Attach a bundle to a request: from then on it is kept, and purged, with the request."""
    bundle.request_id = help_request.id
    bundle.purge_after = max(bundle.purge_after, help_request.purge_after)
    db.session().commit()


def stopped(bundle: EvidenceBundle) -> bool:
    """A capture marked as queued or running that nobody has marked alive for a while: the
    process holding it ended."""
    return bundle.status in RUNNING and now() - bundle.updated_at > STALE_AFTER


def outcome(bundle: EvidenceBundle) -> dict:
    """{"refused": [Refusal.record(), …], "error": message key, when nothing was kept}."""
    return json.loads(current_app.extensions["chldp.sealer"].open(bundle.outcome_sealed))


def links_of(bundle: EvidenceBundle) -> str:
    return current_app.extensions["chldp.sealer"].open(bundle.links_sealed)


def zip_of(bundle: EvidenceBundle) -> bytes:
    return current_app.extensions["chldp.sealer"].open_bytes(bundle.bundle_sealed)


def manifest_of(bundle: EvidenceBundle) -> dict:
    with zipfile.ZipFile(io.BytesIO(zip_of(bundle))) as archive:
        return json.loads(archive.read("manifest.json"))


def mark_alive(app: Flask) -> None:
    """Mark every capture this process holds, queued or running, as alive now."""
    held = list(app.extensions["chldp.evidence_live"])
    if not held:
        return
    with app.app_context():
        session = db.session()
        session.execute(
            update(EvidenceBundle).where(EvidenceBundle.id.in_(held)).values(updated_at=now())
        )
        session.commit()


def _hold(app: Flask, bundle_id: int) -> None:
    with _keeping:
        app.extensions["chldp.evidence_live"].add(bundle_id)
        if app.extensions["chldp.evidence_keeper"] is None:
            keeper = threading.Thread(target=_keep_alive, args=(app,), daemon=True)
            app.extensions["chldp.evidence_keeper"] = keeper
            keeper.start()


def _keep_alive(app: Flask) -> None:
    """Marks the process's captures alive every HEARTBEAT seconds; ends when it holds none."""
    while True:
        time.sleep(HEARTBEAT)
        with _keeping:
            if not app.extensions["chldp.evidence_live"]:
                app.extensions["chldp.evidence_keeper"] = None
                return
        try:
            mark_alive(app)
        except SQLAlchemyError:
            # The database is away; the next beat tries again, well within STALE_AFTER.
            app.logger.warning("evidence captures could not be marked alive", exc_info=True)


def _run(app: Flask, bundle_id: int) -> None:
    """The capture itself, in a background thread with its own database session."""
    try:
        _run_held(app, bundle_id)
    finally:
        with _keeping:
            app.extensions["chldp.evidence_live"].discard(bundle_id)


def _run_held(app: Flask, bundle_id: int) -> None:
    with app.app_context():
        session = db.session()
        bundle = session.get(EvidenceBundle, bundle_id)
        sealer = app.extensions["chldp.sealer"]
        try:
            _capture(app, bundle, sealer)
        except Exception:
            # Whatever broke, the person sees a sentence and keeps their links; should the
            # database itself be down, the capture shows as stopped once STALE_AFTER passes.
            app.logger.exception("evidence capture %s failed", bundle.reference)
            session.rollback()
            _finish(bundle, sealer, "failed", {"error": "chldp-evidence-error-failed"})


def _capture(app: Flask, bundle: EvidenceBundle, sealer) -> None:
    session = db.session()
    bundle.status = "capturing"
    bundle.updated_at = now()
    session.commit()
    client = app.extensions["chldp.api"]
    try:
        wikis = site_matrix(client, app.config["API"].central_api, app.extensions["chldp.cache"])
    except (Unavailable, ApiError):
        _finish(bundle, sealer, "failed", {"error": "chldp-evidence-error-wikis"})
        return

    def progress(done: int, total: int) -> None:
        bundle.links_done = done
        bundle.updated_at = now()
        session.commit()

    # Bounded while it runs: a bundle stops growing at the link that would take it past
    # MAX_BUNDLE_BYTES, and its files wait on disk, not in memory, until the ZIP is written.
    bounds = Bounds(bundle_bytes=MAX_BUNDLE_BYTES)
    links = sealer.open(bundle.links_sealed)
    cache = app.extensions["chldp.cache"]
    with capture_links(client, wikis, links, cache, progress, bounds) as result:
        refused = [refusal.record() for refusal in result.refused]
        bundle.refused = len(refused)
        if not result.items:
            _finish(
                bundle, sealer, "failed", {"refused": refused, "error": "chldp-evidence-error-none"}
            )
            return
        with tempfile.TemporaryFile() as data:
            manifest_sha256 = write_bundle(result, data)
            if data.tell() > MAX_BUNDLE_BYTES:
                outcome = {"refused": refused, "error": "chldp-evidence-error-toolarge"}
                _finish(bundle, sealer, "failed", outcome)
                return
            data.seek(0)
            bundle.bundle_sealed = sealer.seal_bytes(data.read())
    bundle.items = len(result.items)
    bundle.manifest_sha256 = manifest_sha256
    _finish(bundle, sealer, "done", {"refused": refused})


def _finish(bundle: EvidenceBundle, sealer, status: str, result: dict) -> None:
    bundle.status = status
    bundle.links_done = bundle.links_total
    bundle.updated_at = now()
    bundle.outcome_sealed = sealer.seal(json.dumps(result, ensure_ascii=False))
    db.session().commit()


def _by_submission_key(key: str, owner: dict) -> EvidenceBundle | None:
    return db.session().scalar(
        select(EvidenceBundle).where(
            EvidenceBundle.submission_key == key, EvidenceBundle.owner_key == account_key(owner)
        )
    )


def register_tasks(app: Flask, queue) -> None:
    """No background work on the queue yet: captures run in this process's threads."""
