// Hono middleware: verifies the request's key against keyward and sets the verdict as
// `c.get("keyward")`. Hono's router decides first: when no handler matches the request (only
// middleware would run, then Hono's notFound), the middleware passes it on untouched, so unknown
// routes keep Hono's own 404. A handler is told from a middleware the way Hono's own route
// inspection (hono/dev showRoutes) does it: a middleware takes (c, next), a handler takes (c).
// Refusals get keyward's own error answer; could-not-decide gets 503 (or passes, with
// `failOpen`). Stateless; safe for concurrent requests.
import type { Verdict } from "../types.js";
import { decide, type GuardOptions } from "./core.js";

/** For typed contexts: `new Hono<{ Variables: KeywardVariables }>()`, then `c.get("keyward")`. */
export type KeywardVariables = { keyward: Verdict | undefined };

/** The parts of Hono's context this middleware uses. */
interface HonoContextLike {
  req: {
    method: string;
    path: string;
    header(name: string): string | undefined;
    matchedRoutes?: Array<{ handler: unknown }>;
  };
  set(key: "keyward", value: Verdict): void;
  header(name: string, value: string): void;
  body(data: string, status: number, headers: Record<string, string>): Response;
}

export interface HonoGuardOptions extends GuardOptions {
  /**
   * The client address sent to keyward. Hono does not know it portably: on Node
   * (@hono/node-server) use `getConnInfo(c).remote.address`. Default: none (a key with an IP
   * allowlist is then refused, fail closed).
   */
  clientIp?: (c: HonoContextLike) => string | undefined;
}

function isMiddleware(handler: unknown): boolean {
  let h = handler;
  // Hono marks composed sub-app handlers; look through them as Hono's inspection does.
  while (typeof h === "function" && (h as unknown as Record<string, unknown>)["__COMPOSED_HANDLER"]) {
    h = (h as unknown as Record<string, unknown>)["__COMPOSED_HANDLER"];
  }
  return typeof h === "function" && h.length > 1;
}

/** True when Hono's router found a handler for this request (not only middleware). */
function routeExists(c: HonoContextLike): boolean {
  const routes = c.req.matchedRoutes;
  if (!Array.isArray(routes)) return true; // cannot tell: guard it
  return routes.some((r) => !isMiddleware(r.handler));
}

export function keyward(options: HonoGuardOptions) {
  return async function keywardMiddleware(
    c: HonoContextLike,
    next: () => Promise<void>,
  ): Promise<Response | void> {
    if (!routeExists(c)) return next();
    const clientIp = options.clientIp?.(c);
    const d = await decide(options, {
      header: (name) => c.req.header(name),
      method: c.req.method,
      path: c.req.path,
      ...(clientIp ? { clientIp } : {}),
    });
    if (d.kind === "deny") return c.body(JSON.stringify(d.body), d.status, d.headers);
    if (d.kind === "allow") {
      for (const [name, value] of Object.entries(d.headers)) c.header(name, value);
      c.set("keyward", d.verdict);
    }
    return next();
  };
}
