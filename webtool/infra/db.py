"""The database: one SQLAlchemy engine per app, one session per request, Alembic migrations.

The app factory makes the app's `Database` and keeps it with the app's other shared services;
`session()` and the helpers below find it through the current app, so code that only needs
this request's session never handles the app."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "flask --app webtool db upgrade"


class Database:
    """The engine of the database at `url`, and a session per request or task."""

    def __init__(self, url: str) -> None:
        # An SQL error is logged with its statement; its parameters would be a requester's data.
        options: dict = {"hide_parameters": True}
        if url.startswith("mysql"):
            # ToolsDB closes idle connections, and a server can restart under the tool:
            # recycle before it closes them, and check a connection before each use. A SQLite
            # file needs neither, and the check would cost every page a query.
            options.update(pool_recycle=280, pool_pre_ping=True)
        self.engine = create_engine(url, **options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        """This request's session, made on first use; `close_session` ends it."""
        if "db_session" not in g:
            g.db_session = self.sessions()
        return cast(Session, g.db_session)

    @staticmethod
    def close_session(_error: BaseException | None = None) -> None:
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()


class _Shared(Protocol):
    @property
    def db(self) -> Database: ...


class _App(Protocol):
    """What this module needs of the app: its shared services hold its database."""

    @property
    def services(self) -> _Shared: ...


def current() -> Database:
    return cast(_App, current_app).services.db


def session() -> Session:
    """This request's database session."""
    return current().session()


def engine() -> Engine:
    return current().engine


def driver_error() -> type[Exception]:
    """The error class of the database's own driver, for code that talks to it directly."""
    return engine().dialect.loaded_dbapi.Error


def reachable() -> bool:
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means the same thing here: not reachable
        return False


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` with Alembic."""
    command.upgrade(_alembic(url), revision)


def not_ready() -> str | None:
    """Why the app's database cannot serve the tool yet, as a sentence; None when it can (it
    answers, and its schema is the newest the tool knows)."""
    newest = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    try:
        with engine().connect() as connection:
            current_heads = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # any driver error means the same thing here: not reachable
        return f"The database does not answer ({type(error).__name__}); check DATABASE_URL."
    if current_heads != newest:
        return (
            "The database is not up to date with this version of the tool: run "
            f"`{UPGRADE_COMMAND}`, then start again."
        )
    return None


def _alembic(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
