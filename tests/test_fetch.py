"""The fetcher against a real server on 127.0.0.1: every protection has a test that fails without it."""

from __future__ import annotations

import gzip
import socket
import time
from http.server import BaseHTTPRequestHandler

import pytest

from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.errors import FetchError, TooLargeError, UnsupportedURLError
from newsarchive.fetch import Fetcher, retry_after_seconds
from tests.localserver import LocalServer, Response

PAGE = "<html><body><p>Caf\u00e9 \u2014 \u201cquoted\u201d</p></body></html>"


def fetcher(settings: Settings, waits: list[float] | None = None, **changes: object) -> Fetcher:
    record = waits.append if waits is not None else (lambda _seconds: None)
    return Fetcher(settings.replace(**changes), sleep=record)


def test_plain_page(server: LocalServer, settings: Settings) -> None:
    url = server.route("/a", PAGE)
    page = fetcher(settings).fetch(url)
    assert page.content == PAGE.encode()
    assert (page.url, page.location, page.kind) == (url, url, "http")
    assert page.content_type == "text/html; charset=utf-8"
    assert page.fetched_at and page.fetched_at.endswith("+00:00")


def test_user_agent_names_newsarchive_and_can_be_changed(server: LocalServer, settings: Settings) -> None:
    url = server.route("/a", PAGE)
    fetcher(settings).fetch(url)
    assert server.requests[-1][1]["User-Agent"].startswith(f"newsarchive/{__version__}")
    fetcher(settings, user_agent="custom/1.0").fetch(url)
    assert server.requests[-1][1]["User-Agent"] == "custom/1.0"


def test_redirect_chain_records_the_final_url(server: LocalServer, settings: Settings) -> None:
    final = server.route("/final", PAGE)
    server.route("/hop3", Response(status=307, headers={"Location": "/final"}))
    server.route("/hop2", Response(status=302, headers={"Location": server.url("/hop3")}))
    start = server.route("/hop1", Response(status=301, headers={"Location": "hop2"}))
    page = fetcher(settings).fetch(start)
    assert page.url == final
    assert page.location == start


def test_too_many_redirects(server: LocalServer, settings: Settings) -> None:
    loop = server.route("/loop", Response(status=302, headers={"Location": "/loop"}))
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher(settings, max_redirects=5).fetch(loop)
    assert server.hits("/loop") == 6


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/html,<p>hi</p>"])
def test_redirect_to_another_scheme_is_refused(server: LocalServer, settings: Settings, target: str) -> None:
    url = server.route("/evil", Response(status=302, headers={"Location": target}))
    with pytest.raises(UnsupportedURLError, match="only http and https"):
        fetcher(settings).fetch(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "javascript:alert(1)", "example.com"])
def test_a_start_url_that_is_not_http_is_refused(settings: Settings, url: str) -> None:
    with pytest.raises(UnsupportedURLError):
        fetcher(settings).fetch(url)


def test_404_is_not_retried(server: LocalServer, settings: Settings) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher(settings).fetch(server.url("/missing"))
    assert server.hits("/missing") == 1


def test_500_then_200_succeeds_after_a_backoff(server: LocalServer, settings: Settings) -> None:
    url = server.route("/flaky", Response(b"oops", 500), PAGE)
    waits: list[float] = []
    assert fetcher(settings, waits, backoff=0.25).fetch(url).content == PAGE.encode()
    assert server.hits("/flaky") == 2
    assert waits == [0.25]


def test_503_forever_gives_up_after_the_retries(server: LocalServer, settings: Settings) -> None:
    url = server.route("/down", Response(b"", 503))
    waits: list[float] = []
    with pytest.raises(FetchError, match="HTTP 503"):
        fetcher(settings, waits, retries=3, backoff=0.1).fetch(url)
    assert server.hits("/down") == 4
    assert waits == [0.1, 0.2, 0.4]


def test_retry_after_is_honoured_and_capped(server: LocalServer, settings: Settings) -> None:
    url = server.route(
        "/busy", Response(b"", 429, {"Retry-After": "2"}), Response(b"", 429, {"Retry-After": "100000"}), PAGE
    )
    waits: list[float] = []
    fetcher(settings, waits, max_retry_after=5, deadline=60).fetch(url)
    assert waits == [2.0, 5.0]


def test_retry_after_as_an_http_date() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.slow
def test_a_response_slower_than_the_timeout(server: LocalServer, settings: Settings) -> None:
    url = server.route("/slow", Response(PAGE.encode(), delay=1.5))
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetcher(settings, read_timeout=0.3, retries=0).fetch(url)
    assert time.monotonic() - started < 1.4


def _drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(50):  # bounded: the server thread always ends
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.1)
    except OSError:
        pass


@pytest.mark.slow
def test_the_total_deadline_stops_a_dripping_server(server: LocalServer, settings: Settings) -> None:
    url = server.raw("/drip", _drip)
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        fetcher(settings, deadline=1.0, read_timeout=2, retries=0).fetch(url)
    assert time.monotonic() - started < 2.5


def test_gzip_is_decoded(server: LocalServer, settings: Settings) -> None:
    url = server.route("/gz", Response(gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"}))
    assert fetcher(settings).fetch(url).content == PAGE.encode()


def test_oversize_body_declared(server: LocalServer, settings: Settings) -> None:
    url = server.route("/big", b"x" * 5000)
    with pytest.raises(TooLargeError, match="larger than the 1,000 byte limit"):
        fetcher(settings, max_bytes=1000).fetch(url)


def _no_length(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(100):
            handler.wfile.write(b"y" * 1000)
    except OSError:
        pass


def test_oversize_body_streamed_without_a_length(server: LocalServer, settings: Settings) -> None:
    with pytest.raises(TooLargeError):
        fetcher(settings, max_bytes=10_000).fetch(server.raw("/stream", _no_length))


def test_a_gzip_bomb_is_capped_after_decompression(server: LocalServer, settings: Settings) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000
    url = server.route("/bomb", Response(bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}))
    with pytest.raises(TooLargeError):
        fetcher(settings, max_bytes=100_000).fetch(url)


def test_connection_refused_is_retried_then_reported(settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    with pytest.raises(FetchError, match="connection refused"):
        fetcher(settings, waits, retries=2).fetch(f"http://127.0.0.1:{port}/")
    assert len(waits) == 2


def _short_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b"<html>only")
    handler.wfile.flush()
    handler.connection.shutdown(socket.SHUT_RDWR)


def test_a_body_cut_short_is_an_error_not_a_truncated_page(server: LocalServer, settings: Settings) -> None:
    with pytest.raises(FetchError):
        fetcher(settings, retries=0).fetch(server.raw("/cut", _short_body))
