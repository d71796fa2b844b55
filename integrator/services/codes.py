"""The code policy: the ERP code of an account or product a quote transfer creates when the CRM
record carries none (F15, F22; docs/sets.md "Code policy").

Per set and entity (``settings.code_policy``):

* ``field`` (default) — a CRM field of the record (``Code``); missing: ``VALIDATION`` naming it;
* ``crm_id`` — the CRM id itself;
* ``template`` — ``120.99.{n:05d}``: the next free number. The highest code the template has
  handed out is read from the ERP database (``account_codes`` / ``product_codes``, one round
  trip), and each candidate is claimed in the shared store (``set_if_absent`` with a lease), so
  two replicas never hand out the same code; a claim outlives the create by far, after which the
  ERP database shows the code as taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from integrator.config import CODE_TEMPLATE, CodePolicy
from integrator.errors import Detail, StoreUnavailable, ValidationFailed
from integrator.model import CardEntity, Context, CrmRecord
from integrator.services.statements import base_values
from integrator.services.text import like_pattern
from integrator.sessions.store import Store
from integrator.sql.defaults import StatementName, statement_sql
from integrator.sql.engine import SqlEngine

CLAIM_PREFIX = "codes:"
CLAIM_TTL_S = 3600.0
SCAN_LIMIT = 200
MAX_TRIES = 200


@dataclass(frozen=True, slots=True)
class Template:
    prefix: str
    width: int
    suffix: str

    @classmethod
    def parse(cls, text: str) -> Template:
        match = CODE_TEMPLATE.match(text)
        if match is None:  # the config model refuses such templates already
            raise ValidationFailed(f"code template {text!r} is not valid")
        return cls(match["prefix"], int(match["width"] or 0), match["suffix"])

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.width}d}{self.suffix}"

    def number_of(self, code: str) -> int | None:
        found = re.fullmatch(re.escape(self.prefix) + r"([0-9]+)" + re.escape(self.suffix), code)
        return int(found.group(1)) if found else None


def _name(entity: CardEntity, record: CrmRecord) -> str:
    return f"the quote's {entity} {record.crm_id or ''}".rstrip()


async def code_for(engine: SqlEngine, store: Store, context: Context, entity: CardEntity,
                   record: CrmRecord, policy: CodePolicy, code_field: str) -> str:
    """The ERP code for a record about to be created (``code_field``: the CRM field the set maps
    onto the code, whose value wins when present)."""
    given = record.fields.get(code_field, "").strip()
    if given:
        return given
    if policy.source == "crm_id":
        if not record.crm_id:
            raise ValidationFailed(f"{_name(entity, record)} has neither a {code_field} nor a crmId "
                                   "to take its ERP code from")
        return record.crm_id
    if policy.source == "field":
        value = record.fields.get(policy.field, "").strip()
        if not value:
            raise ValidationFailed(
                f"{_name(entity, record)} has no ERP code: send Field {policy.field!r}, or set "
                f"settings.code_policy.{entity} (crm_id or a template)",
                details=[Detail(f"{entity} {record.crm_id or ''}".strip(), "input",
                                path=f"{'Account' if entity == 'account' else 'Product'}"
                                     f"/Field[@name='{policy.field}']")])
        return value
    assert policy.template is not None
    return await _next_code(engine, store, context, entity, Template.parse(policy.template))


async def _next_code(engine: SqlEngine, store: Store, context: Context, entity: CardEntity,
                     template: Template) -> str:
    s = context.integration_set
    name: StatementName = "account_codes" if entity == "account" else "product_codes"
    pattern = like_pattern(template.prefix) + "%"
    result = await engine.query(s, name, statement_sql(s, name),
                                {**base_values(context), "pattern": pattern, "limit": SCAN_LIMIT},
                                max_rows=SCAN_LIMIT)
    taken = [n for row in result.rows if (n := template.number_of(str(row[0] or "").strip()))
             is not None]
    number = max(taken, default=0) + 1
    for _ in range(MAX_TRIES):
        code = template.format(number)
        key = f"{CLAIM_PREFIX}{s.code}:{entity}:{code}"
        if await store.set_if_absent(key, context.user.encode(), ttl_s=CLAIM_TTL_S):
            return code
        number += 1
    raise StoreUnavailable(f"no free {entity} code of template {template.format(0)!r} could be "
                           f"claimed after {MAX_TRIES} tries")
