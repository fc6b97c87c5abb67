"""HTTP fetching: one requests Session with timeouts, a per-page deadline, retries and caps.

Redirects are followed by hand so that every hop is checked against the allowed schemes and
counted against the same deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from newsarchive.config import Settings
from newsarchive.errors import FetchError, TooLargeError, UnsupportedURLError
from newsarchive.model import RawPage, utc_now

ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK_SIZE = 65536


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

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


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
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
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
        check_scheme(url)
        deadline = self._clock() + self.settings.deadline
        delay = self.settings.backoff
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                return self._attempt(url, deadline)
            except _Retry as retry:
                last = attempt == attempts - 1
                wait = delay if retry.wait is None else min(retry.wait, self.settings.max_retry_after)
                if last or self._clock() + wait >= deadline:
                    raise FetchError(retry.reason) from None
                self._sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _remaining(self, deadline: float) -> float:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise FetchError(f"gave up after the {self.settings.deadline:g} s deadline")
        return remaining

    def _timeout(self, deadline: float) -> tuple[float, float]:
        remaining = self._remaining(deadline)
        return (min(self.settings.connect_timeout, remaining), min(self.settings.read_timeout, remaining))

    def _attempt(self, url: str, deadline: float) -> RawPage:
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            try:
                response = self.session.get(
                    current, allow_redirects=False, stream=True, timeout=self._timeout(deadline)
                )
            except requests.exceptions.ConnectTimeout:
                raise _Retry("connection timed out") from None
            except requests.exceptions.ReadTimeout:
                raise _Retry("timed out waiting for the server") from None
            except requests.exceptions.SSLError as exc:
                raise FetchError(f"TLS error: {_root_cause(exc)}") from None
            except requests.exceptions.ConnectionError as exc:
                raise _Retry(f"connection failed: {_root_cause(exc)}") from None
            except requests.exceptions.InvalidURL as exc:
                raise FetchError(f"invalid URL: {exc}") from None
            except requests.exceptions.RequestException as exc:
                raise FetchError(str(exc)) from None
            with response:
                status = response.status_code
                if status in REDIRECT_STATUSES and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    check_scheme(current)
                    continue
                if status in RETRY_STATUSES:
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    raise _Retry(f"HTTP {status} {response.reason or ''}".strip(), wait)
                if status >= 400:
                    raise FetchError(f"HTTP {status} {response.reason or ''}".strip())
                body = self._read_body(response, deadline)
                return RawPage(
                    content=body,
                    kind="http",
                    location=url,
                    format=_page_format(response.headers.get("Content-Type")),
                    url=current,
                    content_type=response.headers.get("Content-Type"),
                    fetched_at=utc_now(),
                )
        raise FetchError(f"too many redirects (more than {self.settings.max_redirects})")

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        """Read the body in chunks, enforcing the size cap (after decompression) and the deadline."""
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and not response.headers.get("Content-Encoding"):
            raise TooLargeError(f"page is larger than the {limit:,} byte limit ({int(declared):,} bytes)")
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while True:
                self._remaining(deadline)
                chunk = raw.read1(CHUNK_SIZE, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(f"page is larger than the {limit:,} byte limit")
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError:
            raise _Retry("timed out while reading the body") from None
        except urllib3.exceptions.DecodeError as exc:
            raise FetchError(f"could not decompress the body: {_root_cause(exc)}") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Retry(f"connection broken while reading: {_root_cause(exc)}") from None
        return b"".join(chunks)


def _page_format(content_type: str | None) -> str:
    """A server that says text/plain sends a text save, not HTML; anything else is parsed as HTML."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return "text" if media_type == "text/plain" else "html"


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
