"""The hub: one gateway per ERP kind on the shared state (``gateway.Shared``); lives in the
application's state for the app's lifetime."""

from __future__ import annotations

import aiohttp

from integrator.config import ErpSettings, IntegrationSet
from integrator.erp.gateway import Gateway, Shared
from integrator.erp.logo.client import LogoGateway
from integrator.erp.netsis.client import NetsisGateway
from integrator.erp.resilience import CircuitBreaker, Leases, SharedWriteLimiter, WriteLimiter
from integrator.errors import ValidationFailed
from integrator.metrics import Metrics


class ErpGateways:
    def __init__(self, http: aiohttp.ClientSession, metrics: Metrics,
                 settings: ErpSettings | None = None, leases: Leases | None = None) -> None:
        self.shared = Shared(http, metrics, settings or ErpSettings(), leases)
        self.logo = LogoGateway(self.shared)
        self.netsis = NetsisGateway(self.shared)

    @property
    def http(self) -> aiohttp.ClientSession:
        return self.shared.http

    @property
    def metrics(self) -> Metrics:
        return self.shared.metrics

    @property
    def settings(self) -> ErpSettings:
        return self.shared.settings

    def for_set(self, integration_set: IntegrationSet) -> Gateway:
        return self.logo if integration_set.is_logo else self.netsis

    def netsis_for(self, integration_set: IntegrationSet) -> NetsisGateway:
        """The Netsis gateway (NewNumber, Risk) for a Netsis set; refuses other sets."""
        if integration_set.is_logo:
            raise ValidationFailed(f"set {integration_set.code} is a {integration_set.erp} set; "
                                   "this operation exists only on Netsis")
        return self.netsis

    def breaker(self, endpoint: str, set_code: str) -> CircuitBreaker:
        return self.shared.breaker(endpoint, set_code)

    def limiter(self, integration_set: IntegrationSet) -> WriteLimiter | SharedWriteLimiter:
        return self.shared.limiter(integration_set)
