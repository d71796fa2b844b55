"""The code policy: the ERP code of an account or product a quote transfer creates when the CRM
record carries none (F15, F22; docs/sets.md "Code policy").

Per set and entity (``settings.code_policy``):

* ``field`` (default) — a CRM field of the record (``Code``); missing: ``VALIDATION`` naming it;
* ``crm_id`` — the CRM id itself;
* ``template`` — ``120.99.{n:05d}``: the next free number. The highest code the template has
  handed out is read from the ERP database (``account_codes`` / ``product_codes``: the codes of
  the template's shape, longest first, then highest first, streamed until the first the template
  made), and each candidate is claimed in the shared store (``set_if_absent`` with a lease), so
  two replicas never hand out the same code; a claim outlives the create by far, after which the
  ERP database shows the code as taken.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from integrator.config import CODE_TEMPLATE, CodePolicy, DbEngine
from integrator.errors import Detail, StoreUnavailable, ValidationFailed
from integrator.model import CardEntity, Context, CrmRecord
from integrator.services.statements import base_values
from integrator.services.text import like_pattern
from integrator.sessions.store import Store
from integrator.sql.defaults import StatementName, statement_sql
from integrator.sql.engine import SqlEngine

CLAIM_PREFIX = "codes:"
CLAIM_TTL_S = 3600.0
SCAN_MAX = 10_000  # codes of a template's shape read at most to find its highest number
FIRST_BATCH = 32
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

    def pattern(self, engine: DbEngine) -> str:
        """The LIKE pattern (on the set's database ``engine``) of the codes of the template's
        shape: the prefix, at least as many characters as the number's width (one when not
        padded; longer after an overflow), the suffix."""
        return (like_pattern(self.prefix, engine) + "_" * max(self.width, 1) + "%"
                + like_pattern(self.suffix, engine))

    def number_of(self, code: str) -> int | None:
        """The number of a code the template made (``120.99.00042`` -> 42), else None: a code
        with the prefix and suffix but other digits (``120.99.042`` of ``{n:05d}``, ``120.99.07``
        of ``{n}``) is not the template's."""
        found = re.fullmatch(re.escape(self.prefix) + r"([0-9]+)" + re.escape(self.suffix), code)
        if found is None:
            return None
        number = int(found.group(1))
        return number if self.format(number) == code else None


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
    number = await _highest(engine, context, name, template) + 1
    for _ in range(MAX_TRIES):
        code = template.format(number)
        key = f"{CLAIM_PREFIX}{s.code}:{entity}:{code}"
        if await store.set_if_absent(key, context.user.encode(), ttl_s=CLAIM_TTL_S):
            return code
        number += 1
    raise StoreUnavailable(f"no free {entity} code of template {template.format(0)!r} could be "
                           f"claimed after {MAX_TRIES} tries")


async def _highest(engine: SqlEngine, context: Context, name: StatementName,
                   template: Template) -> int:
    """The highest number the template has handed out (0: none yet).

    The statement returns the codes of the template's shape longest first, then highest first,
    so the first code the template made holds its highest number (a longer code holds a larger
    number, and codes of one length compare as their numbers); codes of that shape the template
    did not make (letters where its digits go) are read past. The batch holding the first match
    is read to its end, and the highest number in it wins.
    """
    s = context.integration_set
    values = {**base_values(context), "pattern": template.pattern(s.database.engine),
              "limit": SCAN_MAX + 1}
    highest: int | None = None
    scanned = 0
    stream = engine.stream(s, name, statement_sql(s, name), values, first_batch=FIRST_BATCH)
    async with contextlib.aclosing(stream) as batches:
        async for batch in batches:
            for row in batch.rows:
                scanned += 1
                number = template.number_of(str(row[0] or "").strip())
                if number is not None and (highest is None or number > highest):
                    highest = number
            if highest is not None:
                return highest
            if scanned > SCAN_MAX:
                raise ValidationFailed(
                    f"the {SCAN_MAX:,} longest codes with the shape of template "
                    f"{template.format(0)!r} include none it made; give "
                    f"settings.code_policy a template whose prefix other codes do not share")
    return 0
