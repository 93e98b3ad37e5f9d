// The Express, Fastify and Hono middlewares against the real keyward binary: the same status
// matrix for each framework — valid key (x-api-key and Bearer), no key, a bad key, a key without
// the route's permission, a route limit reached, an unknown route left to the framework's own
// 404, keyward unreachable (503 by default, passing with failOpen).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import express from "express";
import Fastify from "fastify";
import Fastify4 from "fastify4";
import { Hono } from "hono";

import { Keyward } from "../dist/index.js";
import { keyward as expressKeyward } from "../dist/middleware/express.js";
import { keywardPlugin } from "../dist/middleware/fastify.js";
import { keyward as honoKeyward } from "../dist/middleware/hono.js";
import { KeywardServer, freePort, testConfig } from "./harness.mjs";

let server;
let admin;
let downUrl; // a loopback port nothing listens on

before(async () => {
  server = await new KeywardServer({ config: testConfig }).start();
  admin = new Keyward({ baseUrl: server.url, apiKey: server.adminKey });
  downUrl = `http://127.0.0.1:${await freePort()}`;
});

after(async () => {
  admin?.close();
  await server?.close();
});

// Each framework gets its own account and keys, so limits do not interfere.
async function keysFor(label) {
  const acct = await admin.accounts.create({ email: `${label.replace(/\W/g, "")}@example.com` });
  const as = new Keyward({ baseUrl: server.url, apiKey: server.adminKey, account: acct.id });
  const secret = await as.tokens.create({ name: `${label} secret` });
  const reader = await as.tokens.create({
    name: `${label} reader`,
    type: "restricted",
    permissions: ["tokens:read"],
  });
  as.close();
  return { acct, secret, reader };
}

// The three apps, each with the same two routes. `mount(options)` builds the app and returns a
// function that sends one request to it: (method, path, headers) → {status, headers, body}.
function expressApp(options) {
  const app = express();
  const guard = expressKeyward(options);
  const reply = (req, res) => res.json({ verdict: req.keyward ?? null });
  app.get("/hello", guard, reply);
  app.post("/v1/extractions", guard, reply);
  return listen((port) => app.listen(port, "127.0.0.1"));
}

// Fastify 5 needs Node 20 (on 18 its close() waits out keep-alive sockets); Fastify 4 runs on both.
const nodeMajor = Number(process.versions.node.split(".")[0]);

async function fastifyApp(options, make = Fastify) {
  const app = make();
  await app.register(keywardPlugin, options);
  const reply = async (request) => ({ verdict: request.keyward ?? null });
  app.get("/hello", reply);
  app.post("/v1/extractions", reply);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${app.server.address().port}`;
  return { send: sender(url), close: () => app.close() };
}

function honoApp(options) {
  const app = new Hono();
  app.use("*", honoKeyward(options));
  const reply = (c) => c.json({ verdict: c.get("keyward") ?? null });
  app.get("/hello", reply);
  app.post("/v1/extractions", reply);
  return {
    send: async (method, path, headers = {}) => {
      const res = await app.fetch(new Request(`http://app.local${path}`, { method, headers }));
      return { status: res.status, headers: res.headers, body: await res.text() };
    },
    close: async () => {},
  };
}

function sender(url) {
  return async (method, path, headers = {}) => {
    const res = await fetch(`${url}${path}`, { method, headers });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
}

async function listen(start) {
  const port = await freePort();
  const srv = start(port);
  await new Promise((r) => srv.once("listening", r));
  return {
    send: sender(`http://127.0.0.1:${port}`),
    close: () => new Promise((r) => {
      srv.closeAllConnections?.();
      srv.close(r);
    }),
  };
}

function errorOf(res) {
  assert.equal(res.headers.get("content-type")?.split(";")[0], "application/json");
  return JSON.parse(res.body).error;
}

const fastify404 = (body) => JSON.parse(body).message === "Route GET:/nope not found";
const frameworks = [
  ["express", expressApp, (body) => /Cannot GET \/nope/.test(body)],
  ...(nodeMajor >= 20 ? [["fastify", fastifyApp, fastify404]] : []),
  ["fastify 4", (o) => fastifyApp(o, Fastify4), fastify404],
  ["hono", honoApp, (body) => body === "404 Not Found"],
];

for (const [name, make, isFrameworks404] of frameworks) {
  describe(`${name} middleware`, () => {
    let app;
    let keys;
    before(async () => {
      keys = await keysFor(name);
      app = await make({ client: new Keyward({ baseUrl: server.url }) });
    });
    after(async () => app?.close());

    test("a valid key (x-api-key or Bearer) passes and the verdict is attached", async () => {
      for (const headers of [{ "x-api-key": keys.secret.key }, { authorization: `Bearer ${keys.secret.key}` }]) {
        const res = await app.send("GET", "/hello", headers);
        assert.equal(res.status, 200, res.body);
        const { verdict } = JSON.parse(res.body);
        assert.equal(verdict.valid, true);
        assert.equal(verdict.token.id, keys.secret.id);
        assert.equal(verdict.token.account, keys.acct.id);
        assert.equal(res.headers.get("x-ratelimit-limit"), "150");
      }
    });

    test("an access token minted by the backend passes as its parent key", async () => {
      const backend = new Keyward({ baseUrl: server.url, apiKey: keys.secret.key });
      const at = await backend.accessTokens.create({ expiry_minutes: 5 });
      backend.close();
      const res = await app.send("GET", "/hello", { authorization: `Bearer ${at.access_token}` });
      assert.equal(res.status, 200, res.body);
      assert.equal(JSON.parse(res.body).verdict.token.id, keys.secret.id);
    });

    test("no key: 401 with a challenge", async () => {
      const res = await app.send("GET", "/hello");
      assert.equal(res.status, 401);
      assert.equal(errorOf(res).code, "UNAUTHORIZED");
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="keyward"');
    });

    test("two different keys: 401", async () => {
      const res = await app.send("GET", "/hello", {
        "x-api-key": keys.secret.key,
        authorization: `Bearer ${keys.reader.key}`,
      });
      assert.equal(res.status, 401);
    });

    test("an unknown or malformed key: 401 invalid_token, key not echoed", async () => {
      const bad = `${keys.secret.key.slice(0, -1)}x`;
      const res = await app.send("GET", "/hello", { "x-api-key": bad });
      assert.equal(res.status, 401);
      const err = errorOf(res);
      assert.equal(err.code, "UNAUTHORIZED");
      assert.match(err.request_id, /^req_/);
      assert.ok(!res.body.includes(bad));
      assert.match(res.headers.get("www-authenticate"), /error="invalid_token"/);
    });

    test("a key without the route's permission: 403 FORBIDDEN", async () => {
      const res = await app.send("POST", "/v1/extractions", { "x-api-key": keys.reader.key });
      assert.equal(res.status, 403);
      assert.equal(errorOf(res).code, "FORBIDDEN");
    });

    test("the route's limit reached: 429 with Retry-After", async () => {
      for (let i = 0; i < 3; ++i) {
        const ok = await app.send("POST", "/v1/extractions", { "x-api-key": keys.secret.key });
        assert.equal(ok.status, 200, ok.body);
      }
      const res = await app.send("POST", "/v1/extractions", { "x-api-key": keys.secret.key });
      assert.equal(res.status, 429);
      assert.equal(errorOf(res).code, "RATE_LIMITED");
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      assert.equal(res.headers.get("x-ratelimit-remaining"), "0");
    });

    test("an unknown route keeps the framework's own 404", async () => {
      const res = await app.send("GET", "/nope");
      assert.equal(res.status, 404);
      assert.ok(isFrameworks404(res.body), res.body);
    });

    test("keyward unreachable: 503 by default, passes with failOpen", async () => {
      const closed = await make({ client: new Keyward({ baseUrl: downUrl, maxRetries: 0 }) });
      try {
        const res = await closed.send("GET", "/hello", { "x-api-key": keys.secret.key });
        assert.equal(res.status, 503);
        assert.equal(errorOf(res).code, "UNAVAILABLE");
        assert.ok(res.headers.get("retry-after"));
      } finally {
        await closed.close();
      }
      const seen = [];
      const open = await make({
        client: new Keyward({ baseUrl: downUrl, maxRetries: 0 }),
        failOpen: true,
        onUnavailable: (e) => seen.push(e.code),
      });
      try {
        const res = await open.send("GET", "/hello", { "x-api-key": keys.secret.key });
        assert.equal(res.status, 200);
        assert.deepEqual(JSON.parse(res.body), { verdict: null });
        assert.deepEqual(seen, ["CONNECTION_ERROR"]);
      } finally {
        await open.close();
      }
    });
  });
}

describe("hono sub-apps", () => {
  test("routes mounted with app.route() are guarded; unknown paths under them keep Hono's 404", async () => {
    const sub = new Hono();
    sub.use("*", async (c, next) => next()); // a middleware of the sub-app: not a route
    sub.get("/hello", (c) => c.json({ verdict: c.get("keyward") ?? null }));
    sub.onError((err, c) => c.text(String(err), 500)); // makes Hono wrap the sub-app's handlers
    const app = new Hono();
    app.use("*", honoKeyward({ client: new Keyward({ baseUrl: server.url }) }));
    app.route("/api", sub);
    const get = (path, headers = {}) => app.fetch(new Request(`http://app.local${path}`, { headers }));
    assert.equal((await get("/api/hello")).status, 401);
    const keys = await keysFor("honosub");
    const ok = await get("/api/hello", { "x-api-key": keys.secret.key });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).verdict.token.id, keys.secret.id);
    const missing = await get("/api/nope");
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "404 Not Found");
  });
});
