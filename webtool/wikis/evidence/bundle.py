"""The evidence bundle's first format, a ZIP ("chldp evidence bundle 1"), kept so that the
bundles made before web archives (wacz.py) still verify, and what both formats' checks share.

`manifest.json` lists every item (its fields, the API requests, the capture time) with the
SHA-256 of each of its files and of its own record, the links that were not captured and why,
the tool's version, and a SHA-256 over the manifest itself. `items/NNN/` holds each item's
wikitext and the API's answers. `index.html` shows it all, readable from disk: every captured
string is escaped, and its Content-Security-Policy allows no script and no request at all.
`verify_bundle` re-checks every hash and says what was altered. Someone who alters a file and
writes every hash again passes those checks; the manifest's own SHA-256, compared with the one
the tool kept when it made the bundle, is what catches them.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import IO

from webtool.wikis.evidence.hashes import record_sha256, sha256
from webtool.wikis.evidence.wikis import shorten

MANIFEST = "manifest.json"


class BadBundle(Exception):
    """The file cannot be read as an evidence bundle; the message says why."""


@dataclass
class Verification:
    items: int
    files: int
    problems: list[str]  # one sentence for each thing altered, missing or added
    manifest_sha256: str  # to compare with the one kept when the bundle was made

    @property
    def intact(self) -> bool:
        return not self.problems


def opened_zip(source: str | os.PathLike | IO[bytes]) -> zipfile.ZipFile:
    """`source` read as a ZIP; BadBundle, with a sentence, when it cannot be."""
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise BadBundle("This is not a ZIP file, so not an evidence bundle.") from None
    except OSError as error:
        raise BadBundle(f"The bundle cannot be opened: {error.strerror}.") from None


def copies_added(archive: zipfile.ZipFile, what: str) -> list[str]:
    """A sentence for each name `archive` holds more than once: zipfile reads the last of two
    entries with one name, other tools may show the first, and either may be the forgery."""
    return [
        f"{shorten(name)} is in the {what} more than once: a copy was added after the bundle "
        "was made."
        for name, count in sorted(Counter(archive.namelist()).items())
        if count > 1
    ]


def verify_bundle(source: str | os.PathLike | IO[bytes]) -> Verification:
    """Every hash of a bundle checked again; BadBundle when it cannot be read as one."""
    with opened_zip(source) as archive:
        manifest = _manifest(archive)
        problems = copies_added(archive, "ZIP")
        manifest_sha256 = record_sha256(manifest)
        if manifest.get("sha256") != manifest_sha256:
            problems.append(f"{MANIFEST} was altered: its own SHA-256 does not match.")
        expected: dict[str, tuple[str, str]] = {}  # path: (SHA-256, whose file it is)
        for number, record in enumerate(manifest["items"], 1):
            whose = f"Item {number} ({shorten(str(record.get('link')))})"
            if record.get("sha256") != record_sha256(record):
                problems.append(f"{whose}: its record in {MANIFEST} was altered.")
            for name, digest in record["files"].items():
                expected[f"{_folder(number)}/{name}"] = (digest, whose)
        for name, digest in manifest["files"].items():
            expected[name] = (digest, "The bundle")
        for path, (digest, whose) in expected.items():
            problem = _file_problem(archive, path, digest)
            if problem:
                problems.append(f"{whose}: {shorten(path)} {problem}.")
        present = set(archive.namelist()) - {MANIFEST}
        problems += [
            f"{shorten(path)} was added after the bundle was made."
            for path in sorted(present - expected.keys())
        ]
    return Verification(len(manifest["items"]), len(expected), problems, manifest_sha256)


def _manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BadBundle(f"This ZIP has no {MANIFEST}; it is not an evidence bundle.") from None
    except (ValueError, zipfile.BadZipFile, zlib.error):
        raise BadBundle(f"{MANIFEST} is damaged or was altered: it cannot be read.") from None
    if not _has_shape(manifest):
        raise BadBundle(
            f"{MANIFEST} does not have the shape of an evidence bundle's; it was altered."
        )
    return manifest


def _has_shape(manifest: object) -> bool:
    def hashes(value: object) -> bool:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())

    return (
        isinstance(manifest, dict)
        and isinstance(manifest.get("items"), list)
        and hashes(manifest.get("files"))
        and all(isinstance(r, dict) and hashes(r.get("files")) for r in manifest["items"])
    )


def _file_problem(archive: zipfile.ZipFile, path: str, digest: str) -> str | None:
    try:
        data = archive.read(path)
    except KeyError:
        return "is missing"
    except (zipfile.BadZipFile, zlib.error):
        return "is damaged or was altered (the ZIP's own check fails)"
    return None if sha256(data) == digest else "was altered: its SHA-256 does not match"


def _folder(number: int) -> str:
    return f"items/{number:03d}"
