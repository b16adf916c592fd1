"""Checking a bundle as it left the tool, whichever its form: the download (a ZIP holding the
web archive, its time stamp and its custody log), a web archive alone, or a ZIP bundle from
before web archives.

The web archive's own hashes are checked by wacz.py, the older ZIP's by bundle.py. Here: the
time stamp, against the authority's certificates (the ones given, else the ones the download
carries, which the report then says), and the custody log's SHA-256 of the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from webtool.infra.timestamps import BadStamp, check_stamp
from webtool.wikis.evidence.bundle import MANIFEST, BadBundle, opened_zip, verify_bundle
from webtool.wikis.evidence.wacz import DATAPACKAGE, verify_wacz

STAMP = "timestamp.tsr"
CUSTODY = "custody-log.json"
CARRIED_ROOT = "tsa-root.pem"
CARRIED_CERT = "tsa-cert.pem"


@dataclass
class Report:
    items: int
    files: int
    manifest_sha256: str
    problems: list[str] = field(default_factory=list)
    stamped_at: datetime | None = None
    stamp_note: str = ""  # what was found of the time stamp, in a sentence

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(
    path: str | os.PathLike, root_pem: bytes | None = None, tsa_pem: bytes | None = None
) -> Report:
    """Every check a bundle allows; BadBundle when it cannot be read as one."""
    with opened_zip(path) as outer:
        names = outer.namelist()
        if MANIFEST in names:
            old = verify_bundle(path)
            note = "This bundle was made before time stamps: it has none."
            return Report(old.items, old.files, old.manifest_sha256, old.problems, None, note)
        if DATAPACKAGE in names:
            checked = verify_wacz(path)
            note = "A web archive alone carries no time stamp: check the download it came in."
            return Report(
                checked.items, checked.files, checked.manifest_sha256, checked.problems, None, note
            )
        archives = [name for name in names if name.endswith(".wacz")]
        if len(archives) != 1:
            raise BadBundle("This ZIP holds no web archive (.wacz): it is not an evidence bundle.")
        return _download(outer, archives[0], root_pem, tsa_pem)


def _download(
    outer: zipfile.ZipFile, archive: str, root_pem: bytes | None, tsa_pem: bytes | None
) -> Report:
    with outer.open(archive) as inner:
        checked = verify_wacz(inner)
    with outer.open(archive) as inner:
        archive_sha256 = _sha256(inner)
    report = Report(checked.items, checked.files, checked.manifest_sha256, checked.problems)
    custody = _custody(outer)
    if custody is None:
        report.problems.append(f"{CUSTODY} is missing or cannot be read.")
    elif custody.get("archive_sha256") != archive_sha256:
        report.problems.append(
            f"{archive} is not the archive the custody log names: its SHA-256 differs."
        )
    if STAMP not in outer.namelist():
        report.stamp_note = (
            "No time stamp: the authority had not answered when this bundle was downloaded. "
            "Download it again later."
        )
        return report
    carried = root_pem is None or tsa_pem is None
    if carried:
        try:
            root_pem, tsa_pem = outer.read(CARRIED_ROOT), outer.read(CARRIED_CERT)
        except KeyError:
            report.problems.append(
                "The time stamp cannot be checked: give the authority's certificates."
            )
            return report
    assert root_pem is not None and tsa_pem is not None
    try:
        report.stamped_at = check_stamp(outer.read(STAMP), checked.datapackage, root_pem, tsa_pem)
    except BadStamp as error:
        report.problems.append(f"The time stamp does not check: {error}")
        return report
    report.stamp_note = (
        f"Time stamp checked: the authority vouches that {DATAPACKAGE}, which names the SHA-256 "
        f"of every file of the archive, existed at {report.stamped_at:%Y-%m-%d %H:%M:%S} UTC."
    )
    if carried:
        fingerprint = hashlib.sha256(root_pem).hexdigest()
        report.stamp_note += (
            f" It was checked against the certificates this download carries (root SHA-256 "
            f"{fingerprint}): compare them with the ones the authority publishes."
        )
    return report


def _custody(outer: zipfile.ZipFile) -> dict | None:
    try:
        found = json.loads(outer.read(CUSTODY))
    except (KeyError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _sha256(data: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while block := data.read(1024 * 1024):
        digest.update(block)
    return digest.hexdigest()
