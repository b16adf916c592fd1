"""`flask --app webtool …` commands for operators: migrations, the background worker,
retention, key rotation, unpinning a staff name, and the keys held by people: making the
recovery key, restoring the team's access with it, moving older requests to keys of their own."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from program.refusal import Refused
from webtool.infra import db, keys
from webtool.infra.keyed import account_key
from webtool.infra.models import (
    AuditEntry,
    Base,
    CaseEvent,
    CaseMessage,
    EngagementReport,
    EvidenceBundle,
    EvidenceItem,
    HelpRequest,
    LedgerEntry,
    RequesterKey,
    StaffPin,
)
from webtool.infra.tasks import run_worker
from webtool.services import team_keys
from webtool.services.casework import audit
from webtool.services.engagement_view import subject_key
from webtool.services.evidence_records import owner_of
from webtool.services.help_requests import opened
from webtool.services.retention import purge as purge_expired
from webtool.services.sealing import (
    captured,
    new_case_key,
    new_file_key,
    seal_for_case,
    seal_for_team,
    team_key,
)
from webtool.services.wiring import services


@click.group("db", cls=AppGroup)
def database() -> None:
    """The tool's database."""


@database.command("upgrade")
def upgrade() -> None:
    """Bring the database schema up to date (Alembic)."""
    db.upgrade(current_app.config["SQLALCHEMY_URL"])
    click.echo("The database is up to date.")


@click.command("purge")
@with_appcontext
def purge() -> None:
    """Delete what has outlived its retention; say what was kept and why."""
    for sentence in purge_expired().sentences():
        click.echo(sentence)


def sealed_columns() -> list[tuple[type[Base], str]]:
    """Every sealed column of every table, found by name (`…_sealed`), so a column added
    later is re-sealed too."""
    return [
        (mapper.class_, column.key)
        for mapper in Base.registry.mappers
        for column in mapper.columns
        if column.key.endswith("_sealed")
    ]


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-seal every value sealed under the server's keys with the newest encryption key, and
    compute again the keyed hashes the server can (bundles, reports, requests from before keys
    held by people). What is sealed to people's keys is theirs: it is left as it is, and a
    request sealed to people keeps its requester's keyed hash, so CHLDP_HASH_KEY stays."""
    sealer = services().sealer
    session = db.session()
    count = 0
    for model, name in sealed_columns():
        for row in session.scalars(select(model)):
            token = getattr(row, name)
            # What is sealed under a key of its own is not the server's to re-seal (a bundle's
            # file key is, in its own column).
            if token is not None and not keys.has_own_key(token):
                setattr(row, name, sealer.reseal(token))
                count += 1
        session.flush()
    _recompute_keyed_hashes()
    session.commit()
    click.echo(
        f"Re-sealed {count} value(s) in {len(sealed_columns())} column(s) with the newest key."
    )


def _recompute_keyed_hashes() -> None:
    session = db.session()
    sealer = services().sealer
    for request in session.scalars(select(HelpRequest)):
        case = opened(request)
        if not case.sealed:  # sealed to people, the requester's id is not the server's to read
            request.requester_key = account_key({"id": case.central_id})
    for bundle in session.scalars(select(EvidenceBundle)):
        owner = owner_of(bundle)
        if owner is not None:  # attached to a case: the owner is the case's to read
            bundle.owner_key = account_key(owner)
    for report in session.scalars(select(EngagementReport)):
        report.subject_key = subject_key(sealer.open(report.subject_sealed))
    # Sessions are known by their account's keyed hash alone: after a new hash key they no
    # longer match their account, so they end, and people log in again.


@click.command("unpin-staff")
@click.argument("name")
@with_appcontext
def unpin_staff(name: str) -> None:
    """Forget the central id pinned to a staff name: the next account to use it as staff is
    pinned instead. Only for a name pinned to the wrong account."""
    session = db.session()
    pin = session.get(StaffPin, name)
    if pin is None:
        raise click.ClickException(f"No central id is pinned to {name}.")
    session.delete(pin)
    audit("configuration", "unpin-staff", name, central_id=pin.central_id)
    session.commit()
    click.echo(f"{name} is no longer pinned to central id {pin.central_id}.")


@click.command("make-recovery-key")
def make_recovery_key() -> None:
    """Make the recovery key pair, on a machine that is not the server: print its private half
    once, to keep on paper or in the Foundation's vault, and the public half to configure."""
    public, private = keys.new_pair()
    click.echo("Private half (keep it offline; it is shown once, and opens every case):")
    click.echo(f"  {keys.private_text(private)}")
    click.echo("Public half (set it as CHLDP_RECOVERY_PUBLIC_KEY):")
    click.echo(f"  {keys.public_text(public)}")
    click.echo(f"Fingerprint, as the staff console shows it: {keys.fingerprint(public)}")


@click.command("restore-access")
@click.argument("name")
@with_appcontext
def restore_access(name: str) -> None:
    """Grant NAME the team key again with the recovery key's private half, read from standard
    input (never from the command line, which other users of the machine can see). NAME must
    have set a passphrase. Cases stored before there was a team key are wrapped to it too."""
    text = sys.stdin.readline()
    try:
        private = keys.private_from_text(text)
    except ValueError:
        raise click.ClickException("That is not a recovery private key.") from None
    try:
        moved = team_keys.restore(name, private)
    except Refused as refused:
        raise click.ClickException(REFUSALS.get(refused.key, refused.key)) from None
    click.echo(f"{name} holds the team key again; {moved} case key(s) moved to the team key.")


REFUSALS = {
    "chldp-keys-error-no-key": "There is no team key yet, or NAME has not set a passphrase.",
    "chldp-keys-error-recovery": "This recovery key does not open the team key.",
}


@click.command("reseal-cases")
@with_appcontext
def reseal_cases() -> None:
    """Give every request stored before keys held by people a key pair of its own and seal its
    words, messages, notes and attachments to it; the books and the audit log to the team key.
    Needs the team key (an admin has unlocked). One request at a time, each in a transaction of
    its own: run it again after an interruption and it goes on where it stopped."""
    if team_key() is None:
        raise click.ClickException(
            "There is no team key yet: configure CHLDP_RECOVERY_PUBLIC_KEY, then an admin logs "
            "in to the staff console and sets a passphrase."
        )
    sealer = services().sealer
    session = db.session()
    moved = 0
    for number in session.scalars(
        select(HelpRequest.id).where(HelpRequest.case_public_key.is_(None))
    ).all():
        request = session.get(HelpRequest, number)
        if request is None:
            continue  # purged meanwhile
        old = {name: sealer.open(getattr(request, name)) for name in CASE_COLUMNS}
        who = json.loads(old["facts_sealed"])
        requester = session.get(RequesterKey, account_key(who))
        wrapped_to = keys.public_from_text(requester.public_key) if requester else None
        for name, value in new_case_key(wrapped_to).items():
            setattr(request, name, value)
        for name, text in old.items():
            setattr(request, name, seal_for_case(request, text))
        for model in (CaseEvent, CaseMessage):
            for row in session.scalars(select(model).where(model.request_id == request.id)):
                for name in _sealed_names(model):
                    value = getattr(row, name)
                    if not keys.has_own_key(value):
                        setattr(row, name, seal_for_case(request, sealer.open(value)))
        for bundle in session.scalars(
            select(EvidenceBundle).where(EvidenceBundle.request_id == request.id)
        ):
            _reseal_bundle(bundle, request)
        session.commit()
        moved += 1
    books = 0
    for book in (LedgerEntry, AuditEntry):
        for row in session.scalars(select(book)):
            for name in _sealed_names(book):
                value = getattr(row, name)
                if not keys.is_sealed_to_key(value):
                    setattr(row, name, seal_for_team(sealer.open(value)))
                    books += 1
        session.commit()
    click.echo(
        f"{moved} request(s) sealed to keys of their own; {books} value(s) of the books and "
        "the audit log sealed to the team key. Case data no longer needs CHLDP_ENCRYPTION_KEYS."
    )


def _reseal_bundle(bundle: EvidenceBundle, request: HelpRequest) -> None:
    """A bundle attached to a request, from before: sealed once under a file key of its own,
    which is sealed to the case; the server keeps no key of it once its capture has ended."""
    if bundle.file_key_sealed or bundle.file_key_case:
        return
    sealer = services().sealer
    key, columns = new_file_key(request)
    file_sealer = keys.FileSealer(key)
    for name in _sealed_names(EvidenceBundle):
        value = getattr(bundle, name)
        if value is not None:
            setattr(bundle, name, file_sealer.seal_bytes(sealer.open_bytes(value)))
    for item in db.session().scalars(
        select(EvidenceItem).where(EvidenceItem.bundle_id == bundle.id)
    ):
        item.content_sealed = file_sealer.seal_bytes(sealer.open_bytes(item.content_sealed))
    bundle.file_key_sealed, bundle.file_key_case = (
        columns["file_key_sealed"],
        columns["file_key_case"],
    )
    if bundle.status in ("done", "failed"):
        captured(bundle)


CASE_COLUMNS = (
    "facts_sealed",
    "description_sealed",
    "contact_sealed",
    "engagement_sealed",
)


def _sealed_names(model: type[Base]) -> list[str]:
    return [name for owner, name in sealed_columns() if owner is model]


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="tasks run at once here")
@with_appcontext
def worker(threads: int) -> None:
    """Run background work (evidence captures, engagement reports, the nightly purge) until
    stopped. Run as many as you like: the limits of CHLDP_MAX_CAPTURES and
    CHLDP_MAX_PARALLEL hold across all of them. Refuses to start on a database that is not
    migrated, with the command that migrates it."""
    problem = db.not_ready()
    if problem:
        raise click.ClickException(problem)
    run_worker(services().queue, threads)


# What `flask --app webtool` offers, as the app factory adds them.
COMMANDS = [
    database,
    purge,
    rotate_keys,
    unpin_staff,
    make_recovery_key,
    restore_access,
    reseal_cases,
    worker,
]
