"""WSGI middleware: verifies each request's key against keyward before the wrapped app runs.

The verdict is put in ``environ["keyward.verdict"]`` (None when passed by ``fail_open``);
refusals get keyward's own JSON error; could-not-decide gets 503 (or passes with ``fail_open``).
WSGI has no router to ask, so the middleware guards what it wraps: wrap only your API's app, or
pass ``protect(method, path) -> bool`` to guard only the routes your app has (everything else,
unknown paths included, reaches the app untouched and keeps its own 404).
Client address: ``REMOTE_ADDR`` unless ``client_ip(environ)`` says otherwise (behind a proxy,
read your proxy's header there). Thread-safe (one shared client, its pool is locked).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..client import Keyward
from ..errors import KeywardError
from .core import decide

__all__ = ["KeywardWSGIMiddleware"]

_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
            503: "Service Unavailable"}


class KeywardWSGIMiddleware:
    def __init__(
        self,
        app: Callable,
        client: Keyward,
        *,
        fail_open: bool = False,
        on_unavailable: Callable[[KeywardError], None] | None = None,
        protect: Callable[[str, str], bool] | None = None,
        client_ip: Callable[[dict], str | None] | None = None,
    ) -> None:
        self.app = app
        self.client = client
        self.fail_open = fail_open
        self.on_unavailable = on_unavailable
        self.protect = protect
        self.client_ip = client_ip

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
        if self.protect is not None and not self.protect(method, path):
            return self.app(environ, start_response)

        def header(name: str) -> Any:
            return environ.get("HTTP_" + name.upper().replace("-", "_"))

        ip = self.client_ip(environ) if self.client_ip else environ.get("REMOTE_ADDR")
        d = decide(self.client, header, method, path, ip, fail_open=self.fail_open,
                   on_unavailable=self.on_unavailable)
        if d.kind == "deny":
            start_response(f"{d.status} {_REASONS.get(d.status, 'Error')}", d.headers)
            return [d.body]
        environ["keyward.verdict"] = d.verdict
        if not d.headers:
            return self.app(environ, start_response)

        def start_with_ratelimit(status: str, headers: list, exc_info: Any = None) -> Any:
            names = {h[0].lower() for h in headers}
            extra = [h for h in d.headers if h[0].lower() not in names]
            return start_response(status, list(headers) + extra, exc_info)

        return self.app(environ, start_with_ratelimit)
