"""The WSGI and ASGI middlewares against the real keyward binary: the same status matrix for
both — valid key (x-api-key and Bearer), no key, two different keys, a bad key, a key without the
route's permission, a route limit reached, unguarded unknown routes left to the app's own 404, and
keyward unreachable (503 by default, passing with fail_open). WSGI runs in wsgiref.simple_server
in a thread and is called over HTTP; ASGI is called as a coroutine with asyncio."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import unittest
from wsgiref.simple_server import WSGIRequestHandler, make_server

from keyward import Keyward
from keyward.middleware import KeywardASGIMiddleware, KeywardWSGIMiddleware

from .harness import KeywardServer, free_port

server: KeywardServer
admin: Keyward
down_url: str

ROUTES = {("GET", "/hello"), ("POST", "/v1/extractions")}


def setUpModule() -> None:
    global server, admin, down_url
    server = KeywardServer().start()
    admin = Keyward(server.url, api_key=server.admin_key)
    down_url = f"http://127.0.0.1:{free_port()}"


def tearDownModule() -> None:
    admin.close()
    server.close()


def keys_for(label: str) -> dict:
    acct = admin.accounts.create(email=f"py-{label}@example.com")
    secret = admin.tokens.create(name=f"{label} secret", for_account=acct["id"])
    reader = admin.tokens.create(name=f"{label} reader", type="restricted",
                                 permissions=["tokens:read"], for_account=acct["id"])
    return {"acct": acct, "secret": secret, "reader": reader}


def is_route(method: str, path: str) -> bool:
    return (method, path) in ROUTES


# -- the two apps: the same routes, a plain-text 404 of their own -----------------------------

def wsgi_app(environ, start_response):
    route = (environ["REQUEST_METHOD"], environ["PATH_INFO"])
    if route not in ROUTES:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"app's own 404"]
    body = json.dumps({"verdict": environ.get("keyward.verdict")}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


async def asgi_app(scope, receive, send):
    route = (scope["method"], scope["path"])
    if route not in ROUTES:
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"app's own 404"})
        return
    body = json.dumps({"verdict": scope["state"].get("keyward")}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


class Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


class WsgiHost:
    """A wsgiref server in a thread; send() makes one HTTP request to it."""

    def __init__(self, app) -> None:
        self.httpd = make_server("127.0.0.1", 0, app, handler_class=Quiet)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def send(self, method: str, path: str, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.httpd.server_port, timeout=30)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
        finally:
            conn.close()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class AsgiHost:
    """Calls the ASGI app coroutine directly, as a server would."""

    def __init__(self, app) -> None:
        self.app = app

    def send(self, method: str, path: str, headers: dict | None = None):
        async def run():
            sent: list[dict] = []

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message):
                sent.append(message)

            scope = {
                "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
                "root_path": "", "scheme": "http", "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 8000),
                "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            }
            await self.app(scope, receive, send)
            return sent

        sent = asyncio.run(run())
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        hdrs = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        return start["status"], hdrs, body.decode()

    def close(self) -> None:
        pass


class Matrix:
    """The status matrix; subclasses say how to host the app."""

    label = ""

    def host(self, **options):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls) -> None:
        cls.keys = keys_for(cls.label)
        cls.client = Keyward(server.url)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.client.close()

    def setUp(self) -> None:
        self.app = self.host(client=self.client, protect=is_route)

    def tearDown(self) -> None:
        self.app.close()

    def error_of(self, hdrs: dict, body: str) -> dict:
        self.assertEqual(hdrs.get("content-type"), "application/json")
        return json.loads(body)["error"]

    def test_valid_key_passes_with_the_verdict(self) -> None:
        key = self.keys["secret"]["key"]
        for headers in ({"x-api-key": key}, {"Authorization": f"Bearer {key}"}):
            status, hdrs, body = self.app.send("GET", "/hello", headers)
            self.assertEqual(status, 200, body)
            verdict = json.loads(body)["verdict"]
            self.assertEqual(verdict["token"]["id"], self.keys["secret"]["id"])
            self.assertEqual(verdict["token"]["account"], self.keys["acct"]["id"])
            self.assertEqual(hdrs.get("x-ratelimit-limit"), "150")

    def test_access_token_passes_as_its_parent_key(self) -> None:
        with Keyward(server.url, api_key=self.keys["secret"]["key"]) as backend:
            at = backend.access_tokens.create(expiry_minutes=5)["access_token"]
        status, _, body = self.app.send("GET", "/hello", {"Authorization": f"Bearer {at}"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["verdict"]["token"]["id"], self.keys["secret"]["id"])

    def test_no_key(self) -> None:
        status, hdrs, body = self.app.send("GET", "/hello")
        self.assertEqual(status, 401)
        self.assertEqual(self.error_of(hdrs, body)["code"], "UNAUTHORIZED")
        self.assertEqual(hdrs.get("www-authenticate"), 'Bearer realm="keyward"')

    def test_two_different_keys(self) -> None:
        status, _, _ = self.app.send("GET", "/hello", {
            "x-api-key": self.keys["secret"]["key"],
            "Authorization": f"Bearer {self.keys['reader']['key']}"})
        self.assertEqual(status, 401)

    def test_bad_key(self) -> None:
        bad = self.keys["secret"]["key"][:-1] + "x"
        status, hdrs, body = self.app.send("GET", "/hello", {"x-api-key": bad})
        self.assertEqual(status, 401)
        err = self.error_of(hdrs, body)
        self.assertEqual(err["code"], "UNAUTHORIZED")
        self.assertTrue(err["request_id"].startswith("req_"))
        self.assertNotIn(bad, body)
        self.assertIn('error="invalid_token"', hdrs.get("www-authenticate", ""))

    def test_missing_permission(self) -> None:
        status, hdrs, body = self.app.send("POST", "/v1/extractions",
                                           {"x-api-key": self.keys["reader"]["key"]})
        self.assertEqual(status, 403)
        self.assertEqual(self.error_of(hdrs, body)["code"], "FORBIDDEN")

    def test_route_limit(self) -> None:
        keys = keys_for(self.label + "-limit")
        for _ in range(3):
            status, _, body = self.app.send("POST", "/v1/extractions",
                                            {"x-api-key": keys["secret"]["key"]})
            self.assertEqual(status, 200, body)
        status, hdrs, body = self.app.send("POST", "/v1/extractions",
                                           {"x-api-key": keys["secret"]["key"]})
        self.assertEqual(status, 429)
        self.assertEqual(self.error_of(hdrs, body)["code"], "RATE_LIMITED")
        self.assertGreaterEqual(int(hdrs["retry-after"]), 1)
        self.assertEqual(hdrs.get("x-ratelimit-remaining"), "0")

    def test_unknown_route_keeps_the_apps_404(self) -> None:
        status, _, body = self.app.send("GET", "/nope")
        self.assertEqual((status, body), (404, "app's own 404"))

    def test_unreachable_fails_closed_or_open(self) -> None:
        key = self.keys["secret"]["key"]
        down = Keyward(down_url, max_retries=0)
        closed = self.host(client=down)
        try:
            status, hdrs, body = closed.send("GET", "/hello", {"x-api-key": key})
            self.assertEqual(status, 503)
            self.assertEqual(self.error_of(hdrs, body)["code"], "UNAVAILABLE")
            self.assertIn("retry-after", hdrs)
        finally:
            closed.close()
        seen: list[str] = []
        opened = self.host(client=down, fail_open=True, on_unavailable=lambda e: seen.append(e.code))
        try:
            status, _, body = opened.send("GET", "/hello", {"x-api-key": key})
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(body), {"verdict": None})
            self.assertEqual(seen, ["CONNECTION_ERROR"])
        finally:
            opened.close()


class WsgiTest(Matrix, unittest.TestCase):
    label = "wsgi"

    def host(self, **options):
        return WsgiHost(KeywardWSGIMiddleware(wsgi_app, **options))


class AsgiTest(Matrix, unittest.TestCase):
    label = "asgi"

    def host(self, **options):
        return AsgiHost(KeywardASGIMiddleware(asgi_app, **options))

    def test_lifespan_passes_untouched(self) -> None:
        seen = []

        async def app(scope, receive, send):
            seen.append(scope["type"])

        mw = KeywardASGIMiddleware(app, client=Keyward(down_url))
        asyncio.run(mw({"type": "lifespan"}, None, None))
        self.assertEqual(seen, ["lifespan"])


if __name__ == "__main__":
    unittest.main()
