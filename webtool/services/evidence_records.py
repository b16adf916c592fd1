"""Evidence bundles kept with the account that captured them: the links a person sends, the
bundles they own, attached to their requests, and what each holds.

A capture is started here and runs on the task queue, in a worker (captures.py), so a large
one can be left and returned to, and a restart of the web tool does not touch it: its row says
how many links are done, and the finished web archive is kept as a sealed file (archives.py).
A bundle from before web archives keeps its ZIP, sealed in its row.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webtool.infra import db, tasks
from webtool.infra.accounts import User
from webtool.infra.clock import now
from webtool.infra.keyed import account_key
from webtool.infra.keys import FileSealer
from webtool.infra.models import EvidenceBundle, HelpRequest
from webtool.services import archives, conflicts, requester_keys
from webtool.services.help_requests import new_reference, new_submission_key
from webtool.services.sealing import attach_file_key, bundle_sealer, new_file_key
from webtool.services.wiring import services
from webtool.wikis.evidence import replay
from webtool.wikis.evidence.links import MAX_LINKS
from webtool.wikis.evidence.spool import RESERVE, mebibytes
from webtool.wikis.evidence.wacz import MANIFEST
from webtool.wikis.evidence.wikis import MAX_LINK_LENGTH

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
    if room_left(account_key(owner)) <= RESERVE:
        quota = mebibytes(current_app.config["EVIDENCE_QUOTA_BYTES"])
        form.errors.append(("chldp-evidence-error-quota", (quota,)))
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


def room_left(owner_key: str, bundle_id: int | None = None) -> int:
    """The bytes the account's bundles may still take: their quota, less their archives."""
    used = db.session().scalar(
        select(func.coalesce(func.sum(EvidenceBundle.archive_bytes), 0)).where(
            EvidenceBundle.owner_key == owner_key, EvidenceBundle.id != (bundle_id or 0)
        )
    )
    return int(current_app.config["EVIDENCE_QUOTA_BYTES"]) - int(used or 0)


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
    case = db.session().get(HelpRequest, request_id) if request_id is not None else None
    # A requester's own capture is sealed to their key (made now if this is the first thing
    # they store); staff capture for a case, and it is sealed to the case.
    requester = requester_keys.public_key(owner) if case is None else None
    key, key_columns = new_file_key(case, requester)
    sealer = FileSealer(key)
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
        **key_columns,
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


def owner_of(bundle: EvidenceBundle) -> User | None:
    """The account that captured the bundle; None where this request holds no key of it."""
    sealer = bundle_sealer(bundle)
    return json.loads(sealer.open(bundle.owner_sealed)) if sealer else None


def bundles_of_request(request_id: int) -> list[EvidenceBundle]:
    return list(
        db.session().scalars(
            select(EvidenceBundle)
            .where(EvidenceBundle.request_id == request_id)
            .order_by(EvidenceBundle.created_at)
        )
    )


def can_open(bundle: EvidenceBundle) -> bool:
    """Whether this request holds a key of the bundle (the requester's device, or the case's
    through the team key)."""
    return bundle_sealer(bundle) is not None


def attach(bundle: EvidenceBundle, help_request: HelpRequest) -> None:
    """Attach a bundle to a request: from then on it is kept, and purged, with the request."""
    sealer = bundle_sealer(bundle)
    archives.record(bundle, "attached", sealer, case=help_request.reference)
    if sealer is not None:
        conflicts.attach_authors(bundle, sealer, help_request)
    bundle.request_id = help_request.id
    bundle.purge_after = max(bundle.purge_after, help_request.purge_after)
    attach_file_key(bundle, help_request)
    db.session().commit()


def stopped(bundle: EvidenceBundle) -> bool:
    """A capture marked as queued or running that nobody has marked alive for a while: the
    process holding it ended."""
    return bundle.status in RUNNING and now() - bundle.updated_at > STALE_AFTER


def outcome(bundle: EvidenceBundle) -> dict[str, Any]:
    """{"refused": [Refusal.record(), …], "error": message key, when nothing was kept}; {}
    where this request holds no key of the bundle."""
    sealer = bundle_sealer(bundle)
    return json.loads(sealer.open(bundle.outcome_sealed)) if sealer else {}


def links_of(bundle: EvidenceBundle) -> str:
    sealer = bundle_sealer(bundle)
    return sealer.open(bundle.links_sealed) if sealer else ""


def download(bundle: EvidenceBundle, by: str) -> Iterator[bytes] | None:
    """What a download of the bundle is, streamed (its web archive with its time stamp and
    custody log; a bundle from before, its ZIP), with the download in its custody log; None
    where this request holds no key of it."""
    sealer = bundle_sealer(bundle)
    if sealer is None:
        return None
    if not bundle.archive_file or not isinstance(sealer, FileSealer):
        return iter([sealer.open_bytes(bundle.bundle_sealed or "")])
    archives.record(bundle, "downloaded", sealer, by=by)
    db.session().commit()
    return archives.wrapper(bundle, sealer)


def archived_pages(bundle: EvidenceBundle) -> list[dict[str, Any]]:
    """The wiki's pages the bundle's archive holds, numbered from 1, each with the link it
    shows; none where this request holds no key of it, or it has no archive."""
    reader = archives.opened(bundle)
    if reader is None:
        return []
    with reader, zipfile.ZipFile(reader) as archive:
        return [{**page, "number": n} for n, page in enumerate(replay.pages(archive), 1)]


def page_as_seen(bundle: EvidenceBundle, number: int) -> bytes | None:
    """Page `number` of the bundle's archive as the reader saw it, from the archive alone."""
    reader = archives.opened(bundle)
    if reader is None:
        return None
    with reader, zipfile.ZipFile(reader) as archive:
        return replay.page_as_seen(archive, number)


def manifest_of(bundle: EvidenceBundle) -> dict[str, Any] | None:
    """The bundle's manifest, read from its archive alone; None where this request holds no
    key of it."""
    reader = archives.opened(bundle)
    if reader is not None:
        with reader, zipfile.ZipFile(reader) as archive:
            return json.loads(archive.read(MANIFEST))
    sealer = bundle_sealer(bundle)
    if sealer is None or not bundle.bundle_sealed:
        return None
    with zipfile.ZipFile(io.BytesIO(sealer.open_bytes(bundle.bundle_sealed))) as archive:
        return json.loads(archive.read("manifest.json"))


def _by_submission_key(key: str, owner: User) -> EvidenceBundle | None:
    return db.session().scalar(
        select(EvidenceBundle).where(
            EvidenceBundle.submission_key == key, EvidenceBundle.owner_key == account_key(owner)
        )
    )
