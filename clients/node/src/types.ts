// The objects of the keyward API (docs/api.md), as the server sends them: field names are the
// wire's (snake_case), times are Unix seconds except the access-token endpoints' ISO strings.
// Plain data, no behaviour.

export type TokenType = "secret" | "publishable" | "restricted";
export type TokenStatus = "active" | "disabled" | "revoked" | "expired";

export interface List<T> {
  object: "list";
  data: T[];
  has_more: boolean;
}

export interface ListParams {
  /** 1..100 (server default 10). */
  limit?: number;
  /** An object id: the page after it. */
  starting_after?: string;
}

export interface Token {
  id: string;
  object: "token";
  name: string;
  type: TokenType;
  key_prefix: string | null;
  last4: string | null;
  permissions: string[];
  last_used_at: number | null;
  expires_at: number | null;
  livemode: boolean;
  created: number;
  revoked_at: number | null;
  status: TokenStatus;
  account: string;
  metadata?: Record<string, string>;
  ip_allowlist?: string[];
}

/** A created or rolled token: the only time the full key is shown. */
export interface TokenWithKey extends Token {
  key: string;
}

export interface TokenCreateParams {
  name: string;
  type?: TokenType;
  permissions?: string[];
  expires_at?: number | null;
  livemode?: boolean;
  metadata?: Record<string, string>;
  ip_allowlist?: string[];
}

export interface TokenListParams extends ListParams {
  status?: TokenStatus;
}

export interface TokenUpdateParams {
  name?: string;
  /** A key set to "" or null is removed; null clears all. */
  metadata?: Record<string, string | null> | null;
  expires_at?: number | null;
  ip_allowlist?: string[] | null;
  permissions?: string[];
}

/** One key of tokens.import: exactly one of `sha256` (hex) and `key` (plaintext, hashed at once). */
export interface TokenImportKey {
  sha256?: string;
  key?: string;
  name: string;
  type?: TokenType;
  permissions?: string[];
  expires_at?: number | null;
  livemode?: boolean;
  metadata?: Record<string, string>;
  ip_allowlist?: string[];
  /** Shown for display; null on the token when not given. */
  key_prefix?: string;
  last4?: string;
}

export interface TokenImportParams {
  /** 1..1000 keys, imported all or nothing. */
  keys: TokenImportKey[];
}

export interface TokenRollParams {
  /** 0..604800: 0 revokes the old token now, else it expires that many seconds from now. */
  expires_in_seconds?: number;
}

export interface Account {
  id: string;
  object: "account";
  email: string;
  name: string;
  credits: number | null;
  plan: string;
  created: number;
  metadata?: Record<string, string>;
  overrides?: { rate_limit: string | null; account_rate_limit: string | null };
  status?: "active" | "disabled";
  disabled_at?: number | null;
}

export interface AccountCreateParams {
  email: string;
  name?: string;
  credits?: number | null;
  plan?: string;
  password?: string;
}

export interface AccountListParams extends ListParams {
  email?: string;
  plan?: string;
  status?: "active" | "disabled";
}

export interface AccountUpdateParams {
  name?: string;
  email?: string;
  plan?: string;
  metadata?: Record<string, string | null> | null;
  rate_limit?: string | null;
  account_rate_limit?: string | null;
}

export interface Credits {
  object: "credits";
  balance: number | null;
  used: number;
  livemode: boolean;
}

export interface AccessToken {
  object: "access_token";
  access_token: string;
  /** ISO-8601 UTC, e.g. "2024-01-15T11:30:00Z". */
  expires_at: string;
}

export interface AccessTokenCheck {
  valid: boolean;
  expires_at?: string;
}

export interface VerifyParams {
  key: string;
  method?: string;
  path?: string;
  client_ip?: string;
}

export interface RateLimitInfo {
  limit: number;
  remaining: number;
  reset: number;
}

/** The verdict of POST /v1/keys/verify. */
export interface Verdict {
  valid: boolean;
  /** "VALID" or one of the error codes (UNAUTHORIZED, FORBIDDEN, RATE_LIMITED, ...). */
  code: string;
  message?: string;
  token?: {
    id: string;
    account: string;
    type: TokenType;
    permissions: string[];
    livemode: boolean;
    sandbox: boolean;
    metadata?: Record<string, string>;
  };
  ratelimit?: RateLimitInfo | null;
  credits?: { balance: number | null; charged: number };
}

export type UsageGranularity = "minute" | "hour" | "day";

export interface UsageParams {
  granularity?: UsageGranularity;
  /** Unix seconds, rounded down to the granularity (default: `to` − 24 h). */
  from?: number;
  /** Unix seconds, rounded up (default: now). */
  to?: number;
  token?: string;
  account?: string;
}

export interface UsageRow {
  start: number;
  valid: number;
  rate_limited: number;
  quota_exceeded: number;
  forbidden: number;
  unauthorized: number;
  credits: number;
}

export interface Usage {
  object: "usage";
  granularity: UsageGranularity;
  from: number;
  to: number;
  data: UsageRow[];
}

export interface EventActor {
  type: "admin_key" | "token" | "session" | "operator" | "agent" | "cli" | "system";
  id: string | null;
  ip?: string | null;
}

export interface KeywardEvent {
  id: string;
  object: "event";
  type: string;
  created: number;
  account: string | null;
  livemode: boolean;
  request_id: string | null;
  actor: EventActor;
  data: {
    object: Record<string, unknown>;
    previous_attributes?: Record<string, unknown>;
    [extra: string]: unknown;
  };
}

export interface EventListParams extends ListParams {
  /** An event type ("token.revoked") or a prefix ("token.*"). */
  type?: string;
  /** Unix seconds: created at or after. */
  created_gte?: number;
  /** Unix seconds: created before. */
  created_lt?: number;
  /** Admin keys: one account's events. */
  account?: string;
}
