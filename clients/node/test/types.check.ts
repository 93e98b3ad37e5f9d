// Compiled (not run) by `npm run typecheck`: the published .d.ts files type a consumer's code —
// the client's methods and errors, and the verdict on Express's, Fastify's and Hono's requests.
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";

import { Keyward, RateLimitError, type Token, type Verdict } from "@keyward/client";
import { keyward as expressKeyward } from "@keyward/client/express";
import { keywardPlugin } from "@keyward/client/fastify";
import { keyward as honoKeyward, type KeywardVariables } from "@keyward/client/hono";

export async function clientTypes(kw: Keyward): Promise<string> {
  const created = await kw.tokens.create({ name: "n", type: "restricted", permissions: ["a:b"] });
  const key: string = created.key;
  const got: Token = await kw.tokens.get(created.id);
  const verdict: Verdict = await kw.keys.verify({ key, method: "POST", path: "/x" });
  try {
    await kw.usage.get({ granularity: "hour" });
  } catch (e) {
    if (e instanceof RateLimitError) return `${e.retryAfter ?? 0} ${e.requestId ?? ""}`;
  }
  return `${got.status} ${verdict.code}`;
}

export function expressTypes(client: Keyward) {
  const app = express();
  app.get("/r", expressKeyward({ client }), (req, res) => {
    res.json({ account: req.keyward?.token?.account });
  });
  return app;
}

export async function fastifyTypes(client: Keyward) {
  const app = Fastify();
  await app.register(keywardPlugin, { client });
  app.get("/r", async (request) => ({ account: request.keyward?.token?.account }));
  return app;
}

export function honoTypes(client: Keyward) {
  const app = new Hono<{ Variables: KeywardVariables }>();
  app.use("*", honoKeyward({ client }));
  app.get("/r", (c) => c.json({ account: c.get("keyward")?.token?.account ?? null }));
  return app;
}
