"""`python -m webtool capture` and `verify-bundle` at a terminal, against the farm."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from support import CHECKOUT
from support.faultserver import FaultServer, garbage, ok
from support.zips import zipped

from webtool.wikis.evidence.hashes import record_sha256, sha256
from webtool.wikis.evidence.warc import responses


def webtool(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "webtool", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


@pytest.fixture(scope="module")
def links(sandbox, harassment) -> dict[str, str]:
    en = sandbox["wikis"]["enwiki"]
    latest = harassment[0]
    return {
        "diff": f"{en['server']}/wiki/Special:Diff/{latest}",
        "page": f"{en['server']}/wiki/User_talk:Veteran_Editor",
        "german": f"{sandbox['wikis']['dewiki']['server']}/wiki/Spezial:Permanenter_Link/5",
    }


def test_every_link_captured_exits_0_and_the_bundle_verifies(links, tmp_path):
    out = tmp_path / "evidence.wacz"

    done = webtool("capture", links["diff"], links["page"], "--out", str(out))
    checked = webtool("verify-bundle", str(out))

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{out}: 2 items captured; manifest SHA-256 ")
    assert "refused" not in done.stderr
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.startswith("Every hash matches: 2 items")
    assert manifest_sha256(checked.stdout) == manifest_sha256(done.stdout)


def manifest_sha256(printed: str) -> str:
    return re.search(r"manifest SHA-256 ([0-9a-f]{64})", printed, re.IGNORECASE)[1]


def test_a_refused_link_exits_2_with_one_sentence_each_and_the_rest_kept(links, tmp_path):
    out = tmp_path / "evidence.wacz"
    bad = ["http://127.0.0.1:9/wiki/X", "javascript:alert(1)"]

    done = webtool("capture", bad[0], links["diff"], bad[1], "--out", str(out))

    refused = [line for line in done.stderr.splitlines() if line.startswith("refused: ")]
    assert done.returncode == 2
    assert refused == [
        "refused: http://127.0.0.1:9/wiki/X: 127.0.0.1:9 is a number address (an IP address), "
        "not one of the Wikimedia wikis. Only links to Wikimedia wikis can be saved, so it "
        "was not opened.",
        "refused: javascript:alert(1): Only links that start with http:// or https:// can be "
        "saved. This one starts with javascript:, so it was not opened.",
    ]
    with zipfile.ZipFile(out) as bundle:
        assert "chldp/manifest.json" in bundle.namelist()


def test_a_title_mediawiki_refuses_is_one_sentence_not_a_traceback(sandbox, links, tmp_path):
    out = tmp_path / "evidence.wacz"
    en = sandbox["wikis"]["enwiki"]["server"]
    bad = [f"{en}/wiki/A%7CB", f"{en}/wiki/Talk:Meatball:X"]

    done = webtool("capture", bad[0], links["diff"], bad[1], "--out", str(out))

    assert "Traceback" not in done.stderr
    assert done.returncode == 2, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("refused: ")] == [
        f"refused: {bad[0]}: “A|B” cannot be the name of a page: it contains “|”, which no "
        "page name can contain, so the link was not opened. Please copy the link again from "
        "the wiki.",
        f"refused: {bad[1]}: “Talk:Meatball:X” cannot be the name of a page: The requested page "
        "title refers to a talk page that cannot exist.",
    ]
    assert "1 item captured" in done.stdout


def test_links_are_read_from_standard_input(links, tmp_path):
    out = tmp_path / "evidence.wacz"
    pasted = f"{links['diff']}\n\n{links['german']}\n"

    done = webtool("capture", "--from-file", "-", "--out", str(out), stdin=pasted)

    assert done.returncode == 0, done.stderr
    assert "2 items captured" in done.stdout


def test_links_are_read_from_a_file_beside_those_given(links, tmp_path):
    listed = tmp_path / "links.txt"
    listed.write_text(links["page"] + "\n", encoding="utf-8")
    out = tmp_path / "evidence.wacz"

    done = webtool("capture", links["diff"], "--from-file", str(listed), "--out", str(out))

    assert done.returncode == 0, done.stderr
    assert "2 items captured" in done.stdout


def test_nothing_captured_exits_2_and_writes_no_bundle(sandbox, tmp_path):
    # The command reads the list of wikis from the farm before it refuses the link.
    out = tmp_path / "evidence.wacz"

    done = webtool("capture", "file:///etc/passwd", "--out", str(out))

    assert done.returncode == 2
    assert "refused: file:///etc/passwd: Only links that start with" in done.stderr
    assert not out.exists()


def test_a_wiki_that_does_not_answer_exits_2_with_its_sentence_and_the_rest_kept(
    sandbox, links, tmp_path
):
    central = FaultServer()  # the central wiki, and a wiki on its list that answers nonsense
    silent = f"http://127.0.0.1:{central.http.server_port}"
    sites = [
        {"dbname": "enwiki", "url": sandbox["wikis"]["enwiki"]["server"]},
        {"dbname": "silentwiki", "url": silent},
    ]
    central.script = [ok({"sitematrix": {"count": 2, "0": {"site": sites}}}), garbage()]
    out = tmp_path / "evidence.wacz"
    try:
        done = webtool(
            "capture",
            links["diff"],
            f"{silent}/wiki/X",
            "--out",
            str(out),
            CHLDP_CENTRAL_API=central.url,
        )
    finally:
        central.close()

    assert done.returncode == 2, done.stderr
    assert f"refused: {silent}/wiki/X: silentwiki could not be reached just now" in done.stderr
    assert "1 item captured" in done.stdout


def test_the_list_of_wikis_unreadable_exits_4(tmp_path):
    done = webtool(
        "capture",
        "https://en.wikipedia.org/wiki/X",
        "--out",
        str(tmp_path / "evidence.wacz"),
        CHLDP_CENTRAL_API="http://127.0.0.1:9/w/api.php",
    )

    assert done.returncode == 4
    assert done.stderr.startswith("error: the list of Wikimedia wikis could not be read")


def altered_warc(files: dict[str, bytes]) -> None:
    """The archive's WARC with the harassing words changed, as a forger would: the same
    length, so every record still reads; written uncompressed, which replay tools read too."""
    warc = gzip.decompress(files["archive/data.warc.gz"])
    assert b"Last warning" in warc
    files["archive/data.warc.gz"] = warc.replace(b"Last warning", b"Kind warning")


def test_an_altered_bundle_fails_verification_and_names_the_item(links, tmp_path):
    out = tmp_path / "evidence.wacz"
    assert webtool("capture", links["page"], "--out", str(out)).returncode == 0
    with zipfile.ZipFile(out) as source:
        files = {name: source.read(name) for name in source.namelist()}
    altered_warc(files)
    altered = tmp_path / "altered.wacz"
    altered.write_bytes(zipped(files))

    checked = webtool("verify-bundle", str(altered))

    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert lines[0] == "archive/data.warc.gz was altered: its SHA-256 does not match."
    assert lines[1].startswith("Item 1 (") and "was altered" in lines[1]
    assert manifest_sha256(checked.stdout)


def test_a_bundle_forged_with_every_hash_written_again_prints_another_manifest_sha256(
    links, tmp_path
):
    out = tmp_path / "evidence.wacz"
    done = webtool("capture", links["page"], "--out", str(out))
    with zipfile.ZipFile(out) as source:
        files = {name: source.read(name) for name in source.namelist()}
    altered_warc(files)
    manifest = json.loads(files["chldp/manifest.json"])
    bodies = {
        record_id: digest
        for record_id, _, digest in responses(io.BytesIO(files["archive/data.warc.gz"]))
    }
    for exchange in manifest["items"][0]["records"]:
        exchange["sha256"] = bodies[exchange["record_id"]]
    manifest["items"][0]["sha256"] = record_sha256(manifest["items"][0])
    manifest["sha256"] = record_sha256(manifest)
    files["chldp/manifest.json"] = json.dumps(manifest).encode()
    package = json.loads(files["datapackage.json"])
    for resource in package["resources"]:
        content = files[resource["path"]]
        resource["hash"], resource["bytes"] = f"sha256:{sha256(content)}", len(content)
    files["datapackage.json"] = json.dumps(package).encode()
    digest = {"path": "datapackage.json", "hash": f"sha256:{sha256(files['datapackage.json'])}"}
    files["datapackage-digest.json"] = json.dumps(digest).encode()
    forged = tmp_path / "forged.wacz"
    forged.write_bytes(zipped(files))

    checked = webtool("verify-bundle", str(forged))

    # The hashes alone cannot tell: the manifest's SHA-256 can, and a time stamp (in the
    # download) can (test_time_stamps.py).
    assert checked.returncode == 0, checked.stdout
    assert manifest_sha256(checked.stdout) != manifest_sha256(done.stdout)


def test_verification_prints_no_control_characters_from_the_zip(links, tmp_path):
    out = tmp_path / "evidence.wacz"
    assert webtool("capture", links["page"], "--out", str(out)).returncode == 0
    with zipfile.ZipFile(out, "a") as bundle:
        bundle.writestr("\x1b[2J\x1b]0;owned\x07.txt", b"planted")

    checked = webtool("verify-bundle", str(out))

    assert checked.returncode == 1
    assert "?[2J?]0;owned?.txt was added after the bundle was made." in checked.stdout
    assert "\x1b" not in checked.stdout and "\x07" not in checked.stdout


def test_a_file_that_is_not_a_bundle_fails_verification(tmp_path):
    other = tmp_path / "notes.zip"
    other.write_text("meeting notes", encoding="utf-8")

    checked = webtool("verify-bundle", str(other))

    assert checked.returncode == 1
    assert checked.stderr == "error: This is not a ZIP file, so not an evidence bundle.\n"


def test_a_bundle_from_before_web_archives_still_verifies_at_the_terminal():
    old = CHECKOUT / "tests" / "evidence" / "data" / "bundle-1.zip"

    checked = webtool("verify-bundle", str(old))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("Every hash matches: 4 items, 11 files.")
    assert "This bundle was made before time stamps: it has none." in checked.stdout
