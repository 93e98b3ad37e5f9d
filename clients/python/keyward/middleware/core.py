"""What the WSGI and ASGI middlewares share.

Reading the request's key (``x-api-key`` or ``Authorization: Bearer``), asking keyward for the
verdict (POST /v1/keys/verify with the request's method, path and client address), and turning a
refusal into keyward's own error answer (status, JSON body, rate-limit headers, Retry-After,
WWW-Authenticate). Could-not-decide (keyward unreachable, timed out, 5xx) fails CLOSED by default:
503 UNAVAILABLE with Retry-After; ``fail_open=True`` lets the request through without a verdict.
A keyward that refuses the middleware itself (404: not in verifier.allow_from and no admin key)
is a configuration error: always 503. Stateless and thread-safe; never logs or echoes the key.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Callable

from ..client import Keyward
from ..errors import KeywardError, status_for_code

__all__ = ["Decision", "decide", "extract_key"]

_BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)
_CHALLENGE = 'Bearer realm="keyward"'


@dataclass
class Decision:
    """allow (verdict set), open (fail-open pass, no verdict) or deny (status, body, headers)."""

    kind: str
    verdict: dict | None = None
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    error: KeywardError | None = None


def extract_key(get_header: Callable[[str], str | None]) -> tuple[str | None, bool]:
    """(key, conflict): x-api-key or Bearer; both with different values is a conflict."""
    api_key = (get_header("x-api-key") or "").strip()
    bearer = ""
    auth = (get_header("authorization") or "").strip()
    m = _BEARER.match(auth)
    if m:
        bearer = m.group(1).strip()
    if api_key and bearer and api_key != bearer:
        return None, True
    return (api_key or bearer or None), False


def _deny(status: int, code: str, message: str, headers: list[tuple[str, str]],
          request_id: str | None = None) -> Decision:
    err: dict = {"status": status, "code": code, "message": message}
    if request_id:
        err["request_id"] = request_id
    body = json.dumps({"error": err}, separators=(",", ":")).encode()
    return Decision(
        kind="deny",
        status=status,
        body=body,
        headers=headers + [("Content-Type", "application/json"),
                           ("Content-Length", str(len(body)))],
    )


def _ratelimit_headers(verdict: dict) -> list[tuple[str, str]]:
    rl = verdict.get("ratelimit")
    if not isinstance(rl, dict):
        return []
    return [
        ("X-RateLimit-Limit", str(rl.get("limit"))),
        ("X-RateLimit-Remaining", str(rl.get("remaining"))),
        ("X-RateLimit-Reset", str(rl.get("reset"))),
    ]


def decide(
    client: Keyward,
    get_header: Callable[[str], str | None],
    method: str,
    path: str,
    client_ip: str | None,
    *,
    fail_open: bool = False,
    on_unavailable: Callable[[KeywardError], None] | None = None,
) -> Decision:
    """Asks keyward about one request and says what to do with it. Never raises."""
    key, conflict = extract_key(get_header)
    if conflict:
        return _deny(401, "UNAUTHORIZED", "Two different credentials were presented.",
                     [("WWW-Authenticate", f'{_CHALLENGE}, error="invalid_request"')])
    if key is None:
        return _deny(401, "UNAUTHORIZED", "No API key was presented.",
                     [("WWW-Authenticate", _CHALLENGE)])
    headers = {}
    if client.verifier_admin_key is not None:
        headers["Keyward-Admin-Key"] = client.verifier_admin_key
    body = {"key": key, "method": method, "path": path}
    if client_ip:
        body["client_ip"] = client_ip
    try:
        r = client.request("POST", "/v1/keys/verify", body=body, headers=headers,
                           anonymous=True, once=True)
        verdict = r.data
        request_id = r.headers.get("x-request-id")
        if not isinstance(verdict, dict):
            raise KeywardError("keyward's verdict was not JSON", status=502, code="BAD_GATEWAY")
    except Exception as e:  # noqa: BLE001 - any failure to get a verdict is "undecided"
        err = e if isinstance(e, KeywardError) else KeywardError(
            f"{type(e).__name__}: {e}", status=0, code="CLIENT_ERROR")
        if on_unavailable is not None:
            on_unavailable(err)
        undecided = err.status == 0 or err.status >= 500
        if undecided and fail_open:
            return Decision(kind="open", error=err)
        retry = err.retry_after if err.retry_after is not None else 1
        return _deny(503, "UNAVAILABLE",
                     "The API key service is unavailable; try again shortly.",
                     [("Retry-After", str(int(retry)))])
    rl_headers = _ratelimit_headers(verdict)
    if verdict.get("valid") is True:
        return Decision(kind="allow", verdict=verdict, headers=rl_headers)
    code = str(verdict.get("code") or "UNAUTHORIZED")
    status = status_for_code(code)
    if status == 401:
        rl_headers.append(("WWW-Authenticate", f'{_CHALLENGE}, error="invalid_token"'))
    rl = verdict.get("ratelimit")
    if status == 429 and isinstance(rl, dict) and isinstance(rl.get("reset"), int):
        rl_headers.append(("Retry-After", str(max(1, rl["reset"] - int(time.time())))))
    return _deny(status, code, str(verdict.get("message") or "The request was refused."),
                 rl_headers, request_id)
