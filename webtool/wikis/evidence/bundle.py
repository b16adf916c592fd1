"""The evidence bundle: a ZIP a lawyer can rely on and the legal team can read.

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

import hashlib
import io
import json
import os
import shutil
import tempfile
import weakref
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from jinja2 import Environment

from webtool.wikis.evidence.errors import EvidenceError
from webtool.wikis.evidence.wikis import shorten

if TYPE_CHECKING:  # capture.py and manifest.py build on this module: their types are named here
    from webtool.wikis.evidence.capture import CaptureResult
    from webtool.wikis.evidence.manifest import Item

FORMAT = "chldp evidence bundle 1"
MANIFEST = "manifest.json"
INDEX = "index.html"
RECORD = "record.json"  # an item's record, on disk while the capture runs
PACKED = "packed.json"  # what a packed item says of itself: its files' order and its size
MiB = 1024 * 1024
# What a bundle holds beside its items: index.html's head, the manifest's own fields, and each
# refused line (up to 2,000 characters, and its sentence) twice, counted uncompressed.
RESERVE = 512 * 1024
ENTRY_BYTES = 256  # the ZIP's own bytes for a file: its headers, with its path twice
KINDS = {"revision": "Revision", "diff": "Diff", "log": "Log entry", "page": "Page as it was"}
DIFF_CELLS = {  # action=compare's cell classes, to the few this page styles
    "diff-lineno": "lineno",
    "diff-marker": "marker",
    "diff-deletedline": "deleted",
    "diff-addedline": "added",
    "diff-context": "context",
    "diff-side-deleted": "empty",
    "diff-side-added": "empty",
    "diff-empty": "empty",
}


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


class ItemTooLarge(EvidenceError):
    """One item is more than a whole bundle can hold."""


class BundleFull(EvidenceError):
    """The bundle has no room left for the next item."""


@dataclass(frozen=True)
class Kept:
    """An item captured and put on disk: its files and record there, in the spool, and the
    bytes it adds to the bundle's ZIP."""

    line: int
    folder: Path
    names: tuple[str, ...]  # its files, in the order they go into the ZIP
    size: int
    spool: Spool = field(repr=False, compare=False)  # kept on disk while an item needs it

    def record(self) -> dict:
        return json.loads((self.folder / RECORD).read_bytes())

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def texts(self, record: dict) -> dict[int, str]:
        """Each visible wikitext of the item, by revision id."""
        return {
            revision["revid"]: self.read(revision["wikitext_file"]).decode()
            for revision in record["revisions"]
            if revision["wikitext_file"]
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
    """A bundle being assembled on disk while its links are captured: each item's files and
    record, written as soon as it is captured, so that a capture never holds every revision in
    memory; and the bytes the ZIP will take, so that a bundle stops growing at `max_bytes`
    (None: no bound) rather than being refused whole once it is written."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="chldp-evidence-"))
        self.removal = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.max_bytes = max_bytes
        self.used = RESERVE

    def keep(self, item: Item) -> Kept:
        """Puts `item` on disk and measures it: its files and record compressed as the ZIP
        compresses them, its part of index.html too, and the ZIP's own bytes for each file."""
        folder = self.folder / f"line-{item.line}"
        folder.mkdir()
        hashes: dict[str, str] = {}
        size = 0
        for name, data in item.files():
            (folder / name).write_bytes(data)
            hashes[name] = sha256(data)
            size += _deflated_size(data) + ENTRY_BYTES
        record = item.record(hashes)
        encoded = json.dumps(record, ensure_ascii=False, indent=2).encode()
        (folder / RECORD).write_bytes(encoded)
        size += _deflated_size(encoded)
        # Items are numbered once they are admitted; the line stands in, as wide or wider.
        size += _deflated_size(_section(item.line, record, item.texts()).encode())
        return Kept(item.line, folder, tuple(hashes), size, self)

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


def write_bundle(result: CaptureResult, target: str | os.PathLike | BinaryIO) -> str:
    """Writes the bundle of a capture as a ZIP to a path or a binary file, one item at a time
    from the capture's spool; the manifest's SHA-256."""
    manifest: dict[str, object] = {
        "format": FORMAT,
        "tool": {"name": "chldp", "version": version("chldp")},
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items": _Records(result.items),
        "refused": [refusal.record() for refusal in result.refused],
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, kept in enumerate(result.items, 1):
            for name in kept.names:
                archive.write(kept.folder / name, f"{_folder(number)}/{name}")
        manifest["files"] = {INDEX: _write(archive, INDEX, _index(manifest, result.items))}
        manifest_sha256 = _sha256_of(_canonical(manifest))
        manifest["sha256"] = manifest_sha256
        _write(archive, MANIFEST, _INDENTED.iterencode(manifest))
    return manifest_sha256


def mebibytes(size: int) -> int:
    """`size` in whole MiB, rounded up: how a bound is said in a sentence."""
    return -(-size // MiB)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_sha256(record: dict) -> str:
    """The SHA-256 of a record without its own "sha256" key, as JSON with sorted keys and no
    spaces: how every item, and the manifest itself, is hashed."""
    return _sha256_of(_canonical(record))


class _Records(list):
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


_INDENTED = json.JSONEncoder(ensure_ascii=False, indent=2)
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _canonical(record: dict) -> Iterator[str]:
    return _CANONICAL.iterencode({key: value for key, value in record.items() if key != "sha256"})


def _sha256_of(chunks: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.encode())
    return digest.hexdigest()


def _write(archive: zipfile.ZipFile, name: str, chunks: Iterable[str]) -> str:
    """Writes a file of the ZIP a piece at a time; its SHA-256."""
    digest = hashlib.sha256()
    with archive.open(name, "w") as out:
        for chunk in chunks:
            data = chunk.encode()
            digest.update(data)
            out.write(data)
    return digest.hexdigest()


def _deflated_size(data: bytes) -> int:
    """The bytes `data` takes in a ZIP: deflated at the level zipfile uses."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return len(compressor.compress(data)) + len(compressor.flush())


def verify_bundle(source: str | os.PathLike | BinaryIO) -> Verification:
    """Every hash of a bundle checked again; BadBundle when it cannot be read as one."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise BadBundle("This is not a ZIP file, so not an evidence bundle.") from None
    except OSError as error:
        raise BadBundle(f"The bundle cannot be opened: {error.strerror}.") from None
    with archive:
        manifest = _manifest(archive)
        # zipfile reads the last of two entries with one name; either may be the forgery.
        problems = [
            f"{shorten(name)} is in the ZIP more than once: a copy was added after the bundle "
            "was made."
            for name, count in sorted(Counter(archive.namelist()).items())
            if count > 1
        ]
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


def _index(manifest: dict, items: list[Kept]) -> Iterator[str]:
    """index.html a part at a time: every item and diff, every captured string escaped, no
    script. Each item's texts are read from the spool only while its part is written."""
    yield HEAD.render(manifest=manifest, count=len(items))
    for number, kept in enumerate(items, 1):
        record = kept.record()
        yield _section(number, record, kept.texts(record))
    yield FOOT


def _section(number: int, record: dict, texts: dict[int, str]) -> str:
    """One item's part of index.html."""
    body = (record["diff"] or {}).get("body")
    log = record["log"] or {}
    item = {
        **record,
        "label": KINDS[record["kind"]],
        "texts": texts,
        "rows": diff_rows(body) if body else [],
        "log_fields": [
            (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            for key, value in sorted(log.items())
        ],
    }
    return SECTION.render(number=number, item=item)


def diff_rows(body: str) -> list[list[dict]]:
    """action=compare's table as rows of cells of plain text: the wiki's markup is not kept,
    only which side a cell is and which words changed."""
    table = _DiffTable()
    table.feed(body)
    table.close()
    return table.rows


class _DiffTable(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[dict]] = []
        self.cell: dict | None = None
        self.changes = 0  # inside <ins> or <del>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag == "td" and self.rows:
            classes = (found.get("class") or "").split()
            kind = next((DIFF_CELLS[c] for c in classes if c in DIFF_CELLS), "context")
            self.cell = {"kind": kind, "span": 2 if found.get("colspan") == "2" else 1, "parts": []}
            if found.get("data-marker"):
                self.cell["parts"].append((False, found["data-marker"]))
            self.rows[-1].append(self.cell)
        elif tag in ("ins", "del"):
            self.changes += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ins", "del"):
            self.changes = max(0, self.changes - 1)
        elif tag == "td":
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["parts"].append((self.changes > 0, data))


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


TEMPLATES = Environment(autoescape=True)
HEAD = TEMPLATES.from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evidence bundle of {{ manifest.created_at }}</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #202122; }
section { border-top: 1px solid #a2a9b1; margin-top: 2em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: bold; }
dd { margin: 0; overflow-wrap: anywhere; }
pre, code { white-space: pre-wrap; overflow-wrap: anywhere; }
pre { background: #f8f9fa; border: 1px solid #eaecf0; padding: .5em; }
.hidden { color: #72777d; font-style: italic; }
table.diff { border-collapse: collapse; table-layout: fixed; width: 100%; }
table.diff td { padding: .1em .4em; vertical-align: top; }
table.diff td { white-space: pre-wrap; overflow-wrap: anywhere; }
table.diff col.marker { width: 2em; }
td.lineno { font-weight: bold; }
td.deleted { background: #ffe49c; }
td.added { background: #a3d3ff; }
td.context { background: #f8f9fa; }
.changed { font-weight: bold; text-decoration: underline; }
</style>
</head>
<body>
<h1>Evidence bundle</h1>
<p>Captured through the wikis' own Action API by {{ manifest.tool.name }}
{{ manifest.tool.version }}; bundle made {{ manifest.created_at }} (UTC), {{ count }}
item{{ "" if count == 1 else "s" }}. manifest.json holds the SHA-256 of every file and
of every item's record; <code>python -m webtool verify-bundle FILE.zip</code> checks them
all.</p>
{% if manifest.refused %}
<h2>Links not captured</h2>
<ul>
{% for refusal in manifest.refused %}
<li>Line {{ refusal.line }}: <code>{{ refusal.text }}</code>: {{ refusal.reason }}</li>
{% endfor %}
</ul>
{% endif %}
"""
)
SECTION = TEMPLATES.from_string(
    """<section id="item-{{ number }}">
<h2>Item {{ number }}: {{ item.label }} on {{ item.wiki }}</h2>
<dl>
<dt>Link</dt><dd><a href="{{ item.link }}">{{ item.link }}</a></dd>
<dt>Captured</dt><dd>{{ item.captured_at }} (UTC)</dd>
<dt>SHA-256</dt><dd><code>{{ item.sha256 }}</code></dd>
{% if item.hidden %}<dt>Hidden on the wiki</dt><dd>{{ item.hidden|join(", ") }}</dd>{% endif %}
{% if item.redirected_from %}<dt>Redirected from</dt><dd>{{ item.redirected_from }}</dd>{% endif %}
</dl>
{% for revision in item.revisions %}
<h3>Revision {{ revision.revid }} of {{ revision.title }}</h3>
<dl>
<dt>Saved</dt><dd>{{ revision.timestamp }}</dd>
<dt>By</dt><dd>
{%- if "user" in revision.hidden %}<span class="hidden">(the author is hidden)</span>
{%- else %}{{ revision.user }}{% endif %}</dd>
<dt>Summary</dt><dd>
{%- if "comment" in revision.hidden %}<span class="hidden">(the summary is hidden)</span>
{%- else %}{{ revision.comment }}{% endif %}</dd>
<dt>Size</dt><dd>{{ revision.size }} bytes</dd>
<dt>Parent</dt><dd>{{ revision.parentid or "none: the page's first revision" }}</dd>
{% if revision.tags %}<dt>Tags</dt><dd>{{ revision.tags|join(", ") }}</dd>{% endif %}
{% if revision.suppressed %}
<dt>Suppressed</dt><dd>yes: hidden from administrators too</dd>
{% endif %}
<dt>Wiki's SHA-1</dt><dd><code>{{ revision.sha1 or "hidden" }}</code>
{%- if revision.sha1_matches %} (matches the text captured)
{%- elif revision.sha1_matches is false %} (does not match the text captured){% endif %}</dd>
</dl>
{% if revision.revid in item.texts %}
<details><summary>Wikitext ({{ revision.wikitext_file }})</summary>
<pre>{{ item.texts[revision.revid] }}</pre></details>
{% else %}
<p class="hidden">The content of this revision is hidden on the wiki.</p>
{% endif %}
{% endfor %}
{% if item.diff %}
<h3>Diff {{ item.diff.from_revid or "(nothing)" }} → {{ item.diff.to_revid }}</h3>
{% if item.rows %}
<table class="diff">
<colgroup><col class="marker"><col><col class="marker"><col></colgroup>
{% for row in item.rows %}
<tr>{% for cell in row %}<td class="{{ cell.kind }}" colspan="{{ cell.span }}">
{%- for changed, text in cell.parts %}
{%- if changed %}<span class="changed">{{ text }}</span>{% else %}{{ text }}{% endif %}
{%- endfor %}</td>{% endfor %}</tr>
{% endfor %}
</table>
{% else %}
<p class="hidden">{{ item.diff.note or "The two revisions are the same." }}</p>
{% endif %}
{% endif %}
{% if item.log %}
<h3>Log entry {{ item.log.logid }}</h3>
<dl>
{% for key, value in item.log_fields %}<dt>{{ key }}</dt><dd>{{ value }}</dd>
{% endfor %}
</dl>
{% endif %}
<details><summary>The API requests that produced it</summary>
<ol>{% for request in item.requests %}<li><code>{{ request }}</code></li>{% endfor %}</ol>
</details>
</section>
"""
)
FOOT = """</body>
</html>
"""
