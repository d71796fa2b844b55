"""The ERP's priced document read back (F33, F35): pure, no I/O.

* Tiger/Go (``CalculateDataObject``): the computed slip as Logo XML. Item lines are the quote's
  lines in the order they were sent (matched by their item code, so a promotion line the ERP adds
  for free goods is told apart); the discount lines (TYPE 2) below an item line are its discounts,
  in order; the campaign is the first non-empty ``CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1..5``.
* Netsis (``ItemSlips/Calculate``): ``Kalems`` in the order sent; gross ``STra_BF``, discounts
  ``STra_SatIsk``..``STra_SatIsk6``, VAT ``STra_KDV``; header totals ``BRUTTUTAR``, ``SAT_ISKT``,
  ``KDV``, ``GENELTOPLAM``.

Where the ERP leaves a figure out (a line's net or VAT), it is computed with the ERPs' own rule
(``model.prices.completed``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from integrator.errors import Detail, MappingFailed
from integrator.model.numbers import decimal_of, money
from integrator.model.prices import HUNDRED, Discount, PricedDocument, PricedLine, completed
from integrator.translators.logo.xml import items, leaf_values, parse

_DISCOUNT_LINE = "2"
_PROMOTION_LINE = "1"
_NETSIS_DISCOUNTS = ("STra_SatIsk", *(f"STra_SatIsk{n}" for n in range(2, 7)))


def _number(value: Any, what: str) -> Decimal | None:
    try:
        return decimal_of(value)
    except InvalidOperation:
        raise MappingFailed(f"the ERP's priced document has {what} {value!r}, not a number",
                            details=[Detail(what, "erp")]) from None


# -- Tiger/Go ------------------------------------------------------------------------------------
def logo_priced(xml: str | bytes, codes: Sequence[str]) -> PricedDocument:
    """The CalculateDataObject answer of a document sent with item lines of ``codes``, in order."""
    root = parse(xml)
    record = root if root.find("TRANSACTIONS") is not None else (root[0] if len(root) else root)
    lines: list[dict[str, Any]] = []
    expected = [code.upper() for code in codes]
    for element in items(record, "TRANSACTIONS"):
        values = leaf_values(element)
        kind = values.get("TYPE", "0").strip() or "0"
        if kind == _DISCOUNT_LINE:
            if not lines:
                raise MappingFailed("the ERP's priced document starts with a discount line")
            lines[-1]["discounts"].append(Discount(
                _number(values.get("DISCOUNT_RATE"), "DISCOUNT_RATE") or None,
                _number(values.get("TOTAL"), "TOTAL")))
            continue
        code = values.get("MASTER_CODE", "").strip()
        position = len(lines)
        if position < len(expected) and code.upper() == expected[position] and not (
                kind == _PROMOTION_LINE and lines and lines[-1]["code"].upper() == code.upper()):
            lines.append({"code": code, "values": values, "element": element, "discounts": [],
                          "free": []})
        elif lines:  # a line the ERP added (a promotion's free goods)
            lines[-1]["free"].append((code, _number(values.get("QUANTITY"), "QUANTITY")
                                      or Decimal(0)))
        else:
            raise MappingFailed(f"the ERP's priced document has line {code!r} where "
                                f"{expected[0] if expected else 'no line'} was sent")
    if len(lines) != len(expected):
        raise MappingFailed(f"the ERP priced {len(lines)} of the {len(expected)} lines sent",
                            details=[Detail("TRANSACTIONS", "erp")])
    out = []
    for line in lines:
        values = line["values"]
        out.append(completed(PricedLine(
            line["code"], _number(values.get("QUANTITY"), "QUANTITY") or Decimal(0),
            _number(values.get("PRICE"), "PRICE") or Decimal(0), tuple(line["discounts"]),
            _number(values.get("VAT_RATE"), "VAT_RATE"), _number(values.get("TOTAL"), "TOTAL"),
            _number(values.get("TOTAL_NET"), "TOTAL_NET"),
            _number(values.get("VAT_AMOUNT"), "VAT_AMOUNT"),
            values.get("VAT_INCLUDED", "").strip() == "1",
            values.get("EDT_CURR", "").strip() or None, _campaign(line["element"]),
            values.get("PRCLISTCODE", "").strip() or None, tuple(line["free"]))))
    head = leaf_values(record)
    return PricedDocument(tuple(out), _number(head.get("TOTAL_GROSS"), "TOTAL_GROSS"),
                          _number(head.get("TOTAL_DISCOUNTS"), "TOTAL_DISCOUNTS"),
                          _number(head.get("TOTAL_VAT"), "TOTAL_VAT"),
                          _number(head.get("TOTAL_NET"), "TOTAL_NET"))


def _campaign(element: etree._Element) -> str | None:
    for info in element.iterfind("CAMPAIGN_INFOS/CAMPAIGN_INFO"):
        for n in range(1, 6):
            code = (info.findtext(f"CAMPCODE{n}") or "").strip()
            if code:
                return code
    return None


# -- Netsis --------------------------------------------------------------------------------------
def netsis_priced(data: Mapping[str, Any], count: int) -> PricedDocument:
    """The ItemSlips/Calculate answer of a document sent with ``count`` lines."""
    header = data.get("FatUst") if isinstance(data.get("FatUst"), Mapping) else {}
    kalems = data.get("Kalems")
    if not isinstance(kalems, list) or len(kalems) != count:
        found = len(kalems) if isinstance(kalems, list) else 0
        raise MappingFailed(f"the ERP priced {found} of the {count} lines sent",
                            details=[Detail("Kalems", "erp")])
    assert isinstance(header, Mapping)
    vat_included = header.get("KDV_DAHILMI") in (True, 1, "1", "E", "true")
    out = []
    for kalem in kalems:
        if not isinstance(kalem, Mapping):
            raise MappingFailed("the ERP's priced document has a line that is not an object")
        discounts = tuple(Discount(rate, None) for rate in (
            _number(kalem.get(key), key) for key in _NETSIS_DISCOUNTS) if rate)
        quantity = _number(kalem.get("STra_GCMIK"), "STra_GCMIK") or Decimal(0)
        price = _number(kalem.get("STra_BF"), "STra_BF") or Decimal(0)
        vat_rate = _number(kalem.get("STra_KDV"), "STra_KDV") or Decimal(0)
        net_price = _number(kalem.get("STra_NF"), "STra_NF")
        gross = money(quantity * price)
        net = vat = None
        if net_price is not None:  # Netsis' own rule: the net price, then the amounts
            paid = money(quantity * net_price)
            if vat_included:
                net = money(paid / (1 + vat_rate / HUNDRED))
                vat = paid - net
            else:
                net, vat = paid, money(paid * vat_rate / HUNDRED)
            if len(discounts) == 1:
                discounts = (Discount(discounts[0].rate, gross - paid),)
        currency = kalem.get("STra_DOVTIP")
        out.append(completed(PricedLine(
            str(kalem.get("StokKodu") or "").strip(), quantity, price, discounts, vat_rate,
            gross, net, vat, vat_included,
            str(currency) if currency not in (None, "", 0) else None)))
    return PricedDocument(tuple(out), _number(header.get("BRUTTUTAR"), "BRUTTUTAR"),
                          _number(header.get("SAT_ISKT"), "SAT_ISKT"),
                          _number(header.get("KDV"), "KDV"),
                          _number(header.get("GENELTOPLAM"), "GENELTOPLAM"))
