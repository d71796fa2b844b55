"""Netsis translators (NetOpenX REST JSON, research/netsis.md §1.6–§1.11): ARPs, Items, and
ItemSlips for order (7), dispatch (2) and quote (15).

Keys are "Section.Property" (``CariTemelBilgi.CARI_ISIM``, ``FatUst.Tarih``) or a top-level
property (``FaturaTip``); ``nest`` turns them into the JSON body.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from integrator.translators import sources
from integrator.translators.base import (
    MappingContext,
    Scope,
    Source,
    Translator,
    const,
    fallback,
    managed,
    mapping,
)
from integrator.translators.catalog import NETSIS_DOC_TYPES, Entity
from integrator.translators.values import ValueRejected, canonical_decimal, to_netsis

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
    def option(record: Any, parent: Any, ctx: MappingContext) -> str:
        return "1" if getattr(ctx.integration_set.settings.netsis_price_options, name) else "0"

    return option


def _doc_type(entity: str) -> Any:
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
        rates = []
        for key in DISCOUNT_KEYS:
            if key in out:
                rates.append(out[key])
        if not any(rates):
            return {"STra_NF": gross}
        exact = _net_price(gross, rates)
        if exact is not None:
            return {"STra_NF": exact}
        net = _decimal(gross)
        for rate in rates:
            net = net * (_HUNDRED - _decimal(rate)) / _HUNDRED
        net = net.quantize(NET_PRICE_PLACES, rounding=ROUND_HALF_UP)
        if net == net.to_integral_value():
            return {"STra_NF": int(net)}
        if len(net.as_tuple().digits) <= 15:  # a double holds 15 significant digits exactly
            return {"STra_NF": float(net)}
        try:
            return {"STra_NF": to_netsis(canonical_decimal(net), "decimal")}
        except ValueRejected as exc:
            scope.fail(f"STra_NF (net price): {exc}", f"{scope.path}Field[@name='UnitPrice']")
            return {}


_HUNDRED = Decimal(100)


def _decimal(number: int | float) -> Decimal:
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


_EXACT_LIMIT = 10 ** 28  # the Decimal context's precision: below it every step is exact
_DOUBLE_LIMIT = 10 ** 15  # a double holds 15 significant digits exactly
_SCALED_LIMIT = 1e11  # 10^11 with 4 decimals: 15 digits


def _scaled(number: object) -> tuple[int, int] | None:
    """An int or float as (coefficient, decimal places), the value ``_decimal`` reads; None for
    anything else (a bool, a float written with an exponent, inf, nan)."""
    if type(number) is int:
        return number, 0
    if type(number) is float:
        if -_SCALED_LIMIT < number < _SCALED_LIMIT:
            # the common case, at most 4 decimals, without repr: the double is the one nearest to
            # units/10^4, and no other decimal of at most 15 significant digits rounds to it, so
            # that is also the value repr writes
            units = round(number * 10_000)
            if units / 10_000 == number:
                return units, 4
        whole, dot, fraction = repr(number).partition(".")
        if dot and fraction.isdigit():
            return int(whole + fraction), len(fraction)
    return None


_POWERS: tuple[int, ...] = tuple(10 ** n for n in range(40))


def _net_price(gross: object, rates: list[Any]) -> int | float | None:
    """``net_price`` in integers: gross * prod(100 - rate) / 100^n, rounded half-up to 4 places.

    The same value as the Decimal steps whenever they are exact (every intermediate coefficient
    under 28 digits) and the result has at most 15 digits; None leaves the rest to them.
    """
    scaled = _scaled(gross)
    if scaled is None:
        return None
    numerator, places = scaled
    for rate in rates:
        if type(rate) is int:  # the common case: a whole percentage
            numerator *= 100 - rate
            places += 2
            continue
        factor = _scaled(rate)
        if factor is None:
            return None
        coefficient, decimals = factor  # repr writes at most 21 decimals without an exponent
        numerator *= 100 * _POWERS[decimals] - coefficient
        places += decimals + 2
    magnitude = abs(numerator)
    if magnitude >= _EXACT_LIMIT or places >= len(_POWERS):
        return None
    denominator = _POWERS[places]
    units, rest = divmod(magnitude * 10_000, denominator)  # units of 0.0001
    if 2 * rest >= denominator:
        units += 1  # ROUND_HALF_UP: half away from zero
    if units >= _DOUBLE_LIMIT:
        return None
    if units % 10_000 == 0:
        whole = units // 10_000
        return whole if numerator >= 0 else -whole
    return (units if numerator >= 0 else -units) / 10_000


class DocumentTranslator(NetsisTranslator):
    """``ItemSlips`` with ``FatUst`` and ``Kalems``."""

    entity: ClassVar[Entity] = "order"
    children = LineTranslator

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        entity = cls.entity
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
