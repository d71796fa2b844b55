"""The checks an integration set passes before it is loaded from a file or registered by the CRM:
what the configuration models cannot see by themselves (the field catalog behind the mappings).

They run where sets enter the service — ``load_config(check=set_problems)`` for files,
``PUT /v1/sets/{code}`` for the CRM — never when a stored set is read back, so a replica that picks
up a new version of a set does not check it again. The plans compiled while checking are the ones
the translators then use (cached per set object, ``translators.plan_for``).
"""

from __future__ import annotations

from typing import Any

from integrator.config import IntegrationSet, set_context
from integrator.translators import mapping_problems


def set_problems(integration_set: IntegrationSet) -> list[str]:
    """Every problem of a set that needs the catalog, as sentences (empty: the set is fine)."""
    return mapping_problems(integration_set)


def checked_context() -> dict[str, Any] | None:
    """The pydantic validation context that runs ``set_problems`` on an ``IntegrationSet``."""
    return set_context(set_problems)
