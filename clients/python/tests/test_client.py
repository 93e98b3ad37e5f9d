"""The client against the real keyward binary: accounts, tokens, access tokens, credits, verify,
typed errors, idempotency, keep-alive, timeouts. Part-two endpoints (token update/disable/enable,
usage, events) run when the binary serves them; test_request_building checks what the client
sends for them either way."""

from __future__ import annotations

import re
import socket
import threading
import unittest

import keyward
from keyward import Keyward

from .harness import KeywardServer, free_port

server: KeywardServer
admin: Keyward
account: dict
acting: Keyward


def setUpModule() -> None:
    global server, admin, account, acting
    server = KeywardServer().start()
    admin = Keyward(server.url, api_key=server.admin_key)
    account = admin.accounts.create(email="py-client@example.com", name="Py", credits=2)
    acting = Keyward(server.url, api_key=server.admin_key, account=account["id"])


def tearDownModule() -> None:
    admin.close()
    acting.close()
    server.close()


class AccountsTest(unittest.TestCase):
    def test_create_get_list_add_credits(self) -> None:
        self.assertEqual(account["object"], "account")
        self.assertRegex(account["id"], r"^acct_[A-Za-z0-9]{24}$")
        self.assertEqual(account["credits"], 2)
        self.assertEqual(admin.accounts.get(account["id"]), account)
        self.assertIn(account["id"], [a["id"] for a in admin.accounts.list(limit=100)["data"]])
        other = admin.accounts.create(email="py-other@example.com", credits=0)
        self.assertEqual(admin.accounts.add_credits(other["id"], 5)["credits"], 5)
        ids = [a["id"] for a in admin.accounts.all(limit=1)]
        self.assertIn(account["id"], ids)
        self.assertIn(other["id"], ids)

    def test_an_account_key_may_not_manage_accounts(self) -> None:
        t = acting.tokens.create(name="acct-manager")
        with Keyward(server.url, api_key=t["key"]) as c:
            with self.assertRaises(keyward.PermissionDeniedError) as cm:
                c.accounts.list()
        e = cm.exception
        self.assertEqual((e.status, e.code), (403, "FORBIDDEN"))
        self.assertRegex(e.request_id, r"^req_")


class TokensTest(unittest.TestCase):
    def test_lifecycle(self) -> None:
        created = acting.tokens.create(name="Production")
        self.assertEqual(created["object"], "token")
        self.assertTrue(created["key"].startswith("sk_live_"))
        got = acting.tokens.get(created["id"])
        self.assertNotIn("key", got)
        active = acting.tokens.list(status="active", limit=100)
        self.assertIn(created["id"], [t["id"] for t in active["data"]])
        rolled = acting.tokens.roll(created["id"], expires_in_seconds=0)
        self.assertNotEqual(rolled["id"], created["id"])
        self.assertEqual(rolled["name"], "Production")
        self.assertEqual(acting.tokens.get(created["id"])["status"], "revoked")
        self.assertEqual(acting.tokens.revoke(rolled["id"])["status"], "revoked")
        verdict = admin.keys.verify(rolled["key"], method="GET", path="/x")
        self.assertEqual((verdict["valid"], verdict["code"]), (False, "UNAUTHORIZED"))

    def test_invalid_input_names_the_field(self) -> None:
        with self.assertRaises(keyward.InvalidRequestError) as cm:
            acting.tokens.create(name="")
        self.assertEqual((cm.exception.status, cm.exception.param), (400, "name"))

    def test_unknown_token(self) -> None:
        with self.assertRaises(keyward.NotFoundError):
            acting.tokens.get("tok_000000000000000000000000")

    def test_revoked_key(self) -> None:
        t = acting.tokens.create(name="short-lived")
        acting.tokens.revoke(t["id"])
        with Keyward(server.url, api_key=t["key"]) as c:
            with self.assertRaises(keyward.AuthenticationError) as cm:
                c.tokens.list()
        self.assertEqual((cm.exception.status, cm.exception.code), (401, "UNAUTHORIZED"))
        self.assertNotIn(t["key"], str(cm.exception))


class IdempotencyTest(unittest.TestCase):
    def test_replay_without_key(self) -> None:
        first = acting.tokens.create(name="once", idempotency_key="py-idem-1")
        replay = acting.request("POST", "/v1/tokens", body={"name": "once"},
                                idempotency_key="py-idem-1")
        self.assertEqual(replay.headers.get("idempotent-replayed"), "true")
        self.assertEqual(replay.data["id"], first["id"])
        self.assertNotIn("key", replay.data)

    def test_reuse_with_another_body(self) -> None:
        acting.tokens.create(name="a", idempotency_key="py-idem-2")
        with self.assertRaises(keyward.IdempotencyError) as cm:
            acting.tokens.create(name="b", idempotency_key="py-idem-2")
        self.assertEqual((cm.exception.status, cm.exception.code), (422, "IDEMPOTENCY_KEY_REUSED"))

    def test_fresh_key_per_call(self) -> None:
        a = acting.tokens.create(name="twin")
        b = acting.tokens.create(name="twin")
        self.assertNotEqual(a["id"], b["id"])


class AccessTokensAndCreditsTest(unittest.TestCase):
    def test_mint_check_credits(self) -> None:
        t = acting.tokens.create(name="minter")
        with Keyward(server.url, api_key=t["key"]) as c:
            at = c.access_tokens.create(expiry_minutes=5)
            self.assertTrue(at["access_token"].startswith("at_"))
            self.assertRegex(at["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertTrue(c.access_tokens.verify(at["access_token"])["valid"])
            self.assertFalse(c.access_tokens.verify("at_unknown")["valid"])
            credits = c.credits.get()
            self.assertEqual(credits["object"], "credits")


class VerifyTest(unittest.TestCase):
    def test_verdicts_and_charges(self) -> None:
        acct = admin.accounts.create(email="py-verify@example.com", credits=1)
        writer = admin.tokens.create(name="w", type="restricted",
                                     permissions=["extractions:write"], for_account=acct["id"])
        reader = admin.tokens.create(name="r", type="restricted",
                                     permissions=["tokens:read"], for_account=acct["id"])
        with Keyward(server.url) as local:  # loopback: in verifier.allow_from
            ok = local.keys.verify(writer["key"], method="POST", path="/v1/extractions")
            self.assertEqual((ok["valid"], ok["code"]), (True, "VALID"))
            self.assertEqual(ok["token"]["id"], writer["id"])
            self.assertEqual(ok["credits"], {"balance": 0, "charged": 1})
            self.assertEqual(ok["ratelimit"]["limit"], 3)
            quota = local.keys.verify(writer["key"], method="POST", path="/v1/extractions")
            self.assertEqual(quota["code"], "QUOTA_EXCEEDED")
            forbidden = local.keys.verify(reader["key"], method="POST", path="/v1/extractions")
            self.assertEqual(forbidden["code"], "FORBIDDEN")
            self.assertEqual(local.keys.verify("sk_live_garbage")["code"], "UNAUTHORIZED")


class TransportTest(unittest.TestCase):
    def test_keep_alive_reuses_one_connection(self) -> None:
        with Keyward(server.url, api_key=server.admin_key) as c:
            for _ in range(10):
                c.accounts.get(account["id"])
            self.assertEqual(c.connections_opened, 1)

    def test_timeout(self) -> None:
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts into the backlog, never answers
        try:
            c = Keyward(f"http://127.0.0.1:{silent.getsockname()[1]}", api_key="sk_test_x",
                        timeout=0.2, max_retries=0)
            with self.assertRaises(keyward.APITimeoutError) as cm:
                c.tokens.list()
            self.assertEqual(cm.exception.status, 0)
            c.close()
        finally:
            silent.close()

    def test_nothing_listening(self) -> None:
        c = Keyward(f"http://127.0.0.1:{free_port()}", api_key="sk_test_x", max_retries=1)
        with self.assertRaises(keyward.APIConnectionError) as cm:
            c.tokens.list()
        self.assertNotIsInstance(cm.exception, keyward.APITimeoutError)

    def test_concurrent_calls_share_the_pool(self) -> None:
        errors: list[Exception] = []
        with Keyward(server.url, api_key=server.admin_key) as c:
            def work() -> None:
                try:
                    for _ in range(5):
                        c.accounts.get(account["id"])
                except Exception as e:  # noqa: BLE001
                    errors.append(e)
            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertLessEqual(c.connections_opened, 4)


class PartTwoTest(unittest.TestCase):
    def test_token_update_disable_enable(self) -> None:
        tok = acting.tokens.create(name="to-update")
        if not server.serves("POST", f"/v1/tokens/{tok['id']}/disable"):
            self.skipTest("this keyward does not serve POST /v1/tokens/:id/disable yet")
        updated = acting.tokens.update(tok["id"], name="renamed", metadata={"team": "a"})
        self.assertEqual((updated["name"], updated["metadata"]), ("renamed", {"team": "a"}))
        self.assertEqual(acting.tokens.disable(tok["id"])["status"], "disabled")
        self.assertEqual(admin.keys.verify(tok["key"])["code"], "UNAUTHORIZED")
        self.assertEqual(acting.tokens.enable(tok["id"])["status"], "active")

    def test_tokens_import_by_hash_and_plaintext(self) -> None:
        if not server.serves("POST", "/v1/tokens/import"):
            self.skipTest("this keyward does not serve POST /v1/tokens/import yet")
        import hashlib
        plain = "legacy_py_client_0123456789abcdef"
        hashed = "acme-py-client-fedcba9876543210"
        sha256 = hashlib.sha256(hashed.encode()).hexdigest()
        listed = acting.tokens.import_([
            {"key": plain, "name": "by plaintext"},
            {"sha256": sha256, "name": "by hash", "key_prefix": "acme-py", "last4": "3210"},
        ])
        self.assertEqual(listed["object"], "list")
        self.assertEqual(len(listed["data"]), 2)
        self.assertIsNone(listed["data"][0]["key_prefix"])
        self.assertNotIn("key", listed["data"][0])
        self.assertEqual(listed["data"][1]["last4"], "3210")
        for key in (plain, hashed):
            self.assertTrue(admin.keys.verify(key)["valid"], key)
        # The same method under the name the other clients use.
        with self.assertRaises(keyward.InvalidRequestError) as caught:
            getattr(acting.tokens, "import")([{"sha256": sha256, "name": "again"}])
        self.assertEqual(caught.exception.param, "keys[0].sha256")

    def test_usage(self) -> None:
        if not server.serves("GET", "/v1/usage"):
            self.skipTest("this keyward does not serve GET /v1/usage yet")
        u = admin.usage.get(granularity="hour")
        self.assertEqual(u["object"], "usage")
        self.assertGreaterEqual(len(u["data"]), 24)
        csv = admin.usage.csv(granularity="day")
        self.assertTrue(re.match(
            r"^start,valid,rate_limited,quota_exceeded,forbidden,unauthorized,credits", csv))

    def test_events(self) -> None:
        if not server.serves("GET", "/v1/events"):
            self.skipTest("this keyward does not serve GET /v1/events yet")
        tok = acting.tokens.create(name="evented")
        acting.tokens.revoke(tok["id"])
        events = admin.events.list(type="token.revoked", account=account["id"])["data"]
        ev = next(e for e in events if e["data"]["object"]["id"] == tok["id"])
        self.assertEqual(admin.events.get(ev["id"])["id"], ev["id"])


if __name__ == "__main__":
    unittest.main()
