"""The requester's rights over what the tool holds about them: withdraw a request, download
all of it, and have a withdrawn or closed request deleted at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from zipfile import ZIP_DEFLATED, ZIP_STORED

from flask import render_template
from zipstream import ZipStream  # type: ignore[import-untyped]  # it ships no types

from program.case_flow import ENDED
from webtool.infra import db
from webtool.infra.accounts import User
from webtool.infra.models import HelpRequest
from webtool.services import casework, conversation
from webtool.services.evidence_records import download, own_bundle, own_bundles
from webtool.services.help_requests import opened, own_requests
from webtool.services.retention import delete_request
from webtool.services.sealing import bundle_sealer


def everything_of(user: User) -> Iterator[bytes]:
    """A ZIP of every request of `user` (what they typed, the engagement frozen with it, the
    messages both ways and each step), and every evidence bundle of theirs: `data.json`, the
    bundles under `evidence/`, and an `index.html` that shows it all, every string escaped.

    The ZIP is written as it is read (zipstream-ng), one bundle in memory at a time: with a
    dozen bundles at their bound, holding it whole would take a good part of the webservice's
    memory. The audit log says it was downloaded before the first byte goes."""
    requests = [_request_data(found) for found in own_requests(user)]
    done = [bundle for bundle in own_bundles(user) if bundle.status == "done"]
    # On a device that does not hold the requester's key, what is sealed to it is not here,
    # and data.json and the index say which.
    bundles = [bundle.reference for bundle in done if bundle_sealer(bundle) is not None]
    data = {
        "account": user["name"],
        "requests": requests,
        "evidence": bundles,
        "evidence_not_included": [b.reference for b in done if b.reference not in bundles],
    }
    zipped = ZipStream(compress_type=ZIP_DEFLATED)
    zipped.add(json.dumps(data, ensure_ascii=False, indent=2, default=str), "data.json")
    zipped.add(render_template("my_data_index.html", data=data), "index.html")
    for reference in bundles:
        # A bundle is a ZIP already: stored as it is.
        zipped.add(_bundle(reference, user), f"evidence/{reference}.zip", compress_type=ZIP_STORED)
    casework.audit("requester", "download-own-data", "requests", requests=len(requests))
    db.session().commit()
    return iter(zipped)


def _bundle(reference: str, user: User) -> Iterator[bytes]:
    """The bundle as its own download is, streamed when the download reaches it, and then
    forgotten by the session."""
    bundle = own_bundle(reference, user)
    if bundle is None:
        return  # deleted while the download ran: its place stays empty
    data = download(bundle, by="the requester, with all their data")
    db.session().expunge(bundle)
    if data is not None:  # None: attached to a case whose key this browser does not hold
        yield from data


def _request_data(found: HelpRequest) -> dict[str, object]:
    sealed = opened(found)
    return {
        "reference": found.reference,
        "sent": found.created_at,
        "status": found.status,
        # True when this device does not hold the key: only the lines above are included.
        "sealed": sealed.sealed,
        "kinds": sealed.kinds,
        "country": sealed.country,
        "language": sealed.language,
        "description": sealed.description(),
        "contact": sealed.contact(),
        "engagement": sealed.engagement(),
        "conversation": [
            {key: entry.get(key) for key in ("at", "kind", "from_requester", "text", "to")}
            for entry in conversation.for_requester(found)
        ],
    }


def withdraw(found: HelpRequest) -> None:
    casework.withdraw(found)


def may_delete(found: HelpRequest) -> bool:
    return found.status in ENDED


def delete(found: HelpRequest) -> None:
    """Remove the request and everything kept with it now; its ledger entries stay, detached
    from it, and the audit log keeps that it was deleted."""
    if not may_delete(found):
        raise ValueError("only a withdrawn or closed request is deleted")
    delete_request(found, actor="requester", action="delete")
    db.session().commit()
