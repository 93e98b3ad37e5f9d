"""Receiving keyward's webhooks (docs/api.md 14).

Checks a delivery's ``Keyward-Signature`` header — ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>``, keyed with the whole ``whsec_…`` secret — before its body is trusted, and
refuses signatures older than a tolerance (replays). Pure functions; constant-time comparison;
the secret never appears in an error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from .errors import KeywardError

__all__ = ["SignatureVerificationError", "construct_event", "sign_payload"]

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class SignatureVerificationError(KeywardError):
    """The delivery's signature is missing, malformed, wrong or too old (answer it with 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=400, code="INVALID_SIGNATURE")


def _mac(payload: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def sign_payload(payload: bytes | str, secret: str, timestamp: int) -> str:
    """The header value keyward would send for ``payload`` at ``timestamp`` (for your tests)."""
    raw = payload.encode() if isinstance(payload, str) else payload
    return f"t={timestamp},v1={_mac(raw, secret, timestamp)}"


def construct_event(
    payload: bytes | str,
    header: str | None,
    secret: str,
    tolerance: int = 300,
    now: int | None = None,
) -> dict:
    """Checks ``header`` against the raw body (exactly as received) and returns the event."""
    if not header:
        raise SignatureVerificationError("No Keyward-Signature header.")
    timestamp = None
    signatures = []
    for part in header.split(","):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            continue
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and _HEX64.match(value):
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureVerificationError("The Keyward-Signature header is malformed.")
    raw = payload.encode() if isinstance(payload, str) else payload
    expected = _mac(raw, secret, timestamp)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureVerificationError("The signature does not match the payload.")
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureVerificationError("The signature's timestamp is outside the tolerance.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise SignatureVerificationError("The payload is not JSON.") from None
