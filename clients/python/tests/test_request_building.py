"""What the client sends for each method, checked against a local HTTP server that records the
requests and answers like keyward would; and how answers become values and typed errors. No
keyward needed: this covers the endpoints the binary may not serve yet (usage, events, updates)
exactly as the contract defines them."""

from __future__ import annotations

import json
import socket
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import keyward
from keyward import Keyward
from keyward.errors import status_for_code
from keyward.middleware import extract_key

seen: list[dict] = []
answer = None  # callable(handler) -> (status, headers, body bytes)


def default_answer(_req):
    return 200, {"Content-Type": "application/json"}, b'{"ok":true}'


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = {"method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        seen.append(req)
        status, headers, data = (answer or default_answer)(req)
        self.send_response(status)
        headers = {"X-Request-Id": "req_recorded", **headers}
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _handle
    do_POST = _handle
    do_DELETE = _handle

    def log_message(self, *args) -> None:
        pass


httpd: ThreadingHTTPServer


def setUpModule() -> None:
    global httpd
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()


def tearDownModule() -> None:
    httpd.shutdown()
    httpd.server_close()


def client(**kw) -> Keyward:
    global answer
    seen.clear()
    answer = None
    kw.setdefault("api_key", "sk_test_example")
    kw.setdefault("max_retries", 0)
    return Keyward(f"http://127.0.0.1:{httpd.server_port}", **kw)


def json_answer(status, obj, **headers):
    return lambda _req: (status, {"Content-Type": "application/json", **headers},
                         json.dumps(obj).encode())


class RequestBuildingTest(unittest.TestCase):
    def test_every_method_maps_to_its_endpoint(self) -> None:
        c = client()
        calls = [
            (lambda: c.tokens.create(name="n"), "POST", "/v1/tokens", {"name": "n"}),
            (lambda: c.tokens.list(status="disabled", limit=5), "GET",
             "/v1/tokens?status=disabled&limit=5", None),
            (lambda: c.tokens.get("tok_1"), "GET", "/v1/tokens/tok_1", None),
            (lambda: c.tokens.update("tok_1", metadata={"a": None}, ip_allowlist=None), "POST",
             "/v1/tokens/tok_1", {"metadata": {"a": None}, "ip_allowlist": None}),
            (lambda: c.tokens.revoke("tok_1"), "POST", "/v1/tokens/tok_1/revoke", {}),
            (lambda: c.tokens.roll("tok_1", expires_in_seconds=60), "POST",
             "/v1/tokens/tok_1/roll", {"expires_in_seconds": 60}),
            (lambda: c.tokens.disable("tok_1"), "POST", "/v1/tokens/tok_1/disable", {}),
            (lambda: c.tokens.import_([{"sha256": "ab" * 32, "name": "x"}]), "POST",
             "/v1/tokens/import", {"keys": [{"sha256": "ab" * 32, "name": "x"}]}),
            (lambda: c.tokens.enable("tok_1"), "POST", "/v1/tokens/tok_1/enable", {}),
            (lambda: c.accounts.create(email="e@x"), "POST", "/v1/accounts", {"email": "e@x"}),
            (lambda: c.accounts.list(email="e@x", plan="pro"), "GET",
             "/v1/accounts?email=e%40x&plan=pro", None),
            (lambda: c.accounts.get("acct_1"), "GET", "/v1/accounts/acct_1", None),
            (lambda: c.accounts.update("acct_1", rate_limit=None), "POST", "/v1/accounts/acct_1",
             {"rate_limit": None}),
            (lambda: c.accounts.add_credits("acct_1", -3), "POST", "/v1/accounts/acct_1/credits",
             {"amount": -3}),
            (lambda: c.accounts.disable("acct_1"), "POST", "/v1/accounts/acct_1/disable", {}),
            (lambda: c.accounts.enable("acct_1"), "POST", "/v1/accounts/acct_1/enable", {}),
            (lambda: c.access_tokens.create(expiry_minutes=5), "POST", "/v1/token",
             {"expiry_minutes": 5}),
            (lambda: c.access_tokens.verify("at_x"), "POST", "/v1/token/verify",
             {"access_token": "at_x"}),
            (lambda: c.credits.get(), "GET", "/v1/credits", None),
            (lambda: c.usage.get(granularity="minute", from_=60, to=180, token="tok_1"), "GET",
             "/v1/usage?granularity=minute&to=180&token=tok_1&from=60", None),
            (lambda: c.events.list(type="token.*", created_gte=10, created_lt=20,
                                   account="acct_1"), "GET",
             "/v1/events?type=token.*&account=acct_1&created%5Bgte%5D=10&created%5Blt%5D=20",
             None),
            (lambda: c.events.get("evt_1"), "GET", "/v1/events/evt_1", None),
            (lambda: c.plans.create(name="pro", rate_limit="10/s"), "POST", "/v1/plans",
             {"name": "pro", "rate_limit": "10/s"}),
            (lambda: c.plans.get("pro"), "GET", "/v1/plans/pro", None),
            (lambda: c.webhook_endpoints.create(url="https://h/x", enabled_events=["token.*"]),
             "POST", "/v1/webhook_endpoints",
             {"url": "https://h/x", "enabled_events": ["token.*"]}),
            (lambda: c.webhook_endpoints.update("we_1", status="disabled"), "POST",
             "/v1/webhook_endpoints/we_1", {"status": "disabled"}),
            (lambda: c.webhook_endpoints.roll_secret("we_1"), "POST",
             "/v1/webhook_endpoints/we_1/roll_secret", {}),
            (lambda: c.webhook_endpoints.deliveries("we_1", limit=3), "GET",
             "/v1/webhook_endpoints/we_1/deliveries?limit=3", None),
        ]
        for call, method, path, body in calls:
            with self.subTest(path=path):
                seen.clear()
                call()
                self.assertEqual(len(seen), 1)
                r = seen[0]
                self.assertEqual(f"{r['method']} {r['path']}", f"{method} {path}")
                self.assertEqual(r["headers"]["authorization"], "Bearer sk_test_example")
                if method == "POST":
                    self.assertEqual(json.loads(r["body"]), body)
                    self.assertEqual(r["headers"]["content-type"], "application/json")
                    self.assertRegex(r["headers"]["idempotency-key"], r"^[0-9a-f-]{36}$")
                else:
                    self.assertEqual(r["body"], b"")
                    self.assertNotIn("idempotency-key", r["headers"])
        c.close()

    def test_webhook_endpoints_are_deleted_with_delete(self) -> None:
        c = client()
        c.webhook_endpoints.delete("we_1")
        self.assertEqual(f"{seen[0]['method']} {seen[0]['path']}",
                         "DELETE /v1/webhook_endpoints/we_1")
        self.assertNotIn("idempotency-key", seen[0]["headers"])
        c.close()

    def test_ids_are_one_path_segment(self) -> None:
        c = client()
        c.tokens.get("../accounts")
        self.assertEqual(seen[0]["path"], "/v1/tokens/..%2Faccounts")
        with self.assertRaises(ValueError):
            c.tokens.get("")
        c.close()

    def test_given_idempotency_key_and_account(self) -> None:
        c = client(api_key="ak_admin", account="acct_default")
        c.tokens.create(name="x", idempotency_key="mine-1")
        c.tokens.create(name="x", for_account="acct_other")
        self.assertEqual(seen[0]["headers"]["idempotency-key"], "mine-1")
        self.assertEqual(seen[0]["headers"]["keyward-account"], "acct_default")
        self.assertEqual(seen[1]["headers"]["keyward-account"], "acct_other")
        c.close()

    def test_verify_sends_the_key_in_the_body_only_once(self) -> None:
        global answer
        c = client(api_key="ak_admin", max_retries=3)
        answer = json_answer(503, {"error": {"code": "UNAVAILABLE", "message": "m"}})
        with self.assertRaises(keyward.UnavailableError):
            c.keys.verify("sk_live_x", method="POST", path="/v1/x", client_ip="10.0.0.1")
        self.assertEqual(len(seen), 1, "a verification is never retried")
        r = seen[0]
        self.assertEqual(r["path"], "/v1/keys/verify")
        self.assertEqual(json.loads(r["body"]), {"key": "sk_live_x", "method": "POST",
                                                 "path": "/v1/x", "client_ip": "10.0.0.1"})
        self.assertNotIn("authorization", r["headers"])
        self.assertEqual(r["headers"]["keyward-admin-key"], "ak_admin")
        self.assertNotIn("idempotency-key", r["headers"])
        c.close()

    def test_usage_csv(self) -> None:
        global answer
        c = client()
        csv = "start,valid,rate_limited,quota_exceeded,forbidden,unauthorized,credits\n0,1,0,0,0,0,1\n"
        answer = lambda _r: (200, {"Content-Type": "text/csv"}, csv.encode())  # noqa: E731
        self.assertEqual(c.usage.csv(granularity="day"), csv)
        self.assertEqual(seen[0]["headers"]["accept"], "text/csv")
        q = parse_qs(urlsplit(seen[0]["path"]).query)
        self.assertEqual(q, {"granularity": ["day"], "format": ["csv"]})
        c.close()

    def test_lists_are_followed(self) -> None:
        global answer
        c = client()

        def pages(req):
            after = parse_qs(urlsplit(req["path"]).query).get("starting_after", [None])[0]
            ids = {None: ["evt_3", "evt_2"], "evt_2": ["evt_1"]}.get(after, [])
            return json_answer(200, {"object": "list", "data": [{"id": i} for i in ids],
                                     "has_more": after is None})(req)

        answer = pages
        self.assertEqual([e["id"] for e in c.events.all(type="token.*")],
                         ["evt_3", "evt_2", "evt_1"])
        self.assertIn("starting_after=evt_2", seen[1]["path"])
        c.close()

    def test_retries_reuse_the_idempotency_key(self) -> None:
        global answer
        c = client(max_retries=2)
        n = {"i": 0}

        def flaky(req):
            n["i"] += 1
            if n["i"] == 1:
                return json_answer(503, {"error": {"code": "UNAVAILABLE", "message": "m"}},
                                   **{"Retry-After": "0"})(req)
            if n["i"] == 2:
                return json_answer(409, {"error": {"code": "IDEMPOTENCY_IN_PROGRESS",
                                                   "message": "m"}})(req)
            return json_answer(200, {"id": "tok_1"})(req)

        answer = flaky
        self.assertEqual(c.tokens.create(name="x")["id"], "tok_1")
        self.assertEqual(len(seen), 3)
        self.assertEqual(len({s["headers"]["idempotency-key"] for s in seen}), 1)
        c.close()

    def test_keep_alive_with_the_recorder(self) -> None:
        c = client()
        for _ in range(5):
            c.credits.get()
        self.assertEqual(c.connections_opened, 1)
        c.close()


class StaleConnectionTest(unittest.TestCase):
    def test_a_request_on_a_connection_the_server_closed_is_sent_again(self) -> None:
        """Answers the first request of each connection, then closes it on the next one without
        answering (what a server's idle eviction looks like): even a verify goes through."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(8)
        connections = []

        def serve() -> None:
            while True:
                try:
                    conn, _ = lsock.accept()
                except OSError:
                    return
                connections.append(conn)
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        def handle(conn: socket.socket) -> None:
            body = b'{"valid":true,"code":"VALID"}'
            first = True
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                if not first:
                    conn.close()
                    return
                first = False
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

        threading.Thread(target=serve, daemon=True).start()
        try:
            c = Keyward(f"http://127.0.0.1:{lsock.getsockname()[1]}", max_retries=0)
            for _ in range(3):
                self.assertTrue(c.keys.verify("k")["valid"])
            self.assertEqual(len(connections), 3)
            c.close()
        finally:
            lsock.close()


class TypedErrorsTest(unittest.TestCase):
    CASES = [
        (400, "INVALID_REQUEST", keyward.InvalidRequestError),
        (401, "UNAUTHORIZED", keyward.AuthenticationError),
        (403, "FORBIDDEN", keyward.PermissionDeniedError),
        (403, "HTTPS_REQUIRED", keyward.PermissionDeniedError),
        (403, "TOKEN_EXPIRED", keyward.TokenExpiredError),
        (403, "QUOTA_EXCEEDED", keyward.QuotaExceededError),
        (404, "NOT_FOUND", keyward.NotFoundError),
        (405, "METHOD_NOT_ALLOWED", keyward.MethodNotAllowedError),
        (409, "IDEMPOTENCY_IN_PROGRESS", keyward.IdempotencyError),
        (422, "IDEMPOTENCY_KEY_REUSED", keyward.IdempotencyError),
        (413, "PAYLOAD_TOO_LARGE", keyward.TooLargeError),
        (431, "HEADERS_TOO_LARGE", keyward.TooLargeError),
        (429, "RATE_LIMITED", keyward.RateLimitError),
        (502, "BAD_GATEWAY", keyward.GatewayError),
        (504, "GATEWAY_TIMEOUT", keyward.GatewayError),
        (500, "INTERNAL_ERROR", keyward.InternalError),
        (503, "UNAVAILABLE", keyward.UnavailableError),
    ]

    def test_each_code_maps_to_its_class(self) -> None:
        global answer
        for status, code, cls in self.CASES:
            with self.subTest(code=code):
                c = client()
                answer = json_answer(status, {"error": {
                    "status": status, "code": code, "message": "Said the server.",
                    "param": "name", "request_id": "req_abc"}}, **{"Retry-After": "7"})
                with self.assertRaises(cls) as cm:
                    c.tokens.get("tok_1")
                e = cm.exception
                self.assertIsInstance(e, keyward.KeywardError)
                self.assertEqual(e.to_dict(), {
                    "status": status, "code": code, "message": "Said the server.",
                    "param": "name", "request_id": "req_abc", "retry_after": 7.0})
                c.close()

    def test_non_keyward_answer_maps_by_status(self) -> None:
        global answer
        c = client()
        answer = lambda _r: (502, {"Content-Type": "text/html"}, b"<h1>Bad Gateway</h1>")  # noqa
        with self.assertRaises(keyward.GatewayError) as cm:
            c.tokens.list()
        self.assertEqual((cm.exception.code, cm.exception.request_id),
                         ("BAD_GATEWAY", "req_recorded"))
        c.close()

    def test_status_for_code(self) -> None:
        self.assertEqual(status_for_code("UNAUTHORIZED"), 401)
        self.assertEqual(status_for_code("TOKEN_EXPIRED"), 403)
        self.assertEqual(status_for_code("QUOTA_EXCEEDED"), 403)
        self.assertEqual(status_for_code("RATE_LIMITED"), 429)
        self.assertEqual(status_for_code("SOMETHING_NEW"), 403)

    def test_extract_key(self) -> None:
        def h(d):
            return d.get
        self.assertEqual(extract_key(h({"x-api-key": "k1"})), ("k1", False))
        self.assertEqual(extract_key(h({"authorization": "bearer k2"})), ("k2", False))
        self.assertEqual(extract_key(h({"authorization": "Basic abc"})), (None, False))
        self.assertEqual(extract_key(h({"x-api-key": "k", "authorization": "Bearer k"})),
                         ("k", False))
        self.assertEqual(extract_key(h({"x-api-key": "a", "authorization": "Bearer b"})),
                         (None, True))


if __name__ == "__main__":
    unittest.main()
