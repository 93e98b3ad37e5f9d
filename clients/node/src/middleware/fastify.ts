// Fastify integration: an onRequest hook that verifies the request's key against keyward and
// attaches the verdict as `request.keyward`. Fastify's router decides first: requests that
// reached the not-found handler (`request.is404`) are left untouched, so unknown routes keep
// Fastify's own 404. Refusals get keyward's own error answer; could-not-decide gets 503 (or
// passes, with `failOpen`).
// Register the plugin (it applies to the whole instance, like fastify-plugin) or add the hook
// yourself in an encapsulated context to guard only that context's routes.
// Stateless; safe for concurrent requests.
import type { FastifyPluginAsync, FastifyRequest, onRequestAsyncHookHandler } from "fastify";

import type { Verdict } from "../types.js";
import { decide, pathOf, type GuardOptions } from "./core.js";

declare module "fastify" {
  interface FastifyRequest {
    /** keyward's verdict for this request's key; undefined when passed by `failOpen`. */
    keyward?: Verdict | undefined;
  }
}

export interface FastifyGuardOptions extends GuardOptions {
  /** The client address sent to keyward (default `request.ip`, which honours trustProxy). */
  clientIp?: (req: FastifyRequest) => string | undefined;
}

/** The onRequest hook, for `fastify.addHook("onRequest", keywardHook({ client }))`. */
export function keywardHook(options: FastifyGuardOptions): onRequestAsyncHookHandler {
  return async function keywardOnRequest(request, reply): Promise<unknown> {
    if (request.is404) return undefined;
    const clientIp = options.clientIp ? options.clientIp(request) : request.ip;
    const d = await decide(options, {
      header: (name) => request.headers[name],
      method: request.method,
      path: pathOf(request.url),
      ...(clientIp ? { clientIp } : {}),
    });
    if (d.kind === "deny") {
      return reply.code(d.status).headers(d.headers).send(JSON.stringify(d.body));
    }
    if (d.kind === "allow") {
      reply.headers(d.headers);
      request.keyward = d.verdict;
    }
    return undefined;
  };
}

/**
 * The plugin: `await app.register(keywardPlugin, { client })`. Not encapsulated (it guards every
 * route of the instance it is registered on, as fastify-plugin would make it).
 */
export const keywardPlugin: FastifyPluginAsync<FastifyGuardOptions> = async (fastify, options) => {
  if (!fastify.hasRequestDecorator("keyward")) fastify.decorateRequest("keyward", undefined);
  fastify.addHook("onRequest", keywardHook(options));
};
// What fastify-plugin sets: do not encapsulate, so the hook applies to the parent instance.
Object.assign(keywardPlugin, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "keyward",
});
