"""A small client of the MediaWiki Action API that follows Wikimedia's API etiquette.

One `requests.Session` per process (connection reuse), a User-Agent with a contact,
`formatversion=2` and plain-text errors, `maxlag=5` with the server's Retry-After honoured,
retries with backoff on 5xx, connection errors and timeouts, a timeout on every request,
continuation followed up to a bound (a list says whether it reached its end, and holds each
item once), a bound on requests in flight across all wikis, and no redirect followed.
`exchange` gives a request as it went (the request's headers, the status, headers and bytes
of the answer exactly as they arrived, content coding included) for a caller that keeps them as
evidence; `page` does the same for one of the wiki's own pages (HTML, a style sheet).
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlparse

import requests
import urllib3

from webtool.infra.config import DEFAULT_USER_AGENT


class ApiError(Exception):
    """The API answered with an error: `code` and `text` are the API's own."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


class Unavailable(Exception):
    """A wiki could not be reached or did not answer usefully; the message says which."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds for one request, connect and read
    retries: int = 3  # further attempts after a failure that may pass
    backoff: float = 0.5  # seconds before the first retry, doubling each time
    max_retry_after: float = 10.0  # the longest Retry-After the client will wait
    parallel: int = 4  # requests in flight at once, across every wiki
    pages: int = 10  # continuation pages followed at most


@dataclass(frozen=True)
class Listing:
    """The items of a list query across its continuation pages, each once, in the wiki's order."""

    items: list[dict]
    complete: bool  # False when the wiki had more than the page bound let the client read
    first: dict = field(default_factory=dict)  # the first page's whole answer


@dataclass(frozen=True)
class Exchange:
    """One request as it went: the exact URL sent (the client's own parameters and encoding
    included) with the headers sent, and the answer as it arrived (status, headers, and `raw`,
    its bytes before any content coding is undone), the bytes that decode to (`body`) and, for
    the API, the JSON they hold. `error` is the API's refusal when the answer is one."""

    url: str
    body: bytes
    answer: dict
    error: ApiError | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: int = 200
    reason: str = "OK"
    headers: tuple[tuple[str, str], ...] = ()
    request_headers: tuple[tuple[str, str], ...] = ()
    raw: bytes | None = None  # None: the same bytes as `body`

    def result(self) -> dict:
        """The answer; ApiError when the answer is a refusal."""
        if self.error:
            raise self.error
        return self.answer

    @property
    def sent(self) -> bytes:
        """The answer's bytes as they came over the wire."""
        return self.body if self.raw is None else self.raw


class ApiClient:
    def __init__(self, user_agent: str = DEFAULT_USER_AGENT, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.http = requests.Session()
        self.http.headers["User-Agent"] = user_agent
        # Only codings the client can undo itself: an answer is kept as it arrived (evidence)
        # and decoded here, so a wiki's brotli or zstd would leave it unreadable.
        self.http.headers["Accept-Encoding"] = "gzip, deflate"
        # This process's bound on requests in flight; the app factory puts the deployment's.
        self.slots: AbstractContextManager[object] = threading.BoundedSemaphore(
            self.limits.parallel
        )
        self.count_lock = threading.Lock()
        self.requests_made = 0

    def query(self, api_url: str, **params: object) -> dict:
        """One Action API request (GET); the decoded answer, warnings included."""
        return self.exchange(api_url, **params).result()

    def exchange(self, api_url: str, **params: object) -> Exchange:
        """One Action API request (GET) as it went, the last attempt's when it was retried. The
        API's refusal is returned in `Exchange.error`, not raised; Unavailable is raised."""
        full = {
            "format": "json",
            "formatversion": "2",
            "errorformat": "plaintext",
            "maxlag": "5",
            **{k: _value(v) for k, v in params.items() if v is not None and v is not False},
        }
        reply, kept = self._answered(api_url, full)
        answer = self._decode(api_url, reply, kept.body)
        return replace(kept, answer=answer, error=_refusal(answer))

    def query_list(
        self, api_url: str, list_name: str, key: str, also: str = "", **params: object
    ) -> Listing:
        """The items of `list=list_name`, following `continue` up to the page bound; an item
        whose `key` (revid, logid) came before is not kept again. `also` names more modules
        asked in the same requests ("users|blocks"); each must answer whole in one page, as
        the wiki then leaves it out of the pages after: read them in `Listing.first`."""
        seen: set = set()
        items: list[dict] = []
        cont: dict = {}
        first: dict = {}
        lists = "|".join(filter(None, [list_name, also]))
        for _ in range(self.limits.pages):
            answer = self.query(api_url, list=lists, **params, **cont)
            first = first or answer
            for item in answer.get("query", {}).get(list_name, []):
                # A wiki or a cache on the way may give a page twice; an item counts once.
                if item[key] not in seen:
                    seen.add(item[key])
                    items.append(item)
            if "continue" not in answer:
                return Listing(items, complete=True, first=first)
            if answer["continue"] == cont:  # a continuation that does not move never ends
                break
            cont = answer["continue"]
        return Listing(items, complete=False, first=first)

    def page(self, url: str) -> Exchange:
        """One of a wiki's own pages (index.php, load.php) as it went, with the API's retries;
        a redirect is kept as it came, not followed. Unavailable when it cannot be had."""
        return self._answered(url, None)[1]

    def _answered(self, url: str, params: dict | None) -> tuple[requests.Response, Exchange]:
        """The final answer to a GET, the last attempt's when it was retried; Unavailable."""
        delay = self.limits.backoff
        for attempt in range(self.limits.retries + 1):
            last = attempt == self.limits.retries
            try:
                reply, raw = self._get(url, params)
            except (requests.ConnectionError, requests.Timeout) as error:
                if last:
                    # Named by its kind only: the error's own words carry the URL, and its
                    # query names whom the request was about.
                    raise Unavailable(
                        f"{_host(url)} could not be reached ({_failure(error)})."
                    ) from None
                time.sleep(delay)
                delay *= 2
                continue
            wait = self._retry_wait(reply, delay)
            if wait is None:
                return reply, _kept(url, reply, raw)
            if last:
                raise Unavailable(
                    f"{_host(url)} is busy or failing (HTTP {reply.status_code}); "
                    "try again in a few minutes."
                )
            time.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")

    def _get(self, url: str, params: dict | None) -> tuple[requests.Response, bytes]:
        """The answer, and its bytes exactly as they arrived (content coding not undone)."""
        with self.slots:
            with self.count_lock:
                self.requests_made += 1
            # A wiki answers in place; a redirect is never followed, so no answer can choose
            # where the tool connects next.
            reply = self.http.get(
                url, params=params, timeout=self.limits.timeout, allow_redirects=False, stream=True
            )
            with reply:
                try:
                    return reply, reply.raw.read(decode_content=False)
                # Read by hand, the body's failures come as urllib3's: said as requests' own.
                except urllib3.exceptions.ReadTimeoutError as error:
                    raise requests.Timeout(str(error)) from None
                except urllib3.exceptions.HTTPError as error:
                    raise requests.ConnectionError(str(error)) from None

    def _retry_wait(self, reply: requests.Response, delay: float) -> float | None:
        """Seconds to wait before trying again, or None when the answer is final."""
        lagged = reply.headers.get("MediaWiki-API-Error") == "maxlag"
        if not lagged and reply.status_code < 500 and reply.status_code != 429:
            return None
        retry_after = reply.headers.get("Retry-After", "")
        if retry_after.isdigit():
            return min(float(retry_after), self.limits.max_retry_after)
        return delay

    @staticmethod
    def _decode(api_url: str, reply: requests.Response, body: bytes) -> dict:
        if reply.is_redirect:
            raise Unavailable(
                f"{_host(api_url)} sent the request elsewhere (HTTP {reply.status_code}); "
                "it was not followed."
            )
        try:
            answer = json.loads(body)
        except ValueError:
            raise Unavailable(
                f"{_host(api_url)} answered with something that is not JSON."
            ) from None
        if not isinstance(answer, dict):
            raise Unavailable(f"{_host(api_url)} answered with unexpected JSON.")
        return answer

    def counting(self) -> ApiClient:
        """A client sharing this one's connections and bound, with a count of its own."""
        child = ApiClient.__new__(ApiClient)
        child.limits, child.http, child.slots = self.limits, self.http, self.slots
        child.count_lock = threading.Lock()
        child.requests_made = 0
        return child


def _kept(url: str, reply: requests.Response, raw: bytes) -> Exchange:
    """The exchange of `reply`, whose bytes as they arrived are `raw`; Unavailable when their
    content coding cannot be undone."""
    try:
        body = _decoded(raw, reply.headers.get("Content-Encoding", ""))
    except zlib.error:
        raise Unavailable(f"{_host(url)} answered with a body that cannot be decoded.") from None
    return Exchange(
        url=reply.url,
        body=body,
        answer={},
        status=reply.status_code,
        reason=reply.reason or "",
        headers=tuple(reply.raw.headers.items()),
        request_headers=tuple((str(k), str(v)) for k, v in reply.request.headers.items()),
        raw=None if body is raw else raw,
    )


def _decoded(raw: bytes, coding: str) -> bytes:
    """`raw` with its content coding undone (gzip, deflate: the ones the client asks for)."""
    coding = coding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:  # some servers send deflate without its zlib wrapper
            return zlib.decompress(raw, -zlib.MAX_WBITS)
    return raw


def _value(value: object) -> str:
    # MediaWiki reads a boolean parameter as true when it is present at all.
    if value is True:
        return "1"
    if isinstance(value, list | tuple | set):
        return "|".join(str(v) for v in value)
    return str(value)


def _refusal(answer: dict) -> ApiError | None:
    """The API's first error in `answer`, or None when it answered."""
    errors = answer.get("errors") or ([answer["error"]] if "error" in answer else [])
    if not errors:
        return None
    first = errors[0]
    return ApiError(first.get("code", "unknown"), first.get("text") or first.get("info", ""))


def _failure(error: requests.RequestException) -> str:
    """What went wrong with a connection, in words that name no URL."""
    if isinstance(error, requests.Timeout):
        return "it did not answer in time"
    if "refused" in str(error).lower():
        return "the connection was refused"
    return "the connection failed"


def _host(api_url: str) -> str:
    return urlparse(api_url).netloc or api_url
