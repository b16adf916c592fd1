"""`python -m sandbox up | status | down` on a farm of its own, from cold to stopped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests


def sandbox_command(*args: str, directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args, "--dir", str(directory)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def running_processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args:
            found.append(args)
    return found


@pytest.fixture(scope="module")
def farm_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("farm")
    assert sandbox_command("up", directory=directory).returncode == 0
    yield directory
    sandbox_command("down", directory=directory)


def test_status_prints_the_state_and_every_api_answers(farm_dir):
    status = sandbox_command("status", directory=farm_dir)
    assert status.returncode == 0, status.stderr
    state = json.loads(status.stdout)
    for info in state["wikis"].values():
        reply = requests.get(info["api_url"], params={"action": "query", "format": "json"})
        assert reply.status_code == 200 and reply.json() == {"batchcomplete": ""}


def test_up_again_reuses_the_running_farm(farm_dir):
    before = json.loads((farm_dir / "sandbox.json").read_text())
    assert sandbox_command("up", directory=farm_dir).returncode == 0
    after = json.loads((farm_dir / "sandbox.json").read_text())
    assert after["pids"] == before["pids"]


def test_down_leaves_no_process_and_up_takes_another_port_when_its_own_is_taken(farm_dir):
    state = json.loads((farm_dir / "sandbox.json").read_text())
    assert sandbox_command("down", directory=farm_dir).returncode == 0
    assert running_processes_mentioning(str(farm_dir)) == []
    assert sandbox_command("status", directory=farm_dir).returncode == 1

    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", state["ports"]["enwiki"]))
        squatter.listen()
        assert sandbox_command("up", directory=farm_dir).returncode == 0
    moved = json.loads((farm_dir / "sandbox.json").read_text())
    assert moved["ports"]["enwiki"] != state["ports"]["enwiki"]
    general = requests.get(
        moved["wikis"]["enwiki"]["api_url"],
        params={"action": "query", "meta": "siteinfo", "format": "json"},
    ).json()["query"]["general"]
    assert general["server"] == moved["wikis"]["enwiki"]["server"]


def test_a_port_taken_after_it_was_picked_moves_the_farm_to_free_ones(farm_dir):
    """A new farm's ports are picked before it is built, a minute before its servers listen;
    any connection on the machine may get one of them as its own end meanwhile."""
    from sandbox import farm

    assert sandbox_command("down", directory=farm_dir).returncode == 0
    picked = json.loads((farm_dir / "sandbox.json").read_text())["ports"]
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past its TIME_WAITs
        squatter.bind(("127.0.0.1", picked["dewiki"]))
        squatter.listen()
        started = farm._started(farm_dir, picked)
    try:
        assert started["ports"]["dewiki"] != picked["dewiki"]
        assert farm.problems(started) == []
    finally:
        farm.stop(started)


def test_status_without_a_sandbox_says_how_to_start_one(tmp_path):
    status = sandbox_command("status", directory=tmp_path)
    assert status.returncode == 1
    assert "python -m sandbox up" in status.stdout
    assert not os.listdir(tmp_path)
