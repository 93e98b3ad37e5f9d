"""Typed errors of the keyward client.

One class per error-code family of the API contract (docs/api.md 1.2), each carrying the HTTP
status, the stable code, the human message, the field at fault (``param``), the request id and,
when the server sent one, ``retry_after`` in seconds. Errors never carry a credential: keyward's
messages contain no secret and the client adds none. The names avoid Python's built-in
``PermissionError``, ``ConnectionError`` and ``TimeoutError``.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Mapping

__all__ = [
    "KeywardError",
    "InvalidRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "TokenExpiredError",
    "QuotaExceededError",
    "NotFoundError",
    "MethodNotAllowedError",
    "IdempotencyError",
    "TooLargeError",
    "RateLimitError",
    "GatewayError",
    "InternalError",
    "UnavailableError",
    "APIConnectionError",
    "APITimeoutError",
    "error_from_response",
    "error_class_for",
    "status_for_code",
    "parse_retry_after",
]


class KeywardError(Exception):
    """Base class of every error the client raises. ``status`` is 0 when no answer arrived."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        param: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after
        self.headers: dict[str, str] = dict(headers or {})

    def __str__(self) -> str:
        rid = f" ({self.request_id})" if self.request_id else ""
        return f"{self.status} {self.code}: {self.message}{rid}"

    def to_dict(self) -> dict:
        """The same fields under the wire's names."""
        out: dict = {"status": self.status, "code": self.code, "message": self.message}
        if self.param is not None:
            out["param"] = self.param
        if self.request_id is not None:
            out["request_id"] = self.request_id
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        return out


class InvalidRequestError(KeywardError):
    """400 INVALID_REQUEST: malformed JSON, wrong type, missing or out-of-range field (param)."""


class AuthenticationError(KeywardError):
    """401 UNAUTHORIZED: no credential; malformed, unknown, revoked, disabled or expired key."""


class PermissionDeniedError(KeywardError):
    """403 FORBIDDEN and HTTPS_REQUIRED: the credential may not do this."""


class TokenExpiredError(KeywardError):
    """403 TOKEN_EXPIRED: an access token past its expires_at."""


class QuotaExceededError(KeywardError):
    """403 QUOTA_EXCEEDED: the credit balance is below the request's cost."""


class NotFoundError(KeywardError):
    """404 NOT_FOUND: no such path, or an object not visible to the caller."""


class MethodNotAllowedError(KeywardError):
    """405 METHOD_NOT_ALLOWED."""


class IdempotencyError(KeywardError):
    """409 IDEMPOTENCY_IN_PROGRESS and 422 IDEMPOTENCY_KEY_REUSED."""


class TooLargeError(KeywardError):
    """413 PAYLOAD_TOO_LARGE and 431 HEADERS_TOO_LARGE."""


class RateLimitError(KeywardError):
    """429 RATE_LIMITED; ``retry_after`` says when to try again."""


class GatewayError(KeywardError):
    """502 BAD_GATEWAY and 504 GATEWAY_TIMEOUT (proxy mode)."""


class InternalError(KeywardError):
    """500 INTERNAL_ERROR."""


class UnavailableError(KeywardError):
    """503 UNAVAILABLE: keyward cannot decide or write now; see ``retry_after``."""


class APIConnectionError(KeywardError):
    """No HTTP answer: connection refused or reset, DNS or TLS failure (status 0)."""


class APITimeoutError(APIConnectionError):
    """No HTTP answer within the client's timeout (status 0, code TIMEOUT)."""


_BY_CODE: dict[str, type[KeywardError]] = {
    "INVALID_REQUEST": InvalidRequestError,
    "UNAUTHORIZED": AuthenticationError,
    "FORBIDDEN": PermissionDeniedError,
    "HTTPS_REQUIRED": PermissionDeniedError,
    "TOKEN_EXPIRED": TokenExpiredError,
    "QUOTA_EXCEEDED": QuotaExceededError,
    "NOT_FOUND": NotFoundError,
    "METHOD_NOT_ALLOWED": MethodNotAllowedError,
    "IDEMPOTENCY_IN_PROGRESS": IdempotencyError,
    "IDEMPOTENCY_KEY_REUSED": IdempotencyError,
    "PAYLOAD_TOO_LARGE": TooLargeError,
    "HEADERS_TOO_LARGE": TooLargeError,
    "RATE_LIMITED": RateLimitError,
    "BAD_GATEWAY": GatewayError,
    "GATEWAY_TIMEOUT": GatewayError,
    "INTERNAL_ERROR": InternalError,
    "UNAVAILABLE": UnavailableError,
}

_CODE_BY_STATUS: dict[int, str] = {
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
}


def error_class_for(code: str, status: int) -> type[KeywardError]:
    """The class for a code; for a code this client does not know, the class of the status."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    by_status = _CODE_BY_STATUS.get(status)
    if by_status is not None:
        return _BY_CODE[by_status]
    return InternalError if status >= 500 else KeywardError


def status_for_code(code: str) -> int:
    """The HTTP status keyward answers with for an error code (used by the middlewares)."""
    for status, c in _CODE_BY_STATUS.items():
        if c == code:
            return status
    return 403  # TOKEN_EXPIRED, QUOTA_EXCEEDED, HTTPS_REQUIRED, and codes not known yet


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (keyward sends seconds; an HTTP date is accepted too)."""
    if value is None:
        return None
    value = value.strip()
    try:
        n = float(value)
        return n if n >= 0 else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - time.time())


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> KeywardError:
    """The typed error for an HTTP error answer (status >= 400); headers have lower-case names."""
    err: dict = {}
    try:
        parsed = json.loads(body.decode("utf-8"))
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
            err = parsed["error"]
    except (ValueError, UnicodeDecodeError):
        pass  # not keyward's JSON (a proxy in between answered): keep the status alone
    code = err.get("code") if isinstance(err.get("code"), str) else None
    code = code or _CODE_BY_STATUS.get(status, f"HTTP_{status}")
    message = err.get("message") if isinstance(err.get("message"), str) else None
    param = err.get("param") if isinstance(err.get("param"), str) else None
    request_id = err.get("request_id") if isinstance(err.get("request_id"), str) else None
    cls = error_class_for(code, status)
    return cls(
        message or f"keyward answered HTTP {status}",
        status=status,
        code=code,
        param=param,
        request_id=request_id or headers.get("x-request-id"),
        retry_after=parse_retry_after(headers.get("retry-after")),
        headers=headers,
    )
