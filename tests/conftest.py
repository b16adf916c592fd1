"""Shared fixtures: one sandbox farm for the whole session, started or reused."""

from __future__ import annotations

import os
import threading

import pytest
import requests
from sqlalchemy import MetaData, create_engine
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from sandbox import farm, load_state
from sandbox.accounts import HARASSMENT_PAGE


@pytest.fixture(scope="session")
def sandbox() -> dict:
    """The running sandbox's state (sandbox.json as a dict); brings the farm up if needed.

    A farm this session started is stopped at its end; one that was already up stays up.
    """
    before = load_state()
    was_up = before is not None and not farm.problems(before)
    state = farm.up()
    yield state
    if not was_up:
        farm.down()


MARIADB_URL = os.environ.get(
    "CHLDP_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
)


@pytest.fixture(params=["sqlite", "mariadb"])
def database_url(request, tmp_path) -> str:
    """An empty database at its newest schema: SQLite, and MariaDB as on Toolforge."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chldp.sqlite'}"
    else:
        url = MARIADB_URL
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                tables = MetaData()
                tables.reflect(bind=connection)
                tables.drop_all(bind=connection)
        except OperationalError:
            if os.environ.get("CI"):
                pytest.fail(f"CI needs MariaDB at {url}")
            pytest.skip(f"no MariaDB answers at {url}")
        finally:
            engine.dispose()
    from webtool import db  # here, so the sandbox and bot tests need nothing of the web tool

    db.upgrade(url)
    return url


@pytest.fixture
def app(sandbox, database_url, tmp_path):
    """The web tool on a fresh database, logging in through the sandbox's OAuth provider."""
    from webtool.app import create_app

    # Background tasks run at once in the request that asks for them; tests/test_worker.py
    # runs them in real worker processes.
    return create_app(
        {
            "SQLALCHEMY_URL": database_url,
            "TESTING": True,
            "REDIS_URL": None,
            "TASKS_IMMEDIATE": True,
        },
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def queued_app(sandbox, database_url, tmp_path):
    """The web tool with its queue in a SQLite file of the instance folder, as on a laptop:
    tasks wait there for a worker."""
    from webtool.app import create_app

    return create_app(
        {"SQLALCHEMY_URL": database_url, "TESTING": True, "REDIS_URL": None},
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_tool(sandbox, database_url, tmp_path):
    """The web tool served over HTTP on a free loopback port."""
    from webtool.app import create_app

    app = create_app(
        {"SQLALCHEMY_URL": database_url, "REDIS_URL": None, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page():
    """A page in Debian's Chromium, driven by Playwright."""
    from browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_context().new_page()
        browser.close()


@pytest.fixture(scope="session")
def harassment(sandbox) -> list[int]:
    """The revision ids of the harassing edits on the farm, newest first: the latest (its
    summary is markup), the hidden one, the first."""
    history = requests.get(
        sandbox["wikis"]["enwiki"]["api_url"],
        params={
            "action": "query",
            "prop": "revisions",
            "titles": HARASSMENT_PAGE,
            "rvlimit": 3,
            "rvprop": "ids",
            "format": "json",
            "formatversion": "2",
        },
        timeout=10,
    ).json()["query"]["pages"][0]["revisions"]
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


@pytest.fixture(scope="session")
def farm_wikis(sandbox):
    """The wikis evidence may come from, as the web tool finds them: the farm's site matrix."""
    from webtool.api import ApiClient
    from webtool.evidence.wikis import site_matrix

    return site_matrix(ApiClient(), sandbox["centralauth_api_url"])
