"""A document as the ERP priced it without saving it (F33, F35): Tiger/Go CalculateDataObject,
Netsis ItemSlips/Calculate. The translators read the ERP's answer into these; the price service
returns them per quote line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Discount:
    """One discount the ERP applied to a line, on what the ones above it left."""

    rate: Decimal | None     # percent; None for a discount by amount
    amount: Decimal | None   # what it took off, when the ERP says


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One item line of the priced document (in the order the quote's lines were sent)."""

    product: str
    quantity: Decimal
    unit_price: Decimal
    discounts: tuple[Discount, ...] = ()
    vat_rate: Decimal | None = None
    gross: Decimal | None = None     # quantity x price, as the ERP computed it
    net: Decimal | None = None       # after the discounts, without VAT
    vat: Decimal | None = None
    vat_included: bool = False
    currency: str | None = None      # the ERP's own currency code, as text
    campaign: str | None = None      # Tiger/Go: the campaign applied (CAMPCODE1..5)
    price_list: str | None = None    # Tiger/Go: the price card used (PRCLISTCODE)
    free: tuple[tuple[str, Decimal], ...] = ()  # promotion lines the ERP added: (product, qty)


@dataclass(frozen=True, slots=True)
class PricedDocument:
    lines: tuple[PricedLine, ...]
    gross: Decimal | None = None
    discounts: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
