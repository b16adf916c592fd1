"""Trusted time stamps (RFC 3161) from the farm's authority: they check with our code and with
OpenSSL alone, and nothing else passes for one; an authority that is down or misbehaves is
said to be unavailable."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests
from rfc3161_client import decode_timestamp_response
from support.helpers import serve

from sandbox import farm
from webtool.infra.timestamps import AuthorityUnavailable, BadStamp, check_stamp, request_stamp

EVIDENCE = b"Revision 1234 of User talk:Example, as the wiki served it.\n"


@pytest.fixture(scope="module")
def authority(sandbox) -> dict:
    """The farm's authority as the web tool reads it, from the settings the farm writes."""
    return {
        "url": os.environ["CHLDP_TSA_URL"],
        "root": Path(os.environ["CHLDP_TSA_ROOT"]).read_bytes(),
        "cert": Path(os.environ["CHLDP_TSA_CERT"]).read_bytes(),
        "root_file": os.environ["CHLDP_TSA_ROOT"],
        "cert_file": os.environ["CHLDP_TSA_CERT"],
    }


@pytest.fixture(scope="module")
def stamp(authority) -> bytes:
    return request_stamp(authority["url"], EVIDENCE)


def openssl_verify(tmp_path: Path, reply: bytes, data: bytes, root_file: str, cert_file: str):
    """`openssl ts -verify` on the reply, as anyone can run it without our software."""
    (tmp_path / "evidence.bin").write_bytes(data)
    (tmp_path / "stamp.tsr").write_bytes(reply)
    return subprocess.run(
        [
            *("openssl", "ts", "-verify", "-data", str(tmp_path / "evidence.bin")),
            *("-in", str(tmp_path / "stamp.tsr"), "-CAfile", root_file, "-untrusted", cert_file),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_farm_settings_name_its_authority(sandbox, authority):
    assert (
        authority["url"] == sandbox["tsa"]["url"] == f"http://127.0.0.1:{sandbox['ports']['tsa']}/"
    )
    assert authority["root"].startswith(b"-----BEGIN CERTIFICATE-----")
    assert authority["cert"].startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_farm_started_without_an_authority_has_a_problem_so_up_restarts_it(sandbox):
    older = {key: value for key, value in sandbox.items() if key != "tsa"}
    assert any(problem.startswith("tsa:") for problem in farm.problems(older))
    assert not farm.problems(sandbox)


def test_a_stamp_checks_and_gives_the_authority_time(authority, stamp):
    stamped = check_stamp(stamp, EVIDENCE, authority["root"], authority["cert"])
    assert stamped.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - stamped) < timedelta(minutes=1)


def test_the_whole_reply_checks_with_openssl_alone(authority, stamp, tmp_path):
    checked = openssl_verify(
        tmp_path, stamp, EVIDENCE, authority["root_file"], authority["cert_file"]
    )
    assert checked.returncode == 0, checked.stderr
    assert "Verification: OK" in checked.stdout


def test_changed_evidence_fails_both_checks(authority, stamp, tmp_path):
    changed = bytearray(EVIDENCE)
    changed[9] ^= 1  # "Revision 1234" becomes "Revision 0234"
    with pytest.raises(BadStamp, match="evidence changed after it was stamped"):
        check_stamp(stamp, bytes(changed), authority["root"], authority["cert"])
    checked = openssl_verify(
        tmp_path, stamp, bytes(changed), authority["root_file"], authority["cert_file"]
    )
    assert checked.returncode != 0
    assert "Verification: OK" not in checked.stdout


def test_a_root_that_is_not_the_authority_s_fails_both_checks(authority, stamp, tmp_path):
    other = tmp_path / "other-root.crt"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"),
            *("-keyout", str(tmp_path / "other-root.key"), "-out", str(other)),
            *(
                "-subj",
                "/CN=Not the authority's root",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
            ),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with pytest.raises(BadStamp, match="certificate does not lead to the authority"):
        check_stamp(stamp, EVIDENCE, other.read_bytes(), authority["cert"])
    checked = openssl_verify(tmp_path, stamp, EVIDENCE, str(other), authority["cert_file"])
    assert checked.returncode != 0
    assert "Verification: OK" not in checked.stdout


@pytest.mark.parametrize(
    "damage", [b"", b"not a time stamp", "cut short"], ids=["empty", "text", "truncated"]
)
def test_what_is_not_a_stamp_is_a_bad_stamp(authority, stamp, damage):
    reply = stamp[: len(stamp) // 2] if damage == "cut short" else damage
    with pytest.raises(BadStamp, match="not a time stamp"):
        check_stamp(reply, EVIDENCE, authority["root"], authority["cert"])


def test_concurrent_requests_each_get_a_stamp_of_their_own(authority):
    """OpenSSL keeps the serial number in a file: stamps asked at once still get one each."""
    pieces = [f"piece {n}".encode() for n in range(8)]
    with ThreadPoolExecutor(len(pieces)) as pool:
        replies = list(pool.map(lambda piece: request_stamp(authority["url"], piece), pieces))
    for piece, reply in zip(pieces, replies, strict=True):
        check_stamp(reply, piece, authority["root"], authority["cert"])
    serials = {decode_timestamp_response(reply).tst_info.serial_number for reply in replies}
    assert len(serials) == len(pieces)


def test_the_authority_takes_only_time_stamp_queries(authority):
    assert requests.get(authority["url"], timeout=5).status_code == 405
    posted = requests.post(
        authority["url"], data=b"hello", headers={"Content-Type": "text/plain"}, timeout=5
    )
    assert posted.status_code == 400


def test_an_authority_that_is_down_is_unavailable_at_once():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the request: nothing listens
    started = time.monotonic()
    with pytest.raises(AuthorityUnavailable, match=r"^The time-stamping authority 127\.0\.0\.1 "):
        request_stamp(f"http://127.0.0.1:{port}/", EVIDENCE)
    assert time.monotonic() - started < 2


class Misbehaving(BaseHTTPRequestHandler):
    """An authority that answers every query with the status and body in its path."""

    answers = {"/error": (500, b"<h1>Internal Server Error</h1>"), "/garbage": (200, b"\x30\x03ok")}

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        self.rfile.read(int(self.headers["Content-Length"]))
        code, body = self.answers[self.path]
        self.send_response(code)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def misbehaving():
    server = serve(Misbehaving)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/error", "/garbage"])
def test_an_authority_that_answers_no_stamp_is_unavailable(misbehaving, path):
    with pytest.raises(AuthorityUnavailable, match=r"^The time-stamping authority 127\.0\.0\.1 "):
        request_stamp(misbehaving + path, EVIDENCE, timeout=5)
