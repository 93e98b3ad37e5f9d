// Express middleware: verifies the request's key against keyward and attaches the verdict as
// `req.keyward`; refusals get keyward's own error answer, could-not-decide gets 503 (or passes,
// with `failOpen`). Express runs middleware before its router knows whether a route exists, so
// this middleware guards exactly the routes it is mounted on: mount it per route or per router
// (`app.post("/v1/extractions", keyward({ client }), handler)` or `router.use(keyward(...))` on a
// router of real routes), and unknown paths keep Express's own 404.
// Stateless; safe for concurrent requests.
import type { Request, RequestHandler } from "express";

import type { Verdict } from "../types.js";
import { decide, pathOf, type GuardOptions } from "./core.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** keyward's verdict for this request's key; undefined when passed by `failOpen`. */
      keyward?: Verdict;
    }
  }
}

export interface ExpressGuardOptions extends GuardOptions {
  /** The client address sent to keyward (default `req.ip`, which honours "trust proxy"). */
  clientIp?: (req: Request) => string | undefined;
}

export function keyward(options: ExpressGuardOptions): RequestHandler {
  return function keywardGuard(req, res, next): void {
    const clientIp = options.clientIp ? options.clientIp(req) : req.ip;
    decide(options, {
      header: (name) => req.headers[name],
      method: req.method,
      path: pathOf(req.originalUrl ?? req.url),
      ...(clientIp ? { clientIp } : {}),
    }).then((d) => {
      if (d.kind === "deny") {
        res.status(d.status).set(d.headers).send(JSON.stringify(d.body));
        return;
      }
      if (d.kind === "allow") {
        res.set(d.headers);
        req.keyward = d.verdict;
      }
      next();
    }, next);
  };
}
