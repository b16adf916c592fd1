"""The requester's rights over what the tool holds about them: withdraw a request, download
all of it, and have a withdrawn or closed request deleted at once."""

from __future__ import annotations

import io
import json
import zipfile

from flask import render_template

from program.case_flow import ENDED
from webtool.infra import db
from webtool.infra.accounts import User
from webtool.infra.models import HelpRequest
from webtool.services import casework, conversation
from webtool.services.evidence_records import own_bundles, zip_of
from webtool.services.help_requests import opened, own_requests
from webtool.services.retention import delete_request


def everything_of(user: User) -> bytes:
    """A ZIP of every request of `user` (what they typed, the engagement frozen with it, the
    messages both ways and each step), and every evidence bundle of theirs: `data.json`, the
    bundles under `evidence/`, and an `index.html` that shows it all, every string escaped."""
    requests = [_request_data(found) for found in own_requests(user)]
    bundles = [bundle for bundle in own_bundles(user) if bundle.status == "done"]
    data = {
        "account": user["name"],
        "requests": requests,
        "evidence": [bundle.reference for bundle in bundles],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        archive.writestr("index.html", render_template("my_data_index.html", data=data))
        for bundle in bundles:
            archive.writestr(f"evidence/{bundle.reference}.zip", zip_of(bundle))
    casework.audit("requester", "download-own-data", "requests", requests=len(requests))
    db.session().commit()
    return buffer.getvalue()


def _request_data(found: HelpRequest) -> dict[str, object]:
    sealed = opened(found)
    return {
        "reference": found.reference,
        "sent": found.created_at,
        "status": found.status,
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
