"""`bin/run`, the README's first command, as a newcomer uses it: with nothing configured it
serves the whole tool on the farm, the legal team's console included, and its last line says
whom to log in as."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import requests
from support import CHECKOUT
from support.helpers import free_port
from support.logins import provider_answer


@pytest.fixture
def demo(sandbox, tmp_path):
    """bin/run on a free port, on the session's farm, with its own instance folder."""
    port = free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CHLDP_", "DATABASE_URL", "REDIS_URL"))
    }
    environment.update(
        PORT=str(port), SANDBOX_DIR=sandbox["dir"], CHLDP_INSTANCE_PATH=str(tmp_path / "instance")
    )
    output = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen(
        [str(CHECKOUT / "bin" / "run")],
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its worker and gunicorn are stopped with it
    )
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"{address}/healthz", timeout=10)
            break
        except (requests.ConnectionError, requests.Timeout):
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            time.sleep(0.3)
    yield address, tmp_path / "run.log"
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    output.close()


def test_bin_run_alone_lets_jane_doe_open_the_staff_console(sandbox, demo):
    address, log = demo
    said = [line for line in log.read_text().splitlines() if line.startswith("Log in as")]
    assert said and "Jane Doe" in said[-1] and "Veteran Editor" in said[-1]
    browser = requests.Session()
    to_provider = browser.get(f"{address}/login?next=/staff/", allow_redirects=False, timeout=10)
    callback = provider_answer(sandbox, to_provider.headers["Location"], "Jane Doe")
    browser.get(f"{address}{callback}", timeout=30)
    console = browser.get(f"{address}/staff/", timeout=30)
    assert console.status_code == 200
    assert 'href="/staff/audit"' in console.text
