"""The farm's RFC 3161 time-stamping authority: OpenSSL's own `ts` behind a few lines of HTTP.

Evidence bundles carry a time stamp signed by an authority outside the tool; in tests and the
demo that authority is this one, on loopback. `prepare` makes its root CA and signing
certificate once per farm (the farm keeps its data between runs); `python -m sandbox.tsa ROOT
PORT` answers POSTed time-stamp queries (application/timestamp-query) with OpenSSL's replies
(application/timestamp-reply), as public authorities do over HTTP.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox.mediawiki import SandboxError

CONFIG_TEMPLATE = Path(__file__).with_name("tsa.cnf")
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
# A query is a hash and a few small fields, well under a kilobyte.
MAX_QUERY = 64 * 1024


def prepare(root: Path) -> dict[str, str]:
    """The authority's folder in the farm `root`, its certificates made the first time.

    They are made in a folder of their own and moved into place whole, so an `up` that was
    stopped halfway leaves nothing half-made to reuse. The configuration is written again each
    time: it names the folder, and the farm may have moved.
    """
    folder = root / "tsa"
    if not (folder / "tsa.crt").exists():
        making = root / "tsa.new"
        shutil.rmtree(making, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        making.mkdir(parents=True)
        _make_certificates(making)
        making.rename(folder)
    _write_config(folder)
    return {"root_cert": str(folder / "root.crt"), "tsa_cert": str(folder / "tsa.crt")}


def _write_config(folder: Path) -> Path:
    config = folder / "tsa.cnf"
    config.write_text(CONFIG_TEMPLATE.read_text().replace("@DIR@", str(folder)))
    return config


def _make_certificates(folder: Path) -> None:
    """A root CA and, signed by it, the authority's certificate for time stamping only."""
    config = str(_write_config(folder))
    _openssl(
        folder,
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650"),
        *("-keyout", "root.key", "-out", "root.crt"),
        *("-subj", "/O=chldp sandbox/CN=Sandbox time-stamping root"),
        *("-config", config, "-extensions", "v3_ca"),
    )
    _openssl(
        folder,
        *("req", "-new", "-newkey", "rsa:2048", "-nodes"),
        *("-keyout", "tsa.key", "-out", "tsa.csr"),
        *("-subj", "/O=chldp sandbox/CN=Sandbox time-stamping authority"),
        *("-config", config),
    )
    _openssl(
        folder,
        *("x509", "-req", "-in", "tsa.csr", "-days", "3650"),
        *("-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-out", "tsa.crt"),
        *("-extfile", config, "-extensions", "v3_tsa"),
    )
    (folder / "serial").write_text("01\n")


def _openssl(folder: Path, *args: str) -> None:
    done = subprocess.run(["openssl", *args], cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        raise SandboxError(f"the time-stamping authority's openssl {args[0]} failed: {done.stderr}")


class Authority(ThreadingHTTPServer):
    """The HTTP server, with the configuration its replies are signed by.

    `openssl ts -reply` reads and rewrites the serial file: one reply at a time, or two
    concurrent requests could get the same serial number or leave the file torn.
    """

    def __init__(self, port: int, config: Path) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.config = config
        self.signing = threading.Lock()

    def reply(self, query: bytes) -> bytes:
        """OpenSSL's reply to `query`: a time stamp, or a rejection when the query is not one."""
        with tempfile.TemporaryDirectory(prefix="tsa-") as work:
            query_file, reply_file = Path(work, "query.tsq"), Path(work, "reply.tsr")
            query_file.write_bytes(query)
            with self.signing:
                done = subprocess.run(
                    [
                        *("openssl", "ts", "-reply", "-queryfile", str(query_file)),
                        *("-config", str(self.config), "-section", "tsa_config1"),
                        *("-out", str(reply_file)),
                    ],
                    capture_output=True,
                    text=True,
                )
            if done.returncode != 0 or not reply_file.exists():
                raise RuntimeError(done.stderr.strip() or "openssl ts -reply wrote no reply")
            return reply_file.read_bytes()


class Handler(BaseHTTPRequestHandler):
    server: Authority

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != QUERY_TYPE:
            return self._answer(400, f"Send a time-stamp query ({QUERY_TYPE}).\n")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._answer(400, "The query needs a Content-Length.\n")
        if not 0 < length <= MAX_QUERY:
            return self._answer(400, "That is not the size of a time-stamp query.\n")
        try:
            reply = self.server.reply(self.rfile.read(length))
        except (OSError, RuntimeError) as error:
            return self._answer(500, f"The authority could not sign: {error}\n")
        self._answer(200, reply, REPLY_TYPE)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(405, "POST a time-stamp query here.\n")

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_GET

    def _answer(self, code: int, body: bytes | str, content_type: str = "text/plain") -> None:
        """One answer, logged as one line (send_error would log two)."""
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        if code == 405:
            self.send_header("Allow", "POST")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def main() -> None:
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    prepare(root)
    server = Authority(port, root / "tsa" / "tsa.cnf")
    server.serve_forever()


if __name__ == "__main__":
    main()
