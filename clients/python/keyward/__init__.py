"""keyward: a standard-library-only client for the keyward API-key service (Python 3.11+).

    from keyward import Keyward
    kw = Keyward("http://127.0.0.1:8080", api_key="sk_live_…")
    kw.tokens.list()

WSGI/ASGI middlewares: ``keyward.middleware``.
"""

from .client import VERSION, Keyward, RawResponse
from .errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    GatewayError,
    IdempotencyError,
    InternalError,
    InvalidRequestError,
    KeywardError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    TokenExpiredError,
    TooLargeError,
    UnavailableError,
)
from .webhooks import SignatureVerificationError, construct_event, sign_payload

__version__ = VERSION

__all__ = [
    "Keyward",
    "RawResponse",
    "VERSION",
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
    "SignatureVerificationError",
    "construct_event",
    "sign_payload",
]
