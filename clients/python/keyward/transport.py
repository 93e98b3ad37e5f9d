"""The HTTP transport of the keyward client: http.client with connection reuse (keep-alive).

A small pool of idle ``HTTPConnection``/``HTTPSConnection`` objects per client: a call takes an
idle connection (or opens one), sends, reads the whole answer and gives the connection back
unless the server said it will close it. A pooled connection the server closed meanwhile is
detected on use and the request is sent once more on a fresh connection (no answer had arrived,
so nothing ran twice). Thread-safe: the pool is guarded by a lock and a connection is used by one
thread at a time. ``timeout`` bounds each socket operation (connect, send, each read).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult

from .errors import APIConnectionError, APITimeoutError

__all__ = ["Transport", "Response"]

_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class Transport:
    def __init__(
        self,
        base: SplitResult,
        *,
        max_idle: int = 10,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._scheme = base.scheme
        self._host = base.hostname or "127.0.0.1"
        self._port = base.port
        self._max_idle = max_idle
        self._ssl_context = ssl_context
        self._lock = threading.Lock()
        self._idle: list[http.client.HTTPConnection] = []  # guarded by _lock
        self.connections_opened = 0  # guarded by _lock; for tests and diagnostics

    def _open(self, timeout: float) -> http.client.HTTPConnection:
        with self._lock:
            self.connections_opened += 1
        if self._scheme == "https":
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=self._ssl_context
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _take(self) -> http.client.HTTPConnection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Closes the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for c in idle:
            c.close()

    def send(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
    ) -> Response:
        """One request → one answer. Raises APIConnectionError / APITimeoutError only."""
        conn = self._take()
        reused = conn is not None
        if conn is None:
            conn = self._open(timeout)
        try:
            return self._exchange(conn, method, target, headers, body, timeout)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
            conn.close()
            if not reused:
                raise APIConnectionError(
                    f"connection to keyward broke: {type(e).__name__}",
                    status=0,
                    code="CONNECTION_ERROR",
                ) from None
            # A kept-alive connection the server had closed: nothing was answered, send again.
            fresh = self._open(timeout)
            try:
                return self._exchange(fresh, method, target, headers, body, timeout)
            except Exception as e2:
                fresh.close()
                raise self._wrap(e2, timeout) from None
        except Exception as e:
            conn.close()
            raise self._wrap(e, timeout) from None

    def _wrap(self, e: Exception, timeout: float) -> Exception:
        if isinstance(e, APIConnectionError):
            return e
        if isinstance(e, (socket.timeout, TimeoutError)):
            return APITimeoutError(
                f"no answer from keyward within {timeout} s", status=0, code="TIMEOUT"
            )
        if isinstance(e, (OSError, http.client.HTTPException)):
            return APIConnectionError(
                f"could not reach keyward at {self._host}: {type(e).__name__}: {e}",
                status=0,
                code="CONNECTION_ERROR",
            )
        return e

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
    ) -> Response:
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        conn.request(method, target, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read(_MAX_RESPONSE_BYTES + 1)
        if len(data) > _MAX_RESPONSE_BYTES:
            conn.close()
            raise APIConnectionError(
                "keyward's answer exceeded 16 MiB", status=0, code="RESPONSE_TOO_LARGE"
            )
        out = Response(
            status=res.status,
            headers={k.lower(): v for k, v in res.getheaders()},
            body=data,
        )
        if res.will_close:
            conn.close()
        else:
            self._give_back(conn)
        return out
