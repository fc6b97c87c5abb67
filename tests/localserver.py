"""A real HTTP server on 127.0.0.1 for tests, with scriptable routes.

Each route answers with a fixed response, a sequence of responses (e.g. 500 then 200), or a
handler function that writes raw bytes to the socket (for dripping, resets and lies).
"""

from __future__ import annotations

import select
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Response:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0


RawHandler = Callable[[BaseHTTPRequestHandler], None]


def client_gone(handler: BaseHTTPRequestHandler, seconds: float) -> bool:
    """Whether the client hung up within `seconds`: its request was read whole, so its side of
    the connection turning readable means its end. What a test waits on to know that a client
    gave up while the server still held it."""
    readable, _, _ = select.select([handler.connection], [], [], seconds)
    if not readable:
        return False
    try:
        return handler.connection.recv(1) == b""
    except OSError:
        return True


class LocalServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, list[Response] | RawHandler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(Response(b"<html><body>not found</body></html>", 404))
                elif callable(route):
                    route(self)
                else:
                    response = route.pop(0) if len(route) > 1 else route[0]
                    self._send(response)

            def _send(self, response: Response) -> None:
                if response.delay:
                    time.sleep(response.delay)
                try:
                    self.send_response(response.status)
                    headers = dict(response.headers)
                    headers.setdefault("Content-Length", str(len(response.body)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "https" if tls else "http"
        if tls:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def route(self, path: str, *responses: Response | bytes | str) -> str:
        """Serve these responses at path, in order, repeating the last; returns the full URL."""
        items = []
        for response in responses or (Response(),):
            if isinstance(response, str):
                response = response.encode("utf-8")
            items.append(Response(response) if isinstance(response, bytes) else response)
        self.routes[path] = items
        return self.url(path)

    def raw(self, path: str, handler: RawHandler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for requested, _ in self.requests if requested == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
