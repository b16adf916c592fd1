"""Seconds for `python -m sandbox up`: cold (MediaWiki installed, no farm yet: the extensions
unpacked, 3 wikis installed and seeded, global accounts made), warm (a stopped farm restarted
from its data) and reuse (a farm that is already up).

Target (issue 2): cold under 60 s on a 2-core machine.
Run: .venv/bin/python benchmarks/sandbox_up.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def timed_up(directory: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sandbox", "up", "--dir", directory],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as directory:
        cold = timed_up(directory)
        # Other jobs on the machine slow a cold start down: say how busy it was.
        load = os.getloadavg()[0]
        reuse = timed_up(directory)
        subprocess.run(
            [sys.executable, "-m", "sandbox", "down", "--dir", directory],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        warm = timed_up(directory)
        subprocess.run(
            [sys.executable, "-m", "sandbox", "down", "--dir", directory],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    print(f"sandbox up, cold (install and seed 3 wikis): {cold:6.1f} s   target < 60 s")
    print(f"  (load average as it ended: {load:.1f} on {os.cpu_count()} cores)")
    print(f"sandbox up, warm (restart a stopped farm):    {warm:6.1f} s")
    print(f"sandbox up, reuse (farm already up):          {reuse:6.1f} s")


if __name__ == "__main__":
    main()
