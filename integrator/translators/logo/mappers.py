"""Tiger/Go translators: AR_AP (30), ITEM (0), ORDER_SLIP (3), DISPATCH (17)
(research/logo-tiger.md §3.3–§3.6)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from integrator.model import Entity
from integrator.translators import sources
from integrator.translators.engine import (
    Scope,
    Source,
    Translator,
    const,
    fallback,
    managed,
    mapping,
)
from integrator.translators.values import ValueRejected, pack_time, parse_date

QUOTE_ID_MAX = 32  # DOC_NUMBER -> DOCODE (33 in the data dictionary, incl. the terminator)


class LogoTranslator(Translator):
    family = "logo"
    entity: ClassVar[Entity]


class AccountTranslator(LogoTranslator):
    """``AR_APS/AR_AP``: a CRM firm as a Tiger current account (CLCARD)."""

    entity = "account"
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (const("1"), "ACCOUNT_TYPE"),              # alıcı (customer)
        (fallback(sources.link_code, "@code"), "CODE"),
    )
    # written on insert after the mapped fields, unless a mapping wrote them
    card_defaults: ClassVar[dict[str, str]] = {
        "CORRESP_LANG": "1", "PURCHBRWS": "1", "SALESBRWS": "1", "IMPBRWS": "1", "EXPBRWS": "1",
        "FINBRWS": "1",
    }

    @mapping
    def person(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        """An individual (şahıs) when only a national id is known (research §3.3 practice)."""
        if scope.operation != "insert" or "PERSCOMPANY" in out:
            return {}
        individual = bool(out.get("TCKNO")) and not out.get("TAX_ID")
        return {"PERSCOMPANY": "1" if individual else "0"}

    @mapping
    def defaults(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        if scope.operation != "insert":
            return {}
        return {key: value for key, value in self.card_defaults.items() if key not in out}


UNIT_FIELDS = ("UNIT_CODE", "CONV_FACT1", "CONV_FACT2", "BARCODE")


class ProductTranslator(LogoTranslator):
    """``ITEMS/ITEM``: a CRM product as a Tiger item card with its main unit."""

    entity = "product"
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (const("1"), "CARD_TYPE"),                 # ticari mal (merchandise)
        (fallback(sources.link_code, "@code"), "CODE"),
    )
    card_defaults: ClassVar[dict[str, str]] = {
        "USEF_PURCHASING": "1", "USEF_SALES": "1", "USEF_MM": "1",
    }

    @mapping
    def defaults(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        if scope.operation != "insert":
            return {}
        return {key: value for key, value in self.card_defaults.items() if key not in out}

    @mapping
    def units(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        """``UNITS/UNIT`` from the unit fields; the unit set defaults to the main unit's code.

        Units are written when the card is created; an update leaves them as they are.
        """
        unit = {name: out[name] for name in UNIT_FIELDS if name in out}
        fragment: dict[str, Any] = dict.fromkeys(UNIT_FIELDS)
        if scope.operation != "insert" or not unit.get("UNIT_CODE"):
            return fragment
        if not out.get("UNITSET_CODE"):
            fragment["UNITSET_CODE"] = unit["UNIT_CODE"]
        entry: dict[str, Any] = {
            "UNIT_CODE": unit["UNIT_CODE"], "USEF_MTRLCLASS": "1", "USEF_PURCHCLAS": "1",
            "USEF_SALESCLAS": "1", "CONV_FACT1": unit.get("CONV_FACT1") or "1",
            "CONV_FACT2": unit.get("CONV_FACT2") or "1",
        }
        if unit.get("BARCODE"):
            entry["BARCODE_LIST"] = [{"BARCODE": unit["BARCODE"]}]
        fragment["UNITS"] = [entry]
        return fragment


class OrderLineTranslator(LogoTranslator):
    """``TRANSACTION`` of a sales order: one item line."""

    entity: ClassVar[Entity] = "order"
    line_level = True
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (const("0"), "TYPE"),                      # malzeme (item line)
        (managed(sources.product_code, "Product/@code",
                 required=sources.PRODUCT_REQUIRED),
         "MASTER_CODE"),
        (managed(sources.warehouse, "/@warehouse"), "SOURCE_WH"),
    )


class DispatchLineTranslator(OrderLineTranslator):
    entity = "dispatch"
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (const("0"), "TYPE"),
        (managed(sources.product_code, "Product/@code",
                 required=sources.PRODUCT_REQUIRED),
         "MASTER_CODE"),
        (managed(sources.warehouse, "/@warehouse"), "SOURCEINDEX"),
    )




# the discount lines an item line may carry, in the order Logo applies them
DISCOUNT_KEYS = ("DISCOUNT_RATE", "DISCOUNT_RATE2", "DISCOUNT_RATE3")


_HUNDRED = Decimal(100)


def _percent(rate: str) -> bool:
    """Whether a written discount rate lies in 0–100 % (text that is no number is the writer's
    to refuse); a whole number is read without a Decimal (the usual line)."""
    if rate.isascii() and rate.isdigit():
        return int(rate) <= 100
    try:
        return 0 <= Decimal(rate) <= _HUNDRED
    except InvalidOperation:
        return True


class OrderTranslator(LogoTranslator):
    """``SALES_ORDERS/ORDER_SLIP``: a CRM quote as a Tiger sales order."""

    entity: ClassVar[Entity] = "order"
    children = OrderLineTranslator
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (const("~"), "NUMBER"),                    # the ERP assigns the next number (F25)
        (managed(sources.quote_id, "@crmId", required="the quote has no crmId"), "DOC_NUMBER"),
        (managed(sources.quote_stamp, "@revision"), "DOC_TRACK_NR"),
        (managed(sources.account_code, "Account/@code", required=sources.ACCOUNT_REQUIRED), "ARP_CODE"),
        (managed(sources.warehouse, "@warehouse"), "SOURCE_WH"),
        (managed(sources.salesman, "@salesman"), "SALESMAN_CODE"),
        (const("4"), "ORDER_STATUS"),              # sevkedilebilir
    )
    line_warehouse: ClassVar[str] = "SOURCE_WH"  # the warehouse tag of its lines

    @mapping
    def quote_id_fits(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        quote = out.get("DOC_NUMBER")
        if isinstance(quote, str) and len(quote) > QUOTE_ID_MAX:
            scope.fail(f"the quote id is {len(quote)} characters; DOC_NUMBER holds {QUOTE_ID_MAX}, "
                       "and the id must be kept whole to find the document again", "@crmId")
        return {}

    @mapping
    def time_of_day(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        """TIME packed from the date's time part when no time field is mapped."""
        if "TIME" in out:
            return {}
        rule = next((r for r in scope.plan.header_forward if r.key == "DATE"), None)
        raw = scope.record.fields.get(rule.crm) if rule is not None else None
        if not raw:
            return {}
        try:
            _, moment = parse_date(raw)
        except ValueRejected:
            return {}  # reported by the DATE field itself
        return {"TIME": str(pack_time(moment))} if moment is not None else {}

    @mapping
    def transactions(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        """``TRANSACTIONS``: each line, followed by its discount lines (TYPE 2: DISCOUNT_RATE, then
        DISCOUNT_RATE2 and 3, each on what the one above leaves, as Logo applies them); a campaign
        code goes on the item line as ``CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1`` (MobileSales)."""
        result: list[dict[str, Any]] = []
        warehouse_tag = self.line_warehouse
        for index, line in enumerate(self.lines(scope), 1):
            rates = [line.pop(key, None) for key in DISCOUNT_KEYS]
            for key, rate in zip(DISCOUNT_KEYS, rates, strict=True):
                if rate and not _percent(rate):
                    crm = next((r.crm for r in scope.plan.line_forward if r.key == key), key)
                    scope.fail(f"{key}: a discount of {rate} % is outside 0-100 %",
                               f"{scope.path}Lines/Line[{index}]/Field[@name='{crm}']")
            campaign = line.pop("CAMPCODE1", None)
            if campaign:
                line["CAMPAIGN_INFOS"] = [{"CAMPCODE1": campaign}]
            result.append(line)
            for rate in rates:
                if rate and rate.strip("0.+-"):  # a plain decimal that is not zero
                    discount = {"TYPE": "2", "DISCOUNT_RATE": rate}
                    if warehouse_tag in line:  # a discount line stays in its item's warehouse
                        discount[warehouse_tag] = line[warehouse_tag]
                    result.append(discount)
        return {"TRANSACTIONS": result}


class DispatchTranslator(OrderTranslator):
    """``SALES_DISPATCHES/DISPATCH``: a CRM quote as a Tiger sales dispatch (TYPE 8 wholesale)."""

    entity = "dispatch"
    children = DispatchLineTranslator
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (managed(lambda r, p, ctx: str(ctx.integration_set.settings.dispatch_type),
                 "@type"), "TYPE"),
        (const("~"), "NUMBER"),
        (managed(sources.quote_id, "@crmId", required="the quote has no crmId"), "DOC_NUMBER"),
        (managed(sources.quote_stamp, "@revision"), "DOC_TRACK_NR"),
        (managed(sources.account_code, "Account/@code", required=sources.ACCOUNT_REQUIRED), "ARP_CODE"),
        (managed(sources.warehouse, "@warehouse"), "SOURCE_WH"),
        (managed(sources.salesman, "@salesman"), "SALESMANCODE"),   # dispatch headers (quotes.md §1)
    )
    line_warehouse = "SOURCEINDEX"


TRANSLATORS: dict[str, LogoTranslator] = {
    "account": AccountTranslator(),
    "product": ProductTranslator(),
    "order": OrderTranslator(),
    "dispatch": DispatchTranslator(),
}
