"""Who acts, on which set, with which ERP login: the per-request context, as plain data.

The session layer resolves an ``X-Session`` into a ``Context``; services, translators and gateways
read it. Nothing here knows about HTTP or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from integrator.config import IntegrationSet, SetUser, TransferType

Source = Literal["file", "api"]


@dataclass(frozen=True, slots=True)
class ErpCredentials:
    """The ERP login used for this CRM user on this set (per user, or the set's shared user)."""

    user: str
    password: SecretStr


@dataclass(frozen=True, slots=True)
class StoredSet:
    """An integration set as the registry holds it: with its version and where it came from."""

    integration_set: IntegrationSet
    version: int
    source: Source

    @property
    def code(self) -> str:
        return self.integration_set.code


def credentials_for(integration_set: IntegrationSet, member: SetUser) -> ErpCredentials:
    """The ERP login of a user on a set (F3): the set's shared user, or the user's own."""
    cred = integration_set.credentials
    if cred.mode == "shared":
        return ErpCredentials(cred.user or "", cred.password or SecretStr(""))
    return ErpCredentials(member.erp_user or "", member.erp_password or SecretStr(""))


@dataclass(frozen=True, slots=True)
class Context:
    """Who acts, on which set, with which ERP login: what every user-facing operation works with."""

    session_ref: str  # a short, non-secret reference to the session (for logs)
    user: str
    stored_set: StoredSet
    member: SetUser
    credentials: ErpCredentials

    @property
    def integration_set(self) -> IntegrationSet:
        return self.stored_set.integration_set

    @property
    def set_code(self) -> str:
        return self.stored_set.code

    @property
    def transfer_type(self) -> TransferType | None:
        """The user's automatic transfer type (F24), else the set's; None: the CRM must name it."""
        return self.member.transfer_type or self.integration_set.settings.default_transfer_type

    @property
    def salesman(self) -> str | None:
        return self.member.salesman
