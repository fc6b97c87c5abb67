"""The fetcher against a real server on 127.0.0.1: every protection has a test that fails without it."""

from __future__ import annotations

import gzip
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest
import trustme

from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.errors import FetchError, TooLargeError, UnsupportedURLError
from newsarchive.extract.encoding import decode
from newsarchive.inputs.fetch import Fetcher, retry_after_seconds
from tests.localserver import LocalServer, Response, client_gone

PAGE = "<html><body><p>Caf\u00e9 \u2014 \u201equoted\u201c</p></body></html>"
# No \u201d: its UTF-8 holds 0x9d, undefined in cp1252, which would expose a wrong cp1252 on its own.
TEXT = "Caf\u00e9 \u2014 \u201ena\u00efve\u201c"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests honours *_PROXY variables: these tests talk to 127.0.0.1 and nothing else."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def fetcher(settings: Settings, waits: list[float] | None = None, **changes: object) -> Fetcher:
    """A Fetcher whose sleeps are recorded in waits instead of slept."""
    record = waits.append if waits is not None else (lambda _seconds: None)
    return Fetcher(settings.replace(**changes), sleep=record)


def elapsed(since: float) -> float:
    return time.monotonic() - since


def test_plain_page(server: LocalServer, settings: Settings) -> None:
    url = server.route("/a", PAGE)
    page = fetcher(settings).fetch(url)
    assert page.content == PAGE.encode()
    assert (page.url, page.location, page.kind, page.format) == (url, url, "http", "html")
    assert page.content_type == "text/html; charset=utf-8"
    assert page.fetched_at and page.fetched_at.endswith("+00:00")


def test_user_agent_names_newsarchive_and_can_be_changed(server: LocalServer, settings: Settings) -> None:
    url = server.route("/a", PAGE)
    fetcher(settings).fetch(url)
    assert server.requests[-1][1]["User-Agent"].startswith(f"newsarchive/{__version__}")
    fetcher(settings, user_agent="custom/1.0").fetch(url)
    assert server.requests[-1][1]["User-Agent"] == "custom/1.0"


def redirect_chain(server: LocalServer) -> tuple[str, str]:
    """301 (relative), 302 (absolute), 307 (absolute path) → /final; returns (start, final)."""
    final = server.route("/final", PAGE)
    server.route("/dir/hop3", Response(status=307, headers={"Location": "/final"}))
    server.route("/dir/hop2", Response(status=302, headers={"Location": server.url("/dir/hop3")}))
    start = server.route("/dir/hop1", Response(status=301, headers={"Location": "hop2"}))
    return start, final


def test_redirect_chain_records_the_final_url(server: LocalServer, settings: Settings) -> None:
    start, final = redirect_chain(server)
    page = fetcher(settings).fetch(start)
    assert (page.url, page.location, page.content) == (final, start, PAGE.encode())
    assert [path for path, _headers in server.requests] == ["/dir/hop1", "/dir/hop2", "/dir/hop3", "/final"]


def test_max_redirects_is_the_number_of_hops_allowed(server: LocalServer, settings: Settings) -> None:
    start, final = redirect_chain(server)
    assert fetcher(settings, max_redirects=3).fetch(start).url == final
    with pytest.raises(FetchError, match=r"too many redirects \(more than 2\)"):
        fetcher(settings, max_redirects=2).fetch(start)


def test_a_redirect_loop_stops(server: LocalServer, settings: Settings) -> None:
    loop = server.route("/loop", Response(status=302, headers={"Location": "/loop"}))
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher(settings, max_redirects=5).fetch(loop)
    assert server.hits("/loop") == 6


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "FILE:///etc/passwd", "ftp://127.0.0.1/x", "data:text/html,<p>hi</p>"]
)
def test_redirect_to_another_scheme_is_refused(server: LocalServer, settings: Settings, target: str) -> None:
    url = server.route("/evil", Response(status=302, headers={"Location": target}))
    with pytest.raises(UnsupportedURLError, match="only http and https") as caught:
        fetcher(settings).fetch(url)
    assert "root:" not in str(caught.value)


def test_a_refused_redirect_target_is_never_contacted(server: LocalServer, settings: Settings) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        url = server.route("/evil", Response(status=302, headers={"Location": f"ftp://127.0.0.1:{port}/x"}))
        with pytest.raises(UnsupportedURLError):
            fetcher(settings).fetch(url)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody knocked


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "javascript:alert(1)", "example.com"])
def test_a_start_url_that_is_not_http_is_refused(settings: Settings, url: str) -> None:
    with pytest.raises(UnsupportedURLError):
        fetcher(settings).fetch(url)


def test_404_is_not_retried(server: LocalServer, settings: Settings) -> None:
    waits: list[float] = []
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher(settings, waits).fetch(server.url("/missing"))
    assert server.hits("/missing") == 1
    assert waits == []


@pytest.mark.parametrize(
    ("response", "message"),
    [(Response(b"moved", 302, {}), "HTTP 302"), (Response(b"", 304, {}), "HTTP 304")],
)
def test_a_3xx_that_cannot_be_followed_is_not_the_page(
    server: LocalServer, settings: Settings, response: Response, message: str
) -> None:
    with pytest.raises(FetchError, match=message):
        fetcher(settings).fetch(server.route("/r", response))


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


def test_backoff_stops_at_the_deadline(server: LocalServer, settings: Settings) -> None:
    url = server.route("/down", Response(b"", 503))
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with pytest.raises(FetchError, match="HTTP 503"):
        Fetcher(settings.replace(retries=10, backoff=1, deadline=5), sleep=sleep, clock=lambda: now[0]).fetch(url)
    assert waits == [1, 2]  # a third wait of 4 s would end past the 5 s deadline
    assert server.hits("/down") == 3


def test_retry_after_is_honoured_and_capped(server: LocalServer, settings: Settings) -> None:
    url = server.route(
        "/busy", Response(b"", 429, {"Retry-After": "1"}), Response(b"", 429, {"Retry-After": "100000"}), PAGE
    )
    waits: list[float] = []
    assert fetcher(settings, waits, max_retry_after=5, deadline=60).fetch(url).content == PAGE.encode()
    assert waits == [1.0, 5.0]
    assert server.hits("/busy") == 3


def test_a_retry_after_beyond_the_deadline_gives_up_at_once(server: LocalServer, settings: Settings) -> None:
    url = server.route("/busy", Response(b"", 429, {"Retry-After": "30"}), PAGE)
    waits: list[float] = []
    with pytest.raises(FetchError, match="HTTP 429"):
        fetcher(settings, waits, max_retry_after=60, deadline=10).fetch(url)
    assert waits == []


def test_retry_after_seconds() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(" 7 ") == 7
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 30) == 0  # in the past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("-5") is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds(None) is None


# A holding handler gives up on its own after GIVE_UP_SECONDS, far past every timeout and
# deadline the tests set: only a protection that is missing keeps a client there that long, and
# then the handler completes the page, so the test fails instead of hanging. Drips stay under
# http.client's limit of 100 header lines, which would end a drip early for another reason.
DRIP_SECONDS = 0.2
DRIPS = 90
GIVE_UP_SECONDS = DRIPS * DRIP_SECONDS


class Held:
    """A handler that holds the client (each says how) until the client hangs up, or until it
    gives up and completes the page. `client_hung_up()` waits for the handler to end and says
    whether the client left while it was still held: the event the timeout tests wait on."""

    def __init__(self, hold: Callable[[BaseHTTPRequestHandler], bool]) -> None:
        self.hold = hold
        self.ended = threading.Event()
        self.client_left = False

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        try:
            self.client_left = self.hold(handler)
        except OSError:  # a write to a client that has gone
            self.client_left = True
        finally:
            self.ended.set()

    def client_hung_up(self) -> bool:
        return self.ended.wait(2 * GIVE_UP_SECONDS) and self.client_left


def _answer_late(handler: BaseHTTPRequestHandler) -> bool:
    """No answer at all while the client waits."""
    if client_gone(handler, GIVE_UP_SECONDS):
        return True
    handler.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE.encode())
    return False


def _drip_body(handler: BaseHTTPRequestHandler) -> bool:
    """Headers, then a byte of body every DRIP_SECONDS while the client stays."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    for _ in range(DRIPS):
        handler.wfile.write(b"x")
        handler.wfile.flush()
        if client_gone(handler, DRIP_SECONDS):
            return True
    return False


def _drip_headers(handler: BaseHTTPRequestHandler) -> bool:
    """A status line, then a header line every DRIP_SECONDS while the client stays."""
    handler.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n")
    for _ in range(DRIPS):
        handler.wfile.write(b"X-Drip: x\r\n")
        handler.wfile.flush()
        if client_gone(handler, DRIP_SECONDS):
            return True
    handler.wfile.write(b"\r\n<html><body>late</body></html>")
    return False


def _stall_body(handler: BaseHTTPRequestHandler) -> bool:
    """Ten bytes of a declared hundred, then silence while the client stays."""
    handler.send_response(200)
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    handler.wfile.write(b"<html>0123")
    handler.wfile.flush()
    if client_gone(handler, GIVE_UP_SECONDS):
        return True
    handler.wfile.write(b"4" * 90)
    return False


def test_a_response_slower_than_the_timeout(server: LocalServer, settings: Settings) -> None:
    held = Held(_answer_late)
    with pytest.raises(FetchError, match="timed out"):  # not the 10 s deadline's message
        fetcher(settings, read_timeout=0.3, retries=0).fetch(server.raw("/slow", held))
    assert held.client_hung_up()  # it gave up while the server still held the answer


@pytest.mark.slow
@pytest.mark.parametrize("hold", [_drip_body, _drip_headers], ids=["body", "headers"])
def test_the_total_deadline_stops_a_dripping_server(
    server: LocalServer, settings: Settings, hold: Callable[[BaseHTTPRequestHandler], bool]
) -> None:
    held = Held(hold)
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        fetcher(settings, deadline=1.5, retries=0).fetch(server.raw("/drip", held))
    assert elapsed(started) > 1.4
    assert held.client_hung_up()  # mid-drip: the deadline, not the end of the page, stopped it


@pytest.mark.slow
def test_the_deadline_cuts_a_read_short_of_the_read_timeout(server: LocalServer, settings: Settings) -> None:
    held = Held(_stall_body)
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        fetcher(settings, deadline=0.8, read_timeout=2 * GIVE_UP_SECONDS, retries=0).fetch(server.raw("/stall", held))
    assert elapsed(started) > 0.7
    assert held.client_hung_up()  # while the server stalled: only the deadline could end the read


def test_gzip_is_decoded_and_the_wire_bytes_kept(server: LocalServer, settings: Settings) -> None:
    sent = gzip.compress(PAGE.encode())
    url = server.route("/gz", Response(sent, headers={"Content-Encoding": "gzip"}))
    page = fetcher(settings).fetch(url)
    assert page.content == PAGE.encode() and page.original == sent
    assert fetcher(settings).fetch(server.route("/plain", PAGE)).original is None


@pytest.mark.parametrize(
    "encode",
    [
        zlib.compress,
        lambda data: zlib.compress(data)[2:-4],
        lambda data: gzip.compress(data[:50]) + gzip.compress(data[50:]),
        lambda data: gzip.compress(data) + b"\0" * 8,  # padding after the member, as gunzip and urllib3 allow
    ],
    ids=["deflate-zlib", "deflate-raw", "gzip-two-members", "gzip-then-padding"],
)
def test_every_deflate_form_servers_send_is_decoded(server: LocalServer, settings: Settings, encode) -> None:
    name = "gzip" if encode(b"x")[:2] == b"\x1f\x8b" else "deflate"
    url = server.route(f"/{name}", Response(encode(PAGE.encode()), headers={"Content-Encoding": name}))
    assert fetcher(settings).fetch(url).content == PAGE.encode()


@pytest.mark.parametrize(
    ("body", "encoding", "reason"),
    [
        (b"\x0b\x02\x80hello\x03", "br", "unsupported Content-Encoding: br"),
        (gzip.compress(PAGE.encode())[:-30], "gzip", "could not decompress the body: the compressed data ends early"),
        (b"not gzip at all", "gzip", "could not decompress the body"),
    ],
)
def test_a_body_we_cannot_decode_fails_with_the_reason(
    server: LocalServer, settings: Settings, body: bytes, encoding: str, reason: str
) -> None:
    url = server.route(f"/{encoding}", Response(body, headers={"Content-Encoding": encoding}))
    with pytest.raises(FetchError, match=reason):
        fetcher(settings, retries=0).fetch(url)


def test_a_body_at_the_limit_is_accepted(server: LocalServer, settings: Settings) -> None:
    url = server.route("/limit", b"x" * 1000)
    assert len(fetcher(settings, max_bytes=1000).fetch(url).content) == 1000


def _huge_declared(handler: BaseHTTPRequestHandler) -> None:
    """Declares 50 MB and sends a few bytes: only the header can tell the page is too large."""
    handler.send_response(200)
    handler.send_header("Content-Length", "50000000")
    handler.end_headers()
    handler.wfile.write(b"<html>")


def test_oversize_body_declared(server: LocalServer, settings: Settings) -> None:
    with pytest.raises(TooLargeError, match=r"larger than the 1,000 byte limit \(50,000,000 bytes\)"):
        fetcher(settings, max_bytes=1000).fetch(server.raw("/big", _huge_declared))


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


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (PAGE.replace("quoted", TEXT).encode("utf-8"), "text/html; charset=iso-8859-1"),
        (PAGE.replace("quoted", TEXT).encode("cp1252"), "text/html; charset=utf-8"),
        (
            PAGE.replace("<body>", '<head><meta charset="windows-1252"></head><body>')
            .replace("quoted", TEXT)
            .encode("cp1252"),
            "text/html",
        ),
        (PAGE.replace("quoted", TEXT).encode("utf-16"), "text/html"),
        (PAGE.replace("quoted", TEXT).encode("utf-16-le"), "text/html"),
    ],
    ids=["utf8-said-latin1", "cp1252-said-utf8", "meta-1252", "utf16-bom", "utf16le-no-bom"],
)
def test_a_fetched_page_decodes_right_whatever_its_charset_says(
    server: LocalServer, settings: Settings, content: bytes, content_type: str
) -> None:
    page = fetcher(settings).fetch(server.route("/c", Response(content, headers={"Content-Type": content_type})))
    text, _encoding = decode(page.content, page.content_type)
    assert TEXT in text
    assert text.startswith("<html>")


def test_connection_refused_is_retried_then_reported(settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    with pytest.raises(FetchError, match="connection refused"):
        fetcher(settings, waits, retries=2).fetch(f"http://127.0.0.1:{port}/")
    assert len(waits) == 2


def _short_body(handler: BaseHTTPRequestHandler) -> None:
    """Declares 1000 bytes, sends 10, and hangs up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b"<html>only")
    handler.wfile.flush()
    handler.connection.shutdown(socket.SHUT_RDWR)


def test_a_body_cut_short_is_an_error_not_a_truncated_page(server: LocalServer, settings: Settings) -> None:
    waits: list[float] = []
    with pytest.raises(FetchError, match="connection closed before the whole page arrived"):
        fetcher(settings, waits, retries=1).fetch(server.raw("/cut", _short_body))
    assert server.hits("/cut") == 2  # a cut connection is worth a second try


def _reset_mid_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "5000")
    handler.end_headers()
    handler.wfile.write(b"<html><body><p>the start of a page")
    handler.wfile.flush()
    # SO_LINGER with a zero timeout makes close() send a TCP reset instead of a clean FIN.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()


def test_a_connection_reset_mid_body_is_retried_then_reported(server: LocalServer, settings: Settings) -> None:
    waits: list[float] = []
    with pytest.raises(FetchError, match=r"connection (closed|broken|reset)"):
        fetcher(settings, waits, retries=1).fetch(server.raw("/reset", _reset_mid_body))
    assert server.hits("/reset") == 2


@pytest.fixture
def tls_server() -> Iterator[tuple[LocalServer, trustme.CA]]:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    local = LocalServer(tls=context)
    yield local, ca
    local.close()


def test_a_self_signed_certificate_is_a_clear_tls_error(tls_server, settings: Settings) -> None:
    server, _ = tls_server
    url = server.route("/story", b"<html><body><p>secret</p></body></html>")
    with pytest.raises(FetchError, match=r"TLS error: .*certificate verify failed"):
        fetcher(settings, retries=2).fetch(url)


@pytest.fixture
def trusted_tls_server(tls_server, tmp_path, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """The HTTPS server, with its certificate authority trusted by requests."""
    server, ca = tls_server
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    return server


def test_https_works_with_a_trusted_certificate(trusted_tls_server: LocalServer, settings: Settings) -> None:
    server = trusted_tls_server
    page = fetcher(settings).fetch(server.route("/story", b"<html><body><p>over TLS</p></body></html>"))
    assert page.url and page.url.startswith("https://") and b"over TLS" in page.content


@pytest.mark.slow
def test_the_deadline_stops_a_dripping_server_over_tls(trusted_tls_server: LocalServer, settings: Settings) -> None:
    held = Held(_drip_body)
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        fetcher(settings, deadline=1.5, retries=0).fetch(trusted_tls_server.raw("/drip", held))
    assert elapsed(started) > 1.4
    assert held.client_hung_up()
