"""The evidence bundle: a manifest with every hash, an index.html that shows every captured
string as text, and a verification that names what was altered."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser
from importlib.metadata import version

import pytest
import requests
from support.helpers import farm_revision

from sandbox.accounts import HOSTILE_SUMMARY
from webtool.wikis.api import ApiClient
from webtool.wikis.evidence.bundle import BadBundle, verify_bundle, write_bundle
from webtool.wikis.evidence.capture import capture_links
from webtool.wikis.evidence.hashes import record_sha256, sha256

UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def made(farm_wikis, sandbox, harassment) -> dict:
    """A bundle of the harassing edits: the latest (with the hostile summary), the diff to the
    hidden one before it, the first, a block log entry, and one refused line."""
    en = sandbox["wikis"]["enwiki"]
    latest, _, first = harassment
    block = requests.get(
        en["api_url"],
        params={"action": "query", "list": "logevents", "letype": "block", "format": "json"},
        timeout=30,
    ).json()["query"]["logevents"][0]["logid"]
    text = "\n".join(
        [
            f"{en['server']}/w/index.php?oldid={latest}",
            f"{en['server']}/wiki/Special:Diff/{latest}",
            f"{en['server']}/wiki/Special:Diff/{first}/{latest}",
            "https://example.org/<script>alert(1)</script>",
            f"{en['server']}/wiki/Special:Log?logid={block}",
        ]
    )
    data = io.BytesIO()
    with capture_links(ApiClient(), farm_wikis, text) as result:
        written = write_bundle(result, data)
    manifest = json.loads(members(data.getvalue())["manifest.json"])
    assert written == manifest["sha256"]
    latest = manifest["items"][0]["revisions"][0]["revid"]
    return {"result": result, "manifest": manifest, "zip": data.getvalue(), "latest": latest}


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewritten(data: bytes, change=None, drop: str | None = None, add=None) -> io.BytesIO:
    """The same bundle as a new ZIP, one member changed, dropped or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members(data).items():
            if name == drop:
                continue
            if change and name == change[0]:
                content = change[1](content)
            archive.writestr(name, content)
        if add:
            archive.writestr(*add)
    out.seek(0)
    return out


def test_the_manifest_lists_every_item_with_its_hashes_times_and_requests(made):
    manifest = made["manifest"]
    files = members(made["zip"])

    assert json.loads(files["manifest.json"]) == manifest
    assert manifest["format"] == "chldp evidence bundle 1"
    assert manifest["tool"] == {"name": "chldp", "version": version("chldp")}
    assert UTC_TIME.match(manifest["created_at"])
    assert manifest["sha256"] == record_sha256(manifest)
    assert manifest["files"] == {"index.html": sha256(files["index.html"])}
    assert [item["line"] for item in manifest["items"]] == [1, 2, 3, 5]
    for number, item in enumerate(manifest["items"], 1):
        assert UTC_TIME.match(item["captured_at"])
        assert item["sha256"] == record_sha256(item)
        assert item["requests"] and all("api.php?" in url for url in item["requests"])
        assert item["files"] == {
            name.split("/")[-1]: sha256(content)
            for name, content in files.items()
            if name.startswith(f"items/{number:03d}/")
        }


def test_the_manifest_keeps_each_refusal_with_its_key_and_sentence(made):
    (refused,) = made["manifest"]["refused"]

    assert refused["line"] == 4
    assert refused["key"] == "chldp-evidence-other-host"
    assert refused["params"] == ["example.org"]
    assert refused["reason"] == made["result"].refused[0].reason
    assert refused["temporary"] is False


def test_each_wikitext_is_its_own_file_and_the_hidden_one_is_absent(sandbox, made):
    files = members(made["zip"])
    hidden = sandbox["hidden_revision"]["revid"]
    _, revision = farm_revision(sandbox, "enwiki", made["latest"])

    assert (
        files[f"items/001/r{made['latest']}.wikitext"].decode()
        == revision["slots"]["main"]["content"]
    )
    assert not [name for name in files if name.endswith(f"r{hidden}.wikitext")]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def index(made: dict) -> tuple[str, Tags]:
    html = members(made["zip"])["index.html"].decode()
    tags = Tags()
    tags.feed(html)
    return html, tags


def test_a_hostile_edit_summary_is_shown_as_text(made):
    html, tags = index(made)

    assert HOSTILE_SUMMARY in "".join(tags.text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<script" not in html
    assert not [(tag, name) for tag, attrs in tags.tags for name in attrs if name.startswith("on")]
    assert {tag for tag, _ in tags.tags} <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "ul", "li",
        "code", "section", "dl", "dt", "dd", "a", "span", "details", "summary", "pre", "ol",
        "table", "colgroup", "col", "tr", "td",
    }  # fmt: skip


def test_the_index_allows_no_script_and_no_request(made):
    _, tags = index(made)

    policy = next(
        a["content"] for t, a in tags.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy.startswith("default-src 'none';")
    assert "script-src" not in policy
    links = [a["href"] for t, a in tags.tags if t == "a"]
    assert links and all(link.startswith("http://127.0.0.1:") for link in links)


def test_the_index_shows_every_item_the_diff_and_the_hidden_note(sandbox, made):
    html, tags = index(made)
    text = "".join(tags.text)
    hidden = sandbox["hidden_revision"]["revid"]

    assert len([a for t, a in tags.tags if t == "section"]) == 4
    assert "Last warning: your real name and address go online tomorrow." in text
    assert f"the content of revision {hidden} is hidden" in text
    assert [a for t, a in tags.tags if t == "table" and a.get("class") == "diff"]
    assert "Harassment of other editors" in text  # the block's reason, from the log entry
    assert made["result"].refused[0].reason in text


def test_an_untouched_bundle_verifies(made):
    verification = verify_bundle(io.BytesIO(made["zip"]))

    assert verification.intact and verification.problems == []
    assert verification.manifest_sha256 == made["manifest"]["sha256"]
    assert verification.items == 4
    assert verification.files == len(members(made["zip"])) - 1  # all but the manifest


def test_one_changed_byte_in_a_wikitext_is_found_and_its_item_named(made):
    latest = made["latest"]
    path = f"items/001/r{latest}.wikitext"

    def one_byte(content: bytes) -> bytes:
        return content[:10] + bytes([content[10] ^ 1]) + content[11:]

    verification = verify_bundle(rewritten(made["zip"], change=(path, one_byte)))

    assert not verification.intact
    (problem,) = verification.problems
    assert problem.startswith("Item 1 (")
    assert f"{path} was altered" in problem


def test_a_changed_manifest_is_found(made):
    def edited(content: bytes) -> bytes:
        return content.replace(b"Blocked Harasser", b"Someone Else", 1)

    problems = verify_bundle(rewritten(made["zip"], change=("manifest.json", edited))).problems

    assert "manifest.json was altered: its own SHA-256 does not match." in problems
    assert any(p.startswith("Item 1 (") and "record" in p for p in problems)


def test_an_added_file_is_found(made):
    added = ("items/001/extra.wikitext", b"planted")

    problems = verify_bundle(rewritten(made["zip"], add=added)).problems

    assert problems == ["items/001/extra.wikitext was added after the bundle was made."]


def test_a_second_copy_of_a_file_under_the_same_name_is_found(made):
    # zipfile reads the last entry of a name, other tools may show the first: the forgery.
    latest = made["latest"]
    path = f"items/001/r{latest}.wikitext"
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr(path, b"A kind word.")
        for name, content in members(made["zip"]).items():
            archive.writestr(name, content)

    problems = verify_bundle(forged).problems

    assert problems == [
        f"{path} is in the ZIP more than once: a copy was added after the bundle was made."
    ]


def test_a_bundle_altered_with_every_hash_written_again_has_another_manifest_sha256(made):
    latest = made["latest"]
    path = f"items/001/r{latest}.wikitext"
    files = members(made["zip"])
    files[path] = files[path].replace(b"Last warning", b"Kind warning")
    manifest = json.loads(files["manifest.json"])
    item = manifest["items"][0]
    item["files"][path.split("/")[-1]] = sha256(files[path])
    item["sha256"] = record_sha256(item)
    manifest["sha256"] = record_sha256(manifest)
    files["manifest.json"] = json.dumps(manifest).encode()
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)

    verification = verify_bundle(forged)

    assert verification.intact  # every hash matches what the forged manifest says
    assert verification.manifest_sha256 == manifest["sha256"] != made["manifest"]["sha256"]


def test_names_from_the_zip_are_said_without_control_characters(made):
    def listed(content: bytes) -> bytes:
        manifest = json.loads(content)
        manifest["files"]["\x1b]0;owned\x07index.html"] = "0" * 64
        return json.dumps(manifest).encode()

    planted = ("items/001/\x1b[2J\x07.wikitext", b"planted")
    changed = rewritten(made["zip"], change=("manifest.json", listed), add=planted)

    problems = verify_bundle(changed).problems

    assert "The bundle: ?]0;owned?index.html is missing." in problems
    assert "items/001/?[2J?.wikitext was added after the bundle was made." in problems
    assert not [p for p in problems if "\x1b" in p or "\x07" in p]


def test_a_missing_file_is_found(made):
    problems = verify_bundle(rewritten(made["zip"], drop="index.html")).problems

    assert problems == ["The bundle: index.html is missing."]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"not a zip at all", "not a ZIP file"),
        (b"", "not a ZIP file"),
    ],
)
def test_a_file_that_is_not_a_zip_is_not_a_bundle(data, says):
    with pytest.raises(BadBundle, match=says):
        verify_bundle(io.BytesIO(data))


def test_a_zip_without_a_manifest_is_not_a_bundle(made):
    with pytest.raises(BadBundle, match="no manifest.json"):
        verify_bundle(rewritten(made["zip"], drop="manifest.json"))


def test_a_manifest_that_is_not_json_is_reported(made):
    with pytest.raises(BadBundle, match="cannot be read"):
        verify_bundle(rewritten(made["zip"], change=("manifest.json", lambda c: c[:-5])))
