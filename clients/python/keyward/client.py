"""The keyward API client.

``Keyward`` holds the base URL, the credential, a keep-alive connection pool and the defaults
(timeout, retries); its resource namespaces (``tokens``, ``accounts``, ``access_tokens``,
``credits``, ``keys``, ``usage``, ``events``, ``plans``, ``webhook_endpoints``) build the requests
of docs/api.md and return the server's objects as dicts. Failures raise the typed errors of
``keyward.errors``.

Thread-safe: calls share only the connection pool (locked) and immutable settings.
Retries: GETs and POSTs carrying an Idempotency-Key (every POST gets one unless given, except
/v1/keys/verify, which keyward does not deduplicate) are retried on a connection failure, a
timeout, 503 UNAVAILABLE and 409 IDEMPOTENCY_IN_PROGRESS with the same key, so a retried write runs
at most once.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import quote, urlencode, urlsplit

from .errors import KeywardError, error_from_response
from .resources import (
    AccessTokens,
    Accounts,
    Credits,
    Events,
    Keys,
    Plans,
    Tokens,
    Usage,
    WebhookEndpoints,
)
from .transport import Transport

__all__ = ["Keyward", "RawResponse", "VERSION"]

VERSION = "0.1.0"


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    data: Any  # parsed JSON, or the text for non-JSON answers (CSV)
    text: str


class Keyward:
    """A client for one keyward server.

    base_url: keyward's address (default $KEYWARD_URL, else http://127.0.0.1:8080).
    api_key: the credential for management calls (sk_…, rk_…, or an admin key ak_…).
    account: with an admin key, the account it acts for (Keyward-Account).
    verifier_admin_key: for verify calls from hosts outside keyward's verifier.allow_from; an
        admin key sent as Keyward-Admin-Key (defaults to api_key when that is an admin key).
    timeout: seconds per socket operation (default 10). max_retries: extra attempts (default 2).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        account: str | None = None,
        verifier_admin_key: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 2,
        user_agent: str | None = None,
        ssl_context: Any = None,
    ) -> None:
        base = base_url or os.environ.get("KEYWARD_URL") or "http://127.0.0.1:8080"
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"keyward: base_url must be an http(s) URL, got {base!r}")
        self.base_url = base.rstrip("/")
        self._prefix = parts.path.rstrip("/")
        self._api_key = api_key
        self._account = account
        if verifier_admin_key is None and api_key is not None and api_key.startswith("ak_"):
            verifier_admin_key = api_key
        self.verifier_admin_key = verifier_admin_key
        self.timeout = timeout
        self.max_retries = max_retries
        self._user_agent = user_agent or f"keyward-python/{VERSION}"
        self._transport = Transport(parts, ssl_context=ssl_context)
        self.tokens = Tokens(self)
        self.accounts = Accounts(self)
        self.access_tokens = AccessTokens(self)
        self.credits = Credits(self)
        self.keys = Keys(self)
        self.usage = Usage(self)
        self.events = Events(self)
        self.plans = Plans(self)
        self.webhook_endpoints = WebhookEndpoints(self)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the idle keep-alive connections."""
        self._transport.close()

    def __enter__(self) -> "Keyward":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connections_opened(self) -> int:
        """How many TCP connections this client opened (keep-alive keeps this low)."""
        return self._transport.connections_opened

    def healthy(self) -> bool:
        """GET /healthz answered 200."""
        try:
            return self.request("GET", "/healthz", max_retries=0).status == 200
        except KeywardError:
            return False

    # -- request building --------------------------------------------------------------------

    def build_target(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        """The request target (path and query) of a call."""
        target = self._prefix + path
        if query:
            pairs = []
            for name, value in query.items():
                if value is None:
                    continue
                if isinstance(value, bool):
                    value = "true" if value else "false"
                pairs.append((name, str(value)))
            if pairs:
                target += "?" + urlencode(pairs, safe="*")
        return target

    def build_headers(
        self,
        method: str,
        *,
        has_body: bool,
        idempotency_key: str | None = None,
        for_account: str | None = None,
        api_key: str | None = None,
        anonymous: bool = False,
        once: bool = False,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The headers of a call."""
        headers = {"Accept": "application/json", "User-Agent": self._user_agent}
        if not anonymous:
            key = api_key if api_key is not None else self._api_key
            if key is not None:
                headers["Authorization"] = f"Bearer {key}"
            account = for_account if for_account is not None else self._account
            if account is not None:
                headers["Keyward-Account"] = account
        if has_body:
            headers["Content-Type"] = "application/json"
        if method == "POST" and not once:
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        for_account: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        anonymous: bool = False,
        once: bool = False,
    ) -> RawResponse:
        """Sends one call (with retries); raises the typed error of a status >= 400."""
        target = self.build_target(path, query)
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        hdrs = self.build_headers(
            method,
            has_body=payload is not None,
            idempotency_key=idempotency_key,
            for_account=for_account,
            api_key=api_key,
            anonymous=anonymous,
            once=once,
            extra=headers,
        )
        retryable = not once and (method == "GET" or "Idempotency-Key" in hdrs)
        retries = (self.max_retries if max_retries is None else max_retries) if retryable else 0
        t = self.timeout if timeout is None else timeout
        attempt = 0
        while True:
            try:
                res = self._transport.send(method, target, hdrs, payload, t)
                if res.status < 400:
                    text = res.body.decode("utf-8", errors="replace")
                    is_json = "json" in res.headers.get("content-type", "")
                    data = json.loads(text) if is_json and text else text
                    return RawResponse(res.status, res.headers, data, text)
                error = error_from_response(res.status, res.headers, res.body)
            except KeywardError as e:
                error = e
            transient = (
                error.status == 0
                or error.status == 503
                or error.code == "IDEMPOTENCY_IN_PROGRESS"
            )
            if not transient or attempt >= retries:
                raise error
            backoff = min(2.0, 0.2 * 2**attempt) * (0.5 + random.random() / 2)
            asked = error.retry_after or 0.0
            time.sleep(min(max(backoff, asked), 5.0))
            attempt += 1

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """request() returning only the parsed body."""
        return self.request(method, path, **kwargs).data

    @staticmethod
    def segment(value: str) -> str:
        """An id as one path segment."""
        if not isinstance(value, str) or not value:
            raise ValueError("keyward: an id is required")
        return quote(value, safe="")
