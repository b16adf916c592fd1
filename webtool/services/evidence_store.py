"""Evidence bundles kept with the account that captured them.

A capture is started from a form and runs on the task queue (tasks.py), in a worker, so a
large one can be left and returned to, and a restart of the web tool does not touch it: its
row says how many links are done, and the finished ZIP is stored sealed. Each link is kept in
the database as soon as it is captured (EvidenceItem), and the worker running a capture marks
it alive every CAPTURE_HEARTBEAT; a capture whose worker died (killed, a deploy) is taken up
again by a worker from the link where it stopped. At most CHLDP_MAX_CAPTURES captures run at
once in the whole deployment (slots.py).
"""

from __future__ import annotations

import io
import json
import tempfile
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from huey.api import Task
from huey.exceptions import RetryTask
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.local import LocalProxy

from webtool.infra import db, tasks
from webtool.infra.accounts import User
from webtool.infra.clock import now
from webtool.infra.crypto import Sealer
from webtool.infra.models import EvidenceBundle, EvidenceItem, HelpRequest
from webtool.infra.slots import Gate
from webtool.services.help_requests import account_key, new_reference, new_submission_key
from webtool.services.wiring import Tool, services
from webtool.wikis.api import Unavailable
from webtool.wikis.evidence.bundle import Kept, write_bundle
from webtool.wikis.evidence.capture import Bounds, Resume, Spool, capture_links
from webtool.wikis.evidence.links import MAX_LINKS, Refusal
from webtool.wikis.evidence.wikis import MAX_LINK_LENGTH, site_matrix

MAX_BUNDLE_BYTES = 8 * 1024 * 1024  # sealed, it still fits one MariaDB packet (16 MiB)
STALE_AFTER = timedelta(minutes=10)  # no worker took it up either: shown as stopped
RUNNING = ("waiting", "capturing", "retrying")


@dataclass
class LinksForm:
    """The capture form as typed: the links, one a line, and its one-time key."""

    links: str
    submission_key: str
    # (message key, params)
    errors: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> LinksForm:
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


def may_start(form: LinksForm, owner: User) -> int | None:
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


def hourly_limit_reached(owner: User) -> bool:
    since = now() - timedelta(hours=1)
    started = db.session().scalar(
        select(func.count())
        .select_from(EvidenceBundle)
        .where(EvidenceBundle.owner_key == account_key(owner), EvidenceBundle.created_at >= since)
    )
    return started >= current_app.config["EVIDENCE_CAPTURES_PER_HOUR"]


def running_capture(owner: User) -> EvidenceBundle | None:
    """The owner's capture that is still under way, if any: one at a time each."""
    candidates = db.session().scalars(
        select(EvidenceBundle).where(
            EvidenceBundle.owner_key == account_key(owner), EvidenceBundle.status.in_(RUNNING)
        )
    )
    return next((bundle for bundle in candidates if not stopped(bundle)), None)


def start(form: LinksForm, owner: User, request_id: int | None = None) -> EvidenceBundle:
    """A new capture of the form's links for `owner`, started in the background; the same
    form twice returns the first. Database errors propagate (the form keeps the links)."""
    existing = _by_submission_key(form.submission_key, owner)
    if existing:
        return existing
    sealer = services().sealer
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
    if not tasks.enqueued(services().tasks.capture, bundle.id):
        # The links are kept: the sweep queues the capture, and its page says so meanwhile.
        bundle.outcome_sealed = sealer.seal(json.dumps({"queued_later": True}))
        session.commit()
    return bundle


def own_bundles(owner: User) -> list[EvidenceBundle]:
    return list(
        db.session().scalars(
            select(EvidenceBundle)
            .where(EvidenceBundle.owner_key == account_key(owner))
            .order_by(EvidenceBundle.created_at.desc(), EvidenceBundle.id.desc())
        )
    )


def own_bundle(reference: str, owner: User) -> EvidenceBundle | None:
    """The bundle with this reference when it is the owner's; anyone else's is not found."""
    return db.session().scalar(
        select(EvidenceBundle).where(
            EvidenceBundle.reference == reference, EvidenceBundle.owner_key == account_key(owner)
        )
    )


def owner_of(bundle: EvidenceBundle) -> User:
    """The account that captured the bundle."""
    return json.loads(services().sealer.open(bundle.owner_sealed))


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


def outcome(bundle: EvidenceBundle) -> dict[str, Any]:
    """{"refused": [Refusal.record(), …], "error": message key, when nothing was kept}."""
    return json.loads(services().sealer.open(bundle.outcome_sealed))


def links_of(bundle: EvidenceBundle) -> str:
    return services().sealer.open(bundle.links_sealed)


def zip_of(bundle: EvidenceBundle) -> bytes:
    return services().sealer.open_bytes(bundle.bundle_sealed or "")


def manifest_of(bundle: EvidenceBundle) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(zip_of(bundle))) as archive:
        return json.loads(archive.read("manifest.json"))


def stopped_captures() -> list[int]:
    """Captures under way that nobody has marked alive for a while: their worker died, or
    their message was lost with Redis before a worker took it. Each is
    marked as waiting again, from now, so the next worker may claim it and a watch that runs
    again soon does not send it twice."""
    session = db.session()
    found = list(
        session.scalars(
            select(EvidenceBundle.id).where(
                EvidenceBundle.status.in_(RUNNING),
                EvidenceBundle.updated_at < now() - current_app.config["CAPTURE_TAKEN_UP_AFTER"],
            )
        )
    )
    if found:
        session.execute(
            update(EvidenceBundle)
            .where(EvidenceBundle.id.in_(found))
            .values(status="waiting", updated_at=now())
        )
        session.commit()
    return found


def run_capture(bundle_id: int, task: Task | None = None) -> None:
    """The capture task: waits for a free capture slot, then captures what is left."""
    # The app itself, not the proxy of this context: the heartbeat's thread uses it.
    app = cast("LocalProxy[Tool]", current_app)._get_current_object()
    slots = app.services.capture_slots
    while True:
        slot = slots.take(wait=False)
        if slot is not None:
            if _claim(bundle_id):
                break
            slots.give_back(slot)
            return  # done already, or another worker runs it
        if not _still_wanted(bundle_id):
            return
        threading.Event().wait(1)  # every slot is taken: the page says it is waiting
    beat = _Heartbeat(app, bundle_id, slots, slot)
    try:
        _run_claimed(app, bundle_id, task)
    finally:
        beat.stop()
        slots.give_back(slot)


def _claim(bundle_id: int) -> bool:
    """Mark the capture as ours, capturing from now; False when it needs nobody (done,
    failed) or another worker marked it alive lately. One UPDATE: two workers never both win."""
    session = db.session()
    claim = (
        update(EvidenceBundle)
        .where(
            EvidenceBundle.id == bundle_id,
            EvidenceBundle.status.in_(RUNNING),
            or_(
                EvidenceBundle.status != "capturing",
                EvidenceBundle.updated_at < now() - current_app.config["CAPTURE_TAKEN_UP_AFTER"],
            ),
        )
        .values(status="capturing", updated_at=now())
    )
    # An UPDATE's result is a cursor's, with its row count.
    claimed = cast("CursorResult[Any]", session.execute(claim))
    session.commit()
    return claimed.rowcount == 1


def _still_wanted(bundle_id: int) -> bool:
    """A capture waiting for a slot is marked alive, so no watch sends it again meanwhile."""
    session = db.session()
    mark = (
        update(EvidenceBundle)
        .where(EvidenceBundle.id == bundle_id, EvidenceBundle.status.in_(("waiting", "retrying")))
        .values(updated_at=now())
    )
    waiting = cast("CursorResult[Any]", session.execute(mark))
    session.commit()
    return waiting.rowcount == 1


class _Heartbeat:
    """Marks a capture alive, and renews its slot, while its worker runs it."""

    def __init__(self, app: Tool, bundle_id: int, slots: Gate, slot: tuple[int, str]) -> None:
        self.app, self.bundle_id, self.slots, self.slot = app, bundle_id, slots, slot
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        every = self.app.config["CAPTURE_HEARTBEAT"].total_seconds()
        while not self.stopped.wait(every):
            try:
                with self.app.app_context():
                    session = db.session()
                    session.execute(
                        update(EvidenceBundle)
                        .where(EvidenceBundle.id == self.bundle_id)
                        .values(updated_at=now())
                    )
                    session.commit()
                self.slots.renew(self.slot)
            except SQLAlchemyError:
                # The database is away; the next beat tries again, before it is taken up.
                self.app.logger.warning("a capture could not be marked alive", exc_info=True)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


def _run_claimed(app: Tool, bundle_id: int, task: Task | None) -> None:
    session = db.session()
    bundle = session.get(EvidenceBundle, bundle_id)
    if bundle is None:
        return  # deleted since it was claimed (its request deleted or purged): nothing to do
    sealer = app.services.sealer
    try:
        _capture(app, bundle, sealer)
    except (Unavailable, SQLAlchemyError) as error:
        # A wiki or the database away may come back: try again later, from where it stopped,
        # and say so on the page; after the last try, a sentence.
        session.rollback()
        if task is not None and task.retries:
            app.logger.warning("evidence capture %s will be tried again", bundle.reference)
            _mark(bundle, sealer, "retrying", {"retrying": _retry_reason(error)})
            raise RetryTask() from None
        app.logger.exception("evidence capture %s failed", bundle.reference)
        _finish(bundle, sealer, "failed", {"error": "chldp-evidence-error-failed"})
    except Exception:
        # Whatever broke, the person sees a sentence and keeps their links.
        app.logger.exception("evidence capture %s failed", bundle.reference)
        session.rollback()
        _finish(bundle, sealer, "failed", {"error": "chldp-evidence-error-failed"})


def _retry_reason(error: Exception) -> str:
    if isinstance(error, Unavailable):
        return "chldp-evidence-retrying-wiki"
    return "chldp-evidence-retrying-database"


def _capture(app: Tool, bundle: EvidenceBundle, sealer: Sealer) -> None:
    session = db.session()
    client = app.services.api
    # Raises Unavailable when the central wiki cannot be asked: the task tries again later.
    wikis = site_matrix(client, app.config["API"].central_api, app.services.cache)

    def progress(done: int, total: int) -> None:
        bundle.links_done = done
        bundle.updated_at = now()
        session.commit()

    # Bounded while it runs: a bundle stops growing at the link that would take it past
    # MAX_BUNDLE_BYTES, and its files wait on disk, not in memory, until the ZIP is written.
    bounds = Bounds(bundle_bytes=MAX_BUNDLE_BYTES)
    links = sealer.open(bundle.links_sealed)
    cache = app.services.cache
    resume = _resume(bundle, Spool(MAX_BUNDLE_BYTES), sealer)
    with capture_links(client, wikis, links, cache, progress, bounds, resume) as result:
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


def _resume(bundle: EvidenceBundle, spool: Spool, sealer: Sealer) -> Resume:
    """What earlier attempts at this capture kept, back in `spool`; and each line finished
    with from now on kept at once, in its own transaction."""
    earlier: dict[int, Kept | Refusal] = {}
    for item in db.session().scalars(
        select(EvidenceItem).where(EvidenceItem.bundle_id == bundle.id)
    ):
        if item.kind == "kept":
            earlier[item.position] = spool.restore(
                item.position, sealer.open_bytes(item.content_sealed)
            )
        else:
            earlier[item.position] = Refusal(**_refusal_fields(sealer.open(item.content_sealed)))

    def finished(taken: Kept | Refusal) -> None:
        if isinstance(taken, Kept):
            kind, content = "kept", sealer.seal_bytes(taken.pack())
        else:
            kind, content = "refused", sealer.seal(json.dumps(taken.record(), ensure_ascii=False))
        session = db.session()
        item = EvidenceItem(
            bundle_id=bundle.id, position=taken.line, kind=kind, content_sealed=content
        )
        session.add(item)
        session.commit()

    return Resume(spool, earlier, finished)


def _refusal_fields(stored: str) -> dict[str, Any]:
    record = json.loads(stored)
    return {
        "line": record["line"],
        "text": record["text"],
        "key": record["key"],
        "params": tuple(record["params"]),
        "temporary": record["temporary"],
    }


def _mark(bundle: EvidenceBundle, sealer: Sealer, status: str, outcome: dict[str, Any]) -> None:
    bundle.status = status
    bundle.updated_at = now()
    bundle.outcome_sealed = sealer.seal(json.dumps(outcome, ensure_ascii=False))
    db.session().commit()


def _finish(bundle: EvidenceBundle, sealer: Sealer, status: str, result: dict[str, Any]) -> None:
    """The capture's end: its outcome, and its items gone (they are in the bundle now)."""
    bundle.links_done = bundle.links_total
    db.session().execute(delete(EvidenceItem).where(EvidenceItem.bundle_id == bundle.id))
    _mark(bundle, sealer, status, result)


def _by_submission_key(key: str, owner: User) -> EvidenceBundle | None:
    return db.session().scalar(
        select(EvidenceBundle).where(
            EvidenceBundle.submission_key == key, EvidenceBundle.owner_key == account_key(owner)
        )
    )
