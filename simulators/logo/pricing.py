"""How the simulated Logo Objects prices a slip: CalculateDataObject answers it, AppendDataObject
saves it. Deterministic rules, ``Decimal`` arithmetic, amounts rounded half-up to 2 decimals per
line (``money``):

1. Line prices, paramXML ``GetStockLinePrice`` = a price-type code (research/quotes.md §1,
   MobileSales ``WcfPriceType``). A line sent with a non-zero ``PRICE`` keeps it, whatever the
   code. A line sent without one (no tag, empty or 0) gets, for code 8 the sales price card
   (LG_001_PRCLIST PTYPE 2), for 7 the purchase card (PTYPE 1) — a card valid on the slip date,
   in the line's unit, the account's own card (CLIENTCODE) before a general one, then the lower
   PRIORITY, then the later BEGDATE; a card with INCVAT 1 makes the line VAT-included when it
   was sent without VAT_INCLUDED —, for 12/13 the last sales-dispatch price of the item to this
   account / to anyone, for 10/11 the last purchase-receipt price from this account / anyone (on
   or before the slip date). Code 0, another code, or no such price: the line's price is 0.
2. ``ApplyCondition=1`` (simplified sales conditions): an account card with a discount rate
   (CLCARD.DISCRATE) gets a TYPE 2 discount line with that rate after every item line that was
   sent without a discount line.
3. ``ApplyCampaign=1``: the first matching campaign line (LG_001_CMPGNLINE, ordered by campaign
   PRIORITY, campaign, line number) valid on the slip date, for the item (or every item), the
   account (or every account), with at least MINAMOUNT on the line, adds a TYPE 2 discount line
   with its DISCRATE after the condition line, and the item line carries the campaign
   (``CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1`` + ``CAMP_LN_NO`` when exported). Item lines sent
   with their own discount line get neither conditions nor campaigns.
4. Totals of an item line (TYPE 0) with quantity q, price p, VAT rate r:
   ``TOTAL = money(q * p)`` (as entered: gross of VAT when VAT_INCLUDED = 1); each discount line
   below it takes ``money(base * DISCOUNT_RATE / 100)`` (or its own TOTAL when it has no rate)
   from the base left by the ones above it; ``after = TOTAL - discounts``.
   Without VAT included: ``VATAMNT = money(after * r / 100)``, ``LINENET = after``, and the line
   adds TOTAL to TOTAL_GROSS and its discounts to TOTAL_DISCOUNTS.
   With VAT included: ``VATAMNT = money(after * r / (100 + r))``, ``LINENET = after - VATAMNT``,
   the line's VAT-free gross is ``money(TOTAL * 100 / (100 + r))`` (added to TOTAL_GROSS) and
   its VAT-free discounts ``gross - LINENET`` (added to TOTAL_DISCOUNTS); what the customer pays
   stays exactly ``after``.
   TOTAL_VAT = sum of VATAMNT; TOTAL_NET = TOTAL_GROSS - TOTAL_DISCOUNTS + TOTAL_VAT.
   Promotion lines (TYPE 1) are free: TOTAL shown, nothing added. Other lines (expenses, services)
   add ``money(q * p)`` to TOTAL_GROSS without VAT. A discount line with no item line above it is
   refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from simulators.db import dec, money, stamp, stored_date
from simulators.logo.tags import Line, LogoError

PRICE_CARDS = {7: 1, 8: 2}  # GetStockLinePrice -> LG_001_PRCLIST.PTYPE
LAST_PRICES = {10: (False, True), 11: (False, False), 12: (True, True), 13: (True, False)}
HUNDRED = Decimal(100)


def _code(params: Mapping[str, str], name: str) -> int:
    text = params.get(name, "").strip()
    return int(text) if text.lstrip("-").isdigit() else 0


class Pricing:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def price(self, lines: list[Line], header: dict[str, Any], params: Mapping[str, str]) -> None:
        """Price ``lines`` in place (discount lines may be added) and set the header totals."""
        on = stored_date(header.get("DATE_")) or date.today()
        client = int(header.get("CLIENTREF") or 0)
        code = _code(params, "GetStockLinePrice")
        for line in lines:
            if line.type in (0, 1) and not dec(line.values.get("PRICE")):
                self._line_price(line, code, on, client)
        conditions = _code(params, "ApplyCondition") == 1
        campaigns = _code(params, "ApplyCampaign") == 1
        if conditions or campaigns:
            self._discounts(lines, on, client, conditions=conditions, campaigns=campaigns)
        header.update(totals(lines))

    # -- line prices -------------------------------------------------------------------------------
    def _line_price(self, line: Line, code: int, on: date, client: int) -> None:
        values = line.values
        values["PRICE"] = Decimal(0)
        item = int(values["STOCKREF"])
        if code in PRICE_CARDS:
            card = self._price_card(item, PRICE_CARDS[code], int(values.get("UOMREF") or 0), on,
                                    client)
            if card is not None:
                values.update(PRICE=dec(card["PRICE"]), _CURRENCY=int(card["CURRENCY"] or 160),
                              _PRCLISTREF=int(card["LOGICALREF"]), _PRCLISTCODE=card["CODE"])
                if card["INCVAT"] and "VAT_INCLUDED" not in line.tags:
                    values["VATINC"] = 1
        elif code in LAST_PRICES:
            sales, own = LAST_PRICES[code]
            found = self._last_price(item, client if own else 0, on, sales=sales)
            if found is not None:
                values["PRICE"] = found

    def _price_card(self, item: int, kind: int, unit: int, on: date, client: int) \
            -> sqlite3.Row | None:
        row = self.conn.execute("SELECT CODE FROM LG_001_CLCARD WHERE LOGICALREF = ?",
                                (client,)).fetchone()
        client_code = str(row[0]) if row is not None else ""
        candidates = []
        for card in self.conn.execute(
                "SELECT LOGICALREF, CODE, PRICE, CURRENCY, UOMREF, INCVAT, CLIENTCODE, PRIORITY, "
                "BEGDATE, ENDDATE FROM LG_001_PRCLIST WHERE CARDREF = ? AND PTYPE = ? AND "
                "COALESCE(ACTIVE, 0) = 0", (item, kind)):
            begins, ends = stored_date(card["BEGDATE"]), stored_date(card["ENDDATE"])
            if (begins and on < begins) or (ends and on > ends):
                continue
            if card["CLIENTCODE"] and card["CLIENTCODE"] != client_code:
                continue
            if card["UOMREF"] and unit and int(card["UOMREF"]) != unit:
                continue
            candidates.append(card)
        candidates.sort(key=lambda c: (0 if c["CLIENTCODE"] else 1, int(c["PRIORITY"] or 0),
                                       -(stored_date(c["BEGDATE"]) or date.min).toordinal(),
                                       int(c["LOGICALREF"])))
        return candidates[0] if candidates else None

    def _last_price(self, item: int, client: int, on: date, *, sales: bool) -> Decimal | None:
        trcodes = "(7, 8)" if sales else "(1)"
        sql = (f"SELECT PRICE FROM LG_001_01_STLINE WHERE STOCKREF = ? AND TRCODE IN {trcodes} "
               "AND LINETYPE = 0 AND COALESCE(CANCELLED, 0) = 0 AND DATE_ < ?")
        args: list[Any] = [item, stamp(on + timedelta(days=1))]
        if client:
            sql += " AND CLIENTREF = ?"
            args.append(client)
        row = self.conn.execute(sql + " ORDER BY DATE_ DESC, LOGICALREF DESC LIMIT 1",
                                args).fetchone()
        return dec(row[0]) if row is not None else None

    # -- conditions and campaigns --------------------------------------------------------------------
    def _discounts(self, lines: list[Line], on: date, client: int, *, conditions: bool,
                   campaigns: bool) -> None:
        rate = Decimal(0)
        if conditions:
            row = self.conn.execute("SELECT DISCRATE FROM LG_001_CLCARD WHERE LOGICALREF = ?",
                                    (client,)).fetchone()
            rate = dec(row[0]) if row is not None else Decimal(0)
        offers = self._campaign_lines(on, client) if campaigns else []
        result: list[Line] = []
        for index, line in enumerate(lines):
            result.append(line)
            following = lines[index + 1] if index + 1 < len(lines) else None
            if line.type != 0 or (following is not None and following.type == 2):
                continue  # not an item line, or it carries its own discount
            warehouse = line.values.get("SOURCEINDEX", 0)
            if rate > 0:
                result.append(Line({"LINETYPE": 2, "DISCPER": rate, "UOMREF": 0,
                                    "SOURCEINDEX": warehouse}))
            offer = next((o for o in offers if _matches(o, line)), None)
            if offer is not None:
                result.append(Line({"LINETYPE": 2, "DISCPER": dec(offer["DISCRATE"]), "UOMREF": 0,
                                    "SOURCEINDEX": warehouse}))
                line.values.update(CAMPAIGNREF=int(offer["CREF"]), CMPGLINEREF=int(offer["LREF"]))
        lines[:] = result

    def _campaign_lines(self, on: date, client: int) -> list[sqlite3.Row]:
        found = []
        for row in self.conn.execute(
                "SELECT C.LOGICALREF AS CREF, L.LOGICALREF AS LREF, C.BEGDATE, C.ENDDATE, "
                "L.ITEMREF, L.CLIENTREF, L.MINAMOUNT, L.DISCRATE FROM LG_001_CAMPAIGN C "
                "JOIN LG_001_CMPGNLINE L ON L.CAMPAIGNREF = C.LOGICALREF "
                "WHERE COALESCE(C.ACTIVE, 0) = 0 ORDER BY C.PRIORITY, C.LOGICALREF, L.LINENR"):
            begins, ends = stored_date(row["BEGDATE"]), stored_date(row["ENDDATE"])
            if (begins and on < begins) or (ends and on > ends):
                continue
            if row["CLIENTREF"] and int(row["CLIENTREF"]) != client:
                continue
            found.append(row)
        return found


def _matches(offer: sqlite3.Row, line: Line) -> bool:
    values = line.values
    if offer["ITEMREF"] and int(offer["ITEMREF"]) != int(values["STOCKREF"]):
        return False
    return dec(values.get("AMOUNT")) >= dec(offer["MINAMOUNT"])


# -- totals ------------------------------------------------------------------------------------------
def totals(lines: list[Line]) -> dict[str, Decimal]:
    """Line totals in place (rule 4 of the module docstring); the header totals."""
    gross = discounts = vat_total = Decimal(0)
    groups: list[tuple[Line, list[Line]]] = []
    current: list[Line] | None = None  # the discount lines of the item line above
    for line in lines:
        values = line.values
        if line.type == 0:
            current = []
            groups.append((line, current))
        elif line.type == 2:
            if current is None:
                raise LogoError("İndirim satırı (TYPE 2) bir malzeme satırının altında olmalı")
            current.append(line)
        else:
            current = None
            values["TOTAL"] = money(dec(values.get("AMOUNT")) * dec(values.get("PRICE")))
            if line.type != 1:
                gross += values["TOTAL"]
    for item, below in groups:
        line_gross, line_discounts, vat = _item_totals(item, below)
        gross += line_gross
        discounts += line_discounts
        vat_total += vat
    return {"GROSSTOTAL": gross, "TOTALDISCOUNTS": discounts, "TOTALVAT": vat_total,
            "NETTOTAL": gross - discounts + vat_total}


def _item_totals(item: Line, below: list[Line]) -> tuple[Decimal, Decimal, Decimal]:
    values = item.values
    rate = dec(values.get("VAT"))
    total = money(dec(values.get("AMOUNT")) * dec(values.get("PRICE")))
    base = total
    for discount in below:
        percent = dec(discount.values.get("DISCPER"))
        amount = money(base * percent / HUNDRED) if percent else money(dec(discount.values.get("TOTAL")))
        discount.values["TOTAL"] = amount
        base -= amount
    if int(values.get("VATINC") or 0):
        vat = money(base * rate / (HUNDRED + rate))
        net = base - vat
        gross = money(total * HUNDRED / (HUNDRED + rate))
    else:
        vat = money(base * rate / HUNDRED)
        net = base
        gross = total
    values.update(TOTAL=total, VATAMNT=vat, LINENET=net)
    return gross, gross - net, vat
