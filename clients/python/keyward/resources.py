"""The resource namespaces of the keyward client: one method per endpoint of docs/api.md.

API fields are passed as keyword arguments under their wire names (``name=``, ``permissions=``,
``expires_at=None`` sends null); the call options are the keyword arguments ``idempotency_key``,
``for_account`` (Keyward-Account, for admin keys), ``api_key``, ``timeout`` and ``max_retries``.
Methods return the server's objects as dicts. Stateless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from .client import Keyward

__all__ = ["Tokens", "Accounts", "AccessTokens", "Credits", "Keys", "Usage", "Events", "Plans",
           "WebhookEndpoints"]

_OPTIONS = ("idempotency_key", "for_account", "api_key", "timeout", "max_retries")


def _split(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(API fields, call options)."""
    options = {k: kwargs.pop(k) for k in _OPTIONS if k in kwargs}
    return kwargs, options


class _Resource:
    def __init__(self, client: "Keyward") -> None:
        self._client = client

    def _seg(self, value: str) -> str:
        return self._client.segment(value)

    def _get(self, path: str, kwargs: dict[str, Any]) -> Any:
        query, options = _split(kwargs)
        options.pop("idempotency_key", None)
        return self._client.call("GET", path, query=query, **options)

    def _post(self, path: str, kwargs: dict[str, Any]) -> Any:
        body, options = _split(kwargs)
        return self._client.call("POST", path, body=body, **options)

    def _paginate(self, path: str, kwargs: dict[str, Any]) -> Iterator[dict]:
        query, options = _split(kwargs)
        query.setdefault("limit", 100)
        while True:
            page = self._client.call("GET", path, query=query, **options)
            data = page.get("data", [])
            yield from data
            if not page.get("has_more") or not data:
                return
            query = {**query, "starting_after": data[-1]["id"]}


class Tokens(_Resource):
    """/v1/tokens: API keys."""

    def create(self, **kwargs: Any) -> dict:
        """name (required), type, permissions, expires_at, livemode, metadata, ip_allowlist.
        The answer carries the full ``key``, shown only this once."""
        return self._post("/v1/tokens", kwargs)

    def list(self, **kwargs: Any) -> dict:
        """status, limit, starting_after → a list object."""
        return self._get("/v1/tokens", kwargs)

    def all(self, **kwargs: Any) -> Iterator[dict]:
        """Every token, following has_more."""
        return self._paginate("/v1/tokens", kwargs)

    def get(self, token_id: str, **kwargs: Any) -> dict:
        return self._get(f"/v1/tokens/{self._seg(token_id)}", kwargs)

    def update(self, token_id: str, **kwargs: Any) -> dict:
        """name, metadata, expires_at, ip_allowlist, permissions (partial update)."""
        return self._post(f"/v1/tokens/{self._seg(token_id)}", kwargs)

    def revoke(self, token_id: str, **kwargs: Any) -> dict:
        return self._post(f"/v1/tokens/{self._seg(token_id)}/revoke", kwargs)

    def roll(self, token_id: str, **kwargs: Any) -> dict:
        """expires_in_seconds (0..604800): the new token, with its ``key``."""
        return self._post(f"/v1/tokens/{self._seg(token_id)}/roll", kwargs)

    def import_(self, keys: list[dict], **kwargs: Any) -> dict:
        """Imports keys from another system (an admin key acting for an account), all or nothing:
        ``keys`` holds 1..1000 dicts, each with ``sha256`` (hex) or ``key`` (plaintext, hashed by
        the server at once), ``name``, and optionally type, permissions, livemode, expires_at,
        metadata, ip_allowlist, key_prefix, last4. Returns a list object of the created tokens
        (without keys). Also reachable as ``tokens.import`` via ``getattr`` (``import`` is a Python
        keyword)."""
        return self._post("/v1/tokens/import", {**kwargs, "keys": keys})

    def disable(self, token_id: str, **kwargs: Any) -> dict:
        return self._post(f"/v1/tokens/{self._seg(token_id)}/disable", kwargs)

    def enable(self, token_id: str, **kwargs: Any) -> dict:
        return self._post(f"/v1/tokens/{self._seg(token_id)}/enable", kwargs)


# tokens.import, as the other clients name it (reachable with getattr(client.tokens, "import")).
setattr(Tokens, "import", Tokens.import_)


class Accounts(_Resource):
    """/v1/accounts: admin keys only."""

    def create(self, **kwargs: Any) -> dict:
        """email (required), name, credits, plan, password."""
        return self._post("/v1/accounts", kwargs)

    def list(self, **kwargs: Any) -> dict:
        """email, plan, status, limit, starting_after."""
        return self._get("/v1/accounts", kwargs)

    def all(self, **kwargs: Any) -> Iterator[dict]:
        return self._paginate("/v1/accounts", kwargs)

    def get(self, account_id: str, **kwargs: Any) -> dict:
        return self._get(f"/v1/accounts/{self._seg(account_id)}", kwargs)

    def update(self, account_id: str, **kwargs: Any) -> dict:
        """name, email, plan, metadata, rate_limit, account_rate_limit."""
        return self._post(f"/v1/accounts/{self._seg(account_id)}", kwargs)

    def add_credits(self, account_id: str, amount: int, **kwargs: Any) -> dict:
        """Adds ``amount`` (negative subtracts, never below zero)."""
        kwargs["amount"] = amount
        return self._post(f"/v1/accounts/{self._seg(account_id)}/credits", kwargs)

    def disable(self, account_id: str, **kwargs: Any) -> dict:
        return self._post(f"/v1/accounts/{self._seg(account_id)}/disable", kwargs)

    def enable(self, account_id: str, **kwargs: Any) -> dict:
        return self._post(f"/v1/accounts/{self._seg(account_id)}/enable", kwargs)


class AccessTokens(_Resource):
    """/v1/token and /v1/token/verify: short-lived access tokens."""

    def create(self, **kwargs: Any) -> dict:
        """expiry_minutes (1..60, default 60) → {"access_token", "expires_at"}."""
        return self._post("/v1/token", kwargs)

    def verify(self, access_token: str, **kwargs: Any) -> dict:
        """{"valid": True, "expires_at": …} or {"valid": False}; never raises for a bad token."""
        kwargs["access_token"] = access_token
        return self._post("/v1/token/verify", kwargs)


class Credits(_Resource):
    """/v1/credits: the caller's balance."""

    def get(self, **kwargs: Any) -> dict:
        return self._get("/v1/credits", kwargs)


class Keys(_Resource):
    """/v1/keys/verify: the verdict for a key, as a gateway or backend asks for it."""

    def verify(
        self,
        key: str,
        *,
        method: str = "GET",
        path: str = "/",
        client_ip: str | None = None,
        timeout: float | None = None,
    ) -> dict:
        """The verdict (valid or not) for ``key`` making ``method path``. It charges credits and
        takes rate limit like the real request. Raises only when keyward refused the caller (404
        outside verifier.allow_from) or could not decide (503, connection). Never retried."""
        body: dict[str, Any] = {"key": key, "method": method, "path": path}
        if client_ip is not None:
            body["client_ip"] = client_ip
        headers = {}
        if self._client.verifier_admin_key is not None:
            headers["Keyward-Admin-Key"] = self._client.verifier_admin_key
        return self._client.call(
            "POST",
            "/v1/keys/verify",
            body=body,
            headers=headers,
            timeout=timeout,
            anonymous=True,
            once=True,
        )


class Usage(_Resource):
    """/v1/usage: verification counts per bucket."""

    def get(self, **kwargs: Any) -> dict:
        """granularity (minute|hour|day), from_ (or "from"), to, token, account."""
        if "from_" in kwargs:
            kwargs["from"] = kwargs.pop("from_")
        return self._get("/v1/usage", kwargs)

    def csv(self, **kwargs: Any) -> str:
        """The same rows as CSV text (header row start,valid,…,credits)."""
        if "from_" in kwargs:
            kwargs["from"] = kwargs.pop("from_")
        query, options = _split(kwargs)
        options.pop("idempotency_key", None)
        query["format"] = "csv"
        r = self._client.request(
            "GET", "/v1/usage", query=query, headers={"Accept": "text/csv"}, **options
        )
        return r.text


def _event_query(kwargs: dict[str, Any]) -> dict[str, Any]:
    if "created_gte" in kwargs:
        kwargs["created[gte]"] = kwargs.pop("created_gte")
    if "created_lt" in kwargs:
        kwargs["created[lt]"] = kwargs.pop("created_lt")
    return kwargs


class Events(_Resource):
    """/v1/events: the audit log."""

    def list(self, **kwargs: Any) -> dict:
        """type ("token.revoked" or "token.*"), created_gte, created_lt, account, limit,
        starting_after."""
        return self._get("/v1/events", _event_query(kwargs))

    def all(self, **kwargs: Any) -> Iterator[dict]:
        return self._paginate("/v1/events", _event_query(kwargs))

    def get(self, event_id: str, **kwargs: Any) -> dict:
        return self._get(f"/v1/events/{self._seg(event_id)}", kwargs)


class Plans(_Resource):
    """/v1/plans: admin keys only; a plan's identifier is its name."""

    def create(self, **kwargs: Any) -> dict:
        return self._post("/v1/plans", kwargs)

    def list(self, **kwargs: Any) -> dict:
        return self._get("/v1/plans", kwargs)

    def get(self, name: str, **kwargs: Any) -> dict:
        return self._get(f"/v1/plans/{self._seg(name)}", kwargs)

    def update(self, name: str, **kwargs: Any) -> dict:
        return self._post(f"/v1/plans/{self._seg(name)}", kwargs)


class WebhookEndpoints(_Resource):
    """/v1/webhook_endpoints: where keyward delivers events; ``secret`` is shown on create and
    roll_secret only."""

    def create(self, **kwargs: Any) -> dict:
        """url, enabled_events (required), description, account (admin keys: one account)."""
        return self._post("/v1/webhook_endpoints", kwargs)

    def list(self, **kwargs: Any) -> dict:
        return self._get("/v1/webhook_endpoints", kwargs)

    def get(self, endpoint_id: str, **kwargs: Any) -> dict:
        return self._get(f"/v1/webhook_endpoints/{self._seg(endpoint_id)}", kwargs)

    def update(self, endpoint_id: str, **kwargs: Any) -> dict:
        """url, enabled_events, status (enabled|disabled)."""
        return self._post(f"/v1/webhook_endpoints/{self._seg(endpoint_id)}", kwargs)

    def delete(self, endpoint_id: str, **kwargs: Any) -> Any:
        _, options = _split(kwargs)
        options.pop("idempotency_key", None)
        return self._client.call(
            "DELETE", f"/v1/webhook_endpoints/{self._seg(endpoint_id)}", **options
        )

    def roll_secret(self, endpoint_id: str, **kwargs: Any) -> dict:
        return self._post(f"/v1/webhook_endpoints/{self._seg(endpoint_id)}/roll_secret", kwargs)

    def deliveries(self, endpoint_id: str, **kwargs: Any) -> dict:
        return self._get(f"/v1/webhook_endpoints/{self._seg(endpoint_id)}/deliveries", kwargs)
