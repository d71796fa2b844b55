"""The checks an integration set passes before it is loaded from a file or registered by the CRM:
what the configuration models cannot see by themselves (the field catalog behind the mappings, the
SQL validator behind every statement).

They run where sets enter the service — ``load_config(check=set_problems)`` for files,
``PUT /v1/sets/{code}`` for the CRM — never when a stored set is read back, so a replica that picks
up a new version of a set does not check it again. The plans compiled while checking are the ones
the translators then use (cached per set object, ``translators.plan_for``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from integrator.config import IntegrationSet, set_context
from integrator.errors import Detail
from integrator.sql.validator import validate
from integrator.translators import mapping_problems


def sql_problems(integration_set: IntegrationSet) -> list[Detail]:
    """One ``Detail`` (``source="sql"``, the statement's path) per statement of the set that is not
    one read-only SELECT (F4): the lookup statements that override a default and every named
    query. A statement is validated as ``integrator sql-check`` does."""
    statements: list[tuple[str, str]] = []
    definitions = integration_set.sql
    for name in type(definitions).model_fields:
        value = getattr(definitions, name)
        if isinstance(value, str):
            statements.append((f"sql.{name}", value))
    statements.extend((f"sql.queries.{name}.sql", query.sql)
                      for name, query in definitions.queries.items())
    problems = []
    for path, sql in statements:
        verdict = validate(sql)
        if not verdict.accepted:
            problems.append(Detail(verdict.reason, "sql", path=path))
    return problems


def url_problems(integration_set: IntegrationSet) -> list[Detail]:
    """ERP URLs carry no userinfo (``user:password@``): credentials go in the credential fields
    (``logo.security_code``/``lbs_load_pass``, ``netsis.dbuser``/``dbpassword``, ``credentials``),
    which are secrets everywhere; a URL is shown, logged and sent as it is."""
    problems = []
    for section, service in (("logo", integration_set.logo), ("netsis", integration_set.netsis)):
        if service is not None and "@" in urlsplit(service.url).netloc:
            problems.append(Detail("the URL carries a user or password (user:password@); put "
                                   "credentials in the set's credential fields", "input",
                                   path=f"{section}.url"))
    return problems


def set_problems(integration_set: IntegrationSet) -> list[Detail]:
    """Every problem of a set that the models cannot see alone (empty: the set is fine): URLs
    with userinfo and mapping problems (``source="input"``), then one per bad statement
    (``source="sql"``)."""
    return (url_problems(integration_set)
            + [Detail(problem, "input") for problem in mapping_problems(integration_set)]
            + sql_problems(integration_set))


def checked_context() -> dict[str, Any] | None:
    """The pydantic validation context that runs ``set_problems`` on an ``IntegrationSet``."""
    return set_context(set_problems)
