"""Netsis translators (NetOpenX REST JSON, research/netsis.md §1.6–§1.11): ARPs, Items, and
ItemSlips for order (7), dispatch (2) and quote (15).

Keys are "Section.Property" (``CariTemelBilgi.CARI_ISIM``, ``FatUst.Tarih``) or a top-level
property (``FaturaTip``); ``nest`` turns them into the JSON body.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from integrator.model import DocumentEntity, Entity
from integrator.model.entities import is_document
from integrator.model.wire import NETSIS_DOC_TYPES
from integrator.translators import sources
from integrator.translators.context import MappingContext
from integrator.translators.engine import (
    Scope,
    Source,
    Translator,
    const,
    fallback,
    managed,
    mapping,
)
from integrator.translators.plan import crm_field_for
from integrator.translators.values import ValueRejected, netsis_number

NET_PRICE_PLACES = Decimal("0.0001")  # STHAR_NF is DECIMAL(18,4)
DISCOUNT_KEYS = ("STra_SatIsk", *(f"STra_SatIsk{n}" for n in range(2, 7)))


class NetsisTranslator(Translator):
    family = "netsis"
    entity: ClassVar[Entity]


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """{"A.x": 1, "B": 2} -> {"A": {"x": 1}, "B": 2} (first-seen order)."""
    body: dict[str, Any] = {}
    for key, value in flat.items():
        section, dot, prop = key.partition(".")
        if dot:
            body.setdefault(section, {})[prop] = value
        else:
            body[key] = value
    return body


def _true(record: Any, parent: Any, ctx: MappingContext) -> str:
    return "1"


def _series(entity: str) -> Any:
    def series(record: Any, parent: Any, ctx: MappingContext) -> str | None:
        value = ctx.integration_set.settings.netsis_series.get(entity)  # type: ignore[call-overload]
        return str(value) if value else None

    return series


def _price_option(name: str) -> Any:
    """A price option of the set — off for a document whose every line carries its price: the
    ERP saves the quote's agreed prices as they are (and a price preview of such a quote shows
    exactly that)."""
    def option(record: Any, parent: Any, ctx: MappingContext) -> str:
        if not getattr(ctx.integration_set.settings.netsis_price_options, name):
            return "0"
        price = crm_field_for(ctx.integration_set, "order", "STra_BF", line=True) or "UnitPrice"
        lines = getattr(record, "lines", ())
        priced = bool(lines) and all((line.fields.get(price) or "").strip() for line in lines)
        return "0" if priced else "1"

    return option


def _doc_type(entity: DocumentEntity) -> Any:
    code = str(NETSIS_DOC_TYPES[entity])

    def doc_type(record: Any, parent: Any, ctx: MappingContext) -> str:
        return code

    return doc_type


class AccountTranslator(NetsisTranslator):
    """``ARPs``: ``{"CariTemelBilgi": {...}, "CariEkBilgi": {...}}``."""

    entity = "account"
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (fallback(sources.link_key, "@code"), "CariTemelBilgi.CARI_KOD"),
        (const("A"), "CariTemelBilgi.CARI_TIP"),   # alıcı (customer)
        (managed(sources.branch, "/@set"), "CariTemelBilgi.Sube_Kodu"),
    )

    @mapping
    def extra_section(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        """CariEkBilgi carries the account code too (research §1.11, Merchanter)."""
        code = out.get("CariTemelBilgi.CARI_KOD")
        return {"CariEkBilgi.CARI_KOD": code} if code is not None else {}


class ProductTranslator(NetsisTranslator):
    """``Items``: ``{"StokTemelBilgi": {...}}`` (and ``StokEkBilgi`` when mapped)."""

    entity = "product"
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (fallback(sources.link_key, "@code"), "StokTemelBilgi.Stok_Kodu"),
        (managed(sources.branch, "/@set"), "StokTemelBilgi.Sube_Kodu"),
    )

    @mapping
    def extra_section(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        extra = [k for k in out if k.startswith("StokEkBilgi.")]
        code = out.get("StokTemelBilgi.Stok_Kodu")
        if not extra or code is None:
            return {}
        return {"StokEkBilgi.Stok_Kodu": code}




class LineTranslator(NetsisTranslator):
    """One ``Kalems`` entry."""

    entity: ClassVar[Entity] = "order"
    line_level = True
    direct: ClassVar[tuple[tuple[Source, str], ...]] = (
        (managed(sources.product_key, "Product/@code", required=sources.PRODUCT_REQUIRED), "StokKodu"),
        (const(1), "Olcubr"),                      # the item's first unit
        (managed(sources.warehouse, "/@warehouse"), "DEPO_KODU"),
        (managed(sources.salesman, "/@salesman"), "Plasiyer_Kodu"),
    )

    @mapping
    def position(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        return {"Sira": scope.index}

    @mapping
    def net_price(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        """STra_NF = STra_BF less the line discounts (%), exact, rounded to 4 places."""
        gross = out.get("STra_BF")
        if "STra_NF" in out or gross is None:
            return {}
        rates = [out[key] for key in DISCOUNT_KEYS if key in out]
        if not any(rates):
            return {"STra_NF": gross}
        try:
            return {"STra_NF": net_price(gross, rates)}
        except ValueRejected as exc:
            scope.fail(f"STra_NF (net price): {exc}", f"{scope.path}Field[@name='UnitPrice']")
            return {}


_HUNDRED = Decimal(100)


_UNITS = 10_000  # 4 decimal places
_FLOAT_LIMIT = 1e11  # below it, a double of at most 4 decimals has at most 15 digits
_DIGITS_15 = 10 ** 15  # a net under it (in 10^-4) has at most 15 digits: its steps are exact


def _whole_rates_net_price(gross: object, rates: list[Any]) -> int | float | None:
    """``net_price`` of the usual line — a price of at most 4 decimals, whole-percent discounts
    in 0–100 — in integer arithmetic (a quarter of the decimal steps' cost, 333 of a 500-line
    quote's lines); the same number, and None for anything else, which the decimal steps take
    (tests/translators/test_values_properties.py holds the two to the same answers)."""
    if type(gross) is int:
        units = gross * _UNITS
    elif type(gross) is float and -_FLOAT_LIMIT < gross < _FLOAT_LIMIT:
        # the double nearest to units/10^4 is the one repr writes with at most 4 decimals
        units = round(gross * _UNITS)
        if units / _UNITS != gross:
            return None
    else:
        return None
    divisor = 1
    for rate in rates:
        if type(rate) is not int or not 0 <= rate <= 100:
            return None
        units *= 100 - rate
        divisor *= 100
    quotient, remainder = divmod(abs(units), divisor)
    if 2 * remainder >= divisor:  # half-up: away from zero
        quotient += 1
    if quotient >= _DIGITS_15:
        return None
    net = -quotient if units < 0 else quotient
    return net // _UNITS if net % _UNITS == 0 else net / _UNITS


def _decimal(number: int | float) -> Decimal:
    """A JSON number as the decimal its shortest repr writes (the value the CRM sent)."""
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def net_price(gross: int | float, rates: list[Any]) -> int | float:
    """The Netsis net price: gross * prod(100 - rate) / 100^n in exact decimal steps, rounded
    half-up to 4 places (STHAR_NF is DECIMAL(18,4)), as a JSON number (``ValueRejected`` when a
    double cannot hold it exactly, or when a rate is outside 0–100 %: a negative net price)."""
    fast = _whole_rates_net_price(gross, rates)
    if fast is not None:
        return fast
    steps = [_decimal(rate) for rate in rates]
    for rate, step in zip(rates, steps, strict=True):
        if not 0 <= step <= _HUNDRED:
            raise ValueRejected(f"a discount of {rate} % is outside 0-100 %")
    net = _decimal(gross)
    for step in steps:
        net = net * (_HUNDRED - step) / _HUNDRED
    net = net.quantize(NET_PRICE_PLACES, rounding=ROUND_HALF_UP)
    if net == net.to_integral_value():
        return int(net)
    if len(net.as_tuple().digits) <= 15:  # a double holds 15 significant digits exactly
        return float(net)
    number = netsis_number(net)
    assert isinstance(number, int | float)
    return number


class DocumentTranslator(NetsisTranslator):
    """``ItemSlips`` with ``FatUst`` and ``Kalems``."""

    entity: ClassVar[Entity] = "order"
    children = LineTranslator

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        entity = cls.entity
        assert is_document(entity)
        cls.direct = (
            (managed(_doc_type(entity), "/@as"), "FaturaTip"),
            (managed(_series(entity), "/@series"), "Seri"),
            (managed(_true, ""), "KayitliNumaraOtomatikGuncellensin"),
            (managed(_true, ""), "SonNumaraYazilsin"),
            (managed(_price_option("conditional"), ""), "KosulluHesapla"),
            (managed(_price_option("by_stock_card"), ""), "StokKartinaGoreHesapla"),
            (managed(_price_option("by_price_system"), ""), "FiyatSistemineGoreHesapla"),
            (managed(sources.branch, "/@set"), "FatUst.Sube_Kodu"),
            (managed(sources.account_key, "Account/@code", required=sources.ACCOUNT_REQUIRED),
             "FatUst.CariKod"),
            (managed(_doc_type(entity), "/@as"), "FatUst.Tip"),
            (const(2), "FatUst.TIPI"),             # ft_Acik
            (managed(sources.quote_id, "@crmId", required="the quote has no crmId"),
             "FatUst.EKACK1"),
            (managed(sources.quote_stamp, "@revision"), "FatUst.EKACK2"),
            (managed(sources.salesman, "@salesman"), "FatUst.PLA_KODU"),
        )

    @mapping
    def quote_id_fits(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        quote = out.get("FatUst.EKACK1")
        limit = 100
        if isinstance(quote, str) and len(quote) > limit:
            scope.fail(f"the quote id is {len(quote)} characters; EKACK1 holds {limit}", "@crmId")
        return {}

    @mapping
    def price_dates(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        """``FiiliTarih``, ``FIYATTARIHI`` and ``KOSULTARIHI`` — sent by every public client that
        prices (research/quotes.md §2) — are the document date unless the CRM maps its own."""
        day = out.get("FatUst.Tarih")
        if day is None:
            return {}
        return {key: day for key in ("FatUst.FiiliTarih", "FatUst.FIYATTARIHI",
                                     "FatUst.KOSULTARIHI") if out.get(key) in (None, "")}

    @mapping
    def kalems(self, scope: Scope, out: dict[str, Any]) -> dict[str, Any]:
        return {"Kalems": self.lines(scope)}


class OrderTranslator(DocumentTranslator):
    entity = "order"


class DispatchTranslator(DocumentTranslator):
    entity = "dispatch"


class QuoteTranslator(DocumentTranslator):
    entity = "quote"


TRANSLATORS: dict[str, NetsisTranslator] = {
    "account": AccountTranslator(),
    "product": ProductTranslator(),
    "order": OrderTranslator(),
    "dispatch": DispatchTranslator(),
    "quote": QuoteTranslator(),
}
