"""Worker processes of the web tool for the tests (tests/support/worker_process.py), each killed at
the end of the test, and waiting for what they do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

WORKER = Path(__file__).with_name("worker_process.py")


class Workers:
    """Worker processes of the tool, stopped at the end of the test."""

    def __init__(self, settings: dict, instance: Path) -> None:
        self.settings, self.instance, self.running = settings, instance, []

    def start(self, threads: int = 2) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                json.dumps(self.settings),
                str(self.instance),
                str(threads),
            ],
            cwd=WORKER.parent,
            stdout=subprocess.DEVNULL,
            stderr=(self.instance.parent / f"worker-{len(self.running)}.log").open("w"),
            env=dict(os.environ, PYTHONPATH=str(WORKER.parent.parent)),
        )
        self.running.append(process)
        return process

    def stop(self) -> None:
        for process in self.running:
            process.kill()
            process.wait()


def wait_for(condition, timeout: float = 90, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError("waited in vain")
