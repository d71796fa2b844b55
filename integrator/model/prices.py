"""A document as the ERP priced it without saving it (F33, F35): Tiger/Go CalculateDataObject,
Netsis ItemSlips/Calculate. The translators read the ERP's answer into these; the price service
returns them per quote line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from integrator.model.numbers import money

HUNDRED = Decimal(100)


# The local currency in each ERP's own codes — what a transfer books a line's price in, since it
# sends the price without a currency: Tiger/Go 160 (TL in the price cards' CURRENCY,
# research/logo-tiger.md §4.6) and 0 (Logo's "local currency", the schema's default of every
# currency column); Netsis 0 (DOVIZ tipi 0 = TL, the default of SAT_DOV_TIP, FIYATDOVIZTIPI and
# the Kalems' STra_DOVTIP). A price SQL may also name the lira ("TL", "TRY"). No code: local.
LOCAL_CURRENCIES = {True: frozenset({0, 160}), False: frozenset({0})}  # by ``is_logo``
LOCAL_CURRENCY_NAMES = frozenset({"TL", "TRY"})


def is_local_currency(code: str | None, *, logo: bool) -> bool:
    """Whether ``code`` (the ERP's own currency code, as text) is the local currency."""
    text = (code or "").strip()
    if not text or text.upper() in LOCAL_CURRENCY_NAMES:
        return True
    try:
        number = Decimal(text)
    except InvalidOperation:
        return False
    return number == number.to_integral_value() and int(number) in LOCAL_CURRENCIES[logo]


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


def completed(line: PricedLine) -> PricedLine:
    """The line with what a price leaves to arithmetic filled in, by the rule of both ERPs: the
    gross ``money(quantity * price)``; each discount without an amount takes ``money`` of its rate
    from what the ones above it left; VAT added to the rest, or taken out of it when the price
    includes VAT. Figures the ERP gave are kept."""
    gross = line.gross if line.gross is not None else money(line.quantity * line.unit_price)
    after = gross
    discounts = []
    for discount in line.discounts:
        amount = discount.amount
        if amount is None:
            amount = money(after * (discount.rate or Decimal(0)) / HUNDRED)
        after -= amount
        discounts.append(Discount(discount.rate, amount))
    rate = line.vat_rate or Decimal(0)
    net, vat = line.net, line.vat
    if line.vat_included:
        vat = vat if vat is not None else money(after * rate / (HUNDRED + rate))
        net = net if net is not None else after - vat
    else:
        net = net if net is not None else after
        vat = vat if vat is not None else money(net * rate / HUNDRED)
    return PricedLine(line.product, line.quantity, line.unit_price, tuple(discounts),
                      line.vat_rate, gross, net, vat, line.vat_included, line.currency,
                      line.campaign, line.price_list, line.free)
