"""The commercial side of the demo databases, for the checks and prices of quotes (F30-F35):
risk limits, DBS limits, reservations, price systems and conditions. Applied to the tables
``simulators.demodb.generate`` built (``tiger(world, t)``, ``netsis(world, t)``) and computed
from them with the simulators' own rules, so that what the simulators book later (orders,
dispatches, ``ARPs/Risk``) stays consistent with the starting figures. Deterministic: no randomness.

Risk demo accounts (world accounts 1, 2, 3; Tiger codes 120.02.0001, 120.03.0002, 120.04.0003,
Netsis 120-00001, 120-00002, 120-00003) start with a large opening balance and get a limit
derived from their risk total: ``under`` 3x the total (rounded up to 10,000), ``near`` 2 % above
it (rounded up to 100), ``over`` 80 % of it (rounded down to 1,000). Every other customer is
under its limit like account 1 (3x its total, at least a tier of 50,000-500,000).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from simulators.db import to_netsis

RISK_ACCOUNTS = {1: "under", 2: "near", 3: "over"}  # world account number -> position
RISK_OPENING = Decimal(400000)  # their opening balance: more than a year of payments can cancel
TIERS = (Decimal(50000), Decimal(100000), Decimal(250000), Decimal(500000))
CENT = Decimal("0.01")

Rows = list[tuple[Any, ...]]
Tables = dict[str, tuple[list[str], Rows]]


class OrderLike(Protocol):
    number: int


class LineLike(Protocol):
    quantity: Decimal
    shipped: Decimal


# -- rules the generator uses while it builds orders ---------------------------------------------
def reserved(order: OrderLike) -> bool:
    """Orders saved with ORDER_RESERVE 1 on their lines (Tiger)."""
    return order.number % 10 == 3


def on_vehicle(order: OrderLike, line: LineLike) -> Decimal:
    """Quantity of an open order line already loaded on a vehicle (Tiger ORFLINE.ONVEHICLE)."""
    return Decimal(1) if order.number % 10 == 7 and line.quantity - line.shipped >= 2 else Decimal(0)


def risk_limit(position: str | None, total: Decimal, number: int) -> Decimal:
    """The limit of world account ``number`` whose risk total is ``total``."""
    def rounded(value: Decimal, step: int, rounding: str) -> Decimal:
        return (value / step).quantize(Decimal(1), rounding=rounding) * step

    if position == "near":
        return rounded(total * Decimal("1.02"), 100, ROUND_CEILING)
    if position == "over":
        return rounded(total * Decimal("0.8"), 1000, ROUND_FLOOR)
    return max(rounded(total * 3, 10000, ROUND_CEILING), TIERS[number % len(TIERS)])


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# -- table helpers ---------------------------------------------------------------------------------
def _index(t: Tables, table: str) -> dict[str, int]:
    return {name: i for i, name in enumerate(t[table][0])}


def _set_columns(t: Tables, table: str,
                 values: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Set (adding when missing) columns of every row: ``values(row as dict)`` -> changes, the
    same columns for every row."""
    columns, rows = t[table]
    records = []
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        record.update(values(record))
        records.append(record)
    names = list(records[0]) if records else list(columns)
    t[table] = (names, [tuple(record[name] for name in names) for record in records])


def _tier(number: int) -> Decimal:
    return TIERS[number % len(TIERS)]


# -- Tiger ---------------------------------------------------------------------------------------
def tiger(world: Any, t: Tables) -> None:
    customers = {a.number + 1: a for a in world.accounts if not a.supplier}
    balance: dict[int, Decimal] = defaultdict(Decimal)
    index = _index(t, "LG_001_01_CLFLINE")
    for row in t["LG_001_01_CLFLINE"][1]:
        if not row[index["CANCELLED"]]:
            sign = 1 if row[index["SIGN"]] == 0 else -1
            balance[row[index["CLIENTREF"]]] += sign * Decimal(row[index["AMOUNT"]])
    orders: dict[int, Decimal] = defaultdict(Decimal)  # the simulator's ORDRISKTOTAL rule
    index = _index(t, "LG_001_01_ORFLINE")
    for row in t["LG_001_01_ORFLINE"][1]:
        amount, shipped = Decimal(row[index["AMOUNT"]]), Decimal(row[index["SHIPPEDAMOUNT"]])
        still = max(Decimal(0), amount - shipped) if not row[index["CLOSED"]] else Decimal(0)
        if still:
            value = Decimal(row[index["LINENET"]]) + Decimal(row[index["VATAMNT"]])
            orders[row[index["CLIENTREF"]]] += _money(value * still / amount)
    rows: Rows = []
    for ref, account in sorted(customers.items()):
        accounts_risk, order_risk = balance[ref], orders[ref]
        total = accounts_risk + order_risk
        position = RISK_ACCOUNTS.get(account.number)
        limit = risk_limit(position, total, account.number)
        acc_limit = (limit * Decimal("0.7")).quantize(Decimal(1))
        ord_limit = (limit * Decimal("0.2")).quantize(Decimal(1))
        control = {"near": 1, "over": 2}.get(position or "", account.number % 3)
        rows.append((len(rows) + 1, ref, acc_limit, accounts_risk, ord_limit, order_risk,
                     limit - acc_limit - ord_limit, Decimal(0), 1, 0, 0, 1, 1, 0, 0, 0, control,
                     limit, total, 1 if total > limit else 0))
    t["LG_001_01_CLRNUMS"] = (["LOGICALREF", "CLCARDREF", "ACCRISKLIMIT", "ACCRISKTOTAL",
                               "ORDRISKLIMIT", "ORDRISKTOTAL", "DESPRISKLIMIT", "DESPRISKTOTAL",
                               "RISKTYPES1", "RISKTYPES2", "RISKTYPES3", "RISKTYPES4", "RISKTYPES5",
                               "RISKTYPES6", "RISKTYPES7", "RISKTYPES8", "RISKCTRLTYPE",
                               "RISKLIMIT", "RISKTOTAL", "ACCRISKOVER"], rows)

    def account_terms(row: dict[str, Any]) -> dict[str, Any]:
        number = row["LOGICALREF"] - 1
        dbs = row["LOGICALREF"] in customers and number % 13 == 0  # DBS (direct debit) limits
        limit = _tier(number) * 2 if dbs else Decimal(0)
        used = Decimal("1.1") if number % 26 == 0 else Decimal("0.4")  # some over their limit
        return {"DISCRATE": Decimal(3) if number % 12 == 5 else Decimal(0),
                "DBSLIMIT1": limit, "DBSTOTAL1": limit * used, "DBSBANKNO1": "0062" if dbs else "",
                "DBSBANKCURRENCY1": 160 if dbs else 0, "DBSRISKCNTRL1": 1 if dbs else 0}

    _set_columns(t, "LG_001_CLCARD", account_terms)


# -- Netsis --------------------------------------------------------------------------------------
def netsis(world: Any, t: Tables, codes: dict[int, str]) -> None:
    """``codes``: world account number -> CARI_KOD."""
    balance: dict[str, Decimal] = defaultdict(Decimal)
    index = _index(t, "TBLCAHAR")
    for row in t["TBLCAHAR"][1]:
        balance[row[index["CARI_KOD"]]] += Decimal(row[index["BORC"]]) - Decimal(row[index["ALACAK"]])
    orders: dict[str, Decimal] = defaultdict(Decimal)  # the simulator's ARPs/Risk order rule
    index = _index(t, "TBLSIPATRA")
    for row in t["TBLSIPATRA"][1]:
        still = Decimal(row[index["STHAR_GCMIK"]]) - Decimal(row[index["FIRMA_DOVTUT"]])
        if still > 0:
            orders[row[index["STHAR_ACIKLAMA"]]] += still * Decimal(row[index["STHAR_NF"]]) * (
                1 + Decimal(row[index["STHAR_KDV"]]) / 100)
    risk_rows: Rows = []
    limits: dict[str, Decimal] = {}
    for account in world.accounts:
        if account.supplier:
            continue
        code = codes[account.number]
        total = _money(balance[code] + orders[code])
        position = RISK_ACCOUNTS.get(account.number)
        limit = risk_limit(position, total, account.number)
        limits[code] = limit
        stop = {"near": 1, "over": 2}.get(position or "", 2 if account.number % 3 else 1)
        risk_rows.append((code, limit, stop, 2, 2, 2, 2))
    t["TBLCARISK"] = (["CARIKOD", "RISKLIMITI", "SIPRISKDAVRAN", "SEVKRISKDAVRAN", "YUKRISKDAVRAN",
                       "IRSRISKDAVRAN", "FATRISKDAVRAN"], risk_rows)

    def account_terms(row: dict[str, Any]) -> dict[str, Any]:
        number = int(str(row["CARI_KOD"]).rsplit("-", 1)[1])
        return {"RISK_SINIRI": limits.get(row["CARI_KOD"], Decimal(0)),
                "FIYATGRUBU": "BAYI" if number % 6 == 1 else "",
                "KOSULKODU": {3: "K05", 5: "YIL10"}.get(number % 8, ""),
                "ISKONTO_ORANI": Decimal("2.5") if number % 10 == 7 else Decimal(0),
                "LISTE_FIATI": 2 if number % 5 == 2 else 1}

    _set_columns(t, "TBLCASABIT", account_terms)
    t["TBLKOSULMAS"] = (["KOSUL_KOD", "ACIKLAMA", "KAPATILMIS", "BASTAR", "BITTAR", "ISKONTO1"], [
        ("K05", to_netsis("Genel bayi koşulu %5"), "H", datetime(2026, 1, 1),
         datetime(2026, 12, 31), Decimal(5)),
        ("YIL10", to_netsis("Yıl sonu koşulu %10"), "H", datetime(2026, 12, 1),
         datetime(2026, 12, 31), Decimal(10)),
        ("ESKI", to_netsis("Kapanmış koşul"), "E", datetime(2025, 1, 1), datetime(2025, 12, 31),
         Decimal(20)),
    ])
    _price_system(world, t, codes_of_products(t))
    _distribution(t)


def codes_of_products(t: Tables) -> list[str]:
    index = _index(t, "TBLSTSABIT")["STOK_KODU"]
    return [row[index] for row in t["TBLSTSABIT"][1]]


def _price_system(world: Any, t: Tables, product_codes: list[str]) -> None:
    """Price-system rows beyond the generator's (every 10th product 5 % under its card): a BAYI
    group price 12 % under for every 30th product, and a December promotion 10 % under for every
    10th product (so the price date decides)."""
    columns, rows = t["TBLSTOKFIAT"]
    rows = list(rows)
    year_start, year_end = datetime(2026, 1, 2), datetime(2026, 12, 31)
    for position, product in enumerate(world.products):
        code = product_codes[position]
        if product.number % 30 == 0:
            rows.append((len(rows) + 1, code, "BAYI", "S", (product.price * Decimal("0.88"))
                         .quantize(CENT), 0, year_start, year_end))
        if product.number % 10 == 1:
            rows.append((len(rows) + 1, code, "", "S", (product.price * Decimal("0.90"))
                         .quantize(CENT), 0, datetime(2026, 12, 1), year_end))
    t["TBLSTOKFIAT"] = (columns, rows)


def _distribution(t: Tables) -> None:
    """STOK_DAGITIM (reserved for distribution) on every 7th product: 10 % of what each warehouse
    holds, rounded down; the all-warehouse row (DEPO_KODU 0) holds their sum."""
    def share(row: dict[str, Any]) -> Decimal:
        if int(row["STOK_KODU"][-5:]) % 7 != 0 or not row["DEPO_KODU"]:
            return Decimal(0)
        held = Decimal(row["TOP_GIRIS_MIK"]) - Decimal(row["TOP_CIKIS_MIK"])
        return max(Decimal(0), (held / 10).quantize(Decimal(1), ROUND_FLOOR))

    columns, rows = t["TBLSTOKPH"]
    total: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        total[record["STOK_KODU"]] += share(record)
    _set_columns(t, "TBLSTOKPH", lambda row: {
        "STOK_DAGITIM": share(row) if row["DEPO_KODU"] else total[row["STOK_KODU"]]})
