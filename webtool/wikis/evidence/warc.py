"""The exchanges of a capture as WARC records (ISO 28500), the web archive format courts,
investigators and archivists read with tools they already trust.

Each exchange is a request record (the request line and headers as the client sent them) and a
response record (the status, headers and body exactly as the wiki sent them, content coding
included), linked to each other and dated when the answer arrived. They are written by the
client's own exchanges, not by a recording proxy: a pooled `requests` session hides the bytes
such a proxy would see.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from typing import IO, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from webtool.wikis.api import Exchange


def write_exchanges(out: BinaryIO, exchanges: Iterable[Exchange]) -> list[dict]:
    """Writes each exchange as a request and a response record, gzipped one record a member
    (so that files of records can be joined); what the manifest says of each response."""
    writer = WARCWriter(out, gzip=True)
    written = []
    for exchange in exchanges:
        date = exchange.at.strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = urlsplit(exchange.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(
                f"GET {target} HTTP/1.1",
                [("Host", parts.netloc), *exchange.request_headers],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.sent),
            http_headers=StatusAndHeaders(
                f"{exchange.status} {exchange.reason}".strip(),
                _as_kept(exchange.headers),
                protocol="HTTP/1.1",
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_request_response_pair(request, response)
        written.append(
            {
                "url": exchange.url,
                "at": date,
                "status": exchange.status,
                "record_id": response.rec_headers.get_header("WARC-Record-ID"),
                "sha256": hashlib.sha256(exchange.sent).hexdigest(),
            }
        )
    return written


def _as_kept(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The response's headers as they came, but for a transfer coding: the body is kept
    without it (the client reads it so), and replay tools read a body by its headers. Renamed
    as the field's tools rename it, it still says how the body came."""
    return [
        (f"X-Archive-Orig-{name}" if name.lower() == "transfer-encoding" else name, value)
        for name, value in headers
    ]


def write_info(out: BinaryIO, about: dict[str, str]) -> None:
    """The archive's warcinfo record: which software wrote it, and for what."""
    writer = WARCWriter(out, gzip=True)
    fields = {"software": f"chldp {version('chldp')}", "format": "WARC File Format 1.1", **about}
    writer.write_record(writer.create_warcinfo_record("data.warc.gz", fields))


def responses(stream: IO[bytes]) -> Iterator[tuple[str, str, str]]:
    """Each response record of a WARC: its id, target URL, and the SHA-256 of its body as it
    was sent (the content coding left as it came)."""
    for record in ArchiveIterator(stream):
        if record.rec_type != "response":
            continue
        digest = hashlib.sha256()
        raw = record.raw_stream  # the body after the HTTP headers, not decoded
        while chunk := raw.read(64 * 1024):
            digest.update(chunk)
        yield (
            record.rec_headers.get_header("WARC-Record-ID"),
            record.rec_headers.get_header("WARC-Target-URI"),
            digest.hexdigest(),
        )
