"""A real HTTP server on 127.0.0.1 for fetch tests: routes, conditional GET, redirects,
errors, slow and huge and gzip bodies, and a log of every request it received.

Tests drive the fetcher against this instead of mocking httpx, so timeouts, caps,
redirect handling and the address guard are exercised over an actual socket. Bodies
that are large or slow are generated lazily, and every streamed response stops after
`max_seconds` so no handler thread outlives its test for long.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable, Iterator

Body = bytes | Callable[[], Iterable[bytes]]


@dataclass
class Route:
    status: int = 200
    body: Body = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    content_length: int | bool = True  # True: real length (bytes bodies); int: declared as given; False: none
    interval: float = 0.0  # pause after each chunk (drip feeds)
    max_seconds: float = 10.0  # stop streaming after this long, whatever happens


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    """Start with `start()` (or use the `feed_server` fixture); `url(path)` gives a full URL."""

    def __init__(self, *, tls: tuple[str, str] | None = None) -> None:
        """`tls=(certfile, keyfile)` serves HTTPS instead of HTTP."""
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> "FeedServer":
        server = self

        class Handler(_Handler):
            feed_server = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def reset(self) -> None:
        """Forget all routes and the request log (the fixture reuses one server across tests)."""
        with self._lock:
            self.routes = {}
            self.log = []

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    # ---- routes ----------------------------------------------------------------------------
    def add(
        self,
        path: str,
        body: Body = b"",
        *,
        status: int = 200,
        content_type: str = "application/rss+xml; charset=utf-8",
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        **options,
    ) -> Route:
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        route = Route(status=status, body=body, headers=all_headers, etag=etag, last_modified=last_modified, **options)
        self.routes[path] = route
        return route

    def redirect(self, path: str, target: str, status: int = 301) -> Route:
        """`target` is sent verbatim as Location: a path (relative) or any absolute URL."""
        return self.add(path, b"", status=status, content_type="", headers={"Location": target})

    def error(self, path: str, status: int, *, retry_after: str | None = None, body: bytes = b"error") -> Route:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return self.add(path, body, status=status, content_type="text/plain", headers=headers)

    def drip(self, path: str, body: bytes, *, interval: float, max_seconds: float = 5.0) -> Route:
        """Sends `body` one byte every `interval` seconds (with its true Content-Length)."""

        def one_byte_at_a_time() -> Iterator[bytes]:
            for i in range(len(body)):
                yield body[i : i + 1]

        return self.add(path, one_byte_at_a_time, content_length=len(body), interval=interval, max_seconds=max_seconds)

    def gzip(self, path: str, body: bytes, **kwargs) -> Route:
        kwargs.setdefault("headers", {})["Content-Encoding"] = "gzip"
        return self.add(path, gzip.compress(body), **kwargs)

    def gzip_bomb(self, path: str, decompressed_size: int) -> Route:
        """A small gzip stream of `decompressed_size` zero bytes, compressed as it is sent."""

        def stream() -> Iterator[bytes]:
            z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            block = bytes(1024 * 1024)
            left = decompressed_size
            while left > 0:
                n = min(left, len(block))
                out = z.compress(block[:n])
                left -= n
                if out:
                    yield out
            yield z.flush()

        return self.add(path, stream, headers={"Content-Encoding": "gzip"}, content_length=False)

    def huge(self, path: str, size: int, *, declare_length: bool = True, chunk: int = 64 * 1024) -> Route:
        """`size` bytes of feed-looking filler, generated chunk by chunk (never held in memory)."""

        def stream() -> Iterator[bytes]:
            unit = b"<item><title>filler</title></item>\n"
            piece = (unit * (chunk // len(unit) + 1))[:chunk]
            left = size
            while left > 0:
                yield piece[: min(left, chunk)]
                left -= chunk

        return self.add(path, stream, content_length=size if declare_length else False)

    # ---- log -------------------------------------------------------------------------------
    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.log.append(record)

    def requests_for(self, path: str) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.log if r.path == path]

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.log]


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops SYNs when a poll opens 16 connections at once,
    # and a dropped SYN is retried only after 1 s: a spurious "connect timed out".
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    feed_server: FeedServer

    def log_message(self, format, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.feed_server._record(RequestRecord(self.command, self.path, headers, time.monotonic()))
        route = self.feed_server.routes.get(self.path) or self.feed_server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            route = Route(status=404, body=b"no such route", headers={"Content-Type": "text/plain"})

        if self._not_modified(route, headers):
            self.send_response(304)
            for name, value in self._validators(route).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return

        self.send_response(route.status)
        for name, value in {**route.headers, **self._validators(route)}.items():
            self.send_header(name, value)
        body = route.body
        if isinstance(body, bytes):
            chunks: Iterable[bytes] = [body]
            length: int | bool = len(body) if route.content_length is True else route.content_length
        else:
            chunks = body()
            length = route.content_length if not isinstance(route.content_length, bool) else False
        if length is False:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if not send_body:
            return
        deadline = time.monotonic() + route.max_seconds
        try:
            for chunk in chunks:
                if time.monotonic() > deadline:
                    self.close_connection = True
                    break
                self.wfile.write(chunk)
                self.wfile.flush()
                if route.interval:
                    time.sleep(route.interval)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    @staticmethod
    def _validators(route: Route) -> dict[str, str]:
        out = {}
        if route.etag:
            out["ETag"] = route.etag
        if route.last_modified:
            out["Last-Modified"] = route.last_modified
        return out

    @staticmethod
    def _not_modified(route: Route, headers: dict[str, str]) -> bool:
        if route.status != 200:
            return False
        inm = headers.get("if-none-match")
        if inm is not None and route.etag:
            return route.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = headers.get("if-modified-since")
        return ims is not None and route.last_modified is not None and ims == route.last_modified
