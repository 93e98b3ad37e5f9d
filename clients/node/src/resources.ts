// The resource namespaces of the keyward client: each method is one endpoint of docs/api.md,
// mapping its arguments to a path, a query and a JSON body, and returning the server's object.
// Stateless; errors are the typed errors thrown by Keyward.request().
import type { Keyward, RequestOptions } from "./client.js";
import type {
  AccessToken,
  AccessTokenCheck,
  Account,
  AccountCreateParams,
  AccountListParams,
  AccountUpdateParams,
  Credits,
  EventListParams,
  KeywardEvent,
  List,
  ListParams,
  Token,
  TokenCreateParams,
  TokenImportParams,
  TokenListParams,
  TokenRollParams,
  TokenUpdateParams,
  TokenWithKey,
  Usage,
  UsageParams,
  Verdict,
  VerifyParams,
} from "./types.js";

/** An id as one path segment (ids never contain '/', but a caller's typo must not change path). */
function seg(id: string): string {
  if (typeof id !== "string" || id === "") throw new TypeError("keyward: an id is required");
  return encodeURIComponent(id);
}

abstract class Resource {
  constructor(protected readonly client: Keyward) {}

  protected getJson<T>(path: string, query?: object, options?: RequestOptions): Promise<T> {
    return this.client.call<T>({
      method: "GET",
      path,
      query: query as Record<string, string | number | boolean | undefined>,
      options,
    });
  }

  protected postJson<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.client.call<T>({ method: "POST", path, body: body ?? {}, options });
  }

  /** Every object of a list, page after page (`limit` is the page size). */
  protected async *paginate<T extends { id: string }>(
    path: string,
    params: ListParams & object,
    options?: RequestOptions,
  ): AsyncGenerator<T> {
    let query: ListParams & object = { limit: 100, ...params };
    for (;;) {
      const page = await this.getJson<List<T>>(path, query, options);
      for (const item of page.data) yield item;
      const last = page.data[page.data.length - 1];
      if (!page.has_more || last === undefined) return;
      query = { ...query, starting_after: last.id };
    }
  }
}

/** /v1/tokens: API keys. */
export class Tokens extends Resource {
  create(params: TokenCreateParams, options?: RequestOptions): Promise<TokenWithKey> {
    return this.postJson("/v1/tokens", params, options);
  }
  list(params: TokenListParams = {}, options?: RequestOptions): Promise<List<Token>> {
    return this.getJson("/v1/tokens", params, options);
  }
  /** Every token of the account, following has_more. */
  all(params: TokenListParams = {}, options?: RequestOptions): AsyncGenerator<Token> {
    return this.paginate<Token>("/v1/tokens", params, options);
  }
  get(id: string, options?: RequestOptions): Promise<Token> {
    return this.getJson(`/v1/tokens/${seg(id)}`, undefined, options);
  }
  update(id: string, params: TokenUpdateParams, options?: RequestOptions): Promise<Token> {
    return this.postJson(`/v1/tokens/${seg(id)}`, params, options);
  }
  revoke(id: string, options?: RequestOptions): Promise<Token> {
    return this.postJson(`/v1/tokens/${seg(id)}/revoke`, {}, options);
  }
  roll(id: string, params: TokenRollParams = {}, options?: RequestOptions): Promise<TokenWithKey> {
    return this.postJson(`/v1/tokens/${seg(id)}/roll`, params, options);
  }
  /**
   * Imports keys from another system (admin key acting for an account): all or nothing. The answer
   * lists the created tokens, without keys; foreign-format keys verify from then on.
   */
  import(params: TokenImportParams, options?: RequestOptions): Promise<List<Token>> {
    return this.postJson("/v1/tokens/import", params, options);
  }
  disable(id: string, options?: RequestOptions): Promise<Token> {
    return this.postJson(`/v1/tokens/${seg(id)}/disable`, {}, options);
  }
  enable(id: string, options?: RequestOptions): Promise<Token> {
    return this.postJson(`/v1/tokens/${seg(id)}/enable`, {}, options);
  }
}

/** /v1/accounts: admin keys only. */
export class Accounts extends Resource {
  create(params: AccountCreateParams, options?: RequestOptions): Promise<Account> {
    return this.postJson("/v1/accounts", params, options);
  }
  list(params: AccountListParams = {}, options?: RequestOptions): Promise<List<Account>> {
    return this.getJson("/v1/accounts", params, options);
  }
  all(params: AccountListParams = {}, options?: RequestOptions): AsyncGenerator<Account> {
    return this.paginate<Account>("/v1/accounts", params, options);
  }
  get(id: string, options?: RequestOptions): Promise<Account> {
    return this.getJson(`/v1/accounts/${seg(id)}`, undefined, options);
  }
  update(id: string, params: AccountUpdateParams, options?: RequestOptions): Promise<Account> {
    return this.postJson(`/v1/accounts/${seg(id)}`, params, options);
  }
  /** Adds `amount` credits (negative subtracts, never below zero). */
  addCredits(id: string, amount: number, options?: RequestOptions): Promise<Account> {
    return this.postJson(`/v1/accounts/${seg(id)}/credits`, { amount }, options);
  }
  disable(id: string, options?: RequestOptions): Promise<Account> {
    return this.postJson(`/v1/accounts/${seg(id)}/disable`, {}, options);
  }
  enable(id: string, options?: RequestOptions): Promise<Account> {
    return this.postJson(`/v1/accounts/${seg(id)}/enable`, {}, options);
  }
}

/** /v1/token and /v1/token/verify: short-lived access tokens for frontends. */
export class AccessTokens extends Resource {
  /** Mints an access token (1..60 minutes, server default 60). */
  create(params: { expiry_minutes?: number } = {}, options?: RequestOptions): Promise<AccessToken> {
    return this.postJson("/v1/token", params, options);
  }
  /** {valid:true, expires_at} or {valid:false}; never throws for an invalid token. */
  verify(accessToken: string, options?: RequestOptions): Promise<AccessTokenCheck> {
    return this.postJson("/v1/token/verify", { access_token: accessToken }, options);
  }
}

/** /v1/credits: the caller's account balance. */
export class CreditsResource extends Resource {
  get(options?: RequestOptions): Promise<Credits> {
    return this.getJson("/v1/credits", undefined, options);
  }
}

/** /v1/keys/verify: the verdict for a key, as a gateway or backend asks for it. */
export class Keys extends Resource {
  /**
   * Verifies `key` for `method` and `path` (charging credits and taking rate limit, like the real
   * request would). Resolves with the verdict, valid or not; throws only when keyward refused
   * the caller (404 outside `verifier.allow_from`) or could not decide (503, connection).
   * Never retried: a verification is not idempotent.
   */
  verify(params: VerifyParams, options?: RequestOptions): Promise<Verdict> {
    const headers: Record<string, string> = {};
    const admin = this.client.verifierAdminKey;
    if (admin !== undefined) headers["keyward-admin-key"] = admin;
    const body: VerifyParams = { key: params.key, method: params.method ?? "GET", path: params.path ?? "/" };
    if (params.client_ip !== undefined) body.client_ip = params.client_ip;
    return this.client.call<Verdict>({
      method: "POST",
      path: "/v1/keys/verify",
      body,
      headers,
      options,
      // The verified key is in the body; the caller's own credential is not sent.
      anonymous: true,
      once: true,
    });
  }
}

/** /v1/usage: verification counts per bucket. */
export class UsageResource extends Resource {
  get(params: UsageParams = {}, options?: RequestOptions): Promise<Usage> {
    return this.getJson("/v1/usage", params, options);
  }
  /** The same rows as CSV (header row `start,valid,…,credits`). */
  async csv(params: UsageParams = {}, options?: RequestOptions): Promise<string> {
    const r = await this.client.request<string>({
      method: "GET",
      path: "/v1/usage",
      query: { ...params, format: "csv" },
      headers: { accept: "text/csv" },
      options,
    });
    return r.text;
  }
}

function eventQuery(p: EventListParams): Record<string, string | number | undefined> {
  const { created_gte, created_lt, ...rest } = p;
  return { ...rest, "created[gte]": created_gte, "created[lt]": created_lt };
}

/** /v1/events: the audit log. */
export class Events extends Resource {
  list(params: EventListParams = {}, options?: RequestOptions): Promise<List<KeywardEvent>> {
    return this.getJson("/v1/events", eventQuery(params), options);
  }
  all(params: EventListParams = {}, options?: RequestOptions): AsyncGenerator<KeywardEvent> {
    return this.paginate<KeywardEvent>("/v1/events", eventQuery(params), options);
  }
  get(id: string, options?: RequestOptions): Promise<KeywardEvent> {
    return this.getJson(`/v1/events/${seg(id)}`, undefined, options);
  }
}

/** /v1/plans: admin keys only. A plan's identifier is its name. */
export class Plans extends Resource {
  create(params: Record<string, unknown> & { name: string }, options?: RequestOptions) {
    return this.postJson<Record<string, unknown>>("/v1/plans", params, options);
  }
  list(options?: RequestOptions) {
    return this.getJson<List<Record<string, unknown>>>("/v1/plans", undefined, options);
  }
  get(name: string, options?: RequestOptions) {
    return this.getJson<Record<string, unknown>>(`/v1/plans/${seg(name)}`, undefined, options);
  }
  update(name: string, params: Record<string, unknown>, options?: RequestOptions) {
    return this.postJson<Record<string, unknown>>(`/v1/plans/${seg(name)}`, params, options);
  }
}

export interface WebhookEndpointParams {
  url?: string;
  enabled_events?: string[];
  description?: string;
  /** Admin keys: only this account's events. */
  account?: string;
  status?: "enabled" | "disabled";
}

/** /v1/webhook_endpoints: where keyward delivers events. The `secret` is shown on create and roll. */
export class WebhookEndpoints extends Resource {
  create(params: WebhookEndpointParams & { url: string; enabled_events: string[] }, options?: RequestOptions) {
    return this.postJson<Record<string, unknown> & { id: string; secret: string }>(
      "/v1/webhook_endpoints",
      params,
      options,
    );
  }
  list(params: ListParams = {}, options?: RequestOptions) {
    return this.getJson<List<Record<string, unknown> & { id: string }>>("/v1/webhook_endpoints", params, options);
  }
  get(id: string, options?: RequestOptions) {
    return this.getJson<Record<string, unknown>>(`/v1/webhook_endpoints/${seg(id)}`, undefined, options);
  }
  update(id: string, params: WebhookEndpointParams, options?: RequestOptions) {
    return this.postJson<Record<string, unknown>>(`/v1/webhook_endpoints/${seg(id)}`, params, options);
  }
  async delete(id: string, options?: RequestOptions): Promise<unknown> {
    return this.client.call({ method: "DELETE", path: `/v1/webhook_endpoints/${seg(id)}`, options });
  }
  rollSecret(id: string, options?: RequestOptions) {
    return this.postJson<Record<string, unknown> & { secret: string }>(
      `/v1/webhook_endpoints/${seg(id)}/roll_secret`,
      {},
      options,
    );
  }
  deliveries(id: string, params: ListParams = {}, options?: RequestOptions) {
    return this.getJson<List<Record<string, unknown> & { id: string }>>(
      `/v1/webhook_endpoints/${seg(id)}/deliveries`,
      params,
      options,
    );
  }
}
