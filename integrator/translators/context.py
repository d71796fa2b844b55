"""What a translation reads besides the CRM record itself: the set, the acting user, and the ERP
record as it is now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from integrator.config import IntegrationSet, Settings
from integrator.model import Context

Family = Literal["logo", "netsis"]
MAX_DETAILS = 50


def family_of(erp: str) -> Family:
    return "netsis" if erp == "netsis" else "logo"


@dataclass(frozen=True, slots=True)
class MappingContext:
    """Everything a translation reads besides the CRM record itself (immutable).

    ``current`` is the ERP record as it is now (for updates and copy mode ``if_target_empty``),
    keyed by ERP field: Logo XML tags, Netsis properties qualified by their section
    (``CariTemelBilgi.CARI_ISIM``); ``logo.current_values`` / ``netsis.current_values`` build it.
    """

    integration_set: IntegrationSet
    user: str | None = None
    salesman: str | None = None
    current: Mapping[str, Any] | None = None
    quote_stamp: str | None = None  # the transfer's stamp of the quote it translates (F29)

    @classmethod
    def for_user(cls, integration_set: IntegrationSet, user: str | None = None,
                 **changes: Any) -> MappingContext:
        member = integration_set.user(user) if user else None
        return cls(integration_set, user, member.salesman if member else None, **changes)

    @classmethod
    def from_session(cls, context: Context, **changes: Any) -> MappingContext:
        """The context of a request's session (``api.context.resolve``)."""
        return cls(context.integration_set, context.user, context.salesman, **changes)

    def with_current(self, current: Mapping[str, Any] | None) -> MappingContext:
        """The same context with the ERP record as it is now (``if_target_empty`` on create)."""
        return replace(self, current=current)

    @property
    def erp(self) -> str:
        return self.integration_set.erp

    @property
    def settings(self) -> Settings:
        return self.integration_set.settings
