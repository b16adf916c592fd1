"""A bundle being assembled on disk while its links are captured, and the bytes it will take.

Each item's WARC records, texts and record are written as soon as it is captured, so that a
capture never holds every revision in memory; each is measured as the web archive will hold it,
so that a bundle stops growing at its bound rather than being refused whole once it is
written."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import weakref
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from webtool.wikis.evidence.errors import EvidenceError
from webtool.wikis.evidence.index_page import section
from webtool.wikis.evidence.manifest import Item
from webtool.wikis.evidence.warc import write_exchanges

RECORD = "record.json"  # an item's record, on disk while the capture runs
WARC = "exchanges.warc.gz"  # an item's exchanges, joined into the archive's WARC
PACKED = "packed.json"  # what a packed item says of itself: its files' order and its size
MiB = 1024 * 1024
# What a bundle holds beside its items: index.html's head, the manifest's own fields, the
# archive's own files and each refused line (up to 2,000 characters, and its sentence) twice,
# counted uncompressed.
RESERVE = 512 * 1024
INDEX_LINE_BYTES = 512  # an archived exchange's line in the archive's index, and its page


class ItemTooLarge(EvidenceError):
    """One item is more than a whole bundle can hold."""


class BundleFull(EvidenceError):
    """The bundle has no room left for the next item."""


def mebibytes(size: int) -> int:
    """`size` in whole MiB, rounded up: how a bound is said in a sentence."""
    return -(-size // MiB)


@dataclass(frozen=True)
class Kept:
    """An item captured and put on disk: its files and record there, in the spool, and the
    bytes it adds to the bundle's ZIP."""

    line: int
    folder: Path
    names: tuple[str, ...]  # its texts and its WARC
    size: int
    spool: Spool = field(repr=False, compare=False)  # kept on disk while an item needs it

    def record(self) -> dict:
        return json.loads((self.folder / RECORD).read_bytes())

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def texts(self, record: dict) -> dict[int, str]:
        """Each visible wikitext of the item, by revision id."""
        return {
            revision["revid"]: self.read(f"r{revision['revid']}.wikitext").decode()
            for revision in record["revisions"]
            if revision["wikitext_sha256"]
        }

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def pack(self) -> bytes:
        """The item as a small ZIP (its files, record and size), to be kept until the bundle
        is written: a capture cut off goes on with it (Spool.restore)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in (*self.names, RECORD):
                archive.write(self.folder / name, name)
            archive.writestr(PACKED, json.dumps({"names": self.names, "size": self.size}))
        return out.getvalue()


class Spool:
    """The items of one bundle on disk, and the bytes the ZIP will take: it stops growing at
    `max_bytes` (None: no bound)."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="chldp-evidence-"))
        self.removal = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.max_bytes = max_bytes
        self.used = RESERVE

    def keep(self, item: Item) -> Kept:
        """Puts `item` on disk and measures it as the archive will hold it: its WARC records
        (gzipped already, stored as they are), a line of the index for each, and its record
        and part of index.html, compressed."""
        folder = self.folder / f"line-{item.line}"
        folder.mkdir()
        names = []
        for name, data in item.files():
            (folder / name).write_bytes(data)
            names.append(name)
        with (folder / WARC).open("wb") as out:
            records = write_exchanges(out, item.exchanges)
        names.append(WARC)
        size = (folder / WARC).stat().st_size + INDEX_LINE_BYTES * len(records)
        record = item.record(records)
        encoded = json.dumps(record, ensure_ascii=False, indent=2).encode()
        (folder / RECORD).write_bytes(encoded)
        size += deflated_size(encoded)
        # Items are numbered once they are admitted; the line stands in, as wide or wider.
        size += deflated_size(section(item.line, record, item.texts()).encode())
        return Kept(item.line, folder, tuple(names), size, self)

    def restore(self, line: int, packed: bytes) -> Kept:
        """An item of an earlier attempt at this capture (Kept.pack), back on disk and counted
        into the bundle as it was then."""
        folder = self.folder / f"line-{line}"
        with zipfile.ZipFile(io.BytesIO(packed)) as archive:
            about = json.loads(archive.read(PACKED))
            archive.extractall(folder, [*about["names"], RECORD])
        self.used += about["size"]
        return Kept(line, folder, tuple(about["names"]), about["size"], self)

    def admit(self, kept: Kept) -> None:
        """Counts `kept` into the bundle, in the order of the lines; ItemTooLarge when it
        would not fit even alone, BundleFull when there is no room left for it."""
        if self.max_bytes is None:
            return
        if RESERVE + kept.size > self.max_bytes:
            raise ItemTooLarge("chldp-evidence-item-too-large", mebibytes(self.max_bytes))
        if self.used + kept.size > self.max_bytes:
            raise BundleFull("chldp-evidence-bundle-full", mebibytes(self.max_bytes))
        self.used += kept.size

    def close(self) -> None:
        self.removal()


def deflated_size(data: bytes) -> int:
    """The bytes `data` takes in the archive's ZIP: deflated at the level zipfile uses."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return len(compressor.compress(data)) + len(compressor.flush())
