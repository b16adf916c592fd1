"""`python -m webtool capture` and `verify-bundle` at a terminal, against the farm."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from support.faultserver import FaultServer, garbage, ok

from webtool.wikis.evidence.hashes import record_sha256, sha256


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
    out = tmp_path / "evidence.zip"

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
    out = tmp_path / "evidence.zip"
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
        assert "manifest.json" in bundle.namelist()


def test_a_title_mediawiki_refuses_is_one_sentence_not_a_traceback(sandbox, links, tmp_path):
    out = tmp_path / "evidence.zip"
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
    out = tmp_path / "evidence.zip"
    pasted = f"{links['diff']}\n\n{links['german']}\n"

    done = webtool("capture", "--from-file", "-", "--out", str(out), stdin=pasted)

    assert done.returncode == 0, done.stderr
    assert "2 items captured" in done.stdout


def test_links_are_read_from_a_file_beside_those_given(links, tmp_path):
    listed = tmp_path / "links.txt"
    listed.write_text(links["page"] + "\n", encoding="utf-8")
    out = tmp_path / "evidence.zip"

    done = webtool("capture", links["diff"], "--from-file", str(listed), "--out", str(out))

    assert done.returncode == 0, done.stderr
    assert "2 items captured" in done.stdout


def test_nothing_captured_exits_2_and_writes_no_bundle(sandbox, tmp_path):
    # The command reads the list of wikis from the farm before it refuses the link.
    out = tmp_path / "evidence.zip"

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
    out = tmp_path / "evidence.zip"
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
        str(tmp_path / "evidence.zip"),
        CHLDP_CENTRAL_API="http://127.0.0.1:9/w/api.php",
    )

    assert done.returncode == 4
    assert done.stderr.startswith("error: the list of Wikimedia wikis could not be read")


def test_an_altered_bundle_fails_verification_and_names_the_item(links, tmp_path):
    out = tmp_path / "evidence.zip"
    assert webtool("capture", links["page"], "--out", str(out)).returncode == 0
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(altered, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.endswith(".wikitext"):
                content = content.replace(b"Last warning", b"Kind warning")
            target.writestr(name, content)

    checked = webtool("verify-bundle", str(altered))

    assert checked.returncode == 1
    assert checked.stdout.startswith("Item 1 (")
    assert "was altered: its SHA-256 does not match" in checked.stdout
    assert manifest_sha256(checked.stdout)


def test_a_bundle_forged_with_every_hash_written_again_prints_another_manifest_sha256(
    links, tmp_path
):
    out = tmp_path / "evidence.zip"
    done = webtool("capture", links["page"], "--out", str(out))
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(out) as source:
        files = {name: source.read(name) for name in source.namelist()}
    (text,) = [name for name in files if name.endswith(".wikitext")]
    files[text] = files[text].replace(b"Last warning", b"Kind warning")
    manifest = json.loads(files["manifest.json"])
    manifest["items"][0]["files"][text.split("/")[-1]] = sha256(files[text])
    manifest["items"][0]["sha256"] = record_sha256(manifest["items"][0])
    manifest["sha256"] = record_sha256(manifest)
    files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(forged, "w") as target:
        for name, content in files.items():
            target.writestr(name, content)

    checked = webtool("verify-bundle", str(forged))

    assert checked.returncode == 0  # the hashes alone cannot tell
    assert manifest_sha256(checked.stdout) != manifest_sha256(done.stdout)


def test_verification_prints_no_control_characters_from_the_zip(links, tmp_path):
    out = tmp_path / "evidence.zip"
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
