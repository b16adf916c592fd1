"""A report gathered by a real worker: `flask --app webtool worker`, in its own process on the
web tool's database and instance folder, takes the task the page queued and gathers it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import CHECKOUT
from support.logins import log_in

from sandbox import settings as farm_settings

FLASK = Path(sys.executable).parent / "flask"
REQUESTER = {"name": "Veteran Editor", "id": 3}


@pytest.fixture
def worker(sandbox, queued_app, database_url, tmp_path):
    """A worker process in `tmp_path`, whose instance folder (secrets, queue) is the app's,
    on the farm's settings and no other."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CHLDP_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(farm_settings(sandbox))
    env.update(FLASK_APP="webtool", DATABASE_URL=database_url, PYTHONPATH=str(CHECKOUT))
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(FLASK), "--app", "webtool", "worker", "--threads", "1"],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    yield log
    process.send_signal(signal.SIGINT)  # finishes what it is running, then stops
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_worker_process_gathers_the_report_the_page_asked_for(queued_app, worker):
    client = queued_app.test_client()
    log_in(client, REQUESTER)
    assert client.get("/engagement").status_code == 200
    seen = []
    deadline = time.monotonic() + 60
    while not seen or seen[-1] != "done":
        assert time.monotonic() < deadline, f"{seen[-3:]}\n{worker.read_text()}"
        status = client.get("/engagement/data").get_json()["status"]
        assert status != "failed", worker.read_text()
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.1)
    assert "2,112" in client.get("/engagement").get_data(as_text=True)
