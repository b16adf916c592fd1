"""The evidence bundle as a web archive anyone can replay: a WACZ (webrecorder's Web Archive
Collection Zipped), which ReplayWeb.page and pywb open as they are.

    archive/data.warc.gz     every exchange of the capture, as WARC records (warc.py)
    indexes/index.cdx        where each record is, sorted by URL (cdxj-indexer)
    pages/pages.jsonl        the wiki's pages that show each link the requester gave
    chldp/manifest.json      what each item is, its records' SHA-256s, the refused lines
    chldp/index.html         all of it readable from disk, without scripts or requests
    datapackage.json         the SHA-256 and size of every file above
    datapackage-digest.json  the SHA-256 of datapackage.json

A time stamp is asked for datapackage.json (timestamps.py): it names every other file's hash,
so one stamp vouches for all of it. `verify_wacz` checks every hash again and says what was
altered.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import IO

from cdxj_indexer.main import CDXJIndexer
from warcio.recordloader import ArchiveLoadFailed

from webtool.wikis.evidence.bundle import BadBundle, Verification, copies_added, opened_zip
from webtool.wikis.evidence.capture import CaptureResult
from webtool.wikis.evidence.hashes import canonical, record_sha256, sha256_of
from webtool.wikis.evidence.index_page import index
from webtool.wikis.evidence.spool import WARC, Kept
from webtool.wikis.evidence.warc import responses, write_info
from webtool.wikis.evidence.wikis import shorten

FORMAT = "chldp evidence bundle 2"
# The package version WACZ 1.2's datapackage.json carries, and the one `wacz validate` reads.
WACZ_VERSION = "1.1.1"
ARCHIVE = "archive/data.warc.gz"
CDX = "indexes/index.cdx"
PAGES = "pages/pages.jsonl"
MANIFEST = "chldp/manifest.json"
INDEX = "chldp/index.html"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
BLOCK = 1024 * 1024
_INDENTED = json.JSONEncoder(ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class Written:
    manifest_sha256: str
    datapackage: bytes  # what a time stamp is asked for


def write_wacz(result: CaptureResult, target: str | os.PathLike, title: str) -> Written:
    """Writes the web archive of a capture to `target`, one item at a time from the capture's
    spool; its manifest's SHA-256 and its datapackage.json."""
    folder = result.spool.folder
    warc = folder / "data.warc.gz"
    with warc.open("wb") as out:
        write_info(out, {"description": title})
        for kept in result.items:
            with (kept.folder / WARC).open("rb") as part:
                shutil.copyfileobj(part, out, BLOCK)
    cdx = folder / "index.cdx"
    with cdx.open("w", encoding="utf-8") as out:
        indexer = CDXJIndexer(out, [str(warc)], sort=True, post_append=True, filename=warc.name)
        indexer.process_all()
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest: dict[str, object] = {
        "format": FORMAT,
        "tool": {"name": "chldp", "version": version("chldp")},
        "created_at": created,
        "archive": ARCHIVE,
        "items": Records(result.items),
        "refused": [refusal.record() for refusal in result.refused],
    }
    manifest_sha256 = sha256_of(canonical(manifest))
    manifest["sha256"] = manifest_sha256
    resources = []
    with zipfile.ZipFile(target, "w") as archive:
        resources.append(_copy(archive, ARCHIVE, warc))
        resources.append(_copy(archive, CDX, cdx))
        resources.append(_write(archive, PAGES, _pages(result)))
        resources.append(_write(archive, MANIFEST, _INDENTED.iterencode(manifest)))
        page = index(manifest, shown(result.items), len(result.items))
        resources.append(_write(archive, INDEX, page))
        package = {
            "profile": "data-package",
            "resources": resources,
            "title": title,
            "created": created,
            "wacz_version": WACZ_VERSION,
            "software": f"chldp {version('chldp')}",
        }
        datapackage = json.dumps(package, indent=2).encode()
        archive.writestr(DATAPACKAGE, datapackage, zipfile.ZIP_DEFLATED)
        digest = {"path": DATAPACKAGE, "hash": "sha256:" + hashlib.sha256(datapackage).hexdigest()}
        archive.writestr(DIGEST, json.dumps(digest, indent=2), zipfile.ZIP_DEFLATED)
    warc.unlink()
    cdx.unlink()
    return Written(manifest_sha256, datapackage)


class Records(list):
    """The items' records for the manifest, each read from the spool as the encoder reaches
    it, so that the manifest is written without holding every record at once (a diff's record
    holds the whole diff). json's encoder writes only lists as arrays, hence a list; its
    iterencode reads one through len() and iteration alone."""

    def __init__(self, items: list[Kept]) -> None:
        super().__init__()
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict]:
        return (kept.record() for kept in self.items)


def shown(items: list[Kept]) -> Iterator[tuple[dict, dict[int, str]]]:
    """Each item's record and texts, read from the spool only while its part is written."""
    for kept in items:
        record = kept.record()
        yield record, kept.texts(record)


def _pages(result: CaptureResult) -> Iterator[str]:
    """pages.jsonl: each page of the wiki kept, titled with the line and link it shows."""
    yield json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Pages"}) + "\n"
    for kept in result.items:
        record = kept.record()
        when = {exchange["url"]: exchange["at"] for exchange in record["records"]}
        for number, url in enumerate(record["pages"], 1):
            page = {
                "id": f"line-{record['line']}-{number}",
                "url": url,
                "ts": when[url],
                "title": f"Line {record['line']}: {record['link']}",
            }
            yield json.dumps(page, ensure_ascii=False) + "\n"


def _copy(archive: zipfile.ZipFile, name: str, source: Path) -> dict:
    """A file stored as it is (the WARC is gzipped already, as WACZ wants it)."""
    digest = hashlib.sha256()
    with source.open("rb") as data, archive.open(_stored(name), "w", force_zip64=True) as out:
        while block := data.read(BLOCK):
            digest.update(block)
            out.write(block)
    return _resource(name, digest, source.stat().st_size)


def _write(archive: zipfile.ZipFile, name: str, chunks: Iterable[str]) -> dict:
    """A file written a piece at a time, compressed."""
    digest = hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo(name, _now())
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as out:
        for chunk in chunks:
            data = chunk.encode()
            digest.update(data)
            size += len(data)
            out.write(data)
    return _resource(name, digest, size)


def _stored(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, _now())
    info.compress_type = zipfile.ZIP_STORED
    return info


def _now() -> tuple[int, int, int, int, int, int]:
    return datetime.now(UTC).timetuple()[:6]


def _resource(name: str, digest: hashlib._Hash, size: int) -> dict:
    return {
        "name": os.path.basename(name).lower(),
        "path": name,
        "hash": "sha256:" + digest.hexdigest(),
        "bytes": size,
    }


@dataclass
class Checked(Verification):
    datapackage: bytes = b""  # what its time stamp vouches for


def verify_wacz(source: str | os.PathLike | IO[bytes]) -> Checked:
    """Every hash of a web archive bundle checked again; BadBundle when it cannot be read as
    one."""
    with opened_zip(source) as archive:
        problems = copies_added(archive, "archive")
        datapackage = _read(archive, DATAPACKAGE)
        package = _json(datapackage, DATAPACKAGE)
        listed = _listed(package)
        digest = _json(_read(archive, DIGEST), DIGEST)
        if digest.get("hash") != "sha256:" + hashlib.sha256(datapackage).hexdigest():
            problems.append(f"{DATAPACKAGE} was altered: its SHA-256 is not the one in {DIGEST}.")
        for path, (expected, size) in listed.items():
            problem = _file_problem(archive, path, expected, size)
            if problem:
                problems.append(f"{shorten(path)} {problem}.")
        present = set(archive.namelist()) - {DATAPACKAGE, DIGEST}
        problems += [
            f"{shorten(path)} was added after the bundle was made."
            for path in sorted(present - listed.keys())
        ]
        manifest = _json(_read(archive, MANIFEST), MANIFEST)
        if not isinstance(manifest.get("items"), list):
            raise BadBundle(f"{MANIFEST} does not have the shape of an evidence bundle's.")
        manifest_sha256 = record_sha256(manifest)
        if manifest.get("sha256") != manifest_sha256:
            problems.append(f"{MANIFEST} was altered: its own SHA-256 does not match.")
        problems += _record_problems(archive, manifest["items"])
    return Checked(
        items=len(manifest["items"]),
        files=len(listed),
        problems=problems,
        manifest_sha256=manifest_sha256,
        datapackage=datapackage,
    )


def _record_problems(archive: zipfile.ZipFile, items: list) -> list[str]:
    """Each item's record checked by its own SHA-256, and each exchange it names found in the
    WARC with the same body."""
    found: dict[str, str] = {}
    try:
        with archive.open(ARCHIVE) as warc:
            found = {record_id: digest for record_id, _, digest in responses(warc)}
    except (
        KeyError,
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        zlib.error,
        ArchiveLoadFailed,
    ):
        return [f"{ARCHIVE} cannot be read as WARC records: it is damaged or was altered."]
    problems = []
    for number, record in enumerate(items, 1):
        whose = f"Item {number} ({shorten(str(record.get('link')))})"
        if record.get("sha256") != record_sha256(record):
            problems.append(f"{whose}: its record in {MANIFEST} was altered.")
        for exchange in record.get("records", []):
            kept = found.get(exchange.get("record_id"))
            if kept is None:
                problems.append(f"{whose}: the answer to {shorten(exchange['url'])} is missing.")
            elif kept != exchange.get("sha256"):
                problems.append(f"{whose}: the answer to {shorten(exchange['url'])} was altered.")
    return problems


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise BadBundle(f"This archive has no {name}; it is not an evidence bundle.") from None
    except (zipfile.BadZipFile, OSError):
        raise BadBundle(f"{name} is damaged or was altered: it cannot be read.") from None


def _json(data: bytes, name: str) -> dict:
    try:
        found = json.loads(data)
    except ValueError:
        raise BadBundle(f"{name} is damaged or was altered: it cannot be read.") from None
    if not isinstance(found, dict):
        raise BadBundle(f"{name} does not have the shape of an evidence bundle's.")
    return found


def _listed(package: dict) -> dict[str, tuple[str, int]]:
    """datapackage.json's files: path to (hash, size)."""
    resources = package.get("resources")
    if not isinstance(resources, list) or not all(
        isinstance(r, dict) and isinstance(r.get("path"), str) for r in resources
    ):
        raise BadBundle(f"{DATAPACKAGE} does not have the shape of a web archive's.")
    return {r["path"]: (str(r.get("hash")), int(r.get("bytes", -1))) for r in resources}


def _file_problem(archive: zipfile.ZipFile, path: str, expected: str, size: int) -> str | None:
    digest = hashlib.sha256()
    length = 0
    try:
        with archive.open(path) as data:
            while block := data.read(BLOCK):
                digest.update(block)
                length += len(block)
    except KeyError:
        return "is missing"
    except (zipfile.BadZipFile, OSError, EOFError):
        return "is damaged or was altered (the ZIP's own check fails)"
    if "sha256:" + digest.hexdigest() != expected or length != size:
        return "was altered: its SHA-256 does not match"
    return None
