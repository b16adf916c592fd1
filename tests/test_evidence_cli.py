"""`python -m webtool capture` and `verify-bundle` at a terminal, against the farm."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest
import requests


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
def links(sandbox) -> dict[str, str]:
    en = sandbox["wikis"]["enwiki"]
    latest = requests.get(
        en["api_url"],
        params={
            "action": "query",
            "prop": "info",
            "titles": "User talk:Veteran Editor",
            "format": "json",
            "formatversion": 2,
        },
        timeout=30,
    ).json()["query"]["pages"][0]["lastrevid"]
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


def test_nothing_captured_exits_2_and_writes_no_bundle(tmp_path):
    out = tmp_path / "evidence.zip"

    done = webtool("capture", "file:///etc/passwd", "--out", str(out))

    assert done.returncode == 2
    assert "refused: file:///etc/passwd: Only links that start with" in done.stderr
    assert not out.exists()


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


def test_a_file_that_is_not_a_bundle_fails_verification(tmp_path):
    other = tmp_path / "notes.zip"
    other.write_text("meeting notes", encoding="utf-8")

    checked = webtool("verify-bundle", str(other))

    assert checked.returncode == 1
    assert checked.stderr == "error: This is not a ZIP file, so not an evidence bundle.\n"
