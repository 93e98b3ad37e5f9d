// Typed errors of the keyward client: one class per error-code family of the API contract
// (docs/api.md 1.2), each carrying the HTTP status, the stable code, the human message, the
// field at fault (`param`), the request id and, when the server sent one, Retry-After.
// Errors never carry a credential: the server's messages contain no secret and the client adds
// none.

/** The body keyward sends with every error: `{"error": {...}}`. */
export interface ErrorBody {
  status?: number;
  code?: string;
  message?: string;
  param?: string;
  request_id?: string;
}

export interface KeywardErrorInit {
  status: number;
  code: string;
  message: string;
  param?: string | undefined;
  requestId?: string | undefined;
  retryAfter?: number | undefined;
  headers?: Record<string, string> | undefined;
}

/** Base class of every error the client throws. `status` is 0 when no HTTP answer arrived. */
export class KeywardError extends Error {
  readonly status: number;
  readonly code: string;
  readonly param: string | undefined;
  readonly requestId: string | undefined;
  /** Seconds the server asked to wait (Retry-After), when it sent the header. */
  readonly retryAfter: number | undefined;
  /** The response headers, lower-cased names (empty when no answer arrived). */
  readonly headers: Record<string, string>;

  constructor(init: KeywardErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.param = init.param;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.headers = init.headers ?? {};
  }

  /** The same fields under the wire's names, for logs and JSON. */
  toJSON(): ErrorBody & { retry_after?: number } {
    const out: ErrorBody & { retry_after?: number } = {
      status: this.status,
      code: this.code,
      message: this.message,
    };
    if (this.param !== undefined) out.param = this.param;
    if (this.requestId !== undefined) out.request_id = this.requestId;
    if (this.retryAfter !== undefined) out.retry_after = this.retryAfter;
    return out;
  }
}

/** 400 INVALID_REQUEST: malformed JSON, wrong type, missing or out-of-range field (`param`). */
export class InvalidRequestError extends KeywardError {}
/** 401 UNAUTHORIZED: no credential, malformed/unknown/revoked/disabled/expired key. */
export class AuthenticationError extends KeywardError {}
/** 403 FORBIDDEN and HTTPS_REQUIRED: the credential may not do this. */
export class PermissionError extends KeywardError {}
/** 403 TOKEN_EXPIRED: an access token past its expires_at. */
export class TokenExpiredError extends KeywardError {}
/** 403 QUOTA_EXCEEDED: the account's credit balance is below the request's cost. */
export class QuotaExceededError extends KeywardError {}
/** 404 NOT_FOUND: no such path, or an object not visible to the caller. */
export class NotFoundError extends KeywardError {}
/** 405 METHOD_NOT_ALLOWED. */
export class MethodNotAllowedError extends KeywardError {}
/** 409 IDEMPOTENCY_IN_PROGRESS and 422 IDEMPOTENCY_KEY_REUSED. */
export class IdempotencyError extends KeywardError {}
/** 413 PAYLOAD_TOO_LARGE and 431 HEADERS_TOO_LARGE. */
export class TooLargeError extends KeywardError {}
/** 429 RATE_LIMITED; `retryAfter` says when to try again. */
export class RateLimitError extends KeywardError {}
/** 502 BAD_GATEWAY and 504 GATEWAY_TIMEOUT (proxy mode). */
export class GatewayError extends KeywardError {}
/** 500 INTERNAL_ERROR. */
export class InternalError extends KeywardError {}
/** 503 UNAVAILABLE: keyward cannot decide or write now; `retryAfter` says when to retry. */
export class UnavailableError extends KeywardError {}
/** No HTTP answer: connection refused or reset, DNS failure, TLS failure (status 0). */
export class ConnectionError extends KeywardError {}
/** No HTTP answer within the client's timeout (status 0, code TIMEOUT). */
export class TimeoutError extends ConnectionError {}

const byCode: Record<string, typeof KeywardError> = {
  INVALID_REQUEST: InvalidRequestError,
  UNAUTHORIZED: AuthenticationError,
  FORBIDDEN: PermissionError,
  HTTPS_REQUIRED: PermissionError,
  TOKEN_EXPIRED: TokenExpiredError,
  QUOTA_EXCEEDED: QuotaExceededError,
  NOT_FOUND: NotFoundError,
  METHOD_NOT_ALLOWED: MethodNotAllowedError,
  IDEMPOTENCY_IN_PROGRESS: IdempotencyError,
  IDEMPOTENCY_KEY_REUSED: IdempotencyError,
  PAYLOAD_TOO_LARGE: TooLargeError,
  HEADERS_TOO_LARGE: TooLargeError,
  RATE_LIMITED: RateLimitError,
  BAD_GATEWAY: GatewayError,
  GATEWAY_TIMEOUT: GatewayError,
  INTERNAL_ERROR: InternalError,
  UNAVAILABLE: UnavailableError,
};

const byStatus: Record<number, typeof KeywardError> = {
  400: InvalidRequestError,
  401: AuthenticationError,
  403: PermissionError,
  404: NotFoundError,
  405: MethodNotAllowedError,
  409: IdempotencyError,
  413: TooLargeError,
  422: IdempotencyError,
  429: RateLimitError,
  431: TooLargeError,
  502: GatewayError,
  504: GatewayError,
  500: InternalError,
  503: UnavailableError,
};

const defaultCode: Record<number, string> = {
  400: "INVALID_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "IDEMPOTENCY_IN_PROGRESS",
  413: "PAYLOAD_TOO_LARGE",
  422: "IDEMPOTENCY_KEY_REUSED",
  429: "RATE_LIMITED",
  431: "HEADERS_TOO_LARGE",
  500: "INTERNAL_ERROR",
  502: "BAD_GATEWAY",
  503: "UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

/** The error class for a code (or, for an unknown code, for the status). */
export function errorClassFor(code: string, status: number): typeof KeywardError {
  return byCode[code] ?? byStatus[status] ?? (status >= 500 ? InternalError : KeywardError);
}

/** The HTTP status keyward answers with for an error code (used by the middlewares). */
export function statusForCode(code: string): number {
  for (const [status, c] of Object.entries(defaultCode)) if (c === code) return Number(status);
  // The other 403s (TOKEN_EXPIRED, QUOTA_EXCEEDED, HTTPS_REQUIRED) and any code this client
  // does not know yet: a refusal.
  return 403;
}

/** Parses a Retry-After header value given in seconds (keyward never sends an HTTP date). */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Builds the typed error for an HTTP error answer (any status ≥ 400). */
export function errorFromResponse(
  status: number,
  headers: Record<string, string>,
  bodyText: string,
): KeywardError {
  let body: ErrorBody = {};
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed && typeof parsed === "object" && "error" in parsed) {
      const e = (parsed as { error: unknown }).error;
      if (e && typeof e === "object") body = e as ErrorBody;
    }
  } catch {
    // Not keyward's JSON (e.g. a proxy in between answered): keep the status alone.
  }
  const code = typeof body.code === "string" ? body.code : (defaultCode[status] ?? `HTTP_${status}`);
  const Cls = errorClassFor(code, status);
  return new Cls({
    status,
    code,
    message:
      typeof body.message === "string" ? body.message : `keyward answered HTTP ${status}`,
    param: typeof body.param === "string" ? body.param : undefined,
    requestId:
      typeof body.request_id === "string" ? body.request_id : headers["x-request-id"],
    retryAfter: parseRetryAfter(headers["retry-after"]),
    headers,
  });
}
