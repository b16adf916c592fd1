"""Web archives checked with tools from outside the project: the `wacz` validator, and pywb
replaying a WACZ offline. Their pins conflict with the tool's, so they live in a virtual
environment of their own, .venv-archive, that `bin/bootstrap --with-browser` makes.

And the farm's request logs counted, so that a test can see that a replay asked no wiki."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from support import CHECKOUT
from support.helpers import free_port

ARCHIVE_VENV = CHECKOUT / ".venv-archive"
COLLECTION = "C"

# pywb reads this over its own defaults (pywb/default_config.yaml). Those already replay only
# the collections under collections/, which is what a test wants to be sure of: a URL that is
# not in the archive answers 404 and pywb never asks its original server. So this says it in
# full rather than trusting the defaults: no fixed collections, so none whose index is `$live`
# nor a `sequence` falling back to one (what `wayback --live` adds); no proxy mode (which also
# brings `$live` in); no recorder (which writes what it fetches live into a collection).
CONFIG = """\
collections: {}
proxy: null
recorder: null
"""

# A request as `php -S` logs it ("[pid] [date] 127.0.0.1:PORT [200]: GET /w/api.php?…", the
# pid with worker processes only), and as http.server and werkzeug log it, the front of
# metawiki and the farm's other Python servers ('127.0.0.1 - - [date] "GET /… HTTP/1.1" 200 -',
# werkzeug colouring the quoted part of a line whose status is not 200).
REQUEST_LINE = re.compile(
    rb"^(?:\[\d+\] )?\[[^]\n]+\] [\d.]+:\d+ \[\d{3}\]: "
    rb'|^[\d.]+ - \S+ \[[^]\n]+\] ".*" \d{3} ',
    re.MULTILINE,
)


def validate_wacz(path: str | os.PathLike) -> subprocess.CompletedProcess:
    """`wacz validate -f PATH`, finished; the caller asserts on its returncode and on
    "Validation succeeded" in its stdout."""
    return subprocess.run(
        [ARCHIVE_VENV / "bin" / "wacz", "validate", "-f", path],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class Replay:
    """A pywb replaying one WACZ as the collection C, on 127.0.0.1:`port`."""

    port: int

    def url_for(self, original_url: str, timestamp: str = "2026", modifier: str = "id_") -> str:
        """Where pywb answers with what was recorded of `original_url` closest to `timestamp`.

        `id_` answers the record as it was (status, headers, body); `mp_` the page rewritten to
        ask pywb for everything it loads; `""` the replay as a person sees it, pywb's frame and
        banner around the `mp_` page. pywb looks a URL up by its SURT key, where neither the
        scheme nor the case of letters counts: `https://…?title=main_page` finds what was
        recorded of `http://…?title=Main_Page`, so a URL meant to miss must differ otherwise."""
        return f"http://127.0.0.1:{self.port}/{COLLECTION}/{timestamp}{modifier}/{original_url}"


@contextmanager
def replaying(wacz_path: str | os.PathLike, tmp_path: Path) -> Iterator[Replay]:
    """pywb's `wayback` replaying the WACZ at `wacz_path` offline, from a folder of its own
    under `tmp_path` (its log is wayback.log there), until the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="pywb-", dir=tmp_path))
    for command in (["init", COLLECTION], ["add", "--unpack-wacz", COLLECTION, wacz_path]):
        _run([ARCHIVE_VENV / "bin" / "wb-manager", *command], folder)
    # wb-manager only warns, and succeeds with an empty index, when a WACZ has no WARC or no
    # index it knows (it takes indexes/*.cdx and *.cdx.gz): a replay of nothing would look
    # like misses.
    index = folder / "collections" / COLLECTION / "indexes" / "index.cdxj"
    if not index.is_file() or not index.stat().st_size:
        raise AssertionError(f"pywb found no WARC or no index in {wacz_path}")
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    port = free_port()
    log = folder / "wayback.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [ARCHIVE_VENV / "bin" / "wayback", "-p", str(port), "-b", "127.0.0.1"],
            cwd=folder,
            # pywb reads the file this variable names instead of ./config.yaml: make it ours.
            env=dict(os.environ, PYWB_CONFIG_FILE=str(config)),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole below
        )
    try:
        _wait_until_answering(process, port, log)
        yield Replay(port)
    finally:
        if process.poll() is None:  # not when it failed to start: its group is gone then
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def farm_requests(sandbox_state: dict, naming: str = "") -> int:
    """How many HTTP requests the farm's servers have logged so far, in every log under the
    sandbox's logs/ (appended to, never emptied, while the farm runs); only those whose line
    holds `naming` when it is given. A request to metawiki's public URL counts twice, once by
    its front and once by the php behind it; other tests' requests count too, when tests run
    side by side on the same farm: `naming` a page only this test made leaves them out."""
    logs = Path(sandbox_state["dir"]) / "logs"
    found = 0
    for log in logs.glob("*.log"):
        text = log.read_bytes()
        for match in REQUEST_LINE.finditer(text):
            line = text[match.start() : text.find(b"\n", match.start())]
            found += naming.encode() in line
    return found


def _run(command: list, folder: Path) -> None:
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise AssertionError(f"{command} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _wait_until_answering(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        except requests.RequestException:  # not listening yet, or not answering
            time.sleep(0.05)
        else:
            return
    raise AssertionError(f"pywb did not start on port {port}:\n{log.read_text(errors='replace')}")
