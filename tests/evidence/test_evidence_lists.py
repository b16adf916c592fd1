"""Bundles stay where they are until their ZIP is wanted: the pages that list them never read
their bytes, and "download my data" is written as it is read."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import event
from support.helpers import ADMIN, REQUESTER, captured, post, send, write
from support.logins import log_in


def test_lists_never_read_a_bundles_bytes(app, client, evidence_links, staff_list):
    log_in(client, REQUESTER)
    bundle, _ = captured(client, evidence_links["text"])
    request = send(client).headers["Location"].rsplit("/", 1)[1]
    write(client, request, "The evidence.", bundles=bundle)
    statements: list[str] = []
    engine = app.services.db.engine

    def seen(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for url in ("/evidence", f"/requests/{request}"):
            assert bundle in client.get(url).get_data(as_text=True)
        log_in(client, ADMIN)
        assert bundle in client.get(f"/staff/case/{request}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements
    assert not [statement for statement in statements if "bundle_sealed" in statement]


def test_my_data_is_streamed_with_every_bundle_whole(app, client, evidence_links):
    log_in(client, REQUESTER)
    first, _ = captured(client, evidence_links["text"])
    second, _ = captured(client, evidence_links["text"].splitlines()[0])
    download = post(client, "/my-data")
    assert download.is_streamed
    with zipfile.ZipFile(io.BytesIO(download.get_data())) as archive:
        assert archive.testzip() is None
        for reference in (first, second):
            # Each bundle as its own download is, its web archive the same bytes.
            alone = zipfile.ZipFile(
                io.BytesIO(client.get(f"/evidence/{reference}/bundle.zip").data)
            )
            inside = zipfile.ZipFile(io.BytesIO(archive.read(f"evidence/{reference}.zip")))
            wacz = f"{reference}.wacz"
            assert inside.read(wacz) == alone.read(wacz)
            assert "custody-log.json" in inside.namelist()
