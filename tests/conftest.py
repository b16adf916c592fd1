"""Shared fixtures: one sandbox farm for the whole session, started or reused; one database
per backend, migrated once and emptied before each test; the web tool on it.

Each test is marked `fast` or `slow` from the fixtures it uses (`pytest_collection_modifyitems`):
slow ones need the farm, a browser, MariaDB or Redis. `pytest -m fast` runs the others."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import URL, MetaData, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from support import CHECKOUT, keys
from support.faultserver import FaultServer
from support.helpers import ADMIN, REQUESTER, REVIEWER, STAFF, farm_api
from support.redisdb import empty_redis
from werkzeug.serving import make_server

from sandbox import farm, load_state
from sandbox import settings as farm_settings
from sandbox.accounts import HARASSMENT_PAGE

# What makes a test slow: a farm (and every fixture built on one), the browser, Redis, and
# parameters that name a server. A web tool on the farm is slow unless the test is marked
# `no_farm` (see `tool_on`).
SLOW_FIXTURES = {"sandbox", "farm_dir", "page", "chromium", "redis_server"}
SLOW_PARAMETERS = {"mariadb", "redis"}
FARM_TOOLS = {"app", "queued_app"}
# The newest revision of the migrations: a database at another one must be built again.
MIGRATIONS = CHECKOUT / "webtool" / "infra" / "migrations"
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()
# Argon2id at its least work: a passphrase costs a millisecond, not a tenth of a second and
# 64 MiB (tests/staff/test_team_keys.py has one test on production's values). Set before any
# tool starts, in this process and the tools and workers it starts.
os.environ.setdefault("CHLDP_ARGON2_PASSES", "1")
os.environ.setdefault("CHLDP_ARGON2_MEMORY_KIB", "8")


def pytest_collection_modifyitems(items) -> None:
    """Each test marked `fast` or `slow` from the fixtures and parameters it uses."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        params = getattr(item, "callspec", None)
        slow = (
            used & SLOW_FIXTURES
            or (params and SLOW_PARAMETERS & {str(v) for v in params.params.values()})
            or (used & FARM_TOOLS and not item.get_closest_marker("no_farm"))
        )
        item.add_marker(pytest.mark.slow if slow else pytest.mark.fast)


# Whether the farm answered before the run began: the controller (the only process without
# xdist) stops a farm the run brought up, once every worker is done with it.
FARM_WAS_UP = pytest.StashKey[bool]()


def pytest_sessionstart(session) -> None:
    if not hasattr(session.config, "workerinput"):
        before = load_state()
        session.config.stash[FARM_WAS_UP] = before is not None and not farm.problems(before)


def pytest_sessionfinish(session) -> None:
    if not session.config.stash.get(FARM_WAS_UP, True) and load_state() is not None:
        farm.down()


@pytest.fixture(scope="session")
def sandbox() -> dict:
    """The running sandbox's state (sandbox.json as a dict); brings the farm up if needed.

    Workers that ask at once wait for the first: `farm.up` holds a lock while it starts the
    farm, and the others reuse it. The farm's settings (sandbox/chldp.env) are this test
    process's environment from then on, as bin/run loads them: the web tool, the bot and the
    processes tests start read the farm through them.
    """
    state = farm.up()
    os.environ.update(farm_settings(state))
    return state


# The database CI offers. Under pytest-xdist each worker has its own beside it (`test_gw0`,
# `test_gw1`…, made when first needed), so workers never empty each other's tables.
MARIADB_URL = make_url(
    os.environ.get(
        "CHLDP_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
    )
)
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


class Databases:
    """One database per backend for the whole session, migrated once; each test gets it
    emptied. A test that changed the schema (an upgrade from an earlier version, a table
    renamed and not renamed back) leaves it to be built again from nothing."""

    def __init__(self, folder) -> None:
        self.urls = {
            "sqlite": f"sqlite:///{folder / 'chldp.sqlite'}",
            "mariadb": MARIADB_URL.set(
                database=f"{MARIADB_URL.database}_{WORKER}" if WORKER else MARIADB_URL.database
            ).render_as_string(hide_password=False),
        }
        self.engines: dict = {}
        self.tables: dict[str, list[str]] = {}  # children before parents, to delete in order
        self.unreachable: set[str] = set()

    def emptied(self, backend: str) -> str:
        """The backend's URL, its database at the newest schema with every table empty."""
        url = self.urls[backend]
        engine = self._engine(backend)
        if backend not in self.tables or not self._empty(engine, self.tables[backend]):
            self.tables[backend] = self._migrate(engine, url)
        return url

    def _engine(self, backend: str):
        """The backend's engine; a MariaDB that does not answer skips the test (fails it in CI)."""
        if backend not in self.engines:
            engine = create_engine(self.urls[backend])
            try:
                if backend == "mariadb" and WORKER:
                    self._create(engine.url)
                engine.connect().close()
            except OperationalError:
                engine.dispose()
                self.unreachable.add(backend)
            else:
                self.engines[backend] = engine
        if backend in self.unreachable:
            if os.environ.get("CI"):
                pytest.fail(f"CI needs MariaDB at {self.urls[backend]}")
            pytest.skip(f"no MariaDB answers at {self.urls[backend]}")
        return self.engines[backend]

    @staticmethod
    def _create(url: URL) -> None:
        """This worker's MariaDB database, made beside the one CI offers."""
        server = create_engine(MARIADB_URL)
        try:
            with server.connect() as connection:
                connection.execute(text(f"CREATE DATABASE IF NOT EXISTS `{url.database}`"))
        finally:
            server.dispose()

    @staticmethod
    def _empty(engine, tables: list[str]) -> bool:
        """Every table emptied, children before parents; False when the schema is no longer
        the one migrated."""
        with engine.connect() as connection:
            try:
                version = connection.execute(text("SELECT version_num FROM alembic_version"))
                if version.scalar() != HEAD:
                    return False
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
                connection.commit()
            except DBAPIError:  # a table is missing, renamed, or not what was migrated
                connection.rollback()
                return False
        return True

    @staticmethod
    def _migrate(engine, url: str) -> list[str]:
        """Every table dropped and the migrations run; the tables, children first."""
        from webtool.infra import db  # here, so the sandbox and bot tests need nothing of the tool

        with engine.begin() as connection:
            tables = MetaData()
            tables.reflect(bind=connection)
            tables.drop_all(bind=connection)
        db.upgrade(url)
        with engine.connect() as connection:
            tables = MetaData()
            tables.reflect(bind=connection)
        return [t.name for t in reversed(tables.sorted_tables) if t.name != "alembic_version"]

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    made = Databases(tmp_path_factory.mktemp("databases"))
    yield made
    made.close()


@pytest.fixture(params=["sqlite", "mariadb"])
def database_url(request, databases) -> str:
    """An empty database at its newest schema: SQLite, and MariaDB as on Toolforge. The
    schema is migrated once per session; every table is emptied before each test."""
    return databases.emptied(request.param)


@pytest.fixture
def sqlite_url(databases) -> str:
    """The session's SQLite database, emptied, for tests about something else than the
    database (Redis, rate limits, logs)."""
    return databases.emptied("sqlite")


@pytest.fixture
def staff_list(monkeypatch) -> str:
    """CHLDP_STAFF naming the admin and the reviewer of tests/support/helpers.py."""
    monkeypatch.setenv("CHLDP_STAFF", STAFF)
    return STAFF


class Nowhere:
    """Where a web tool that must ask no wiki sends its API and OAuth requests: a loopback port
    that closes every connection at once and counts them."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._refuse, daemon=True).start()

    def _refuse(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return  # closed
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def nowhere(monkeypatch):
    """The settings of a web tool that asks no wiki, pointing at `Nowhere` as a deployment
    sets them; a test that asks all the same fails."""
    place = Nowhere()
    monkeypatch.setenv("CHLDP_CENTRAL_API", f"{place.url}/w/api.php")
    monkeypatch.setenv("CHLDP_OAUTH_CLIENT_ID", "chldp-no-farm")
    monkeypatch.setenv("CHLDP_OAUTH_CLIENT_SECRET", "no-farm")
    monkeypatch.setenv("CHLDP_OAUTH_BASE_URL", f"{place.url}/w/rest.php/oauth2")
    yield place
    place.close()
    if place.connections:
        pytest.fail(
            f"the web tool of a test marked no_farm asked a wiki ({place.connections} "
            "connections): give the test `sandbox`, or leave the mark off"
        )


def tool_on(request, database_url: str, tmp_path, **settings):
    """The web tool on `database_url`. Its wikis and OAuth provider are the farm's, brought up
    if needed; for a test marked `no_farm` that does not ask for `sandbox`, they are `nowhere`."""
    from webtool.app import create_app

    if request.node.get_closest_marker("no_farm") and "sandbox" not in request.fixturenames:
        request.getfixturevalue("nowhere")
    else:
        request.getfixturevalue("sandbox")
    made = create_app(
        {"SQLALCHEMY_URL": database_url, "TESTING": True, "REDIS_URL": None, **settings},
        instance_path=str(tmp_path / "instance"),
    )
    keys.team_ready(made)
    return made


@pytest.fixture
def app(request, database_url, tmp_path):
    """The web tool on a fresh database, logging in through the sandbox's OAuth provider (or,
    marked `no_farm`, asking no wiki)."""
    # Background tasks run at once in the request that asks for them; tests/running/test_worker.py
    # runs them in real worker processes.
    return tool_on(request, database_url, tmp_path, TASKS_IMMEDIATE=True)


@pytest.fixture
def queued_app(request, database_url, tmp_path):
    """The web tool with its queue in a SQLite file of the instance folder, as on a laptop:
    tasks wait there for a worker."""
    return tool_on(request, database_url, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def case(app) -> str:
    """The reference of a new request for help from helpers.REQUESTER (doxxing, in Brazil)."""
    from webtool.services.help_requests import Submission, store

    submission = Submission.blank("en")
    submission.kinds = ["doxxing"]
    submission.description = "My address was published."
    submission.country = "Brazil"
    with app.app_context():
        return store(submission, REQUESTER, {"unavailable": True}).reference


@pytest.fixture
def fault():
    """A local server that misbehaves as the test scripts it (tests/support/faultserver.py)."""
    server = FaultServer()
    yield server
    server.close()


@pytest.fixture
def redis_server():
    """This test process's Redis database (tests/support/redisdb.py), emptied before and after."""
    with empty_redis() as server:
        yield server


@pytest.fixture
def live_tool(sandbox, database_url, tmp_path):
    """The web tool served over HTTP on a free loopback port."""
    from webtool.app import create_app

    app = create_app(
        {"SQLALCHEMY_URL": database_url, "REDIS_URL": None, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )
    # The team's keys made, and each member of the staff list holding them under
    # keys.PASSPHRASE: the browser unlocks with it (support/browser.py).
    keys.team_ready(app, (ADMIN["name"], REVIEWER["name"]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def chromium():
    """Debian's Chromium, driven by Playwright, for a test that opens several profiles."""
    from playwright.sync_api import sync_playwright
    from support.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(chromium):
    """A page in Debian's Chromium, driven by Playwright."""
    return chromium.new_context().new_page()


@pytest.fixture(scope="session")
def harassment(sandbox) -> list[int]:
    """The revision ids of the harassing edits on the farm, newest first: the latest (its
    summary is markup), the hidden one, the first."""
    answer = farm_api(
        sandbox, "enwiki", prop="revisions", titles=HARASSMENT_PAGE, rvlimit=3, rvprop="ids"
    )
    history = answer["query"]["pages"][0]["revisions"]
    revids = [revision["revid"] for revision in history]
    assert revids[1] == sandbox["hidden_revision"]["revid"]
    return revids


@pytest.fixture
def evidence_links(sandbox, harassment) -> dict:
    """Links to the harassment on the farm: the latest edit (its summary is markup), the diff
    of the hidden revision, and a link to a host that is not a wiki."""
    server = sandbox["wikis"]["enwiki"]["server"]
    latest, hidden, _ = harassment
    return {
        "latest": latest,
        "hidden": hidden,
        "text": "\n".join(
            [
                f"{server}/w/index.php?oldid={latest}",
                f"{server}/w/index.php?diff={hidden}",
                "https://en.wikipedia.org.evil.example/wiki/Main_Page",
            ]
        ),
    }


@pytest.fixture(scope="module")
def admin(sandbox):
    """The farm's operator through the bot's API session: a sysop on metawiki, and so a
    translation administrator."""
    from sandbox.api import operator_session

    operator = sandbox["operator"]
    return operator_session(
        sandbox["wikis"]["metawiki"]["api_url"], operator["name"], operator["password"]
    )


@pytest.fixture(scope="session")
def farm_wikis(sandbox):
    """The wikis evidence may come from, as the web tool finds them: the farm's site matrix."""
    from webtool.wikis.api import ApiClient
    from webtool.wikis.evidence.wikis import site_matrix

    return site_matrix(ApiClient(), sandbox["centralauth_api_url"])
