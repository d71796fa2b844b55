"""The account and products of a quote, linked before the document is built (F15, F22, F5).

A quote names its account and each line's product by link (``ref`` / ``code``) or, for a record
the ERP does not have yet, by CRM id with fields. Linked records are looked up in the ERP database
(with the lookup of existing documents, in the same round trip: ``link_statements``); unlinked
ones are created in the ERP first — through the same create path as ``POST /v1/accounts|products``
(``Cards.save``: the set's mappings, idempotent per CRM id) — when the set allows it, with the code
the set's code policy gives (``services.codes``). Each line's unit is checked against the
product's units — in the ERP, or, for a product the transfer creates, the units its CRM record
declares (Tiger ``UNIT_CODE``; Netsis ``Olcu_Br1..3``) — and the unit's position becomes the
Netsis line's ``Olcubr``. Every line is checked before anything is written (no card is created
for a quote that is then refused).

Every link the service found or made for a record the CRM sent without one is reported, so the
CRM can store it — also when the document itself then fails (``IntegratorError.links``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from integrator.config import IntegrationSet
from integrator.errors import CreatedLink, Detail, IntegratorError, ValidationFailed
from integrator.model import CardEntity, Context, CrmRecord
from integrator.services.cards import Cards
from integrator.services.codes import code_for
from integrator.services.statements import base_values, by_products, sql_ref
from integrator.services.text import turkish_fold
from integrator.sessions.store import Store
from integrator.sql.defaults import statement_sql
from integrator.sql.engine import SqlEngine
from integrator.sql.params import Scalar
from integrator.sql.results import Result, Statement
from integrator.translators import crm_field_for

# the ERP field of a card's code and of a line's unit, per ERP family
CODE_KEYS: dict[tuple[bool, CardEntity], str] = {
    (True, "account"): "CODE", (True, "product"): "CODE",
    (False, "account"): "CariTemelBilgi.CARI_KOD", (False, "product"): "StokTemelBilgi.Stok_Kodu",
}
LOGO_UNIT_KEY = "UNIT_CODE"
# the ERP fields of a new product card's units, in position order (Tiger writes the main unit)
PRODUCT_UNIT_KEYS: dict[bool, tuple[str, ...]] = {
    True: ("UNIT_CODE",),
    False: tuple(f"StokTemelBilgi.Olcu_Br{n}" for n in (1, 2, 3)),
}
NETSIS_UNIT_FIELD = "Unit"          # the CRM's unit name, matched to OLCU_BR1..3
NETSIS_UNIT_INDEX_FIELD = "UnitIndex"  # the CRM field of Olcubr in the default mappings


@dataclass(frozen=True, slots=True)
class ProductUnits:
    ref: str
    code: str
    units: tuple[tuple[str, int], ...]  # (unit code, position 1..n)
    new: bool = False  # a product the transfer creates: its units are the ones its record declares


@dataclass
class LinkedQuote:
    """The quote with its account and every line's product linked, and the links made."""

    record: CrmRecord
    links: list[CreatedLink] = field(default_factory=list)
    create: bool = True  # whether records without a link may be created in the ERP


def _line_path(index: int) -> str:
    return f"Lines/Line[{index}]"


def _code_field(s: IntegrationSet, entity: CardEntity) -> str:
    """The CRM field the set maps onto the card's ERP code (``Code`` unless mapped otherwise)."""
    return crm_field_for(s, entity, CODE_KEYS[(s.is_logo, entity)]) or "Code"


def _refuse_anonymous_number(context: Context, entity: CardEntity, record: CrmRecord, what: str,
                             path: str) -> None:
    """A record to be created with a number of the set's template needs its CRM id: the id is
    what the service keeps the number and the card's link under (``Ledger``). Without it a retry
    of the transfer whose first answer was lost would take the next number and make a second
    card, so it is refused before anything is written."""
    s = context.integration_set
    if record.crm_id or getattr(s.settings.code_policy, entity).source != "template":
        return
    code_field = _code_field(s, entity)
    if record.fields.get(code_field, "").strip():
        return  # the CRM's own code: the ERP refuses a second card with it
    raise ValidationFailed(
        f"{what} has no crmId: a new {entity} the set numbers from its code template needs the "
        "CRM id (a retry finds the card made for it by that id), or a code of its own",
        details=[Detail(f"<{path.rsplit('/', 1)[-1]}> without crmId", "input", path=path)])


def declared_units(context: Context, product: CrmRecord) -> ProductUnits:
    """The units the CRM record of a product to be created declares, through the set's product
    mappings: Tiger/Go the main unit (``UNIT_CODE``, the one unit the card is created with);
    Netsis ``Olcu_Br1..3`` (position 1..3, as ``Olcubr`` counts them)."""
    s = context.integration_set
    units: list[tuple[str, int]] = []
    for position, key in enumerate(PRODUCT_UNIT_KEYS[s.is_logo], 1):
        name = crm_field_for(s, "product", key)
        value = product.fields.get(name, "").strip() if name else ""
        if value:
            units.append((value, position))
    return ProductUnits("", product.crm_id or "", tuple(units), new=True)


class QuoteParts:
    def __init__(self, cards: Cards, engine: SqlEngine, store: Store) -> None:
        self.cards = cards
        self.engine = engine
        self.store = store

    # -- the lookups (run in one hop with the document lookup) ------------------------------------
    @staticmethod
    def _product_keys(context: Context, record: CrmRecord) -> tuple[list[Scalar], list[Scalar]]:
        """The refs and the codes of the quote's linked products."""
        refs: list[Scalar] = []
        codes: list[Scalar] = []
        for line in record.lines:
            product = line.product
            if product is None or not product.has_link:
                continue
            if product.code:
                codes.append(product.code)
            elif product.ref:
                refs.append(sql_ref(context.integration_set, product.ref))
        return refs, codes

    def link_statements(self, context: Context, record: CrmRecord) -> list[Statement]:
        """``quote_products`` for the linked products (one statement per slice of refs and codes
        that keeps within SQL Server's 2,100 parameters), and the account by code or ref."""
        s = context.integration_set
        statements = []
        refs, codes = self._product_keys(context, record)
        sql = statement_sql(s, "quote_products")
        common = base_values(context)
        statements += by_products(self.engine, s, "quote_products", sql, common, refs, codes)
        account = record.account
        if account is not None and account.has_link:
            by_code = bool(account.code)
            name = "account_by_code" if by_code else "account_by_ref"
            value: Scalar = account.code if by_code else sql_ref(s, account.ref or "")
            statements.append(self.engine.prepare(
                s, name, statement_sql(s, name),  # type: ignore[arg-type]
                {**base_values(context), "code" if by_code else "ref": value}, max_rows=2))
        return statements

    # -- linking ---------------------------------------------------------------------------------
    async def link(self, context: Context, record: CrmRecord, statements: Sequence[Statement],
                   results: Sequence[Result], *, create: bool = True) -> LinkedQuote:
        """The quote with every record linked (created where the set allows it; with ``create``
        false — a price preview, which writes nothing — a record without a link is refused);
        ``statements`` are ``link_statements``' and ``results`` their outcomes, in order."""
        linked = LinkedQuote(record, create=create)
        products = [r for st, r in zip(statements, results, strict=True)
                    if st.name == "quote_products"]
        products_result = Result(products[0].columns, [row for r in products for row in r.rows]) \
            if products else None
        account_result = next((r for st, r in zip(statements, results, strict=True)
                               if st.name != "quote_products"), None)
        try:
            # every line (its product and unit) is checked before anything is created
            checked = self._checked_lines(context, record, self._products(products_result), linked)
            account = await self._account(context, record, account_result, linked)
            lines = await self._lines(context, checked, linked)
        except IntegratorError as error:
            raise error.with_links(linked.links) from None
        linked.record = record._replace(account=account, lines=tuple(lines))
        return linked

    async def _account(self, context: Context, record: CrmRecord, found: Result | None,
                       linked: LinkedQuote) -> CrmRecord:
        account = record.account
        if account is None:
            raise ValidationFailed("the quote names no account",
                                   details=[Detail("<Account>", "input", path="Account")])
        if account.has_link:
            row = found.first() if found is not None else None
            if row is None:
                raise ValidationFailed(
                    f"the quote's account {account.code or account.ref} is not in the ERP",
                    details=[Detail(account.code or account.ref or "", "input", path="Account")])
            folded = {k.upper(): v for k, v in row.items()}
            return account._replace(ref=str(folded.get("REF", "")).strip() or None,
                                       code=str(folded.get("CODE", "")).strip() or None)
        if not linked.create:
            raise ValidationFailed(
                f"the quote's account {account.crm_id or ''} has no ERP link (ref/code); prices "
                "are asked for accounts the ERP knows",
                details=[Detail(account.crm_id or "", "input", path="Account")])
        if not context.integration_set.settings.auto_create_account:
            raise ValidationFailed(
                f"the quote's account {account.crm_id or ''} has no ERP link (ref/code); transfer "
                "it first, or enable settings.auto_create_account",
                details=[Detail(account.crm_id or "", "input", path="Account")])
        _refuse_anonymous_number(context, "account", account, "the quote's account", "Account")
        return await self._create(context, "account", account, linked)

    @staticmethod
    def _products(result: Result | None) -> dict[str, ProductUnits]:
        """The linked products by code and by ref (upper-cased keys)."""
        if result is None:
            return {}
        units: dict[str, list[tuple[str, int]]] = {}
        refs: dict[str, str] = {}
        for row in result.dicts():
            folded = {k.upper(): v for k, v in row.items()}
            code = str(folded.get("CODE") or "").strip()
            refs[code] = str(folded.get("REF") or "").strip()
            unit = str(folded.get("UNIT") or "").strip()
            bucket = units.setdefault(code, [])
            if unit:
                bucket.append((unit, int(folded.get("UNIT_NO") or len(bucket) + 1)))
        out: dict[str, ProductUnits] = {}
        for code, unit_list in units.items():
            item = ProductUnits(refs[code], code, tuple(unit_list))
            out[code.upper()] = item
            out[f"#{refs[code]}"] = item
        return out

    def _checked_lines(self, context: Context, record: CrmRecord,
                       products: Mapping[str, ProductUnits],
                       linked: LinkedQuote) -> list[tuple[CrmRecord, bool]]:
        """Each line with its product linked (or to be created: ``True``) and its unit checked
        and placed — nothing is written here, so a refused line leaves the ERP untouched."""
        if not record.lines:
            raise ValidationFailed("the quote has no lines; a document needs at least one",
                                   details=[Detail("<Lines>", "input", path="Lines")])
        lines: list[tuple[CrmRecord, bool]] = []
        for index, line in enumerate(record.lines, 1):
            product = line.product
            if product is None:
                raise ValidationFailed(f"line {index} names no product",
                                       details=[Detail("<Product>", "input",
                                                       path=f"{_line_path(index)}/Product")])
            if product.has_link:
                key = (product.code.upper() if product.code
                       else f"#{sql_ref(context.integration_set, product.ref or '')}")
                found = products.get(key)
                if found is None:
                    raise ValidationFailed(
                        f"line {index}: product {product.code or product.ref} is not in the ERP",
                        details=[Detail(product.code or product.ref or "", "input",
                                        path=f"{_line_path(index)}/Product")])
                product = product._replace(ref=found.ref, code=found.code)
                line = self._unit(context, line, index, found)
                lines.append((line._replace(product=product), False))
                continue
            if not linked.create:
                raise ValidationFailed(
                    f"line {index}: product {product.crm_id or ''} has no ERP link (ref/code); "
                    "prices are asked for products the ERP knows",
                    details=[Detail(product.crm_id or "", "input",
                                    path=f"{_line_path(index)}/Product")])
            if not context.integration_set.settings.auto_create_product:
                raise ValidationFailed(
                    f"line {index}: product {product.crm_id or ''} has no ERP link (ref/code); "
                    "transfer it first, or enable settings.auto_create_product",
                    details=[Detail(product.crm_id or "", "input",
                                    path=f"{_line_path(index)}/Product")])
            _refuse_anonymous_number(context, "product", product, f"line {index}: product",
                                     f"{_line_path(index)}/Product")
            lines.append((self._unit(context, line, index, declared_units(context, product)),
                          True))
        return lines

    async def _lines(self, context: Context, checked: Sequence[tuple[CrmRecord, bool]],
                     linked: LinkedQuote) -> list[CrmRecord]:
        """The checked lines with the products they need created (once per CRM id)."""
        created: dict[str, CrmRecord] = {}
        lines = []
        for index, (line, new) in enumerate(checked, 1):
            product = line.product
            if new and product is not None:
                seen = created.get(product.crm_id or f"line{index}")
                if seen is None:
                    seen = await self._create(context, "product", product, linked)
                    created[product.crm_id or f"line{index}"] = seen
                line = line._replace(product=seen)
            lines.append(line)
        return lines

    def _unit(self, context: Context, line: CrmRecord, index: int,
              product: ProductUnits) -> CrmRecord:
        """Check the line's unit against the product's units (F22: an unknown unit is refused —
        for a product the transfer creates, also when its record declares none); Netsis: the
        unit's position becomes the line's ``UnitIndex`` (Olcubr)."""
        s = context.integration_set
        if s.is_logo:
            field_name = crm_field_for(s, "order", LOGO_UNIT_KEY, line=True) or "Unit"
        else:
            own = {m.crm for m in s.mappings.line}
            if NETSIS_UNIT_FIELD in own:  # the set converts the unit itself (a value table)
                return line
            field_name = NETSIS_UNIT_FIELD
        value = line.fields.get(field_name, "").strip()
        if not value or not (product.units or product.new):
            return line
        folded = turkish_fold(value)
        position = next((n for unit, n in product.units if turkish_fold(unit) == folded), None)
        if position is None:
            known = ", ".join(unit for unit, _ in product.units)
            which = (f"new product {product.code} (its record declares {known or 'no unit'})"
                     if product.new else f"product {product.code} ({known})")
            raise ValidationFailed(
                f"line {index}: unit {value!r} is not a unit of {which}",
                details=[Detail(value, "input",
                                path=f"{_line_path(index)}/Field[@name='{field_name}']")])
        if s.is_logo or NETSIS_UNIT_INDEX_FIELD in line.fields:
            return line
        fields = dict(line.fields)
        fields[NETSIS_UNIT_INDEX_FIELD] = str(position)
        return line._replace(fields=MappingProxyType(fields))

    async def _create(self, context: Context, entity: CardEntity, record: CrmRecord,
                      linked: LinkedQuote) -> CrmRecord:
        """Create (or find again: ``Cards.save`` is idempotent per CRM id) one card the quote
        needs, with the code the set's policy gives; remember its link for the answer."""
        s = context.integration_set
        code_field = _code_field(s, entity)
        rid_link = await self.cards.remembered(context, entity, record)
        handed_out = False  # the code is not the CRM record's own: a retry would get another
        if rid_link is None:
            # an earlier create whose outcome is unknown used a code: that one again, never a
            # new template number (the earlier write may yet land under it)
            given = bool(record.fields.get(code_field, "").strip())
            code = None if given else await self.cards.pending(context, entity, record)
            policy = getattr(s.settings.code_policy, entity)
            handed_out = not given and (code is not None or policy.source == "template")
            if code is None:
                code = await code_for(self.engine, self.store, context, entity, record, policy,
                                      code_field)
            if record.fields.get(code_field) != code:
                fields = dict(record.fields)
                fields[code_field] = code
                record = record._replace(fields=MappingProxyType(fields))
        saved = await self.cards.save(context, entity, record, handed_out=handed_out)
        linked.links.append(CreatedLink(entity, record.crm_id or "", saved.key.ref,
                                        saved.key.code, created=saved.created))
        return record._replace(ref=saved.key.ref, code=saved.key.code or None)
