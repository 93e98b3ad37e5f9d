// What the client sends for each method, checked against a local HTTP server that records the
// requests and answers like keyward would (method, path, query, headers, body), and how answers
// become values and typed errors. No keyward needed: this covers the endpoints the binary may
// not serve yet (usage, events, token and account updates) exactly as the contract defines them.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import { after, before, describe, test } from "node:test";

import * as kw from "../dist/index.js";

const { Keyward } = kw;

let recorder;
let seen = [];
let answer = () => ({ status: 200, body: { ok: true } });

before(async () => {
  recorder = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const a = answer(req);
      res.writeHead(a.status, {
        "content-type": a.type ?? "application/json",
        "x-request-id": "req_recorded",
        ...(a.headers ?? {}),
      });
      res.end(typeof a.body === "string" ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise((r) => recorder.listen(0, "127.0.0.1", r));
});

after(() => new Promise((r) => recorder.close(r)));

function client(extra = {}) {
  seen = [];
  answer = () => ({ status: 200, body: { ok: true } });
  return new Keyward({
    baseUrl: `http://127.0.0.1:${recorder.address().port}`,
    apiKey: "sk_test_example",
    maxRetries: 0,
    ...extra,
  });
}

describe("request building", () => {
  test("every method maps to its endpoint", async () => {
    const c = client();
    const calls = [
      [() => c.tokens.create({ name: "n" }), "POST", "/v1/tokens", { name: "n" }],
      [() => c.tokens.list({ status: "disabled", limit: 5 }), "GET", "/v1/tokens?status=disabled&limit=5"],
      [() => c.tokens.get("tok_1"), "GET", "/v1/tokens/tok_1"],
      [() => c.tokens.update("tok_1", { metadata: { a: null }, ip_allowlist: null }), "POST", "/v1/tokens/tok_1",
        { metadata: { a: null }, ip_allowlist: null }],
      [() => c.tokens.revoke("tok_1"), "POST", "/v1/tokens/tok_1/revoke", {}],
      [() => c.tokens.roll("tok_1", { expires_in_seconds: 60 }), "POST", "/v1/tokens/tok_1/roll", { expires_in_seconds: 60 }],
      [() => c.tokens.import({ keys: [{ sha256: "ab".repeat(32), name: "x" }] }), "POST", "/v1/tokens/import", { keys: [{ sha256: "ab".repeat(32), name: "x" }] }],
      [() => c.tokens.disable("tok_1"), "POST", "/v1/tokens/tok_1/disable", {}],
      [() => c.tokens.enable("tok_1"), "POST", "/v1/tokens/tok_1/enable", {}],
      [() => c.accounts.create({ email: "e@x" }), "POST", "/v1/accounts", { email: "e@x" }],
      [() => c.accounts.list({ email: "e@x", plan: "pro" }), "GET", "/v1/accounts?email=e%40x&plan=pro"],
      [() => c.accounts.get("acct_1"), "GET", "/v1/accounts/acct_1"],
      [() => c.accounts.update("acct_1", { rate_limit: null }), "POST", "/v1/accounts/acct_1", { rate_limit: null }],
      [() => c.accounts.addCredits("acct_1", -3), "POST", "/v1/accounts/acct_1/credits", { amount: -3 }],
      [() => c.accounts.disable("acct_1"), "POST", "/v1/accounts/acct_1/disable", {}],
      [() => c.accounts.enable("acct_1"), "POST", "/v1/accounts/acct_1/enable", {}],
      [() => c.accessTokens.create({ expiry_minutes: 5 }), "POST", "/v1/token", { expiry_minutes: 5 }],
      [() => c.accessTokens.verify("at_x"), "POST", "/v1/token/verify", { access_token: "at_x" }],
      [() => c.credits.get(), "GET", "/v1/credits"],
      [() => c.usage.get({ granularity: "minute", from: 60, to: 180, token: "tok_1" }), "GET",
        "/v1/usage?granularity=minute&from=60&to=180&token=tok_1"],
      [() => c.events.list({ type: "token.*", created_gte: 10, created_lt: 20, account: "acct_1" }), "GET",
        "/v1/events?type=token.*&account=acct_1&created%5Bgte%5D=10&created%5Blt%5D=20"],
      [() => c.events.get("evt_1"), "GET", "/v1/events/evt_1"],
      [() => c.plans.create({ name: "pro", rate_limit: "10/s" }), "POST", "/v1/plans", { name: "pro", rate_limit: "10/s" }],
      [() => c.plans.get("pro"), "GET", "/v1/plans/pro"],
      [() => c.webhookEndpoints.create({ url: "https://h/x", enabled_events: ["token.*"] }), "POST",
        "/v1/webhook_endpoints", { url: "https://h/x", enabled_events: ["token.*"] }],
      [() => c.webhookEndpoints.update("we_1", { status: "disabled" }), "POST", "/v1/webhook_endpoints/we_1",
        { status: "disabled" }],
      [() => c.webhookEndpoints.rollSecret("we_1"), "POST", "/v1/webhook_endpoints/we_1/roll_secret", {}],
      [() => c.webhookEndpoints.deliveries("we_1", { limit: 3 }), "GET", "/v1/webhook_endpoints/we_1/deliveries?limit=3"],
    ];
    for (const [call, method, url, body] of calls) {
      seen = [];
      await call();
      assert.equal(seen.length, 1);
      const r = seen[0];
      assert.equal(`${r.method} ${r.url}`, `${method} ${url}`);
      assert.equal(r.headers.authorization, "Bearer sk_test_example");
      if (method === "POST") {
        assert.deepEqual(JSON.parse(r.body), body);
        assert.equal(r.headers["content-type"], "application/json");
        assert.match(r.headers["idempotency-key"], /^[0-9a-f-]{36}$/, `${url} has an Idempotency-Key`);
      } else {
        assert.equal(r.body, "");
        assert.equal(r.headers["idempotency-key"], undefined);
      }
    }
    c.close();
  });

  test("webhook endpoints are deleted with DELETE", async () => {
    const c = client();
    await c.webhookEndpoints.delete("we_1");
    assert.equal(`${seen[0].method} ${seen[0].url}`, "DELETE /v1/webhook_endpoints/we_1");
    assert.equal(seen[0].headers["idempotency-key"], undefined);
    c.close();
  });

  test("ids are one path segment", async () => {
    const c = client();
    await c.tokens.get("../accounts");
    assert.equal(seen[0].url, "/v1/tokens/..%2Faccounts");
    assert.throws(() => c.tokens.get(""), TypeError);
    c.close();
  });

  test("a given Idempotency-Key and Keyward-Account are sent", async () => {
    const c = client({ apiKey: "ak_admin", account: "acct_default" });
    await c.tokens.create({ name: "x" }, { idempotencyKey: "mine-1" });
    await c.tokens.create({ name: "x" }, { account: "acct_other" });
    assert.equal(seen[0].headers["idempotency-key"], "mine-1");
    assert.equal(seen[0].headers["keyward-account"], "acct_default");
    assert.equal(seen[1].headers["keyward-account"], "acct_other");
    c.close();
  });

  test("verify sends the key in the body only, the admin key as Keyward-Admin-Key, once", async () => {
    const c = client({ apiKey: "ak_admin" });
    answer = () => ({ status: 503, body: { error: { status: 503, code: "UNAVAILABLE", message: "m" } } });
    await assert.rejects(c.keys.verify({ key: "sk_live_x", method: "POST", path: "/v1/x", client_ip: "10.0.0.1" }),
      kw.UnavailableError);
    assert.equal(seen.length, 1, "a verification is never retried");
    const r = seen[0];
    assert.equal(r.url, "/v1/keys/verify");
    assert.deepEqual(JSON.parse(r.body), { key: "sk_live_x", method: "POST", path: "/v1/x", client_ip: "10.0.0.1" });
    assert.equal(r.headers.authorization, undefined);
    assert.equal(r.headers["keyward-admin-key"], "ak_admin");
    assert.equal(r.headers["idempotency-key"], undefined);
    c.close();
  });

  test("usage as CSV asks for text/csv and returns the text", async () => {
    const c = client();
    const csv = "start,valid,rate_limited,quota_exceeded,forbidden,unauthorized,credits\n0,1,0,0,0,0,1\n";
    answer = () => ({ status: 200, type: "text/csv", body: csv });
    assert.equal(await c.usage.csv({ granularity: "day" }), csv);
    assert.equal(seen[0].headers.accept, "text/csv");
    assert.equal(seen[0].url, "/v1/usage?granularity=day&format=csv");
    c.close();
  });

  test("lists are followed page by page with starting_after", async () => {
    const c = client();
    answer = (req) => {
      const after = new URL(req.url, "http://x").searchParams.get("starting_after");
      const page = after === null ? ["evt_3", "evt_2"] : after === "evt_2" ? ["evt_1"] : [];
      return { status: 200, body: { object: "list", data: page.map((id) => ({ id })), has_more: after === null } };
    };
    const ids = [];
    for await (const e of c.events.all({ type: "token.*" })) ids.push(e.id);
    assert.deepEqual(ids, ["evt_3", "evt_2", "evt_1"]);
    assert.match(seen[1].url, /starting_after=evt_2/);
    c.close();
  });

  test("retries reuse the Idempotency-Key and honour Retry-After on 503 and 409", async () => {
    const c = client({ maxRetries: 2 });
    let n = 0;
    answer = () => {
      n += 1;
      if (n === 1) return { status: 503, headers: { "retry-after": "0" }, body: { error: { code: "UNAVAILABLE", message: "m" } } };
      if (n === 2) return { status: 409, body: { error: { code: "IDEMPOTENCY_IN_PROGRESS", message: "m" } } };
      return { status: 200, body: { id: "tok_1" } };
    };
    const t = await c.tokens.create({ name: "x" });
    assert.equal(t.id, "tok_1");
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen.map((s) => s.headers["idempotency-key"])).size, 1);
    c.close();
  });
});

describe("stale keep-alive sockets", () => {
  test("a request on a socket the server closed meanwhile is sent again, even a verify", async () => {
    // Answers the first request of each connection, then closes the connection on the next one
    // without answering: what a server's idle eviction looks like to the client.
    let connections = 0;
    const srv = net.createServer((sock) => {
      connections += 1;
      let requests = 0;
      sock.on("data", () => {
        requests += 1;
        if (requests > 1) return sock.destroy();
        const body = '{"valid":true,"code":"VALID"}';
        sock.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      });
    });
    await new Promise((r) => srv.listen(0, "127.0.0.1", r));
    const c = new Keyward({ baseUrl: `http://127.0.0.1:${srv.address().port}`, maxRetries: 0 });
    for (let i = 0; i < 3; ++i) assert.equal((await c.keys.verify({ key: "k" })).valid, true);
    assert.equal(connections, 3);
    c.close();
    await new Promise((r) => srv.close(r));
  });
});

describe("typed errors", () => {
  const cases = [
    [400, "INVALID_REQUEST", kw.InvalidRequestError],
    [401, "UNAUTHORIZED", kw.AuthenticationError],
    [403, "FORBIDDEN", kw.PermissionError],
    [403, "HTTPS_REQUIRED", kw.PermissionError],
    [403, "TOKEN_EXPIRED", kw.TokenExpiredError],
    [403, "QUOTA_EXCEEDED", kw.QuotaExceededError],
    [404, "NOT_FOUND", kw.NotFoundError],
    [405, "METHOD_NOT_ALLOWED", kw.MethodNotAllowedError],
    [409, "IDEMPOTENCY_IN_PROGRESS", kw.IdempotencyError],
    [422, "IDEMPOTENCY_KEY_REUSED", kw.IdempotencyError],
    [413, "PAYLOAD_TOO_LARGE", kw.TooLargeError],
    [431, "HEADERS_TOO_LARGE", kw.TooLargeError],
    [429, "RATE_LIMITED", kw.RateLimitError],
    [502, "BAD_GATEWAY", kw.GatewayError],
    [504, "GATEWAY_TIMEOUT", kw.GatewayError],
    [500, "INTERNAL_ERROR", kw.InternalError],
    [503, "UNAVAILABLE", kw.UnavailableError],
  ];
  for (const [status, code, Cls] of cases) {
    test(`${status} ${code} → ${Cls.name}`, async () => {
      const c = client({ maxRetries: 0 });
      answer = () => ({
        status,
        headers: { "retry-after": "7" },
        body: { error: { status, code, message: "Said the server.", param: "name", request_id: "req_abc" } },
      });
      await assert.rejects(c.tokens.get("tok_1"), (e) => {
        assert.ok(e instanceof Cls, `${e.constructor.name}`);
        assert.ok(e instanceof kw.KeywardError);
        assert.equal(e.name, Cls.name);
        assert.equal(e.status, status);
        assert.equal(e.code, code);
        assert.equal(e.message, "Said the server.");
        assert.equal(e.param, "name");
        assert.equal(e.requestId, "req_abc");
        assert.equal(e.retryAfter, 7);
        assert.deepEqual(e.toJSON(), {
          status, code, message: "Said the server.", param: "name", request_id: "req_abc", retry_after: 7,
        });
        return true;
      });
      c.close();
    });
  }

  test("an answer that is not keyward's JSON still maps by status", async () => {
    const c = client();
    answer = () => ({ status: 502, type: "text/html", body: "<h1>Bad Gateway</h1>" });
    await assert.rejects(c.tokens.list(), (e) =>
      e instanceof kw.GatewayError && e.code === "BAD_GATEWAY" && e.requestId === "req_recorded");
    c.close();
  });

  test("the middleware's status for each verdict code", () => {
    assert.equal(kw.statusForCode("UNAUTHORIZED"), 401);
    assert.equal(kw.statusForCode("TOKEN_EXPIRED"), 403);
    assert.equal(kw.statusForCode("QUOTA_EXCEEDED"), 403);
    assert.equal(kw.statusForCode("RATE_LIMITED"), 429);
    assert.equal(kw.statusForCode("SOMETHING_NEW"), 403);
  });

  test("key extraction", () => {
    const h = (m) => (n) => m[n];
    assert.deepEqual(kw.extractKey(h({ "x-api-key": "k1" })), { key: "k1" });
    assert.deepEqual(kw.extractKey(h({ authorization: "bearer k2" })), { key: "k2" });
    assert.deepEqual(kw.extractKey(h({ authorization: "Basic abc" })), {});
    assert.deepEqual(kw.extractKey(h({ "x-api-key": "k1", authorization: "Bearer k1" })), { key: "k1" });
    assert.deepEqual(kw.extractKey(h({ "x-api-key": "k1", authorization: "Bearer k2" })), { conflict: true });
    assert.equal(kw.pathOf("/a/b?x=1"), "/a/b");
    assert.equal(kw.pathOf("?x"), "/");
  });
});
