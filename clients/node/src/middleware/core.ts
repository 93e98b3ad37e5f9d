// What the Express, Fastify and Hono middlewares share: reading the request's key (x-api-key or
// Authorization: Bearer), asking keyward for the verdict (POST /v1/keys/verify with the request's
// method, path and client address), and turning a refusal into keyward's own error answer
// (status, JSON body, rate-limit headers, Retry-After, WWW-Authenticate).
//
// Could-not-decide (keyward unreachable, timed out or answering 5xx) fails CLOSED by default: 503
// UNAVAILABLE with Retry-After. With `failOpen: true` the request passes without a verdict.
// A keyward that refuses the middleware itself (404: this host is not in
// `verifier.allow_from` and no admin key was given) is a configuration error: always 503.
// Stateless; safe for concurrent requests. Never logs or echoes the key.
import type { Keyward } from "../client.js";
import { KeywardError, statusForCode } from "../errors.js";
import type { Verdict } from "../types.js";

export interface GuardOptions {
  /** The client that asks keyward (its baseUrl, timeout and verifier admin key are used). */
  client: Keyward;
  /** Let requests through without a verdict when keyward cannot decide (default false). */
  failOpen?: boolean;
  /** Called when keyward could not decide (for your logs). Default: nothing. */
  onUnavailable?: (error: KeywardError) => void;
}

/** The JSON body of an error answer, as keyward writes it. */
export interface ErrorAnswerBody {
  error: { status: number; code: string; message: string; request_id?: string };
}

export type Decision =
  | { kind: "allow"; verdict: Verdict; headers: Record<string, string> }
  | { kind: "open"; error: KeywardError }
  | { kind: "deny"; status: number; body: ErrorAnswerBody; headers: Record<string, string> };

type HeaderValue = string | string[] | undefined;

function first(v: HeaderValue): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The key a request presents: `x-api-key`, or `Authorization: Bearer`. Both with different
 * values is a conflict (401, as keyward answers it).
 */
export function extractKey(
  header: (name: string) => HeaderValue,
): { key?: string; conflict?: true } {
  const apiKey = first(header("x-api-key"))?.trim();
  const auth = first(header("authorization"))?.trim();
  let bearer: string | undefined;
  if (auth !== undefined) {
    const m = /^bearer\s+(.+)$/i.exec(auth);
    if (m?.[1] !== undefined) bearer = m[1].trim();
  }
  if (apiKey && bearer && apiKey !== bearer) return { conflict: true };
  const key = apiKey || bearer;
  return key ? { key } : {};
}

/** The path part of a request target (keyward matches routes without the query). */
export function pathOf(target: string): string {
  const q = target.search(/[?#]/);
  const p = q < 0 ? target : target.slice(0, q);
  return p === "" ? "/" : p;
}

/** X-RateLimit-* and RateLimit headers of a verdict (docs/api.md 1.3). */
export function rateLimitHeaders(verdict: Verdict): Record<string, string> {
  const rl = verdict.ratelimit;
  if (!rl) return {};
  return {
    "x-ratelimit-limit": String(rl.limit),
    "x-ratelimit-remaining": String(rl.remaining),
    "x-ratelimit-reset": String(rl.reset),
  };
}

function deny(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string>,
  requestId?: string,
): Decision {
  const body: ErrorAnswerBody = { error: { status, code, message } };
  if (requestId !== undefined) body.error.request_id = requestId;
  return {
    kind: "deny",
    status,
    body,
    headers: { ...headers, "content-type": "application/json" },
  };
}

/** Asks keyward about one request and says what to do with it. Never throws. */
export async function decide(
  options: GuardOptions,
  req: { header: (name: string) => HeaderValue; method: string; path: string; clientIp?: string },
): Promise<Decision> {
  const { key, conflict } = extractKey(req.header);
  const challenge = 'Bearer realm="keyward"';
  if (conflict) {
    return deny(401, "UNAUTHORIZED", "Two different credentials were presented.", {
      "www-authenticate": `${challenge}, error="invalid_request"`,
    });
  }
  if (key === undefined) {
    return deny(401, "UNAUTHORIZED", "No API key was presented.", {
      "www-authenticate": challenge,
    });
  }
  let verdict: Verdict;
  let requestId: string | undefined;
  try {
    const params: { key: string; method: string; path: string; client_ip?: string } = {
      key,
      method: req.method,
      path: req.path,
    };
    if (req.clientIp) params.client_ip = req.clientIp;
    const r = await options.client.request<Verdict>({
      method: "POST",
      path: "/v1/keys/verify",
      body: params,
      headers: options.client.verifierAdminKey
        ? { "keyward-admin-key": options.client.verifierAdminKey }
        : {},
      anonymous: true,
      once: true,
    });
    verdict = r.data;
    requestId = r.headers["x-request-id"];
  } catch (e) {
    const err =
      e instanceof KeywardError
        ? e
        : new KeywardError({ status: 0, code: "CLIENT_ERROR", message: String(e) });
    options.onUnavailable?.(err);
    const undecided = err.status === 0 || err.status >= 500;
    if (undecided && options.failOpen) return { kind: "open", error: err };
    return deny(
      503,
      "UNAVAILABLE",
      "The API key service is unavailable; try again shortly.",
      { "retry-after": String(err.retryAfter ?? 1) },
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const headers = rateLimitHeaders(verdict);
  if (verdict.valid) return { kind: "allow", verdict, headers };
  const status = statusForCode(verdict.code);
  if (status === 401) {
    headers["www-authenticate"] = `${challenge}, error="invalid_token"`;
  }
  if (status === 429 && verdict.ratelimit) {
    headers["retry-after"] = String(Math.max(1, verdict.ratelimit.reset - now));
  }
  return deny(status, verdict.code, verdict.message ?? "The request was refused.", headers, requestId);
}
