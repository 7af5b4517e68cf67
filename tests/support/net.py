"""Loopback ports for the stand-ins and the bot under test: a free one to listen on, and a
closed one (nothing listens) to see how a refused connection is handled."""

from __future__ import annotations

import socket
import threading
from http.server import ThreadingHTTPServer


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class LoopbackHTTPService:
    """The life cycle the HTTP stand-ins share: serve on a thread, stop, `with` blocks.
    Subclasses build their server in `start()` and hand it to `_serve`."""

    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self):  # pragma: no cover - each stand-in has its own
        raise NotImplementedError

    def _serve(self, server: ThreadingHTTPServer, name: str):
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
