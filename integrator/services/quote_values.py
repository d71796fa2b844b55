"""The numbers of a CRM quote's lines as the set's mappings name them (F23, F30, F32-F34).

A quote line carries quantity, unit, price, discounts and VAT in CRM fields; which CRM field is
which is the set's line mapping onto the ERP field (Tiger ``QUANTITY``, ``PRICE``, ...; Netsis
``STra_GCMIK``, ``STra_BF``, ...), with the default CRM names when a set maps none. Every reader of
those numbers — the transfer's quantity, price and discount checks, the stock check, the risk
check's quote total, the SQL and CRM price sources — reads them here, one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from integrator.config import IntegrationSet, TransferType
from integrator.errors import Detail, Forbidden, ValidationFailed
from integrator.model import Context, CrmRecord
from integrator.model.numbers import carried_exactly, money, plain_decimal_text
from integrator.model.prices import Discount, PricedLine, completed
from integrator.services.statements import sql_ref
from integrator.translators import crm_field_for, maps_crm_field

NETSIS_UNIT_FIELD = "Unit"  # the CRM's unit name on Netsis lines (matched to OLCU_BR1..3)

# (is_logo) -> the ERP line field of each value, and the CRM name used when the set maps none
_KEYS: dict[bool, dict[str, tuple[str, str]]] = {
    True: {"quantity": ("QUANTITY", "Quantity"), "price": ("PRICE", "UnitPrice"),
           "unit": ("UNIT_CODE", "Unit"), "vat": ("VAT_RATE", "VatRate"),
           "vat_included": ("VAT_INCLUDED", "VatIncluded"),
           "discount1": ("DISCOUNT_RATE", "Discount"), "discount2": ("DISCOUNT_RATE2", "Discount2"),
           "discount3": ("DISCOUNT_RATE3", "Discount3"), "campaign": ("CAMPCODE1", "Campaign")},
    False: {"quantity": ("STra_GCMIK", "Quantity"), "price": ("STra_BF", "UnitPrice"),
            "vat": ("STra_KDV", "VatRate"), "discount1": ("STra_SatIsk", "Discount"),
            "discount2": ("STra_SatIsk2", "Discount2"), "discount3": ("STra_SatIsk3", "Discount3")},
}
# each step of a line's discount chain, in the order the ERP applies it: (ERP line field, the CRM
# name when the set maps none — None: only when mapped; Netsis carries six, Tiger/Go three)
_CHAIN: dict[bool, tuple[tuple[str, str | None], ...]] = {
    True: (("DISCOUNT_RATE", "Discount"), ("DISCOUNT_RATE2", "Discount2"),
           ("DISCOUNT_RATE3", "Discount3")),
    False: (("STra_SatIsk", "Discount"), ("STra_SatIsk2", "Discount2"),
            ("STra_SatIsk3", "Discount3"), ("STra_SatIsk4", None), ("STra_SatIsk5", None),
            ("STra_SatIsk6", None)),
}
ZERO = Decimal(0)
HUNDRED = Decimal(100)
_NETSIS_VAT_INCLUDED = ("FatUst.KDV_DAHILMI", "VatIncluded")  # a header field on Netsis
# the ERP would store another number (a double keeps 15 significant digits), never refusing it
_TOO_MANY_DIGITS = "has more significant digits than the ERP keeps (15)"
_TRUE = frozenset({"1", "true", "yes", "evet", "e", "on"})


def line_path(index: int, field: str | None = None) -> str:
    path = f"Lines/Line[{index}]"
    return f"{path}/Field[@name='{field}']" if field else path


class LineFields:
    """The CRM field names of one set's quote-line values."""

    def __init__(self, integration_set: IntegrationSet) -> None:
        self.set = integration_set
        s = integration_set
        self.names: dict[str, str] = {
            value: crm_field_for(s, "order", key, line=True) or default
            for value, (key, default) in _KEYS[s.is_logo].items()}
        self.chain: list[str] = [
            name for key, default in _CHAIN[s.is_logo]
            if (name := crm_field_for(s, "order", key, line=True) or default) is not None]
        if not s.is_logo:
            self.names["unit"] = NETSIS_UNIT_FIELD
            key, default = _NETSIS_VAT_INCLUDED
            self.vat_included_header = crm_field_for(s, "order", key) or default
        # the VAT-included flag under its name on the level the ERP does not carry it (Tiger/Go:
        # the quote; Netsis: its lines), unless the set maps that field there to something else
        flag = self.names["vat_included"] if s.is_logo else self.vat_included_header
        self.stray_flag = (None if maps_crm_field(s, "order", flag, line=not s.is_logo)
                           else flag)

    def name(self, value: str) -> str:
        return self.names[value]

    @property
    def discount_names(self) -> list[str]:
        return [self.names[f"discount{n}"] for n in (1, 2, 3)]

    # -- reading ---------------------------------------------------------------------------------
    def text(self, line: CrmRecord, value: str) -> str | None:
        found = line.fields.get(self.names[value])
        return found.strip() if found is not None and found.strip() else None

    def number(self, line: CrmRecord, value: str, index: int) -> Decimal | None:
        """The value as a decimal (None when absent or empty); ``ValidationFailed`` naming the line
        when it is not a number."""
        return self._number(line, self.names[value], index)

    @staticmethod
    def _number(line: CrmRecord, name: str, index: int) -> Decimal | None:
        found = line.fields.get(name)
        text = found.strip() if found is not None else ""
        if not text:
            return None
        plain = plain_decimal_text(text)
        try:
            if not plain:
                raise InvalidOperation(text)
            return Decimal(plain)
        except InvalidOperation:
            raise ValidationFailed(
                f"line {index}: {name} is not a number ({text!r})",
                details=[Detail(f"line {index}: {name} {text!r}", "input",
                                path=line_path(index, name))]) from None

    def quantities(self, quote: CrmRecord) -> list[Decimal]:
        """Each line's quantity; every missing, non-numeric or non-positive one is reported at
        once (``ValidationFailed`` with a detail per line)."""
        name = self.names["quantity"]
        problems: list[Detail] = []
        out: list[Decimal] = []
        for index, line in enumerate(quote.lines, 1):
            try:
                quantity = self.number(line, "quantity", index)
            except ValidationFailed:
                quantity = None
            text = line.fields.get(name)
            if quantity is None:
                problems.append(Detail(f"line {index}: {name} is missing or not a number",
                                       "input", path=line_path(index, name)))
            elif quantity <= 0:
                problems.append(Detail(f"line {index}: {name} must be above zero, not {text}",
                                       "input", path=line_path(index, name)))
            elif not carried_exactly(quantity):
                problems.append(Detail(f"line {index}: {name} {text} {_TOO_MANY_DIGITS}",
                                       "input", path=line_path(index, name)))
            out.append(quantity or Decimal(0))
        if problems:
            raise ValidationFailed(f"quote {quote.crm_id}: quantities are missing or invalid",
                                   details=problems)
        return out

    def prices(self, quote: CrmRecord) -> None:
        """Each line's unit price and discounts: a price below zero, a discount outside 0–100 %
        (every step of the discount chain) or one that is not a number is reported, every line at
        once (``ValidationFailed`` with a detail per field) — an order line must never come out
        with a negative net price; then the VAT-included flags (``vat_flags``)."""
        price = self.names["price"]
        problems: list[Detail] = []
        for index, line in enumerate(quote.lines, 1):
            for name in (price, *self.chain):
                text = (line.fields.get(name) or "").strip()
                try:
                    number = self._number(line, name, index)
                except ValidationFailed:
                    problems.append(Detail(f"line {index}: {name} is not a number ({text!r})",
                                           "input", path=line_path(index, name)))
                    continue
                if number is None:
                    continue
                if not carried_exactly(number):
                    problems.append(Detail(f"line {index}: {name} {text} {_TOO_MANY_DIGITS}",
                                           "input", path=line_path(index, name)))
                elif name == price and number < 0:
                    problems.append(Detail(f"line {index}: {name} must not be below zero, not "
                                           f"{text}", "input", path=line_path(index, name)))
                elif name != price and not ZERO <= number <= HUNDRED:
                    problems.append(Detail(f"line {index}: {name} must be between 0 and 100 (%), "
                                           f"not {text}", "input", path=line_path(index, name)))
        if problems:
            raise ValidationFailed(f"quote {quote.crm_id}: prices or discounts are invalid",
                                   details=problems)
        self.vat_flags(quote)

    def vat_flags(self, quote: CrmRecord) -> None:
        """The quote's VAT-included flags agree between the quote and its lines: Tiger/Go carries
        the flag on each line (``VAT_INCLUDED``), Netsis once per document (``KDV_DAHILMI``), and a
        flag on the other level reaches no ERP field, so the ERP would add the VAT on top of a
        price that holds it (or leave it out of one that does not). Every line that disagrees is
        reported at once (``ValidationFailed``). A Netsis line without a flag follows the quote's;
        a Tiger/Go line without one has none."""
        name = self.stray_flag
        if name is None:
            return
        header = (quote.fields.get(name) or "").strip()
        if self.set.is_logo and not header:
            return  # no flag on the quote: each line says its own
        want = header.lower() in _TRUE
        said = header or "(absent: prices without VAT)"
        where = ("Tiger/Go carries the flag as VAT_INCLUDED, on each line: put it on every line"
                 if self.set.is_logo else
                 "Netsis carries the flag as KDV_DAHILMI, once per document: put it on the quote")
        problems: list[Detail] = []
        for index, line in enumerate(quote.lines, 1):
            text = (line.fields.get(name) or "").strip()
            if not text and not self.set.is_logo:
                continue
            if (text.lower() in _TRUE) == want:
                continue
            problems.append(Detail(
                f"line {index}: {name} {text or '(absent: without VAT)'} disagrees with the quote's {name} "
                f"{said}; {where}", "input", path=line_path(index, name if text else None)))
        if problems:
            raise ValidationFailed(f"quote {quote.crm_id}: the VAT-included flags disagree",
                                   details=problems)

    def discounts(self, line: CrmRecord, index: int) -> list[Decimal]:
        """The line's discount rates, every step of the chain a transfer sends (Netsis: also a
        mapped STra_SatIsk4..6), in order."""
        rates = [self._number(line, name, index) for name in self.chain]
        return [rate for rate in rates if rate]

    def vat_included(self, quote: CrmRecord, line: CrmRecord) -> bool:
        if self.set.is_logo:
            text = self.text(line, "vat_included")
        else:
            found = quote.fields.get(self.vat_included_header)
            text = found.strip() if found else None
        return text is not None and text.lower() in _TRUE


def quote_warehouse(context: Context, quote: CrmRecord) -> int | None:
    """The quote's warehouse, permitted for the user (F5): a user with one warehouse needs none
    named, a user with every warehouse leaves it to the ERP; otherwise the quote must name one."""
    member = context.member
    if quote.warehouse is not None:
        if not member.may_use_warehouse(quote.warehouse):
            raise Forbidden(f"user {context.user!r} is not permitted on warehouse "
                            f"{quote.warehouse} of set {context.set_code}",
                            details=[Detail(str(quote.warehouse), "input", path="@warehouse")])
        return quote.warehouse
    if member.warehouses == "all":
        return None
    if len(member.warehouses) == 1:
        return member.warehouses[0]
    permitted = ", ".join(map(str, member.warehouses)) or "none"
    raise ValidationFailed(f"the quote names no warehouse; user {context.user!r} may use "
                           f"{permitted}: send warehouse=\"...\"",
                           details=[Detail("warehouse", "input", path="@warehouse")])


def transfer_type(context: Context, requested: str | None) -> TransferType:
    """The document a quote becomes (F24): ``?as=``, else the user's automatic transfer type,
    else the set's default; a Netsis-only quote on Tiger/Go is refused."""
    s = context.integration_set
    chosen = requested or context.transfer_type
    if chosen is None:
        raise ValidationFailed(
            "name the transfer type (?as=order|dispatch|quote): user "
            f"{context.user!r} has no automatic transfer type in set {s.code}")
    if chosen not in ("order", "dispatch", "quote"):
        raise ValidationFailed(f"as={chosen!r} is not a transfer type (order, dispatch, quote)",
                               details=[Detail(chosen, "input", path="as")])
    if chosen == "quote" and s.is_logo:
        raise ValidationFailed(
            f"quotes go to the ERP only on Netsis; set {s.code} is {s.erp}: transfer the quote "
            "as an order or a dispatch", details=[Detail("quote", "input", path="as")])
    return chosen  # type: ignore[return-value]


def product_key(integration_set: IntegrationSet, line: CrmRecord) -> str | None:
    """A linked line product's key in the check statements' rows: its code upper-cased, or
    ``#ref``; None for a product the ERP does not have yet."""
    product = line.product
    if product is None or not product.has_link:
        return None
    return (product.code.upper() if product.code
            else f"#{sql_ref(integration_set, product.ref or '')}")


def quote_total(integration_set: IntegrationSet, quote: CrmRecord,
                product_vat: Mapping[str, Decimal] | None = None,
                ) -> tuple[Decimal, tuple[int, ...], tuple[int, ...]]:
    """The quote's total as the CRM priced it (VAT included) and as a transfer books it; the
    lines without a price (not in it) and the lines whose VAT rate is unknown (their VAT not in
    it). A line without a VAT rate gets its product's rate (``product_vat``, by ``product_key``)
    — the rate the ERP gives it."""
    values = LineFields(integration_set)
    total = ZERO
    uncounted: list[int] = []
    no_vat: list[int] = []
    for index, line in enumerate(quote.lines, 1):
        quantity = values.number(line, "quantity", index)
        price = values.number(line, "price", index)
        if quantity is None or price is None:
            uncounted.append(index)
            continue
        vat = values.number(line, "vat", index)
        if vat is None:
            key = product_key(integration_set, line)
            vat = (product_vat or {}).get(key) if key is not None else None
            if vat is None:
                no_vat.append(index)
        found = completed(PricedLine(
            "", quantity, price, tuple(Discount(rate, None) for rate in values.discounts(line, index)),
            vat or ZERO, vat_included=values.vat_included(quote, line)))
        total += (found.net or ZERO) + (found.vat or ZERO)
    return money(total), tuple(uncounted), tuple(no_vat)
