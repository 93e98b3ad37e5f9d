"""ASGI middleware: verifies each HTTP request's key against keyward before the wrapped app runs.

The verdict is put in ``scope["state"]["keyward"]`` (Starlette/FastAPI: ``request.state.keyward``)
and ``scope["keyward"]``; None when passed by ``fail_open``. Refusals get keyward's own JSON
error; could-not-decide gets 503 (or passes with ``fail_open``). ASGI has no router to ask, so the
middleware guards what it wraps: wrap only your API's app, or pass ``protect(method, path) ->
bool`` to guard only the routes your app has (everything else keeps the app's own 404).
Lifespan and websocket scopes pass untouched. The verification runs in a worker thread (the
client is blocking), so the event loop is never blocked. Client address: ``scope["client"]``
unless ``client_ip(scope)`` says otherwise.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from ..client import Keyward
from ..errors import KeywardError
from .core import decide

__all__ = ["KeywardASGIMiddleware"]


class KeywardASGIMiddleware:
    def __init__(
        self,
        app: Callable[..., Awaitable[None]],
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

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        path = scope.get("path") or "/"
        if self.protect is not None and not self.protect(method, path):
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", []):
            name = raw_name.decode("latin-1").lower()
            headers.setdefault(name, raw_value.decode("latin-1"))
        if self.client_ip is not None:
            ip = self.client_ip(scope)
        else:
            ip = scope["client"][0] if scope.get("client") else None
        d = await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: decide(self.client, headers.get, method, path, ip,
                           fail_open=self.fail_open, on_unavailable=self.on_unavailable),
        )
        if d.kind == "deny":
            await send({
                "type": "http.response.start",
                "status": d.status,
                "headers": [(n.lower().encode("latin-1"), v.encode("latin-1"))
                            for n, v in d.headers],
            })
            await send({"type": "http.response.body", "body": d.body})
            return
        scope.setdefault("state", {})["keyward"] = d.verdict
        scope["keyward"] = d.verdict
        if not d.headers:
            await self.app(scope, receive, send)
            return
        extra = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in d.headers]

        async def send_with_ratelimit(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                present = {h[0].lower() for h in message.get("headers", [])}
                message = {**message,
                           "headers": list(message.get("headers", []))
                           + [h for h in extra if h[0] not in present]}
            await send(message)

        await self.app(scope, receive, send_with_ratelimit)
