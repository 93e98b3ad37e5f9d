// The client against the real keyward binary: accounts, tokens, access tokens, credits, verify,
// typed errors, idempotency, keep-alive, timeouts. Endpoints of the contract's part two (token
// update/disable/enable, account update/disable/enable, usage, events) run when the binary serves
// them (test/request_building.test.mjs checks what the client sends for them either way).
import assert from "node:assert/strict";
import * as http from "node:http";
import { after, before, describe, test } from "node:test";

import {
  AuthenticationError,
  ConnectionError,
  IdempotencyError,
  InvalidRequestError,
  Keyward,
  NotFoundError,
  PermissionError,
  TimeoutError,
} from "../dist/index.js";
import { KeywardServer, freePort, serves, testConfig } from "./harness.mjs";

let server;
let admin; // admin-key client
let account; // an account with 2 credits
let acting; // the admin key acting for `account`

before(async () => {
  server = await new KeywardServer({ config: testConfig }).start();
  admin = new Keyward({ baseUrl: server.url, apiKey: server.adminKey });
  account = await admin.accounts.create({ email: "client@example.com", name: "Client", credits: 2 });
  acting = new Keyward({ baseUrl: server.url, apiKey: server.adminKey, account: account.id });
});

after(async () => {
  admin?.close();
  acting?.close();
  await server?.close();
});

describe("accounts", () => {
  test("create, get, list, add credits", async () => {
    assert.equal(account.object, "account");
    assert.match(account.id, /^acct_[A-Za-z0-9]{24}$/);
    assert.equal(account.credits, 2);
    const got = await admin.accounts.get(account.id);
    assert.deepEqual(got, account);
    const list = await admin.accounts.list({ limit: 100 });
    assert.equal(list.object, "list");
    assert.ok(list.data.some((a) => a.id === account.id));
    const other = await admin.accounts.create({ email: "other@example.com", credits: 0 });
    const topped = await admin.accounts.addCredits(other.id, 5);
    assert.equal(topped.credits, 5);
    const all = [];
    for await (const a of admin.accounts.all({ limit: 1 })) all.push(a.id);
    assert.ok(all.includes(account.id) && all.includes(other.id), "pagination follows has_more");
  });

  test("an account key may not manage accounts: PermissionError", async () => {
    const t = await acting.tokens.create({ name: "acct-manager" });
    const c = new Keyward({ baseUrl: server.url, apiKey: t.key });
    await assert.rejects(c.accounts.list(), (e) => {
      assert.ok(e instanceof PermissionError);
      assert.equal(e.status, 403);
      assert.equal(e.code, "FORBIDDEN");
      assert.match(e.requestId, /^req_/);
      return true;
    });
    c.close();
  });
});

describe("tokens", () => {
  test("create returns the key once; get, list, roll, revoke", async () => {
    const created = await acting.tokens.create({ name: "Production" });
    assert.equal(created.object, "token");
    assert.match(created.key, /^sk_live_/);
    assert.equal(created.key_prefix, created.key.slice(0, 12));
    const got = await acting.tokens.get(created.id);
    assert.equal(got.id, created.id);
    assert.equal(got.key, undefined, "the key is shown only once");
    const active = await acting.tokens.list({ status: "active", limit: 100 });
    assert.ok(active.data.some((t) => t.id === created.id));

    const rolled = await acting.tokens.roll(created.id, { expires_in_seconds: 0 });
    assert.notEqual(rolled.id, created.id);
    assert.equal(rolled.name, "Production");
    assert.match(rolled.key, /^sk_live_/);
    assert.equal((await acting.tokens.get(created.id)).status, "revoked");

    const revoked = await acting.tokens.revoke(rolled.id);
    assert.equal(revoked.status, "revoked");
    const verdict = await admin.keys.verify({ key: rolled.key, method: "GET", path: "/x" });
    assert.equal(verdict.valid, false);
    assert.equal(verdict.code, "UNAUTHORIZED");
  });

  test("a key can manage its own account's tokens", async () => {
    const t = await acting.tokens.create({ name: "backend" });
    const c = new Keyward({ baseUrl: server.url, apiKey: t.key });
    const r = await c.tokens.create({
      name: "reader",
      type: "restricted",
      permissions: ["tokens:read"],
    });
    assert.equal(r.type, "restricted");
    assert.deepEqual(r.permissions, ["tokens:read"]);
    assert.equal(r.account, account.id);
    c.close();
  });

  test("invalid input: InvalidRequestError naming the field", async () => {
    await assert.rejects(acting.tokens.create({ name: "" }), (e) => {
      assert.ok(e instanceof InvalidRequestError);
      assert.equal(e.status, 400);
      assert.equal(e.code, "INVALID_REQUEST");
      assert.equal(e.param, "name");
      return true;
    });
  });

  test("an unknown token: NotFoundError", async () => {
    await assert.rejects(acting.tokens.get("tok_000000000000000000000000"), NotFoundError);
  });

  test("a revoked key: AuthenticationError", async () => {
    const t = await acting.tokens.create({ name: "short-lived" });
    await acting.tokens.revoke(t.id);
    const c = new Keyward({ baseUrl: server.url, apiKey: t.key });
    await assert.rejects(c.tokens.list(), (e) => {
      assert.ok(e instanceof AuthenticationError);
      assert.equal(e.status, 401);
      assert.equal(e.code, "UNAUTHORIZED");
      assert.ok(!e.message.includes(t.key), "no secret in the message");
      return true;
    });
    c.close();
  });
});

describe("idempotency", () => {
  test("the same Idempotency-Key replays the create, without the key", async () => {
    const first = await acting.tokens.create({ name: "once" }, { idempotencyKey: "node-idem-1" });
    const replay = await acting.request({
      method: "POST",
      path: "/v1/tokens",
      body: { name: "once" },
      options: { idempotencyKey: "node-idem-1" },
    });
    assert.equal(replay.headers["idempotent-replayed"], "true");
    assert.equal(replay.data.id, first.id);
    assert.equal(replay.data.key, undefined);
  });

  test("the same key with another body: IdempotencyError (422)", async () => {
    await acting.tokens.create({ name: "a" }, { idempotencyKey: "node-idem-2" });
    await assert.rejects(
      acting.tokens.create({ name: "b" }, { idempotencyKey: "node-idem-2" }),
      (e) => e instanceof IdempotencyError && e.status === 422 && e.code === "IDEMPOTENCY_KEY_REUSED",
    );
  });

  test("POSTs get a fresh Idempotency-Key unless given", async () => {
    const a = await acting.tokens.create({ name: "twin" });
    const b = await acting.tokens.create({ name: "twin" });
    assert.notEqual(a.id, b.id, "two calls are two creates");
  });
});

describe("access tokens and credits", () => {
  test("mint with a key, check, and read credits", async () => {
    const t = await acting.tokens.create({ name: "minter" });
    const c = new Keyward({ baseUrl: server.url, apiKey: t.key });
    const at = await c.accessTokens.create({ expiry_minutes: 5 });
    assert.equal(at.object, "access_token");
    assert.match(at.access_token, /^at_/);
    assert.match(at.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const check = await c.accessTokens.verify(at.access_token);
    assert.equal(check.valid, true);
    assert.equal((await c.accessTokens.verify("at_unknown")).valid, false);
    const credits = await c.credits.get();
    assert.equal(credits.object, "credits");
    assert.equal(typeof credits.used, "number");
    c.close();
  });
});

describe("verify", () => {
  test("verdicts for valid, refused and exhausted keys; credits charged", async () => {
    const acct = await admin.accounts.create({ email: "verify@example.com", credits: 1 });
    const as = new Keyward({ baseUrl: server.url, apiKey: server.adminKey, account: acct.id });
    const writer = await as.tokens.create({
      name: "writer",
      type: "restricted",
      permissions: ["extractions:write"],
    });
    const reader = await as.tokens.create({
      name: "reader",
      type: "restricted",
      permissions: ["tokens:read"],
    });
    // Loopback is in verifier.allow_from: no admin key needed.
    const local = new Keyward({ baseUrl: server.url });
    const ok = await local.keys.verify({ key: writer.key, method: "POST", path: "/v1/extractions" });
    assert.equal(ok.valid, true);
    assert.equal(ok.code, "VALID");
    assert.equal(ok.token.id, writer.id);
    assert.equal(ok.token.account, acct.id);
    assert.deepEqual(ok.credits, { balance: 0, charged: 1 });
    assert.equal(ok.ratelimit.limit, 3);

    const noQuota = await local.keys.verify({ key: writer.key, method: "POST", path: "/v1/extractions" });
    assert.equal(noQuota.valid, false);
    assert.equal(noQuota.code, "QUOTA_EXCEEDED");

    const forbidden = await local.keys.verify({ key: reader.key, method: "POST", path: "/v1/extractions" });
    assert.equal(forbidden.valid, false);
    assert.equal(forbidden.code, "FORBIDDEN");

    const garbage = await local.keys.verify({ key: "sk_live_garbage" });
    assert.equal(garbage.code, "UNAUTHORIZED");
    as.close();
    local.close();
  });

});

describe("transport", () => {
  test("keep-alive: many calls share one connection", async () => {
    let connections = 0;
    class CountingAgent extends http.Agent {
      createConnection(...args) {
        connections += 1;
        return super.createConnection(...args);
      }
    }
    const agent = new CountingAgent({ keepAlive: true });
    const c = new Keyward({ baseUrl: server.url, apiKey: server.adminKey, agent });
    for (let i = 0; i < 10; ++i) await c.accounts.get(account.id);
    assert.equal(connections, 1);
    agent.destroy();
  });

  test("no answer within the timeout: TimeoutError", async () => {
    const silent = http.createServer(() => {}); // accepts, never answers
    await new Promise((r) => silent.listen(0, "127.0.0.1", r));
    const c = new Keyward({
      baseUrl: `http://127.0.0.1:${silent.address().port}`,
      apiKey: "sk_test_x",
      timeoutMs: 200,
      maxRetries: 0,
    });
    await assert.rejects(c.tokens.list(), (e) => e instanceof TimeoutError && e.status === 0);
    c.close();
    silent.closeAllConnections?.();
    await new Promise((r) => silent.close(r));
  });

  test("nothing listening: ConnectionError after the retries", async () => {
    const port = await freePort();
    const c = new Keyward({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "sk_test_x", maxRetries: 1 });
    await assert.rejects(c.tokens.list(), (e) => e instanceof ConnectionError && !(e instanceof TimeoutError));
    c.close();
  });
});

describe("part two endpoints, when the binary serves them", () => {
  test("token update, disable, enable", async (t) => {
    const tok = await acting.tokens.create({ name: "to-update" });
    if (!(await serves(server.url, server.adminKey, "POST", `/v1/tokens/${tok.id}/disable`))) {
      t.skip("this keyward does not serve POST /v1/tokens/:id/disable yet");
      return;
    }
    const updated = await acting.tokens.update(tok.id, { name: "renamed", metadata: { team: "a" } });
    assert.equal(updated.name, "renamed");
    assert.deepEqual(updated.metadata, { team: "a" });
    const disabled = await acting.tokens.disable(tok.id);
    assert.equal(disabled.status, "disabled");
    const v = await admin.keys.verify({ key: tok.key });
    assert.equal(v.code, "UNAUTHORIZED");
    const enabled = await acting.tokens.enable(tok.id);
    assert.equal(enabled.status, "active");
  });

  test("tokens.import: by hash and by plaintext; foreign keys then verify", async (t) => {
    if (!(await serves(server.url, server.adminKey, "POST", "/v1/tokens/import"))) {
      t.skip("this keyward does not serve POST /v1/tokens/import yet");
      return;
    }
    const { createHash } = await import("node:crypto");
    const plain = "legacy_node_client_0123456789abcdef";
    const hashed = "acme-node-client-fedcba9876543210";
    const sha256 = createHash("sha256").update(hashed).digest("hex");
    const list = await acting.tokens.import({
      keys: [
        { key: plain, name: "by plaintext" },
        { sha256, name: "by hash", key_prefix: "acme-node", last4: "3210" },
      ],
    });
    assert.equal(list.object, "list");
    assert.equal(list.data.length, 2);
    assert.equal(list.data[0].key_prefix, null);
    assert.equal(list.data[0].key, undefined, "no key in the answer");
    assert.equal(list.data[1].last4, "3210");
    for (const key of [plain, hashed]) {
      const v = await admin.keys.verify({ key, method: "GET", path: "/x" });
      assert.equal(v.valid, true, key);
    }
    await assert.rejects(
      acting.tokens.import({ keys: [{ sha256, name: "again" }] }),
      (e) => e instanceof InvalidRequestError && e.param === "keys[0].sha256",
    );
  });

  test("usage", async (t) => {
    if (!(await serves(server.url, server.adminKey, "GET", "/v1/usage"))) {
      t.skip("this keyward does not serve GET /v1/usage yet");
      return;
    }
    const u = await admin.usage.get({ granularity: "hour" });
    assert.equal(u.object, "usage");
    assert.ok(Array.isArray(u.data) && u.data.length >= 24);
    const csv = await admin.usage.csv({ granularity: "day" });
    assert.match(csv, /^start,valid,rate_limited,quota_exceeded,forbidden,unauthorized,credits/);
  });

  test("events", async (t) => {
    if (!(await serves(server.url, server.adminKey, "GET", "/v1/events"))) {
      t.skip("this keyward does not serve GET /v1/events yet");
      return;
    }
    const tok = await acting.tokens.create({ name: "evented" });
    await acting.tokens.revoke(tok.id);
    const list = await admin.events.list({ type: "token.revoked", account: account.id });
    const ev = list.data.find((e) => e.data.object.id === tok.id);
    assert.ok(ev, "the revocation was recorded");
    assert.equal((await admin.events.get(ev.id)).id, ev.id);
  });
});
