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

import json
import os
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib.metadata import version
from typing import BinaryIO

from jinja2 import Environment

from webtool.evidence.capture import CaptureResult, record_sha256, sha256
from webtool.evidence.wikis import shorten

FORMAT = "chldp evidence bundle 1"
MANIFEST = "manifest.json"
INDEX = "index.html"
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


def write_bundle(result: CaptureResult, target: str | os.PathLike | BinaryIO) -> dict:
    """Writes the bundle of a capture as a ZIP to a path or a binary file; its manifest."""
    records = [item.record() for item in result.items]
    files: dict[str, bytes] = {}
    for number, item in enumerate(result.items, 1):
        files |= {f"{_folder(number)}/{name}": data for name, data in item.files().items()}
    manifest = {
        "format": FORMAT,
        "tool": {"name": "chldp", "version": version("chldp")},
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items": records,
        "refused": [refusal.record() for refusal in result.refused],
    }
    index = render_index(manifest, files).encode()
    manifest["files"] = {INDEX: sha256(index)}
    manifest["sha256"] = record_sha256(manifest)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr(INDEX, index)
        for path, data in files.items():
            archive.writestr(path, data)
    return manifest


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


def render_index(manifest: dict, files: dict[str, bytes]) -> str:
    """index.html: every item and diff, every captured string escaped, no script."""
    items = []
    for number, record in enumerate(manifest["items"], 1):
        texts = {
            revision["revid"]: files[f"{_folder(number)}/{revision['wikitext_file']}"].decode()
            for revision in record["revisions"]
            if revision["wikitext_file"]
        }
        body = (record["diff"] or {}).get("body")
        log = record["log"] or {}
        items.append(
            {
                **record,
                "label": KINDS[record["kind"]],
                "texts": texts,
                "rows": diff_rows(body) if body else [],
                "log_fields": [
                    (
                        key,
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
                    )
                    for key, value in sorted(log.items())
                ],
            }
        )
    return PAGE.render(manifest=manifest, items=items)


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


PAGE = Environment(autoescape=True).from_string(
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
{{ manifest.tool.version }}; bundle made {{ manifest.created_at }} (UTC), {{ items|length }}
item{{ "" if items|length == 1 else "s" }}. manifest.json holds the SHA-256 of every file and
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
{% for item in items %}
<section id="item-{{ loop.index }}">
<h2>Item {{ loop.index }}: {{ item.label }} on {{ item.wiki }}</h2>
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
{% endfor %}
</body>
</html>
"""
)
