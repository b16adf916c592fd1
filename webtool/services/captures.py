"""The worker's run of a capture: each link captured through the Action API and kept in the
database as soon as it is captured (EvidenceItem), the finished web archive kept as a sealed
file (archives.py) and sent to the time-stamping authority.

The worker running a capture marks it alive every CAPTURE_HEARTBEAT; a capture whose worker
died (killed, a deploy) is found by the sweep and taken up again by a worker from the link
where it stopped. At most CHLDP_MAX_CAPTURES captures run at once in the whole deployment (a
gate of infra/slots.py).
"""

from __future__ import annotations

import json
import threading
from typing import Any, cast

from flask import current_app
from huey.api import Task
from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

from webtool.infra import db, tasks
from webtool.infra.clock import now
from webtool.infra.crypto import Sealing
from webtool.infra.keys import FileSealer
from webtool.infra.models import EvidenceBundle, EvidenceItem
from webtool.infra.slots import Gate
from webtool.services import archives, conflicts
from webtool.services.evidence_records import RUNNING, room_left
from webtool.services.sealing import bundle_sealer, captured
from webtool.services.wiring import Tool
from webtool.wikis.api import Unavailable
from webtool.wikis.evidence.capture import Bounds, Resume, Spool, capture_links
from webtool.wikis.evidence.links import Refusal
from webtool.wikis.evidence.spool import RESERVE, Kept
from webtool.wikis.evidence.wacz import write_wacz
from webtool.wikis.evidence.wikis import site_matrix


class BundleGone(Exception):
    """The bundle was deleted while it was captured (its request deleted, or purged)."""


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
    # The worker holds the bundle's file key through the server's wrap until the capture ends.
    sealer = bundle_sealer(bundle)
    if not isinstance(sealer, FileSealer):
        return  # ended already: only the case's keys open it now
    try:
        _capture(app, bundle, sealer)
    except Exception as error:
        session.rollback()
        if _gone(bundle_id):
            # Its request was deleted or purged meanwhile: nothing of it may stay, and nothing
            # went wrong. What the capture kept after the deletion goes too.
            session.execute(delete(EvidenceItem).where(EvidenceItem.bundle_id == bundle_id))
            session.commit()
            archives.drop_items(bundle_id)
            app.logger.info("an evidence capture stopped: its bundle was deleted meanwhile")
            return
        if isinstance(error, Unavailable | SQLAlchemyError) and task is not None and task.retries:
            # A wiki or the database away may come back: try again later, from where it
            # stopped, and say so on the page; after the last try, a sentence.
            app.logger.warning("evidence capture %s will be tried again", bundle.reference)
            _mark(bundle, sealer, "retrying", {"retrying": _retry_reason(error)})
            tasks.try_again_later(task)
        # Whatever broke, the person sees a sentence and keeps their links.
        app.logger.exception("evidence capture %s failed", bundle.reference)
        _finish(bundle, sealer, "failed", {"error": "chldp-evidence-error-failed"})


def _gone(bundle_id: int) -> bool:
    """Whether the bundle's row is gone from the database."""
    found = db.session().scalar(select(EvidenceBundle.id).where(EvidenceBundle.id == bundle_id))
    return found is None


def _retry_reason(error: Exception) -> str:
    if isinstance(error, Unavailable):
        return "chldp-evidence-retrying-wiki"
    return "chldp-evidence-retrying-database"


def _capture(app: Tool, bundle: EvidenceBundle, sealer: FileSealer) -> None:
    session = db.session()
    client = app.services.api
    # Raises Unavailable when the central wiki cannot be asked: the task tries again later.
    wikis = site_matrix(client, app.config["API"].central_api, app.services.cache)

    def progress(done: int, total: int) -> None:
        bundle.links_done = done
        bundle.updated_at = now()
        session.commit()

    # Bounded while it runs: a bundle stops growing at the link that would take it past its
    # bound, or past what the account's quota leaves; its items wait on disk, not in memory,
    # until the archive is written.
    limit = min(app.config["EVIDENCE_BUNDLE_BYTES"], room_left(bundle.owner_key, bundle.id))
    if limit <= RESERVE:
        _finish(bundle, sealer, "failed", {"error": "chldp-evidence-error-quota"})
        return
    bounds = Bounds(item_bytes=app.config["EVIDENCE_LINK_BYTES"], bundle_bytes=limit)
    links = sealer.open(bundle.links_sealed)
    cache = app.services.cache
    resume = _resume(bundle, Spool(limit), sealer)
    with capture_links(client, wikis, links, cache, progress, bounds, resume) as result:
        refused = [refusal.record() for refusal in result.refused]
        bundle.refused = len(refused)
        if not result.items:
            _finish(
                bundle, sealer, "failed", {"refused": refused, "error": "chldp-evidence-error-none"}
            )
            return
        plain = result.spool.folder / "bundle.wacz"
        written = write_wacz(result, plain, bundle.reference)
        archives.keep(bundle, sealer, plain)
        records = [kept.record() for kept in result.items]
        wikis_kept = sorted({record["wiki"] for record in records})
    # Who wrote what it holds, for the conflict check of the case it is or will be on.
    conflicts.keep_authors(bundle, sealer, {"items": records})
    bundle.items = len(result.items)
    bundle.manifest_sha256 = written.manifest_sha256
    bundle.datapackage = written.datapackage.decode()
    archives.record(
        bundle,
        "captured",
        sealer,
        requested_by=f"account {bundle.owner_key}",
        wikis=wikis_kept,
        links=bundle.links_total,
        tool=archives.tool_version(),
    )
    _finish(bundle, sealer, "done", {"refused": refused})
    # Complete without it: an authority away leaves the stamp pending, and the sweep asks again.
    archives.stamp(bundle)
    session.commit()


def _resume(bundle: EvidenceBundle, spool: Spool, sealer: FileSealer) -> Resume:
    """What earlier attempts at this capture kept, back in `spool`; and each line finished
    with from now on kept at once: its row in its own transaction, a kept item's files in the
    data folder (archives.keep_item), as large as a link may be."""
    earlier: dict[int, Kept | Refusal] = {}
    for item in db.session().scalars(
        select(EvidenceItem).where(EvidenceItem.bundle_id == bundle.id)
    ):
        if item.kind == "kept":
            # Kept in its row by a capture that began before items were files.
            packed = (
                sealer.open_bytes(item.content_sealed)
                if item.content_sealed
                else archives.item(bundle, sealer, item.position)
            )
            earlier[item.position] = spool.restore(item.position, packed)
        else:
            earlier[item.position] = Refusal(**_refusal_fields(sealer.open(item.content_sealed)))

    def finished(taken: Kept | Refusal) -> None:
        if isinstance(taken, Kept):
            archives.keep_item(bundle, sealer, taken.line, taken.pack())
            kind, content = "kept", ""
        else:
            kind, content = "refused", sealer.seal(json.dumps(taken.record(), ensure_ascii=False))
        session = db.session()
        item = EvidenceItem(
            bundle_id=bundle.id, position=taken.line, kind=kind, content_sealed=content
        )
        session.add(item)
        session.commit()
        # Deleted before this item was kept, or while (SQLite keeps no foreign key): stop here,
        # and the item goes with the rest.
        if _gone(bundle.id):
            raise BundleGone

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


def _mark(bundle: EvidenceBundle, sealer: Sealing, status: str, outcome: dict[str, Any]) -> None:
    bundle.status = status
    bundle.updated_at = now()
    bundle.outcome_sealed = sealer.seal(json.dumps(outcome, ensure_ascii=False))
    db.session().commit()


def _finish(bundle: EvidenceBundle, sealer: Sealing, status: str, result: dict[str, Any]) -> None:
    """The capture's end: its outcome, and its items gone (they are in the bundle now)."""
    bundle.links_done = bundle.links_total
    db.session().execute(delete(EvidenceItem).where(EvidenceItem.bundle_id == bundle.id))
    archives.drop_items(bundle.id)
    captured(bundle)
    _mark(bundle, sealer, status, result)
