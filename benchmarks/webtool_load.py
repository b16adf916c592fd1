"""Requests per second, p99 latency and errors of the web tool under gunicorn, measured with wrk
on loopback for 30 s each: the start page, the "My engagement" page once its report is
gathered (by a worker, as on Toolforge), and as the ceiling a bare "hello world" Flask route in
the same gunicorn configuration.

Each figure is the best of three rounds of 10 s, the three pages in turn in each round. wrk's
16 keep-alive connections stay with the gunicorn worker that accepted them, and on a busy
machine one worker sometimes accepts all 16: that round measures one worker of two, about
half, whatever the page. Every round's rate is printed, and the errors of all of them.

Targets: the start page at least half the ceiling (issue 4); the engagement page at least 0.30
of it (issue 15).
Run: .venv/bin/python benchmarks/webtool_load.py [--seconds 30]   (needs Debian's wrk)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from flask import Flask

HERE = Path(__file__).resolve().parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
GUNICORN = ["--workers", "2", "--threads", "4", "--log-level", "warning"]
ROUNDS = 3

hello_app = Flask(__name__)


@hello_app.route("/")
def hello() -> str:
    return "hello world"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(app_spec: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}", app_spec],
        env=env,
        cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/healthz" if "webtool" in app_spec else url, timeout=5)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start {app_spec}")


def wrk(url: str, seconds: int, cookie: str | None = None) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests/s": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p99": re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE)[1],
        "errors": int(errors[1]) if errors else 0,
        "socket errors": socket_errors[1] if socket_errors else "",
    }


def rounds(targets: dict[str, tuple[str, str | None]], seconds: int) -> dict[str, list[dict]]:
    """wrk's figures for each target (name: URL and cookie), ROUNDS times, the targets in turn
    in each round, so that a change in the machine's load falls on all of them."""
    runs: dict[str, list[dict]] = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, (url, cookie) in targets.items():
            runs[name].append(wrk(url, max(1, seconds // ROUNDS), cookie))
    return runs


def session_cookie(name: str, central_id: int) -> str:
    """A logged-in session cookie for `name`: a session made on the server, signed with the
    tool's own key, as a login makes it."""
    from webtool.app import create_app
    from webtool.services import sessions

    app = create_app()
    with app.app_context():
        token = sessions.create({"name": name, "id": central_id})
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"user": {"name": name, "id": central_id}, "sid": token}
    )
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def gathered(tool_url: str, cookie: str) -> str:
    """Ask for the engagement report, as a requester's first visit does, and wait for the
    worker to gather it. The session cookie the browser then holds (the tool added its CSRF
    token to it)."""
    headers = {"Cookie": cookie}
    first = requests.get(tool_url + "/engagement", headers=headers, timeout=60)
    name, _, _ = cookie.partition("=")
    if name in first.cookies:
        headers = {"Cookie": f"{name}={first.cookies[name]}"}
    for _ in range(100):  # polled as engagement.js polls it, within its limit
        status = requests.get(tool_url + "/engagement/data", headers=headers, timeout=60).json()
        if status["status"] == "done":
            return headers["Cookie"]
        if status["status"] == "failed":
            raise SystemExit(f"the report could not be gathered: {status['detail']}")
        time.sleep(1)
    raise SystemExit("the worker did not gather the report")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as instance:
        # Redis holds the queue and the rate limits, as on Toolforge.
        env = dict(os.environ, REDIS_URL=REDIS_URL)
        env["DATABASE_URL"] = f"sqlite:///{instance}/chldp.sqlite"
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "webtool", "db", "upgrade"],
            env=env,
            check=True,
            cwd=HERE.parent,
        )
        os.environ.update(DATABASE_URL=env["DATABASE_URL"], REDIS_URL=REDIS_URL)
        os.chdir(HERE.parent)  # the instance folder with the tool's keys, as gunicorn finds it
        cookie = session_cookie("Veteran Editor", 3)
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "webtool", "worker"],
            env=env,
            cwd=HERE.parent,
            stderr=subprocess.DEVNULL,
        )
        tool, tool_url = serve("webtool:create_app()", env, HERE.parent)
        hello_server, hello_url = serve("webtool_load:hello_app", env, HERE)
        try:
            cookie = gathered(tool_url, cookie)
            load_before = os.getloadavg()[0]
            results = rounds(
                {
                    "hello world (ceiling)": (hello_url + "/", None),
                    "start page": (tool_url + "/", None),
                    "my engagement (gathered)": (tool_url + "/engagement", cookie),
                },
                args.seconds,
            )
            load_after = os.getloadavg()[0]
        finally:
            tool.terminate()
            hello_server.terminate()
            worker.terminate()
    best = {name: max(runs, key=lambda run: run["requests/s"]) for name, runs in results.items()}
    ceiling = best["hello world (ceiling)"]["requests/s"]
    print(
        f"gunicorn {' '.join(GUNICORN)}; wrk -t2 -c16 on loopback, "
        f"best of {ROUNDS} rounds of {max(1, args.seconds // ROUNDS)} s"
    )
    # The figures are this machine's share of its CPUs: on a shared machine, say how shared.
    print(f"load average {load_before:.2f} before, {load_after:.2f} after; {os.cpu_count()} CPUs")
    for name, runs in results.items():
        figures = best[name]
        errors = sum(run["errors"] for run in runs)
        socket_errors = "; ".join(run["socket errors"] for run in runs if run["socket errors"])
        rates = ", ".join(f"{run['requests/s']:.0f}" for run in runs)
        print(
            f"{name:24} {figures['requests/s']:10.2f} req/s  p99 {figures['p99']:>9}  "
            f"errors {errors:>4}{f' ({socket_errors})' if socket_errors else ''}  "
            f"{figures['requests/s'] / ceiling:5.2f} of ceiling  "
            f"(rounds: {rates})"
        )
    print("targets: start page >= 0.50 of ceiling (issue 4); my engagement >= 0.30 (issue 15)")


if __name__ == "__main__":
    main()
