"""Trusted time and custody through the web tool: a capture is time stamped by the farm's
RFC 3161 authority, the download checks with OpenSSL and sha256 alone (the README's steps,
without our software) and with verify-bundle; a changed byte fails both; with the authority
down the capture completes, says "time stamp pending", and is stamped when it comes back."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.helpers import REQUESTER, captured, free_port, verified
from support.logins import log_in
from support.zips import zipped

from webtool.infra import db
from webtool.infra.config import TsaSettings
from webtool.infra.models import CustodyEvent, EvidenceBundle
from webtool.sweep import sweep


def authority() -> tuple[str, str]:
    """The farm authority's root and signing certificates' paths."""
    return os.environ["CHLDP_TSA_ROOT"], os.environ["CHLDP_TSA_CERT"]


def unzipped(download: bytes, folder: Path) -> Path:
    """The download as a lawyer unpacks it: the wrapper, then the archive into archive/."""
    with zipfile.ZipFile(io.BytesIO(download)) as wrapper:
        wrapper.extractall(folder)
    (wacz,) = folder.glob("*.wacz")
    with zipfile.ZipFile(wacz) as archive:
        archive.extractall(folder / "archive")
    return wacz


def openssl_verify(folder: Path, root: str, cert: str) -> subprocess.CompletedProcess:
    """The README's check of the time stamp: `openssl ts -verify` on datapackage.json."""
    return subprocess.run(
        ["openssl", "ts", "-verify", "-data", "archive/datapackage.json", "-in", "timestamp.tsr",
         "-CAfile", root, "-untrusted", cert],
        cwd=folder, capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def altered_files(folder: Path) -> list[str]:
    """The README's check of every file against datapackage.json, by SHA-256 alone."""
    package = json.loads((folder / "archive" / "datapackage.json").read_bytes())
    return [
        resource["path"]
        for resource in package["resources"]
        if "sha256:"
        + hashlib.sha256((folder / "archive" / resource["path"]).read_bytes()).hexdigest()
        != resource["hash"]
    ]


def verify_bundle(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "webtool", "verify-bundle", str(path)],
        capture_output=True, text=True, timeout=60, env=os.environ,
    )  # fmt: skip


def test_a_download_checks_with_openssl_and_sha256_alone_and_with_verify_bundle(
    client, evidence_links, tmp_path
):
    log_in(client, REQUESTER)
    reference, page = captured(client, evidence_links["text"])
    assert "Time stamped by an independent authority" in page
    download = client.get(f"/evidence/{reference}/bundle.zip").data
    unzipped(download, tmp_path)

    stamp = openssl_verify(tmp_path, *authority())
    assert stamp.returncode == 0, stamp.stderr
    assert "Verification: OK" in stamp.stdout
    assert altered_files(tmp_path) == []
    (tmp_path / "download.zip").write_bytes(download)
    checked = verify_bundle(tmp_path / "download.zip")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Every hash matches: 2 items, 5 files." in checked.stdout
    assert "Time stamp checked: the authority vouches that datapackage.json" in checked.stdout
    how = (tmp_path / "HOW-TO-CHECK.txt").read_text()
    assert "openssl ts -verify -data datapackage.json -in timestamp.tsr" in how


def test_a_changed_byte_in_a_warc_fails_both_checks(client, evidence_links, tmp_path):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    download = client.get(f"/evidence/{reference}/bundle.zip").data
    with zipfile.ZipFile(io.BytesIO(download)) as wrapper:
        files = {name: wrapper.read(name) for name in wrapper.namelist()}
    wacz = f"{reference}.wacz"
    with zipfile.ZipFile(io.BytesIO(files[wacz])) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    warc = bytearray(members["archive/data.warc.gz"])
    warc[len(warc) // 2] ^= 1
    members["archive/data.warc.gz"] = bytes(warc)

    files[wacz] = zipped(members)
    forged = tmp_path / "forged.zip"
    forged.write_bytes(zipped(files))
    checked = verify_bundle(forged)
    folder = tmp_path / "unpacked"
    unzipped(forged.read_bytes(), folder)

    assert checked.returncode == 1
    assert "archive/data.warc.gz was altered: its SHA-256 does not match." in checked.stdout
    assert "is not the archive the custody log names" in checked.stdout
    # Without our software: the stamp still vouches for datapackage.json, which names the
    # WARC's true SHA-256, and the WARC no longer has it.
    assert openssl_verify(folder, *authority()).returncode == 0
    assert altered_files(folder) == ["archive/data.warc.gz"]

    # A forger who writes datapackage.json again to match: the stamp no longer checks.
    package = json.loads(members["datapackage.json"])
    for resource in package["resources"]:
        content = members[resource["path"]]
        resource["hash"] = "sha256:" + hashlib.sha256(content).hexdigest()
    members["datapackage.json"] = json.dumps(package).encode()
    files[wacz] = zipped(members)
    forged.write_bytes(zipped(files))
    folder = tmp_path / "forged-again"
    unzipped(forged.read_bytes(), folder)
    assert altered_files(folder) == []
    stamp = openssl_verify(folder, *authority())
    assert stamp.returncode != 0 and "Verification: OK" not in stamp.stdout
    checked = verify_bundle(forged)
    assert checked.returncode == 1
    assert "The time stamp does not check" in checked.stdout


@pytest.fixture
def authority_down(app):
    """The tool's authority at a loopback port where nothing answers, as when it is away."""
    kept = app.config["TSA"]
    app.config["TSA"] = TsaSettings(f"http://127.0.0.1:{free_port()}/", kept.root, kept.cert)
    yield kept
    app.config["TSA"] = kept


def test_with_the_authority_down_the_capture_completes_and_is_stamped_when_it_comes_back(
    app, client, evidence_links, authority_down, tmp_path
):
    log_in(client, REQUESTER)
    reference, page = captured(client, evidence_links["text"])

    assert "2 items captured" in page
    assert "Time stamp pending" in page
    before = client.get(f"/evidence/{reference}/bundle.zip").data
    with zipfile.ZipFile(io.BytesIO(before)) as wrapper:
        assert "timestamp.tsr" not in wrapper.namelist()
    report = verified(before, tmp_path)
    assert report.intact and report.stamped_at is None
    assert report.stamp_note.startswith("No time stamp")

    # The sweep asks again when the next try is due, here at once; the authority is back.
    app.config["TSA"] = authority_down
    with app.app_context():
        db.session().execute(update(EvidenceBundle).values(stamp_next_at=None))
        db.session().commit()
    sweep(app, mail=False)

    assert "Time stamped by an independent authority" in client.get(
        f"/evidence/{reference}"
    ).get_data(as_text=True)
    after = verified(client.get(f"/evidence/{reference}/bundle.zip").data, tmp_path)
    assert after.intact and after.stamped_at is not None
    with app.app_context():
        events = db.session().scalars(select(CustodyEvent.event).order_by(CustodyEvent.id)).all()
    assert events == ["captured", "time stamp pending", "downloaded", "time stamped", "downloaded"]
