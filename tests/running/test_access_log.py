"""The access log that gunicorn writes with deploy/gunicorn.conf.py, as in production: it has
each request's path, never its query string (OAuth codes, looked-up names, filters) nor the
Referer (the previous page's address, query string included)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests
from support import CHECKOUT

from webtool.infra import db

SECRET = "SECRET-do-not-log"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def test_the_access_log_has_no_query_strings(sandbox, tmp_path):
    url = f"sqlite:///{tmp_path / 'chldp.sqlite'}"
    db.upgrade(url)
    # The tool's instance folder (its keys) is made in tmp_path, the working directory.
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(CHECKOUT))
    env.pop("REDIS_URL", None)
    port = free_port()
    tool = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(CHECKOUT / "deploy/gunicorn.conf.py")]
        + ["--bind", f"127.0.0.1:{port}", "webtool:create_app()"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(f"{tool}/", process)  # the start page: it asks no wiki
        referer = {"Referer": f"{tool}/staff/?country={SECRET}"}
        requests.get(f"{tool}/oauth/callback?code={SECRET}&state={SECRET}", timeout=30)
        requests.get(f"{tool}/staff/lookup?user={SECRET}", headers=referer, timeout=30)
    finally:
        process.terminate()
        log, _ = process.communicate(timeout=30)
    assert "/oauth/callback" in log and "/staff/lookup" in log
    assert SECRET not in log
