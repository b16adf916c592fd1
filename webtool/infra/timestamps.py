"""Trusted time stamps (RFC 3161) for evidence.

The tool's own clock proves nothing to a court: whoever runs the tool could set it. A time
stamp is a time-stamping authority's signature over a hash of the evidence and the time it
saw it, so anyone can check later, with the authority's certificates and nothing of ours
(`openssl ts -verify` does), that the evidence existed unchanged at that time. The
authority sees only the hash, never the evidence.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from rfc3161_client import (
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampTokenInfo,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

QUERY_TYPE = "application/timestamp-query"
# A reply is a signature and a certificate or two: a few kilobytes. More is not a reply.
MAX_REPLY = 1024 * 1024
# The hashes a time stamp may carry of the data (RFC 5754's names for their OIDs).
DIGESTS = {
    x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1"): hashlib.sha256,
    x509.ObjectIdentifier("2.16.840.1.101.3.4.2.2"): hashlib.sha384,
    x509.ObjectIdentifier("2.16.840.1.101.3.4.2.3"): hashlib.sha512,
}


class AuthorityUnavailable(Exception):
    """The time-stamping authority gave no time stamp for our query: it did not answer in
    time, answered with an error or something that is not a reply to the query, or refused."""


class BadStamp(Exception):
    """A time stamp that does not check: its signature, the chain of its certificate to the
    trusted root, or the hash of the evidence it vouches for."""


def request_stamp(
    url: str, data: bytes, timeout: float = 10.0, session: requests.Session | None = None
) -> bytes:
    """The authority's time stamp on `data`: its whole reply (TimeStampResp), in DER.

    The whole reply, not only the token inside, is what `openssl ts -verify -in` reads. The
    reply is checked to be a granted stamp of this query (its nonce and hash), not that its
    signature checks: that is `check_stamp`'s work, with the certificates to trust.
    """
    host = urlsplit(url).hostname or url
    query = (
        TimestampRequestBuilder().data(data).nonce(nonce=True).cert_request(cert_request=True)
    ).build()
    post = session.post if session else requests.post
    try:
        answer = post(
            url,
            data=query.as_bytes(),
            headers={"Content-Type": QUERY_TYPE},
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
        with answer:
            body = _read(answer) if answer.status_code == 200 else b""
    except requests.RequestException as error:
        raise AuthorityUnavailable(f"The time-stamping authority {host} did not answer.") from error
    if answer.status_code != 200:
        raise AuthorityUnavailable(
            f"The time-stamping authority {host} answered with an error ({answer.status_code})."
        )
    try:
        reply = decode_timestamp_response(body)
    except ValueError as error:
        raise AuthorityUnavailable(
            f"The time-stamping authority {host} sent no time stamp."
        ) from error
    if reply.status != PKIStatus.GRANTED:
        raise AuthorityUnavailable(f"The time-stamping authority {host} refused to stamp.")
    stamped = reply.tst_info.message_imprint
    if (
        reply.tst_info.nonce != query.nonce
        or stamped.hash_algorithm != query.message_imprint.hash_algorithm
        or stamped.message != query.message_imprint.message
    ):
        raise AuthorityUnavailable(
            f"The time-stamping authority {host} sent a time stamp for another request."
        )
    return body


def _read(answer: requests.Response) -> bytes:
    """The body of `answer`, cut short past MAX_REPLY: cut, it is no reply and does not parse."""
    body = bytearray()
    for chunk in answer.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_REPLY:
            break
    return bytes(body)


def check_stamp(reply: bytes, data: bytes, root_pem: bytes, tsa_pem: bytes) -> datetime:
    """The time the authority vouches `data` existed (in UTC), once its reply checks: signed
    by the authority's certificate `tsa_pem`, that certificate issued under `root_pem`, and
    the hash it signed the hash of `data`. BadStamp says which of them fails."""
    root = x509.load_pem_x509_certificate(root_pem)
    signer = x509.load_pem_x509_certificate(tsa_pem)
    try:
        stamp = decode_timestamp_response(reply)
        info = stamp.tst_info  # an authority's refusal has none
    except ValueError as error:
        raise BadStamp(
            "This is not a time stamp: the file is damaged, of another kind, or a refusal."
        ) from error
    if stamp.status != PKIStatus.GRANTED:
        raise BadStamp("The authority did not grant this time stamp as it was asked.")
    verifier = VerifierBuilder().add_root_certificate(root).tsa_certificate(signer).build()
    try:
        verifier.verify_message(stamp, data)
    except (VerificationError, ValueError) as error:  # ValueError: certificates that do not parse
        raise BadStamp(_why(info, data, root, signer)) from error
    return info.gen_time.astimezone(UTC)


def _why(
    info: TimeStampTokenInfo, data: bytes, root: x509.Certificate, signer: x509.Certificate
) -> str:
    """Why a time stamp failed its check, in a sentence for a lawyer."""
    try:
        signer.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return "The time stamp's certificate does not lead to the authority we trust."
    imprint = info.message_imprint
    digest = DIGESTS.get(imprint.hash_algorithm)
    if digest is None or digest(data).digest() != imprint.message:
        return "The time stamp is for other content: the evidence changed after it was stamped."
    return "The authority's signature on the time stamp does not check."


def stamped_time(reply: bytes) -> datetime:
    """The time an authority's reply says it signed at (UTC), read without checking it: what a
    page shows while the certificates to check it against are not set."""
    return decode_timestamp_response(reply).tst_info.gen_time.astimezone(UTC)
