"""`flask --app webtool …` commands for operators: migrations, retention, key rotation."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from webtool import db
from webtool.help_requests import purge_expired
from webtool.models import EvidenceBundle, HelpRequest


def init_app(app: Flask) -> None:
    app.cli.add_command(database)
    app.cli.add_command(purge)
    app.cli.add_command(rotate_keys)


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
    """Delete every request whose retention period has ended."""
    count = purge_expired()
    click.echo(f"Deleted {count} expired request(s).")


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-seal every stored request and evidence bundle with the newest encryption key."""
    sealer = current_app.extensions["chldp.sealer"]
    session = db.session()
    requests = list(session.scalars(select(HelpRequest)))
    for request in requests:
        request.description_sealed = sealer.reseal(request.description_sealed)
        request.contact_sealed = sealer.reseal(request.contact_sealed)
    bundles = list(session.scalars(select(EvidenceBundle)))
    for bundle in bundles:
        bundle.links_sealed = sealer.reseal(bundle.links_sealed)
        bundle.outcome_sealed = sealer.reseal(bundle.outcome_sealed)
        if bundle.bundle_sealed:
            bundle.bundle_sealed = sealer.reseal(bundle.bundle_sealed)
    session.commit()
    click.echo(
        f"Re-sealed {len(requests)} request(s) and {len(bundles)} evidence bundle(s) with the "
        "newest key."
    )
