"""Evidence archives kept as files, their trusted time and their chain of custody.

Each capture's web archive (WACZ) is written once into the data folder (DATA_DIR/evidence:
on Toolforge the tool's own folder, which the webservice and the worker jobs both mount),
sealed in chunks under a key derived from the bundle's own file key, under a random name: it
is read from any offset and streamed, never held whole, and never rewritten. Beside it, in the
database: the archive's datapackage.json and an RFC 3161 authority's signed answer over it
(asked when the capture ends, and again by the sweep while the authority does not answer),
and the custody log: every step of the bundle, who took it sealed under the bundle's key.

What leaves the tool is a wrapper: the WACZ as it was written, the authority's answer, the
custody log, the authority's certificates and a note that says how to check it all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZIP_STORED

from flask import current_app, render_template
from sqlalchemy import or_, select
from zipstream import ZipStream  # type: ignore[import-untyped]  # it ships no types

from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.config import TsaSettings
from webtool.infra.crypto import Sealing
from webtool.infra.keys import FileSealer
from webtool.infra.models import CustodyEvent, EvidenceBundle, EvidenceItem
from webtool.infra.sealed_files import SealedFileWriter, SealedReader, open_sealed
from webtool.infra.timestamps import AuthorityUnavailable, request_stamp, stamped_time
from webtool.services.sealing import bundle_sealer

ARCHIVE_KEY = b"chldp archive"  # the purposes keys are derived from a bundle's key for
ITEM_KEY = b"chldp item"
BLOCK = 1024 * 1024
ORPHAN_AFTER = timedelta(hours=1)  # still being written this long after: a killed worker left it
STAMP_RETRY_FIRST = timedelta(minutes=1)
STAMP_RETRY_MOST = timedelta(hours=1)
STAMPS_PER_ROUND = 20


def folder() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "evidence"


def keep(bundle: EvidenceBundle, sealer: FileSealer, plain: Path) -> None:
    """The archive at `plain` sealed into the data folder under a new name, its size and
    SHA-256 in the bundle's row (the caller commits)."""
    where = folder()
    where.mkdir(parents=True, exist_ok=True)
    # Named in the row before it is written: a file no row names is one to remove (the sweep).
    name = secrets.token_hex(16) + ".wacz.sealed"
    bundle.archive_file = name
    db.session().commit()
    digest = hashlib.sha256()
    with (
        plain.open("rb") as data,
        SealedFileWriter(where / name, sealer.derived(ARCHIVE_KEY)) as out,
    ):
        while block := data.read(BLOCK):
            digest.update(block)
            out.write(block)
    bundle.archive_bytes = out.size
    bundle.archive_sha256 = digest.hexdigest()


def opened(bundle: EvidenceBundle) -> SealedReader | None:
    """The bundle's archive to read from any offset; None where this request holds no key of
    it, or the bundle has no archive (made before web archives)."""
    sealer = bundle_sealer(bundle)
    if not isinstance(sealer, FileSealer) or not bundle.archive_file:
        return None
    return open_sealed(folder() / bundle.archive_file, sealer.derived(ARCHIVE_KEY))


def keep_item(bundle: EvidenceBundle, sealer: FileSealer, line: int, packed: bytes) -> None:
    """An item a capture finished with (Kept.pack), sealed into the data folder until the
    archive is written: a capture cut off goes on with it. One file a line of the bundle; one
    left by an attempt that died before its row was saved is written again."""
    path = _item_path(bundle.id, line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with SealedFileWriter(path, sealer.derived(ITEM_KEY)) as out:
        out.write(packed)


def item(bundle: EvidenceBundle, sealer: FileSealer, line: int) -> bytes:
    with open_sealed(_item_path(bundle.id, line), sealer.derived(ITEM_KEY)) as reader:
        return reader.read()


def drop_items(bundle_id: int) -> None:
    """The items of a capture that ended (they are in its archive now), or was deleted."""
    for path in (folder() / "items").glob(f"{bundle_id}-*.item.sealed"):
        path.unlink(missing_ok=True)


def _item_path(bundle_id: int, line: int) -> Path:
    return folder() / "items" / f"{bundle_id}-{line}.item.sealed"


def remove_orphans() -> int:
    """Archive files whose bundle is gone (deleted, purged), removed; how many. A file being
    written (".partial") is left alone for ORPHAN_AFTER: its capture may still be writing it."""
    where = folder()
    if not where.is_dir():
        return 0
    session = db.session()
    known = set(
        session.scalars(
            select(EvidenceBundle.archive_file).where(EvidenceBundle.archive_file.is_not(None))
        )
    )
    # An item's file is its capture's while the capture has items (its rows go when it ends).
    capturing = {f"{bundle_id}-" for bundle_id in session.scalars(select(EvidenceItem.bundle_id))}
    removed = 0
    cutoff = time.time() - ORPHAN_AFTER.total_seconds()
    for path in [*where.iterdir(), *(where / "items").glob("*")]:
        if path.is_dir():
            continue
        writing = path.name.endswith(".partial") and path.stat().st_mtime >= cutoff
        ours = path.name in known or (
            path.parent.name == "items" and path.name.split("-")[0] + "-" in capturing
        )
        if not ours and not writing:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def record(
    bundle: EvidenceBundle, event: str, sealer: Sealing | None = None, **detail: object
) -> None:
    """A step in the bundle's custody (the caller commits); its detail sealed under the
    bundle's key, which whoever takes the step holds."""
    sealed = sealer.seal(json.dumps(detail, ensure_ascii=False)) if sealer and detail else None
    db.session().add(CustodyEvent(bundle_id=bundle.id, at=now(), event=event, detail_sealed=sealed))


def custody_log(bundle: EvidenceBundle, sealer: Sealing) -> dict[str, object]:
    """The custody log as it leaves the tool: what the archive is, and each step in order."""
    events = db.session().scalars(
        select(CustodyEvent).where(CustodyEvent.bundle_id == bundle.id).order_by(CustodyEvent.id)
    )
    return {
        "bundle": bundle.reference,
        "archive_sha256": bundle.archive_sha256,
        "archive_bytes": bundle.archive_bytes,
        "datapackage_sha256": _sha256(bundle.datapackage),
        "time_stamp": _stamp_said(bundle),
        "events": [
            {
                "at": _utc(event.at),
                "event": event.event,
                **(json.loads(sealer.open(event.detail_sealed)) if event.detail_sealed else {}),
            }
            for event in events
        ],
    }


def stamp(bundle: EvidenceBundle) -> bool:
    """Ask the authority for a time stamp on the bundle's datapackage.json; True when it
    answered. Otherwise the next try is set, sooner at first, and the page says "time stamp
    pending". The caller commits."""
    tsa: TsaSettings = current_app.config["TSA"]
    if not tsa.url or bundle.datapackage is None or bundle.stamp:
        return bool(bundle.stamp)
    try:
        reply = request_stamp(tsa.url, bundle.datapackage.encode())
    except AuthorityUnavailable:
        current_app.logger.warning("the time-stamping authority did not answer for a bundle")
        if not bundle.stamp_tries:
            record(bundle, "time stamp pending")
        wait = min(STAMP_RETRY_FIRST * 2**bundle.stamp_tries, STAMP_RETRY_MOST)
        bundle.stamp_tries += 1
        bundle.stamp_next_at = now() + wait
        return False
    bundle.stamp = base64.b64encode(reply).decode()
    bundle.stamped_at = stamped_time(reply).replace(tzinfo=None)
    bundle.stamp_next_at = None
    record(bundle, "time stamped")
    return True


def stamp_pending() -> int:
    """The sweep's step: each bundle whose time stamp is pending and due asked for again; how
    many got one."""
    session = db.session()
    due = session.scalars(
        select(EvidenceBundle)
        .where(
            EvidenceBundle.datapackage.is_not(None),
            EvidenceBundle.stamp.is_(None),
            or_(EvidenceBundle.stamp_next_at.is_(None), EvidenceBundle.stamp_next_at <= now()),
        )
        .limit(STAMPS_PER_ROUND)
    )
    stamped = 0
    for bundle in list(due):
        stamped += stamp(bundle)
        session.commit()
    return stamped


def wrapper(bundle: EvidenceBundle, sealer: FileSealer) -> Iterator[bytes]:
    """What a download of the bundle is, streamed as it is read: the WACZ as written, the
    time stamp, the custody log, the authority's certificates, and how to check them."""
    tsa: TsaSettings = current_app.config["TSA"]
    name = f"{bundle.reference}.wacz"
    log = custody_log(bundle, sealer)
    zipped = ZipStream(compress_type=ZIP_DEFLATED)
    # Stored as it is: the archive's own bytes are what its SHA-256 in the custody log names.
    assert bundle.archive_file is not None  # only a web archive bundle has a wrapper
    path, key = folder() / bundle.archive_file, sealer.derived(ARCHIVE_KEY)
    zipped.add(_archive(path, key), name, compress_type=ZIP_STORED)
    if bundle.stamp:
        zipped.add(base64.b64decode(bundle.stamp), "timestamp.tsr")
    zipped.add(json.dumps(log, ensure_ascii=False, indent=2), "custody-log.json")
    certificates = {"tsa-root.pem": tsa.root, "tsa-cert.pem": tsa.cert}
    shipped = {n: p.read_bytes() for n, p in certificates.items() if p and p.is_file()}
    for file_name, pem in shipped.items():
        zipped.add(pem, file_name)
    note = render_template(
        "evidence_check.txt",
        archive=name,
        stamped=bool(bundle.stamp),
        certificates=len(shipped) == 2,
        tsa_url=tsa.url,
    )
    zipped.add(note, "HOW-TO-CHECK.txt")
    return iter(zipped)


def _archive(path: Path, key: bytes) -> Iterator[bytes]:
    """The archive's bytes, a block at a time, opened only when the download reaches them."""
    with open_sealed(path, key) as reader:
        while block := reader.read(BLOCK):
            yield block


def _stamp_said(bundle: EvidenceBundle) -> str:
    if bundle.stamped_at:
        return f"{_utc(bundle.stamped_at)}, by {current_app.config['TSA'].url}"
    return "pending: the authority has not answered yet"


def _sha256(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def tool_version() -> str:
    return f"chldp {version('chldp')}"
