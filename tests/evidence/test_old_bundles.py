"""Bundles made before web archives (a ZIP with a manifest of every hash) still verify, and
the verification names what was altered."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from support.zips import members, zipped

from webtool.wikis.evidence.bundle import BadBundle, verify_bundle
from webtool.wikis.evidence.hashes import record_sha256, sha256

OLD_BUNDLE = Path(__file__).with_name("data") / "bundle-1.zip"


@pytest.fixture(scope="module")
def made() -> dict:
    """A bundle the tool made before web archives, of the farm's harassing edits: the latest
    (with the hostile summary), the diff to the hidden one before it, the first, a block log
    entry, and one refused line."""
    data = OLD_BUNDLE.read_bytes()
    manifest = json.loads(members(data)["manifest.json"])
    latest = manifest["items"][0]["revisions"][0]["revid"]
    return {"manifest": manifest, "zip": data, "latest": latest}


def rewritten(data: bytes, change=None, drop: str | None = None, add=None) -> io.BytesIO:
    """The same bundle as a new ZIP, one member changed, dropped or added."""
    return io.BytesIO(zipped(members(data), change, drop, add))


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
