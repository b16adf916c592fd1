"""Every capture is a web archive (WACZ) that tools from outside the project accept and replay:
the `wacz` validator, and pywb offline, with the wiki asked nothing while it replays.

The pages are made by this module on the farm (a talk page with a harassing edit whose text
is then hidden, and a protection of it: a log entry), so that no other test asks the wiki for
them while pywb replays, and the farm's logs can show that the replay asked for none of them.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import secrets
import zipfile
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests
from support.archives import farm_requests, replaying, validate_wacz
from support.zips import zipped
from warcio.archiveiterator import ArchiveIterator

from sandbox.accounts import HOSTILE_SUMMARY
from sandbox.api import operator_session
from webtool.wikis.api import ApiClient
from webtool.wikis.evidence.bundle import BadBundle
from webtool.wikis.evidence.capture import capture_links
from webtool.wikis.evidence.hashes import record_sha256
from webtool.wikis.evidence.wacz import verify_wacz, write_wacz

HARASSMENT = "Your home address is on a forum now; {marker} we know where you live."
THREAT = "Last warning {marker}: we will come to your house."


@pytest.fixture(scope="module")
def talk(sandbox) -> dict:
    """A talk page of this module's own: a greeting, a harassing edit, a warning; the harassing
    edit's text hidden afterwards (revision deletion); the page protected (a log entry)."""
    en = sandbox["wikis"]["enwiki"]
    api = operator_session(
        en["api_url"], sandbox["operator"]["name"], sandbox["operator"]["password"]
    )
    marker = secrets.token_hex(6)
    title = f"User talk:Archive test {marker}"
    revids = []
    for text, summary in [
        ("Welcome to the wiki!", "welcome"),
        (HARASSMENT.format(marker=marker), HOSTILE_SUMMARY),
        (THREAT.format(marker=marker), "warning"),
    ]:
        saved = api.post("edit", title=title, text=text, summary=summary, token=api.token("csrf"))
        revids.append(saved["edit"]["newrevid"])
    api.post(
        "revisiondelete",
        type="revision",
        target=title,
        ids=str(revids[1]),
        hide="content",
        reason="Private information about an editor",
        token=api.token("csrf"),
    )
    protected = api.post(
        "protect",
        title=title,
        protections="edit=sysop",
        reason=f"Harassment {marker}",
        token=api.token("csrf"),
    )
    logid = api.get("query", list="logevents", letype="protect", letitle=title)["query"][
        "logevents"
    ][0]["logid"]
    assert protected["protect"]["title"] == title
    # The protection saved a revision of its own: the page as it is now.
    current = api.get("query", prop="revisions", titles=title, rvprop="ids")["query"]["pages"]
    revids.append(current[0]["revisions"][0]["revid"])
    return {
        "title": title,
        "marker": marker,
        "revids": revids,
        "logid": logid,
        "server": en["server"],
    }


@pytest.fixture(scope="module")
def archived(farm_wikis, talk, tmp_path_factory) -> dict:
    """The web archive of links to the talk page: a revision, a diff, the hidden revision, the
    protection's log entry, a line that is not a wiki's, and the page as it is now."""
    server = talk["server"]
    first, hidden, last, _ = talk["revids"]
    text = "\n".join(
        [
            f"{server}/w/index.php?oldid={first}",
            f"{server}/wiki/Special:Diff/{first}/{last}",
            f"{server}/w/index.php?oldid={hidden}",
            "https://example.org/<script>alert(1)</script>",
            f"{server}/wiki/Special:Log?logid={talk['logid']}",
            f"{server}/wiki/{talk['title'].replace(' ', '_')}",
        ]
    )
    path = tmp_path_factory.mktemp("archive") / "bundle.wacz"
    with capture_links(ApiClient(), farm_wikis, text) as result:
        written = write_wacz(result, path, "EVID-TEST")
        refused = [refusal.record() for refusal in result.refused]
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return {"path": path, "files": files, "written": written, "refused": refused, "text": text}


def records(archived: dict) -> list:
    """(type, target URI, headers, status, body) of every record of the archive's WARC."""
    found = []
    for record in ArchiveIterator(io.BytesIO(archived["files"]["archive/data.warc.gz"])):
        status = record.http_headers.get_statuscode() if record.http_headers else None
        found.append(
            (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                record.rec_headers,
                status,
                record.content_stream().read(),
            )
        )
    return found


def test_the_archive_passes_the_wacz_validator(archived):
    checked = validate_wacz(archived["path"])

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Validation succeeded" in checked.stdout


def test_the_archive_has_what_wacz_names_and_its_files_are_stored_as_written(archived):
    package = json.loads(archived["files"]["datapackage.json"])
    digest = json.loads(archived["files"]["datapackage-digest.json"])

    assert {r["path"] for r in package["resources"]} == {
        "archive/data.warc.gz",
        "indexes/index.cdx",
        "pages/pages.jsonl",
        "chldp/manifest.json",
        "chldp/index.html",
    }
    assert package["created"] and package["software"].startswith("chldp ")
    assert digest["path"] == "datapackage.json"
    assert archived["written"].datapackage == archived["files"]["datapackage.json"]
    with zipfile.ZipFile(archived["path"]) as archive:
        assert archive.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
    gzip.decompress(archived["files"]["archive/data.warc.gz"])  # whole gzip members


def test_every_exchange_is_a_request_and_a_response_from_the_wiki_itself(archived, talk):
    found = records(archived)
    responses = [r for r in found if r[0] == "response"]
    requests_ = [r for r in found if r[0] == "request"]
    wiki = urlsplit(talk["server"])

    assert found[0][0] == "warcinfo"
    assert len(responses) == len(requests_) > 0
    ids = {r[2].get_header("WARC-Record-ID") for r in responses}
    assert {r[2].get_header("WARC-Concurrent-To") for r in requests_} == ids
    for _, uri, _, _, _ in responses:
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc) == (wiki.scheme, wiki.netloc)
        assert parts.path in {"/w/api.php", "/w/index.php", "/w/load.php"}
    paths = [urlsplit(uri).path for _, uri, _, _, _ in responses]
    assert "/w/index.php" in paths and "/w/load.php" in paths
    # Each style sheet once, however many pages load it.
    loads = [uri for _, uri, _, _, _ in responses if "/load.php" in uri]
    assert len(loads) == len(set(loads))


def test_the_response_records_hold_the_bytes_the_manifest_names(archived):
    manifest = json.loads(archived["files"]["chldp/manifest.json"])
    bodies = {r[2].get_header("WARC-Record-ID"): r for r in records(archived) if r[0] == "response"}

    assert manifest["format"] == "chldp evidence bundle 2"
    assert manifest["sha256"] == record_sha256(manifest) == archived["written"].manifest_sha256
    assert [item["line"] for item in manifest["items"]] == [1, 2, 3, 5, 6]
    for item in manifest["items"]:
        assert item["sha256"] == record_sha256(item)
        assert item["pages"] and not item["pages_missing"]
        for exchange in item["records"]:
            assert bodies[exchange["record_id"]][1] == exchange["url"]
    (refused,) = manifest["refused"]
    assert refused["key"] == "chldp-evidence-other-host"


def test_pages_jsonl_names_each_link_the_requester_gave(archived, talk):
    lines = archived["files"]["pages/pages.jsonl"].decode().splitlines()
    header, pages = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    given = archived["text"].splitlines()

    assert header["format"] == "json-pages-1.0"
    assert [page["title"] for page in pages] == [
        f"Line {line}: {given[line - 1]}" for line in (1, 2, 3, 5, 6)
    ]
    first, hidden, last, now = talk["revids"]
    assert [urlsplit(page["url"]).query for page in pages] == [
        f"oldid={first}",
        f"diff={last}&oldid={first}",
        f"oldid={hidden}",
        f"title=Special%3ALog&logid={talk['logid']}",
        f"oldid={now}",
    ]


def test_pywb_replays_each_page_offline_and_asks_the_wiki_nothing(
    archived, talk, sandbox, tmp_path
):
    pages = [json.loads(line) for line in archived["files"]["pages/pages.jsonl"].splitlines()[1:]]
    first, hidden, last, now = talk["revids"]
    ours = [f"oldid={n}" for n in (first, hidden, now)] + [f"diff={last}", f"logid={talk['logid']}"]
    asked_before = sum(farm_requests(sandbox, naming) for naming in ours)
    with replaying(archived["path"], tmp_path) as replay:
        shown = [requests.get(replay.url_for(page["url"]), timeout=30) for page in pages]
        missing = requests.get(replay.url_for(f"{talk['server']}/w/index.php?oldid=1"), timeout=30)
    asked_after = sum(farm_requests(sandbox, naming) for naming in ours)

    assert [answer.status_code for answer in shown] == [200] * 5
    revision, diff, hidden_page, log, current = (re.sub(r"<[^>]+>", "", a.text) for a in shown)
    assert "Welcome to the wiki!" in revision
    assert THREAT.format(marker=talk["marker"]) in diff  # the harassing words, as shown
    assert "This page revision has been deleted." in hidden_page
    assert HARASSMENT.format(marker=talk["marker"]) not in hidden_page
    assert f"Harassment {talk['marker']}" in log
    assert THREAT.format(marker=talk["marker"]) in current
    assert missing.status_code == 404
    assert asked_after == asked_before


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_the_index_shows_a_hostile_summary_as_text_and_allows_no_script(archived):
    html = archived["files"]["chldp/index.html"].decode()
    tags = Tags()
    tags.feed(html)

    assert HOSTILE_SUMMARY in "".join(tags.text)
    assert "<img" not in html and "<script" not in html
    policy = next(
        a["content"] for t, a in tags.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy.startswith("default-src 'none';") and "script-src" not in policy
    assert len([a for t, a in tags.tags if t == "section"]) == 5


def test_an_untouched_archive_verifies(archived):
    checked = verify_wacz(archived["path"])

    assert checked.intact and checked.problems == []
    assert checked.items == 5 and checked.files == 5
    assert checked.manifest_sha256 == archived["written"].manifest_sha256
    assert checked.datapackage == archived["files"]["datapackage.json"]


def test_one_changed_byte_in_the_warc_is_found(archived):
    def one_byte(content: bytes) -> bytes:
        middle = len(content) // 2
        return content[:middle] + bytes([content[middle] ^ 1]) + content[middle + 1 :]

    problems = verify_wacz(
        io.BytesIO(zipped(archived["files"], change=("archive/data.warc.gz", one_byte)))
    ).problems

    assert "archive/data.warc.gz was altered: its SHA-256 does not match." in problems


def test_a_changed_manifest_and_an_added_file_are_found(archived):
    def edited(content: bytes) -> bytes:
        return content.replace(b"Archive test", b"Someone else", 1)

    changed = zipped(
        archived["files"], change=("chldp/manifest.json", edited), add=("chldp/extra.txt", b"x")
    )
    problems = verify_wacz(io.BytesIO(changed)).problems

    assert "chldp/manifest.json was altered: its SHA-256 does not match." in problems
    assert "chldp/manifest.json was altered: its own SHA-256 does not match." in problems
    assert "chldp/extra.txt was added after the bundle was made." in problems


def test_an_archive_without_its_datapackage_is_not_a_bundle(archived):
    files = {k: v for k, v in archived["files"].items() if k != "datapackage.json"}

    with pytest.raises(BadBundle, match="no datapackage.json"):
        verify_wacz(io.BytesIO(zipped(files)))
