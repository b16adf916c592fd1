"""Peak memory of the pages that list a requester's evidence, with 12 bundles of 8 MiB: the
evidence page, the request's page with them attached, the staff case page, and "download my
data" read to its end. Measured with tracemalloc (what Python allocates), in one process, on
SQLite, asking no wiki; each page is asked once before, as a running server has (its
templates compiled, its messages read). benchmarks/evidence.py uses its parts with 100
bundles and one of 600 MiB.

Target (issue 22): under 60 MiB for `/evidence` and for `/my-data` (printed, not asserted).
Run: .venv/bin/python benchmarks/memory.py [--bundles 12] [--mib 8]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import tempfile
import tracemalloc
from datetime import timedelta
from pathlib import Path

from webtool.app import create_app
from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.keyed import account_key
from webtool.infra.keys import FileSealer
from webtool.infra.models import EvidenceBundle
from webtool.services import archives, sessions
from webtool.services.help_requests import Submission, store
from webtool.services.sealing import new_file_key
from webtool.wikis.evidence.spool import MiB

REQUESTER = {"name": "Veteran Editor", "id": 3}
STAFF = {"name": "Jane Doe", "id": 10}


def refused_api() -> str:
    """An API address on loopback where nothing listens: the pages here ask no wiki."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/w/api.php"


def made_app(folder: Path):
    os.environ.update(
        CHLDP_CENTRAL_API=refused_api(),
        CHLDP_OAUTH_CLIENT_ID="benchmark",
        CHLDP_OAUTH_CLIENT_SECRET="benchmark",
        CHLDP_STAFF="Jane Doe:admin",
    )
    url = f"sqlite:///{folder / 'chldp.sqlite'}"
    db.upgrade(url)
    return create_app(
        {"SQLALCHEMY_URL": url, "REDIS_URL": None, "TESTING": True, "WTF_CSRF_ENABLED": False},
        instance_path=str(folder / "instance"),
    )


def with_bundles(app, count: int, size: int, archive: Path | None = None) -> str:
    """A request of REQUESTER's with `count` finished bundles attached, each an archive file of
    `size` bytes (made up), or a copy of `archive`. Their file keys stay under the server's
    key too, as while a worker captures, so every page here opens them."""
    with app.app_context():
        submission = Submission.blank("en")
        submission.kinds, submission.country = ["doxxing"], "Brazil"
        submission.description = "My address was published."
        request = store(submission, REQUESTER, {"unavailable": True})
        plain = Path(app.instance_path) / "plain.wacz"
        if archive is None:
            with plain.open("wb") as out:
                for _ in range(0, size, MiB):
                    out.write(os.urandom(min(MiB, size)))
        else:
            plain.write_bytes(archive.read_bytes())
        for number in range(count):
            key, key_columns = new_file_key(request)
            sealer = FileSealer(key)
            bundle = EvidenceBundle(
                reference=f"EVID-{number:04d}-0000-0000-0000",
                submission_key=secrets.token_hex(16),
                owner_key=account_key(REQUESTER),
                owner_sealed=sealer.seal('{"name": "Veteran Editor", "id": 3}'),
                request_id=request.id,
                created_at=now(),
                updated_at=now(),
                purge_after=now() + timedelta(days=730),
                status="done",
                links_sealed=sealer.seal("https://en.wikipedia.org/?oldid=1"),
                links_total=1,
                links_done=1,
                items=1,
                refused=0,
                outcome_sealed=sealer.seal('{"refused": []}'),
                **key_columns,
            )
            db.session().add(bundle)
            db.session().commit()
            archives.keep(bundle, sealer, plain)
            db.session().commit()
        plain.unlink()
        return request.reference


def logged_in(app, user: dict):
    client = app.test_client()
    with app.app_context():
        token = sessions.create(user)
    with client.session_transaction() as session:
        session["user"], session["sid"] = user, token
    return client


def unlocked(app, user: dict):
    """A member of the legal team logged in, their passphrase set (the first admin's makes the
    team key, so do it before any request is stored) and their session unlocked."""
    client = logged_in(app, user)
    passphrase = "a passphrase for the benchmark"
    reply = client.post(
        "/staff/keys/passphrase", data={"passphrase": passphrase, "repeated": passphrase}
    )
    assert reply.status_code == 302, reply.status_code
    return client


def peak(send) -> tuple[float, int]:
    """Peak MiB Python allocated while `send()` ran and its answer was read whole; its size."""
    tracemalloc.start()
    reply = send()
    size = sum(len(chunk) for chunk in reply.response)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    reply.close()
    return top / MiB, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundles", type=int, default=12)
    parser.add_argument("--mib", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = made_app(Path(folder))
        staff = unlocked(app, STAFF)
        reference = with_bundles(app, args.bundles, args.mib * MiB)
        requester = logged_in(app, REQUESTER)
        print(f"{args.bundles} bundles of {args.mib} MiB, on SQLite")
        for name, send in [
            ("/evidence", lambda: requester.get("/evidence", buffered=False)),
            (f"/requests/{reference}", lambda: requester.get(f"/requests/{reference}")),
            (f"/staff/case/{reference}", lambda: staff.get(f"/staff/case/{reference}")),
            ("/my-data (POST)", lambda: requester.post("/my-data", buffered=False)),
        ]:
            peak(send)  # warm
            top, size = peak(send)
            print(f"  {name:34} peak {top:7.1f} MiB   answer {size / MiB:7.1f} MiB")


if __name__ == "__main__":
    main()
