"""HTTP fetching: one requests Session with timeouts, a per-page deadline, retries and caps.

Redirects are followed by hand so that every hop is checked against the allowed schemes and
counted against the same deadline.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from newsarchive.config import Settings
from newsarchive.errors import CompressionError, FetchError, TooLargeError, UnsupportedURLError
from newsarchive.inputs.inflate import ENCODINGS, Inflater
from newsarchive.model import HttpExchange, RawPage, page_format, utc_now

ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK_SIZE = 65536
CUT_SHORT = "connection closed before the whole page arrived"
# Only encodings we decode ourselves, so that the body can be kept exactly as it came.
ACCEPT_ENCODING = "gzip, deflate"
CONTENT_ENCODINGS = {"": "identity", "x-gzip": "gzip"}  # other names servers give them


def check_scheme(url: str) -> None:
    """Refuse anything but http(s): file://, ftp:// or data: must never be read on a server's word."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = scheme + ":" if scheme else "no scheme"
        raise UnsupportedURLError(f"unsupported URL scheme ({shown}); only http and https")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse Retry-After, given in seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


class _Retry(Exception):
    """Internal: this attempt failed in a way worth trying again."""

    def __init__(self, reason: str, wait: float | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.status = status


_current = threading.local()  # the _Deadline of the page this thread is fetching, if any


class _Deadline:
    """One page's time budget, retries and redirects included.

    Socket timeouts bound each wait for data, not the total: a server that drips its headers or
    body a byte at a time would hold us as long as it liked. So besides checks between steps, a
    timer shuts the sockets of the page's requests when the budget runs out, which ends any read.
    """

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._finished = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._finished = True
        self._timer.cancel()
        _current.deadline = None

    def left(self) -> float:
        """Seconds left; zero or less once the deadline has passed."""
        return 0.0 if self._expired else self._end - self._clock()

    def error(self) -> FetchError | None:
        """The error to report if the deadline has passed, else None."""
        return FetchError(f"gave up after the {self.seconds:g} s deadline") if self.left() <= 0 else None

    def remaining(self) -> float:
        """Seconds left; raises the deadline error once there are none."""
        if error := self.error():
            raise error
        return self.left()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self._expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Wake a read blocked on this socket in another thread (close() would not)."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS


# Each request's socket is handed to the deadline once the request is sent (it is connected by
# then, and the response keeps reading from it even when http.client drops conn.sock).
class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)
        _watch(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)
        _watch(self.sock)


def _watch(sock: object) -> None:
    deadline: _Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None and isinstance(sock, socket.socket):
        deadline.watch(sock)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """Opens connections that the current page's deadline can shut (direct ones; through a
    proxy only the timeouts and the checks between reads apply)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class Fetcher:
    """Downloads pages politely and defensively; one instance per run (it keeps connections)."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.session = requests.Session()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _WatchedAdapter())
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        self._sleep = sleep
        self._clock = clock

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, url: str) -> RawPage:
        """Download one page; raises a FetchError subclass saying why it failed."""
        page = self._fetch(url, {})
        assert page is not None  # only a conditional request can come back unchanged
        return page

    def fetch_if_changed(self, url: str, etag: str | None, last_modified: str | None) -> RawPage | None:
        """A conditional GET (If-None-Match / If-Modified-Since): None when the server says 304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._fetch(url, headers)

    def _fetch(self, url: str, headers: dict[str, str]) -> RawPage | None:
        check_scheme(url)
        with _Deadline(self.settings.deadline, self._clock) as deadline:
            delay = self.settings.backoff
            attempts = self.settings.retries + 1
            for attempt in range(attempts):
                try:
                    return self._attempt(url, deadline, headers)
                except _Retry as retry:
                    last = attempt == attempts - 1
                    wait = delay if retry.wait is None else min(retry.wait, self.settings.max_retry_after)
                    if last or wait >= deadline.left():
                        raise FetchError(retry.reason, status=retry.status) from None
                    self._sleep(wait)
                    delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self, deadline: _Deadline) -> tuple[float, float]:
        remaining = deadline.remaining()
        return (min(self.settings.connect_timeout, remaining), min(self.settings.read_timeout, remaining))

    def _attempt(self, url: str, deadline: _Deadline, headers: dict[str, str]) -> RawPage | None:
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            try:
                response = self.session.get(
                    current, allow_redirects=False, stream=True, timeout=self._timeout(deadline), headers=headers
                )
            except requests.exceptions.RequestException as exc:
                raise deadline.error() or _request_error(exc) from None
            with response:
                status = response.status_code
                location = response.headers.get("Location")
                if status in REDIRECT_STATUSES and location:
                    current = urljoin(current, location)
                    check_scheme(current)
                    continue
                if status in RETRY_STATUSES:
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    raise _Retry(f"HTTP {status} {response.reason or ''}".strip(), wait, status)
                if status == 304 and headers:
                    return None
                if status >= 300:
                    # A 3xx we cannot follow (no Location, 304, 300…) is not the page either.
                    raise FetchError(f"HTTP {status} {response.reason or ''}".strip(), status=status)
                body, wire = self._read_body(response, deadline)
                return RawPage(
                    content=body,
                    original=wire,
                    kind="http",
                    location=url,
                    format=page_format(response.headers.get("Content-Type")),
                    url=current,
                    content_type=response.headers.get("Content-Type"),
                    fetched_at=utc_now(),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    http=HttpExchange(
                        status=status,
                        reason=response.reason or "",
                        request_headers=tuple(response.request.headers.items()),  # type: ignore[arg-type] # we send str values
                        response_headers=tuple(response.raw.headers.items()),
                    ),
                )
        raise FetchError(f"too many redirects (more than {self.settings.max_redirects})")

    def _read_body(self, response: requests.Response, deadline: _Deadline) -> tuple[bytes, bytes | None]:
        """The body decoded, and as it came over the wire when that differs (content-encoded);
        the size cap applies after decompression, the deadline between reads.

        A body shorter than its Content-Length raises IncompleteRead in urllib3 (2.x enforces the
        length): a cut connection must not pass for a short page.
        """
        limit = self.settings.max_bytes
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise TooLargeError(f"page is larger than the {limit:,} byte limit ({int(declared):,} bytes)")
        encoding = CONTENT_ENCODINGS.get(encoding, encoding)
        if encoding not in ENCODINGS:
            raise FetchError(f"unsupported Content-Encoding: {encoding}")
        decoder = Inflater(encoding, limit, "page")
        wire: list[bytes] = []
        raw = response.raw
        try:
            while True:
                deadline.remaining()
                chunk = raw.read1(CHUNK_SIZE, decode_content=False)
                if not chunk:
                    break
                wire.append(chunk)
                decoder.feed(chunk)
            deadline.remaining()  # the deadline shut the socket: what arrived is not the whole page
            body = decoder.finish()
        except CompressionError as exc:
            raise FetchError(f"could not decompress the body: {exc}") from None
        except urllib3.exceptions.ReadTimeoutError:
            raise deadline.error() or _Retry("timed out while reading the body") from None
        except urllib3.exceptions.ProtocolError as exc:
            cut = any(isinstance(arg, urllib3.exceptions.IncompleteRead) for arg in exc.args)
            reason = CUT_SHORT if cut else f"connection broken while reading: {_root_cause(exc)}"
            raise deadline.error() or _Retry(reason) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise deadline.error() or _Retry(f"connection broken while reading: {_root_cause(exc)}") from None
        return body, (b"".join(wire) if encoding != "identity" else None)


def _request_error(exc: requests.exceptions.RequestException) -> Exception:
    """What a failed request means: a _Retry for trouble that may pass, else a FetchError."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _Retry("connection timed out")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return _Retry("timed out waiting for the server")
    if isinstance(exc, requests.exceptions.SSLError):
        return FetchError(f"TLS error: {_root_cause(exc)}")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return _Retry(f"connection failed: {_root_cause(exc)}")
    if isinstance(exc, requests.exceptions.InvalidURL):
        return FetchError(f"invalid URL: {exc}")
    return FetchError(str(exc))


def _root_cause(exc: BaseException) -> str:
    """The innermost reason, without urllib3's long wrapper text."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    while exc.args and isinstance(exc.args[0], BaseException):
        exc = exc.args[0]
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "host not found"
    return text.split(": ", 1)[-1] if text.startswith("<") else text
