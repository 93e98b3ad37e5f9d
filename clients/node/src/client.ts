// The keyward API client: one object per keyward server, holding the base URL, the credential,
// a keep-alive connection pool and the defaults (timeout, retries). Resource namespaces
// (tokens, accounts, accessTokens, credits, keys, usage, events, plans, webhookEndpoints) build
// requests and return the server's objects; failures are thrown as the typed errors of errors.ts.
//
// Safe for concurrent use: calls share only the Agent (a socket pool) and immutable settings.
// Retries: GETs and POSTs carrying an Idempotency-Key (every POST gets one unless the caller gives
// it, except /v1/keys/verify which keyward does not deduplicate) are retried on a connection
// failure, a timeout, 503 UNAVAILABLE and 409 IDEMPOTENCY_IN_PROGRESS, with the same key, so a
// retried write is executed at most once.
import { randomUUID } from "node:crypto";
import type * as http from "node:http";

import { KeywardError, errorFromResponse } from "./errors.js";
import {
  AccessTokens,
  Accounts,
  CreditsResource,
  Events,
  Keys,
  Plans,
  Tokens,
  UsageResource,
  WebhookEndpoints,
} from "./resources.js";
import { makeAgent, send } from "./transport.js";

export interface KeywardOptions {
  /** keyward's address (default: $KEYWARD_URL, else http://127.0.0.1:8080). */
  baseUrl?: string;
  /** The credential for management calls (sk_…, rk_…, or an admin key ak_…), sent as Bearer. */
  apiKey?: string;
  /** With an admin key: the account it acts for (Keyward-Account). */
  account?: string;
  /**
   * For verify calls from a host outside keyward's `verifier.allow_from`: an admin key sent as
   * Keyward-Admin-Key. Defaults to `apiKey` when that is an admin key.
   */
  verifierAdminKey?: string;
  /** Per attempt, milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Extra attempts for retryable failures (default 2). */
  maxRetries?: number;
  /** Your own http(s).Agent; by default the client makes a keep-alive one. */
  agent?: http.Agent;
  /** Sent as User-Agent (default "keyward-node/<version>"). */
  userAgent?: string;
}

/** Options of one call. */
export interface RequestOptions {
  /** Idempotency-Key for a POST (default: a random UUID). */
  idempotencyKey?: string;
  /** Keyward-Account for this call (admin keys). */
  account?: string;
  /** Another credential for this call. */
  apiKey?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

export interface RawRequest {
  method: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  headers?: Record<string, string>;
  options?: RequestOptions;
  /** Send no Idempotency-Key and never retry (non-idempotent POSTs such as verify). */
  once?: boolean;
  /** Send no Authorization and no Keyward-Account (verify: the key is in the body). */
  anonymous?: boolean;
}

export interface RawResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
  /** The raw body (for CSV answers). */
  text: string;
}

export const VERSION = "0.1.0";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Keyward {
  readonly baseUrl: URL;
  readonly tokens: Tokens;
  readonly accounts: Accounts;
  readonly accessTokens: AccessTokens;
  readonly credits: CreditsResource;
  readonly keys: Keys;
  readonly usage: UsageResource;
  readonly events: Events;
  readonly plans: Plans;
  readonly webhookEndpoints: WebhookEndpoints;

  readonly #apiKey: string | undefined;
  readonly #account: string | undefined;
  readonly #verifierAdminKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #agent: http.Agent;
  readonly #ownsAgent: boolean;
  readonly #userAgent: string;

  constructor(options: KeywardOptions = {}) {
    const base = options.baseUrl ?? process.env["KEYWARD_URL"] ?? "http://127.0.0.1:8080";
    this.baseUrl = new URL(base.endsWith("/") ? base : `${base}/`);
    if (this.baseUrl.protocol !== "http:" && this.baseUrl.protocol !== "https:") {
      throw new TypeError(`keyward: baseUrl must be http(s), got ${this.baseUrl.protocol}`);
    }
    this.#apiKey = options.apiKey;
    this.#account = options.account;
    this.#verifierAdminKey =
      options.verifierAdminKey ?? (options.apiKey?.startsWith("ak_") ? options.apiKey : undefined);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxRetries = options.maxRetries ?? 2;
    this.#ownsAgent = options.agent === undefined;
    this.#agent = options.agent ?? makeAgent(this.baseUrl.protocol);
    this.#userAgent = options.userAgent ?? `keyward-node/${VERSION}`;
    this.tokens = new Tokens(this);
    this.accounts = new Accounts(this);
    this.accessTokens = new AccessTokens(this);
    this.credits = new CreditsResource(this);
    this.keys = new Keys(this);
    this.usage = new UsageResource(this);
    this.events = new Events(this);
    this.plans = new Plans(this);
    this.webhookEndpoints = new WebhookEndpoints(this);
  }

  /** The admin key used for verify calls, if any (see KeywardOptions.verifierAdminKey). */
  get verifierAdminKey(): string | undefined {
    return this.#verifierAdminKey;
  }

  /** Closes idle keep-alive sockets (only of an Agent the client made itself). */
  close(): void {
    if (this.#ownsAgent) this.#agent.destroy();
  }

  /** GET /healthz: true when keyward answers 200. */
  async healthy(): Promise<boolean> {
    try {
      const r = await this.request({ method: "GET", path: "/healthz", options: { maxRetries: 0 } });
      return r.status === 200;
    } catch {
      return false;
    }
  }

  /** Builds the URL of a call (exported for tests of request building). */
  buildUrl(path: string, query?: RawRequest["query"]): URL {
    const url = new URL(path.replace(/^\//, ""), this.baseUrl);
    if (query) {
      for (const [name, value] of Object.entries(query)) {
        if (value === undefined || value === null) continue;
        url.searchParams.set(name, String(value));
      }
    }
    return url;
  }

  /** Builds the headers of a call (exported for tests of request building). */
  buildHeaders(req: RawRequest): Record<string, string> {
    const o = req.options ?? {};
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": this.#userAgent,
    };
    if (!req.anonymous) {
      const key = o.apiKey ?? this.#apiKey;
      if (key !== undefined) headers["authorization"] = `Bearer ${key}`;
      const account = o.account ?? this.#account;
      if (account !== undefined) headers["keyward-account"] = account;
    }
    if (req.body !== undefined) headers["content-type"] = "application/json";
    if (req.method === "POST" && !req.once) {
      headers["idempotency-key"] = o.idempotencyKey ?? randomUUID();
    }
    return { ...headers, ...(req.headers ?? {}) };
  }

  /**
   * Sends one call (with retries) and returns status, headers and the parsed body. Throws the
   * typed error of a status ≥ 400, ConnectionError/TimeoutError when no answer arrived.
   */
  async request<T = unknown>(req: RawRequest): Promise<RawResponse<T>> {
    const o = req.options ?? {};
    const url = this.buildUrl(req.path, req.query);
    const headers = this.buildHeaders(req);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const retryable = !req.once && (req.method === "GET" || headers["idempotency-key"] !== undefined);
    const maxRetries = retryable ? (o.maxRetries ?? this.#maxRetries) : 0;
    const timeoutMs = o.timeoutMs ?? this.#timeoutMs;
    for (let attempt = 0; ; ++attempt) {
      let error: KeywardError;
      try {
        const res = await send(this.#agent, { method: req.method, url, headers, body, timeoutMs });
        if (res.status < 400) {
          const isJson = (res.headers["content-type"] ?? "").includes("json");
          const data = (isJson && res.body !== "" ? JSON.parse(res.body) : res.body) as T;
          return { status: res.status, headers: res.headers, data, text: res.body };
        }
        error = errorFromResponse(res.status, res.headers, res.body);
      } catch (e) {
        if (!(e instanceof KeywardError)) throw e;
        error = e;
      }
      const transient =
        error.status === 0 || error.status === 503 || error.code === "IDEMPOTENCY_IN_PROGRESS";
      if (!transient || attempt >= maxRetries) throw error;
      const backoff = Math.min(2000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
      const asked = error.retryAfter !== undefined ? error.retryAfter * 1000 : 0;
      await delay(Math.min(Math.max(backoff, asked), 5000));
    }
  }

  /** request() returning only the body. */
  async call<T>(req: RawRequest): Promise<T> {
    return (await this.request<T>(req)).data;
  }
}
