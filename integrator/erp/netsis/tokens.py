"""NetOpenX bearer tokens per (set, ERP user), renewed ``token_refresh_margin_s`` before
``expires_in`` runs out, fetched single-flight: however many calls find the token missing or
expired at the same moment, one login runs and the others wait for it (and share its outcome)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import SecretStr

from integrator.config import IntegrationSet
from integrator.model import ErpCredentials

TokenKey = tuple[str, str]  # (set code, ERP user)


@dataclass(frozen=True, slots=True)
class CachedToken:
    token: SecretStr
    renew_at: float  # monotonic time after which the token is renewed before use
    fingerprint: str  # what it was issued for (endpoint, database, branch, login)


class TokenCache:
    """Bearer tokens per (set, ERP user) with single-flight renewal: concurrent callers share one
    login and its outcome (a refused login is not repeated once per waiting caller)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[TokenKey, CachedToken] = {}
        self._pending: dict[tuple[TokenKey, str], asyncio.Future[CachedToken]] = {}

    def _valid(self, key: TokenKey, fingerprint: str) -> CachedToken | None:
        cached = self._tokens.get(key)
        if cached is not None and cached.fingerprint == fingerprint \
                and self._clock() < cached.renew_at:
            return cached
        return None

    async def get(self, key: TokenKey, fingerprint: str,
                  login: Callable[[], Awaitable[tuple[SecretStr, float, float]]]) -> CachedToken:
        """The cached token, or the result of the one ``login()`` every waiting caller shares.

        ``login`` returns ``(token, lifetime_s, margin_s)``.
        """
        cached = self._valid(key, fingerprint)
        if cached is not None:
            return cached
        flight = (key, fingerprint)
        pending = self._pending.get(flight)
        if pending is None:
            pending = asyncio.ensure_future(self._login(key, fingerprint, login))
            self._pending[flight] = pending
            pending.add_done_callback(lambda done: self._landed(flight, done))
        # shield: a caller that gives up does not cancel the login the others wait for
        return await asyncio.shield(pending)

    async def _login(self, key: TokenKey, fingerprint: str,
                     login: Callable[[], Awaitable[tuple[SecretStr, float, float]]]) -> CachedToken:
        token, lifetime, margin = await login()
        cached = CachedToken(token, self._clock() + max(lifetime - margin, 0.0), fingerprint)
        self._tokens[key] = cached
        return cached

    def _landed(self, flight: tuple[TokenKey, str], done: asyncio.Future[CachedToken]) -> None:
        if self._pending.get(flight) is done:
            del self._pending[flight]
        if not done.cancelled():
            done.exception()  # retrieved here, so an unawaited failure is never reported as lost

    def drop(self, key: TokenKey, used: CachedToken) -> None:
        """Forget ``used`` after a 401, unless another caller already replaced it."""
        if self._tokens.get(key) is used:
            del self._tokens[key]

    def clear(self) -> None:
        self._tokens.clear()


def fingerprint(integration_set: IntegrationSet, credentials: ErpCredentials) -> str:
    service = integration_set.netsis
    assert service is not None
    parts = (service.url, service.dbname, service.dbuser, service.dbpassword.get_secret_value(),
             str(integration_set.branch), credentials.user,
             credentials.password.get_secret_value())
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
