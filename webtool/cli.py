"""`flask --app webtool …` commands for operators: migrations, the background worker,
retention, key rotation, and unpinning a staff name."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from webtool.infra import db
from webtool.infra.models import Base, EngagementReport, EvidenceBundle, HelpRequest, StaffPin
from webtool.infra.tasks import run_worker
from webtool.services.casework import audit
from webtool.services.engagement_view import subject_key
from webtool.services.evidence_records import owner_of
from webtool.services.help_requests import account_key, field_index, kinds_index, opened
from webtool.services.retention import purge as purge_expired
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
    """Re-seal every sealed column of every row with the newest encryption key, and compute
    every keyed hash again with CHLDP_HASH_KEY (so that key can be changed too)."""
    sealer = services().sealer
    session = db.session()
    count = 0
    for model, name in sealed_columns():
        for row in session.scalars(select(model)):
            token = getattr(row, name)
            if token is not None:
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
        request.requester_key = account_key({"id": case.central_id})
        request.kinds_index = kinds_index(case.kinds)
        request.country_index = field_index("country", case.country)
        request.language_index = field_index("language", case.language)
    for bundle in session.scalars(select(EvidenceBundle)):
        bundle.owner_key = account_key(owner_of(bundle))
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
COMMANDS = [database, purge, rotate_keys, unpin_staff, worker]
