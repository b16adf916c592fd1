"""Evidence in the web tool: a capture runs in the background against the farm, its bundle is
kept sealed with the account, downloads and verifies, attaches to a request, and reaches
the legal team with an audit entry. Nothing pasted is lost. Runs on SQLite and on MariaDB."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update
from support.helpers import (
    ADMIN,
    EVIDENCE_REFERENCE,
    REQUESTER,
    audit_actions,
    captured,
    finished,
    form_fields,
    post,
    send,
    start_capture,
    verified,
)
from support.keys import holding_requester_key
from support.logins import log_in, log_in_as

from sandbox.accounts import HOSTILE_SUMMARY
from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.models import EvidenceBundle
from webtool.services import archives
from webtool.services.sealing import bundle_sealer
from webtool.wikis.evidence.spool import RESERVE


def test_a_capture_is_kept_readable_downloadable_and_verifiable(
    app, client, evidence_links, tmp_path
):
    log_in(client, REQUESTER)
    reference, page = captured(client, evidence_links["text"])

    assert "2 items captured" in page
    # The attacker's markup is shown as text, never as markup.
    assert HOSTILE_SUMMARY not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "hidden on the wiki" in page  # the hidden revision's content
    assert "Line 3:" in page and "en.wikipedia.org.evil.example" in page
    assert reference in client.get("/evidence").get_data(as_text=True)

    download = client.get(f"/evidence/{reference}/bundle.zip")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert reference in download.headers["Content-Disposition"]
    assert download.is_streamed
    verification = verified(download.data, tmp_path)
    assert verification.intact and verification.items == 2
    assert verification.stamped_at is not None  # the farm's time-stamping authority answered
    with zipfile.ZipFile(io.BytesIO(download.data)) as wrapper:
        assert sorted(wrapper.namelist()) == sorted(
            [
                f"{reference}.wacz",
                "timestamp.tsr",
                "custody-log.json",
                "tsa-root.pem",
                "tsa-cert.pem",
                "HOW-TO-CHECK.txt",
            ]
        )
        log = json.loads(wrapper.read("custody-log.json"))
    assert [event["event"] for event in log["events"]] == ["captured", "time stamped", "downloaded"]
    assert log["events"][0]["requested_by"].startswith("account ")
    assert REQUESTER["name"] not in json.dumps(log)  # a keyed reference, not a name
    assert log["events"][0]["wikis"] == ["enwiki"]


def test_the_bundle_and_links_are_sealed_at_rest(app, client, evidence_links, database_url):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM evidence_bundles WHERE reference = :r"), {"r": reference}
        ).one()
    engine.dispose()
    stored = " ".join(str(value) for value in row)
    assert "index.php" not in stored and "evil.example" not in stored
    assert "Harasser" not in stored and row.bundle_sealed is None
    # The archive is a file of its own, under a name that is not the reference, sealed.
    kept = Path(app.config["DATA_DIR"]) / "evidence" / row.archive_file
    assert reference not in row.archive_file
    on_disk = kept.read_bytes()
    assert len(on_disk) > row.archive_bytes and not on_disk.startswith(b"PK")
    assert b"Harasser" not in on_disk and b"index.php" not in on_disk
    with app.app_context():
        bundle = db.session().scalar(
            select(EvidenceBundle).where(EvidenceBundle.reference == reference)
        )
        holding_requester_key(client)  # sealed to the requester who captured it
        with archives.opened(bundle) as archive:
            assert archive.read(2) == b"PK"


def test_nobody_else_sees_or_downloads_a_bundle(client, evidence_links):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    log_in_as(client, "Grant Writer", 5)
    assert client.get(f"/evidence/{reference}").status_code == 404
    assert client.get(f"/evidence/{reference}/bundle.zip").status_code == 404
    assert reference not in client.get("/evidence").get_data(as_text=True)


def test_the_same_form_posted_twice_starts_one_capture(app, client, evidence_links):
    log_in(client, REQUESTER)
    fields = form_fields(client, "/evidence")
    first = start_capture(client, evidence_links["text"], fields)
    second = start_capture(client, evidence_links["text"], fields)
    assert first.headers["Location"] == second.headers["Location"]
    finished(client, EVIDENCE_REFERENCE.search(first.headers["Location"])[0])
    with app.app_context():
        assert len(db.session().scalars(select(EvidenceBundle)).all()) == 1


def test_too_many_links_come_back_with_a_sentence_and_the_links_kept(client, sandbox):
    log_in(client, REQUESTER)
    server = sandbox["wikis"]["enwiki"]["server"]
    pasted = "\n".join(f"{server}/w/index.php?oldid={n}" for n in range(1, 62))
    reply = start_capture(client, pasted)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "You pasted 61 links; up to 50 are captured at once" in page
    assert f"{server}/w/index.php?oldid=61" in page
    empty = start_capture(client, "  \n ")
    assert empty.status_code == 400 and "Paste at least one link" in empty.get_data(as_text=True)


def test_captures_per_hour_are_bounded_and_the_links_kept(app, client, evidence_links):
    app.config["EVIDENCE_CAPTURES_PER_HOUR"] = 1
    log_in(client, REQUESTER)
    captured(client, evidence_links["text"])
    reply = start_capture(client, evidence_links["text"])
    page = reply.get_data(as_text=True)
    assert reply.status_code == 429
    assert "You have started one capture in the last hour" in page
    assert "evil.example" in page


def test_a_capture_stopped_by_a_restart_offers_its_links_again(app, client, evidence_links):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    with app.app_context():
        session = db.session()
        session.execute(
            update(EvidenceBundle)
            .where(EvidenceBundle.reference == reference)
            .values(
                status="capturing",
                updated_at=now() - timedelta(hours=1),
            )
        )
        session.commit()
    page = client.get(f"/evidence/{reference}").get_data(as_text=True)
    assert "stopped before it finished" in page
    assert 'http-equiv="refresh"' not in page
    assert "en.wikipedia.org.evil.example" in page.split("Capture these links again")[1]
    # A stopped capture does not hold up the next one.
    assert start_capture(client, evidence_links["text"]).status_code == 302


@pytest.mark.parametrize(
    ("status", "outcome", "said"),
    [
        ("waiting", {}, "Waiting for a free worker"),
        ("retrying", {"retrying": "chldp-evidence-retrying-wiki"}, "a wiki did not answer"),
    ],
)
def test_a_capture_under_way_says_why_it_waits(app, client, evidence_links, status, outcome, said):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    with app.app_context():
        session = db.session()
        bundle = session.scalar(select(EvidenceBundle).where(EvidenceBundle.reference == reference))
        bundle.status, bundle.links_done = status, 1
        holding_requester_key(client)
        bundle.outcome_sealed = bundle_sealer(bundle).seal(json.dumps(outcome))
        session.commit()
    page = client.get(f"/evidence/{reference}").get_data(as_text=True)
    assert said in page and "1 of 3 links captured" in page
    assert 'http-equiv="refresh"' in page
    assert "stopped before it finished" not in page


def test_a_database_failure_keeps_the_links(client, evidence_links, database_url):
    log_in(client, REQUESTER)
    fields = form_fields(client, "/evidence")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE evidence_bundles RENAME TO evidence_away"))
    try:
        reply = start_capture(client, evidence_links["text"], fields)
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE evidence_away RENAME TO evidence_bundles"))
        engine.dispose()
    assert reply.status_code == 503
    assert "evil.example" in reply.get_data(as_text=True)
    assert start_capture(client, evidence_links["text"], fields).status_code == 302


def test_an_attached_bundle_reaches_the_legal_team_with_an_audit_entry(
    app, client, evidence_links, monkeypatch, tmp_path
):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    log_in(client, REQUESTER)
    request_reference = send(client).headers["Location"].rsplit("/", 1)[1]
    reference, _ = captured(client, evidence_links["text"])
    attached = post(client, f"/evidence/{reference}/attach", request=request_reference)
    assert attached.status_code == 302
    assert reference in client.get(f"/requests/{request_reference}").get_data(as_text=True)

    log_in(client, ADMIN)
    case = client.get(f"/staff/case/{request_reference}").get_data(as_text=True)
    assert f"{reference}.zip" in case
    framed = f'<iframe sandbox src="/staff/evidence/{reference}/page/1"'
    assert framed in case
    shown = client.get(f"/staff/evidence/{reference}/page/1")
    assert shown.status_code == 200
    assert shown.headers["Content-Security-Policy"].startswith("sandbox;")
    download = client.get(f"/staff/evidence/{reference}.zip")
    assert verified(download.data, tmp_path).intact
    assert ("Jane Doe", "download-evidence") in audit_actions(app)
    with zipfile.ZipFile(io.BytesIO(download.data)) as wrapper:
        log = json.loads(wrapper.read("custody-log.json"))
    events = [(event["event"], event.get("case"), event.get("by")) for event in log["events"]]
    assert events[-2:] == [
        ("attached", request_reference, None),
        ("downloaded", None, "the legal team: Jane Doe"),
    ]


def test_a_bundle_attaches_only_to_its_owners_own_request(client, evidence_links):
    log_in_as(client, "Grant Writer", 5)
    theirs = send(client).headers["Location"].rsplit("/", 1)[1]
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    refused = post(client, f"/evidence/{reference}/attach", request=theirs)
    assert refused.status_code == 404
    assert "Attach to my request" not in client.get(f"/evidence/{reference}").get_data(True)


def test_a_bundle_not_attached_stays_private_from_staff(client, evidence_links, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    log_in(client, ADMIN)
    assert client.get(f"/staff/evidence/{reference}.zip").status_code == 404


def test_staff_capture_for_a_case(app, client, evidence_links, monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    log_in(client, REQUESTER)
    request_reference = send(client).headers["Location"].rsplit("/", 1)[1]
    log_in(client, ADMIN)
    case_url = f"/staff/case/{request_reference}"
    fields = form_fields(client, case_url)
    reply = client.post(f"{case_url}/evidence", data={"links": evidence_links["text"], **fields})
    assert reply.status_code == 302
    deadline = time.monotonic() + 120
    while ".zip" not in (page := client.get(case_url).get_data(as_text=True)):
        assert time.monotonic() < deadline, "the staff capture did not end"
        time.sleep(0.2)
    reference = EVIDENCE_REFERENCE.search(page)[0]
    assert "2 (1 link refused)" in page
    assert ("Jane Doe", "capture-evidence") in audit_actions(app)
    assert client.get(f"/staff/evidence/{reference}.zip").status_code == 200


def test_retention_purges_loose_bundles_which_rotation_leaves_to_their_requester(
    app, client, evidence_links
):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    runner = app.test_cli_runner()

    def sealed() -> tuple[str, str | None, str]:
        """The archive's file, and the file key as the server and the requester who
        captured it hold it."""
        with app.app_context():
            columns = (
                EvidenceBundle.archive_file,
                EvidenceBundle.file_key_sealed,
                EvidenceBundle.file_key_requester,
            )
            return tuple(db.session().execute(select(*columns)).one())

    before = sealed()
    assert before[1] is None  # captured: only the requester's key opens it
    assert runner.invoke(args=["rotate-keys"]).exit_code == 0
    # Nothing of it is the server's to re-seal, and the file is never sealed again.
    assert sealed() == before
    assert client.get(f"/evidence/{reference}/bundle.zip").status_code == 200
    with app.app_context():
        session = db.session()
        session.execute(update(EvidenceBundle).values(purge_after=now() - timedelta(days=1)))
        session.commit()
    runner.invoke(args=["purge"])
    assert client.get(f"/evidence/{reference}").status_code == 404
    assert ("retention", "purge") in audit_actions(app)
    # Its archive file goes at the worker's next sweep; an unrelated file being written stays.
    folder = Path(app.config["DATA_DIR"]) / "evidence"
    (folder / ".other.wacz.sealed.1.partial").write_bytes(b"being written")
    with app.app_context():
        assert archives.remove_orphans() == 1
    assert [path.name for path in folder.iterdir() if path.is_file()] == [
        ".other.wacz.sealed.1.partial"
    ]


def test_a_staff_capture_keeps_its_limits_and_the_links(app, client, monkeypatch, sandbox):
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    app.config["EVIDENCE_CAPTURES_PER_HOUR"] = 0
    log_in(client, REQUESTER)
    request_reference = send(client).headers["Location"].rsplit("/", 1)[1]
    log_in(client, ADMIN)
    case_url = f"/staff/case/{request_reference}"
    server = sandbox["wikis"]["enwiki"]["server"]
    too_many = "\n".join(f"{server}/w/index.php?oldid={n}" for n in range(1, 62))
    reply = client.post(
        f"{case_url}/evidence", data={"links": too_many, **form_fields(client, case_url)}
    )
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "You pasted 61 links" in page and f"{server}/w/index.php?oldid=61" in page
    one = f"{server}/w/index.php?oldid=1"
    reply = client.post(
        f"{case_url}/evidence", data={"links": one, **form_fields(client, case_url)}
    )
    assert reply.status_code == 429
    assert "in the last hour" in reply.get_data(as_text=True) and one in reply.get_data(True)


def test_each_captured_page_is_shown_sandboxed_from_the_archive_alone(
    client, evidence_links, sandbox
):
    log_in(client, REQUESTER)
    reference, page = captured(client, evidence_links["text"])

    frames = re.findall(r'<iframe sandbox src="([^"]+)"', page)
    assert frames == [f"/evidence/{reference}/page/1", f"/evidence/{reference}/page/2"]
    shown = client.get(frames[0])
    assert shown.status_code == 200 and shown.mimetype == "text/html"
    policy = shown.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "script-src" not in policy and "frame-ancestors 'self'" in policy
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = shown.get_data(as_text=True)
    assert "Last warning: your real name and address go online tomorrow." in html
    assert "<style>" in html  # the wiki's style sheet, from the archive
    hidden = client.get(frames[1]).get_data(as_text=True)  # the diff to the hidden revision
    assert "one of the revisions has been deleted" in re.sub(r"<[^>]+>", "", hidden)
    assert client.get(f"/evidence/{reference}/page/3").status_code == 404
    # The tool's own pages keep theirs.
    assert "sandbox" not in client.get(f"/evidence/{reference}").headers["Content-Security-Policy"]
    log_in_as(client, "Grant Writer", 5)
    assert client.get(frames[0]).status_code == 404


def test_the_web_archive_alone_is_read_from_any_offset(client, evidence_links):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    with zipfile.ZipFile(io.BytesIO(client.get(f"/evidence/{reference}/bundle.zip").data)) as z:
        whole = z.read(f"{reference}.wacz")

    full = client.get(f"/evidence/{reference}/archive.wacz")
    part = client.get(f"/evidence/{reference}/archive.wacz", headers={"Range": "bytes=100-4195"})
    tail = client.get(f"/evidence/{reference}/archive.wacz", headers={"Range": "bytes=-22"})
    beyond = client.get(
        f"/evidence/{reference}/archive.wacz", headers={"Range": f"bytes={len(whole) + 5}-"}
    )

    assert full.status_code == 200 and full.data == whole
    assert full.headers["Accept-Ranges"] == "bytes"
    assert int(full.headers["Content-Length"]) == len(whole)
    assert part.status_code == 206 and part.data == whole[100:4196]
    assert part.headers["Content-Range"] == f"bytes 100-4195/{len(whole)}"
    assert tail.status_code == 206 and tail.data == whole[-22:]  # a ZIP's end, as a reader asks
    assert beyond.status_code == 416


def test_a_persons_bundles_stop_at_their_quota_and_the_links_are_kept(app, client, evidence_links):
    log_in(client, REQUESTER)
    reference, _ = captured(client, evidence_links["text"])
    with app.app_context():
        size = db.session().scalar(
            select(EvidenceBundle.archive_bytes).where(EvidenceBundle.reference == reference)
        )
    # What is left is no more than a bundle's own files take: no room for another.
    app.config["EVIDENCE_QUOTA_BYTES"] = size + RESERVE

    refused = start_capture(client, evidence_links["text"])

    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "all the space the tool keeps for one person (1 MiB)" in page
    assert "evil.example" in page  # the links, still in the form
