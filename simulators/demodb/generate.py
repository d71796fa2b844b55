"""Deterministic generators for the demo ERP databases (N8): a Logo Tiger company (firm 001,
period 01) and a Logo Netsis company (branch 0), with realistic Turkish data.

``build(kind, scale)`` returns the rows of every table as plain Python values (the same rows for
SQLite and PostgreSQL); ``write_sqlite(path, kind)`` writes a database file; ``ensure(data_dir)``
writes ``tiger.db`` and ``netsis.db`` when they are missing or were written by another generator
version. Everything is seeded: the same version and scale give the same data, with no network.

At scale 1.0: 600 accounts, 2,200 products, 12 warehouses, 10 salesmen, a year of account
movements, orders with lines, dispatches (STFICHE/STLINE, TBLSTHAR/TBLFATUIRS) and stock totals
(STINVTOT/GNTOTST, TBLSTOKPH) that agree with the stock movements.

Tiger text is proper Unicode; Netsis text is stored the way a real Netsis database looks to a
Latin-1 client (``text.encode('cp1254').decode('cp1252')``: İ->Ý, ı->ý, Ş->Þ, ş->þ, Ğ->Ð, ğ->ð).
Tiger card tables (CLCARD, ITEMS, UNITSETF) hold the ``CODE='ÿ'`` placeholder row at LOGICALREF 1,
as real Tiger does.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulators.demodb import commerce
from simulators.demodb.schema import statements

GENERATOR_VERSION = "6"
SEED = 20261123
KINDS = ("tiger", "netsis")

META_TABLE = "DEMO_META"
META_DDL = f"CREATE TABLE {META_TABLE} (META_KEY VARCHAR(40) PRIMARY KEY, META_VALUE VARCHAR(200))"

Rows = list[tuple[Any, ...]]
Tables = dict[str, tuple[list[str], Rows]]

YEAR_START = date(2026, 1, 2)
YEAR_END = date(2026, 11, 20)

# -- Turkish vocabulary --------------------------------------------------------------------------
CITIES: list[tuple[str, str, list[str]]] = [  # city, area code, districts
    ("İSTANBUL", "212", ["Şişli", "Beşiktaş", "Bakırköy", "Beyoğlu", "Sarıyer", "Esenyurt"]),
    ("İSTANBUL", "216", ["Kadıköy", "Üsküdar", "Ümraniye", "Ataşehir", "Pendik", "Tuzla"]),
    ("ANKARA", "312", ["Çankaya", "Keçiören", "Yenimahalle", "Etimesgut", "Sincan"]),
    ("İZMİR", "232", ["Karşıyaka", "Bornova", "Konak", "Buca", "Çiğli"]),
    ("BURSA", "224", ["Nilüfer", "Osmangazi", "Yıldırım", "İnegöl"]),
    ("KONYA", "332", ["Selçuklu", "Meram", "Karatay"]),
    ("ANTALYA", "242", ["Muratpaşa", "Kepez", "Konyaaltı", "Alanya"]),
    ("ADANA", "322", ["Seyhan", "Çukurova", "Yüreğir"]),
    ("GAZİANTEP", "342", ["Şahinbey", "Şehitkamil"]),
    ("KAYSERİ", "352", ["Melikgazi", "Kocasinan", "Talas"]),
    ("ESKİŞEHİR", "222", ["Odunpazarı", "Tepebaşı"]),
    ("TRABZON", "462", ["Ortahisar", "Akçaabat"]),
    ("DİYARBAKIR", "412", ["Bağlar", "Kayapınar"]),
    ("SAMSUN", "362", ["İlkadım", "Atakum"]),
    ("DENİZLİ", "258", ["Pamukkale", "Merkezefendi"]),
    ("MERSİN", "324", ["Yenişehir", "Mezitli", "Tarsus"]),
    ("MANİSA", "236", ["Yunusemre", "Şehzadeler", "Akhisar"]),
    ("KOCAELİ", "262", ["İzmit", "Gebze", "Darıca"]),
    ("SAKARYA", "264", ["Adapazarı", "Serdivan"]),
    ("IĞDIR", "476", ["Merkez", "Aralık"]),
    ("ÇORUM", "364", ["Merkez", "Sungurlu"]),
    ("ŞANLIURFA", "414", ["Haliliye", "Eyyübiye"]),
]
SURNAMES = ["YILMAZ", "KAYA", "DEMİR", "ŞAHİN", "ÇELİK", "YILDIZ", "YILDIRIM", "ÖZTÜRK", "AYDIN",
            "ÖZDEMİR", "ARSLAN", "DOĞAN", "KILIÇ", "ASLAN", "ÇETİN", "KARA", "KOÇ", "KURT",
            "ÖZKAN", "ŞİMŞEK", "POLAT", "ÖZCAN", "KORKMAZ", "ERDOĞAN", "GÜNEŞ", "ÇAKIR", "IŞIK",
            "İLHAN", "AKSOY", "TUNÇ", "GÜLER", "ERGÜN", "TAŞ", "AKIN", "ŞEN", "BULUT", "ÜNAL"]
FIRST_NAMES = ["AYŞE", "MEHMET", "FATMA", "MUSTAFA", "EMİNE", "AHMET", "HATİCE", "ALİ", "ZEYNEP",
               "HÜSEYİN", "ELİF", "HASAN", "İBRAHİM", "ŞEYMA", "ÖMER", "GÜLŞEN", "IŞIL", "ÇAĞRI",
               "İSMAİL", "ÖZGE", "UĞUR", "DİLEK", "SERKAN", "BÜŞRA", "OĞUZ"]
SECTORS = ["GIDA", "TEKSTİL", "İNŞAAT", "OTOMOTİV", "MOBİLYA", "KİMYA", "ELEKTRİK", "MAKİNA",
           "AMBALAJ", "TARIM ÜRÜNLERİ", "LOJİSTİK", "BİLİŞİM", "TURİZM", "MEDİKAL", "KIRTASİYE",
           "HIRDAVAT", "ENERJİ", "PLASTİK", "ÇELİK YAPI", "SÜT ÜRÜNLERİ"]
SUFFIXES = ["SANAYİ VE TİCARET A.Ş.", "TİCARET LTD. ŞTİ.", "PAZARLAMA A.Ş.",
            "İTHALAT İHRACAT LTD. ŞTİ.", "SANAYİ A.Ş.", "DIŞ TİCARET A.Ş.", "VE ORTAKLARI KOLL. ŞTİ."]
BRANDS = ["ŞİŞLİ", "ANADOLU", "EGE", "KARADENİZ", "MARMARA", "AKDENİZ", "ÖZGÜR", "GÜVEN",
          "IŞIKLAR", "İPEKYOLU", "BOĞAZİÇİ", "ÇINAR", "DOĞU", "ERCİYES", "ULUDAĞ", "KAÇKAR",
          "TOROS", "YEŞİLIRMAK", "FIRAT", "SAKARYA", "ÇAMLICA", "GÖKSU", "İNCİ", "ŞAFAK"]

# category code, category, unit set, VAT, [(base name, base price)], variants
PRODUCT_FAMILIES: list[tuple[str, str, str, int, list[tuple[str, str]], list[str]]] = [
    ("GDA", "GIDA", "KG", 1, [("TOZ ŞEKER", "38.50"), ("PİRİNÇ BALDO", "74.90"),
                              ("KIRMIZI MERCİMEK", "52.00"), ("BULGUR PİLAVLIK", "31.75"),
                              ("ZEYTİNYAĞI SIZMA", "389.00"), ("AYÇİÇEK YAĞI", "142.50")],
     ["1 KG", "2 KG", "5 KG", "10 KG", "25 KG ÇUVAL"]),
    ("ÇAY", "ÇAY KAHVE", "ADET", 10, [("SİYAH ÇAY RİZE", "189.00"), ("YEŞİL ÇAY", "96.00"),
                                     ("TÜRK KAHVESİ", "124.90"), ("IHLAMUR", "45.50")],
     ["100 G", "250 G", "500 G", "1 KG"]),
    ("TKS", "TEKSTİL", "MT", 10, [("PAMUKLU KUMAŞ", "85.00"), ("KETEN KUMAŞ", "142.00"),
                                 ("İPLİK POLYESTER", "64.25"), ("DÖŞEMELİK KADİFE", "210.00")],
     ["BEYAZ", "SİYAH", "LACİVERT", "BORDO", "GRİ", "EKRU", "YEŞİL"]),
    ("İNŞ", "İNŞAAT", "ADET", 20, [("ÇİMENTO 50 KG", "165.00"), ("TUĞLA 13.5", "6.40"),
                                  ("İNŞAAT DEMİRİ Ø12", "22.80"), ("ALÇI 25 KG", "98.00"),
                                  ("SERAMİK YER KAROSU", "310.00")],
     ["STANDART", "A KALİTE", "İHRACAT", "EKONOMİK"]),
    ("HRD", "HIRDAVAT", "KOLI", 20, [("VİDA M8X40", "2.15"), ("SOMUN M8", "0.85"),
                                    ("DÜBEL 10 MM", "0.60"), ("MENTEŞE ÇELİK", "24.50"),
                                    ("KİLİT SİLİNDİR", "185.00"), ("ÇEKİÇ 500 G", "145.00")],
     ["GALVANİZ", "PASLANMAZ", "SİYAH", "PİRİNÇ KAPLAMA"]),
    ("ELK", "ELEKTRİK", "ADET", 20, [("KABLO NYA 2.5 MM", "14.20"), ("PRİZ TOPRAKLI", "48.00"),
                                    ("ANAHTAR TEKLİ", "39.00"), ("LED AMPUL 9W", "42.50"),
                                    ("SİGORTA 16A", "67.00")],
     ["BEYAZ", "KREM", "ANTRASİT", "ŞEFFAF"]),
    ("KRT", "KIRTASİYE", "ADET", 20, [("DEFTER A4 ÇİZGİLİ", "35.00"), ("KURŞUN KALEM", "7.50"),
                                     ("SİLGİ", "6.00"), ("DOSYA KLASÖR", "42.00"),
                                     ("FOTOKOPİ KAĞIDI A4", "189.00")],
     ["MAVİ", "KIRMIZI", "YEŞİL", "SİYAH", "KARIŞIK"]),
    ("TMZ", "TEMİZLİK", "LT", 20, [("ÇAMAŞIR SUYU", "34.90"), ("SIVI SABUN", "58.00"),
                                  ("YÜZEY TEMİZLEYİCİ", "72.50"), ("BULAŞIK DETERJANI", "88.00")],
     ["1 LT", "2.5 LT", "5 LT", "20 LT BİDON"]),
    ("MBL", "MOBİLYA", "ADET", 20, [("ÇALIŞMA MASASI", "3450.00"), ("OFİS SANDALYESİ", "2890.00"),
                                   ("KİTAPLIK", "1975.00"), ("DOLAP İKİ KAPAKLI", "4200.00")],
     ["CEVİZ", "BEYAZ", "MEŞE", "ANTRASİT", "SONOMA"]),
    ("OTO", "OTOMOTİV", "ADET", 20, [("MOTOR YAĞI 5W30", "780.00"), ("FREN BALATASI", "640.00"),
                                    ("SİLECEK SÜPÜRGESİ", "210.00"), ("HAVA FİLTRESİ", "265.00"),
                                    ("AKÜ 60 AH", "2650.00")],
     ["BİNEK", "HAFİF TİCARİ", "AĞIR VASITA"]),
]
UNIT_SETS: list[tuple[str, str, list[tuple[str, str, str]]]] = [  # code, name, [(unit, name, conv)]
    ("ADET", "Adet birim seti", [("ADET", "Adet", "1"), ("KOLİ", "Koli", "12")]),
    ("KG", "Ağırlık birim seti", [("KG", "Kilogram", "1"), ("GR", "Gram", "0.001"),
                                 ("TON", "Ton", "1000")]),
    ("LT", "Hacim birim seti", [("LT", "Litre", "1"), ("ML", "Mililitre", "0.001")]),
    ("MT", "Uzunluk birim seti", [("MT", "Metre", "1"), ("TOP", "Top", "50")]),
    ("KOLI", "Koli birim seti", [("ADET", "Adet", "1"), ("PAKET", "Paket", "10"),
                                 ("KOLİ", "Koli", "100")]),
]
NETSIS_UNITS = {"ADET": "AD", "KG": "KG", "LT": "LT", "MT": "MT", "KOLI": "AD"}
WAREHOUSES = [
    (0, "MERKEZ DEPO", "İSTANBUL"), (1, "İSTANBUL ANADOLU DEPO", "İSTANBUL"),
    (2, "ANKARA BÖLGE DEPO", "ANKARA"), (3, "İZMİR EGE DEPO", "İZMİR"),
    (4, "BURSA ŞUBE DEPO", "BURSA"), (5, "KONYA DEPO", "KONYA"),
    (6, "ANTALYA SEVKİYAT DEPO", "ANTALYA"), (7, "ADANA ÇUKUROVA DEPO", "ADANA"),
    (8, "GAZİANTEP DEPO", "GAZİANTEP"), (9, "HURDA VE ARIZALI DEPO", "İSTANBUL"),
    (10, "KARANTİNA DEPO", "İSTANBUL"), (11, "E-TİCARET DEPO", "KOCAELİ"),
]
SALESMEN = [("AYŞE", "YILMAZ"), ("MEHMET", "ÖZTÜRK"), ("ŞEYMA", "DOĞAN"), ("İBRAHİM", "KILIÇ"),
            ("GÜLŞEN", "ÇELİK"), ("OĞUZ", "ŞAHİN"), ("IŞIL", "AYDIN"), ("ÇAĞRI", "ERDOĞAN"),
            ("ZEYNEP", "GÜNEŞ"), ("UĞUR", "KARA")]


STREETS = ["Atatürk", "Cumhuriyet", "İstiklal", "Gazi", "Fatih Sultan Mehmet", "Şehitler"]


def mojibake(text: str) -> str:
    """Turkish text as a Latin-1 client sees a Netsis (cp1254 bytes, Latin-1 collation) column."""
    return text.encode("cp1254").decode("cp1252")


def _title_case_tr(text: str) -> str:
    out: list[str] = []
    for word in text.split(" "):
        if not word:
            out.append(word)
            continue
        rest = word[1:].replace("I", "ı").replace("İ", "i").lower()
        out.append(word[0] + rest)
    return " ".join(out)


def _ascii_slug(text: str) -> str:
    table = str.maketrans("İIıŞşĞğÜüÖöÇç", "iiissgguuoocc")
    return "".join(c for c in text.translate(table).lower() if c.isalnum())[:20]


@dataclass(frozen=True, slots=True)
class Size:
    accounts: int
    products: int
    orders: int
    movements_per_account: int

    @classmethod
    def of(cls, scale: float) -> Size:
        def n(full: int, least: int) -> int:
            return max(least, round(full * scale))

        return cls(accounts=n(600, 30), products=n(2200, 60), orders=n(900, 20),
                   movements_per_account=8 if scale >= 0.5 else 5)


@dataclass
class Account:
    number: int
    title: str
    city: str
    district: str
    area: str
    tax_office: str
    tax_number: str
    phone: str
    person: tuple[str, str] | None
    salesman: int
    email: str
    address: str
    supplier: bool


@dataclass
class Product:
    number: int
    family: int
    name: str
    unit_set: str
    vat: int
    price: Decimal
    barcode: str


@dataclass
class OrderLine:
    product: int
    warehouse: int
    quantity: Decimal
    price: Decimal
    vat: int
    shipped: Decimal


@dataclass
class Order:
    number: int
    account: int
    day: date
    salesman: int
    warehouse: int
    lines: list[OrderLine]
    closed: bool


@dataclass
class StockMove:
    """One stock movement line: a purchase receipt (in) or a sales dispatch (out)."""

    slip: int
    product: int
    warehouse: int
    day: date
    quantity: Decimal
    price: Decimal
    incoming: bool
    account: int | None
    order: int | None      # index of the order it ships
    order_line: int | None


@dataclass
class Slip:
    number: int
    day: date
    incoming: bool
    account: int | None
    warehouse: int
    order: int | None


@dataclass
class Movement:
    account: int
    day: date
    debit: bool
    amount: Decimal
    kind: str     # invoice | payment | bank | opening
    document: str


@dataclass
class Quote:
    number: int
    account: int
    day: date
    lines: list[OrderLine]


@dataclass
class World:
    """The business facts both schemas are written from."""

    accounts: list[Account]
    products: list[Product]
    orders: list[Order]
    slips: list[Slip]
    moves: list[StockMove]
    movements: list[Movement]
    quotes: list[Quote]
    extension_sectors: dict[int, str]


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def _day(rng: random.Random, start: date = YEAR_START, end: date = YEAR_END) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def build_world(scale: float = 1.0, seed: int = SEED) -> World:
    rng = random.Random(seed)
    size = Size.of(scale)
    accounts: list[Account] = []
    used_tax: set[str] = set()
    for i in range(size.accounts):
        city, area, districts = CITIES[i % len(CITIES)] if i < len(CITIES) else rng.choice(CITIES)
        district = rng.choice(districts)
        person = None
        if i % 9 == 4:
            person = (rng.choice(FIRST_NAMES), rng.choice(SURNAMES))
            title = f"{person[0]} {person[1]} {rng.choice(SECTORS)} TİCARETİ"
        else:
            head = _upper_tr(district) if i % 5 == 0 else rng.choice(BRANDS + SURNAMES)
            title = f"{head} {rng.choice(SECTORS)} {rng.choice(SUFFIXES)}"
        if i == 0:
            title, city, area, district = "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş.", "İSTANBUL", "212", "Şişli"
        elif i == 1:
            title, city, area, district = "IĞDIR İNŞAAT MALZEMELERİ TİCARET LTD. ŞTİ.", "IĞDIR", "476", \
                "Merkez"
        elif i == 2:
            title = "İSTANBUL IŞIK AYDINLATMA SANAYİ A.Ş."
        tax = str(rng.randrange(1_000_000_000, 9_999_999_999))
        while tax in used_tax:
            tax = str(rng.randrange(1_000_000_000, 9_999_999_999))
        used_tax.add(tax)
        phone = f"0{area} {rng.randrange(200, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}"
        slug = _ascii_slug(title.split(" ")[0]) or "firma"
        accounts.append(Account(
            number=i + 1, title=title, city=city, district=district, area=area,
            tax_office=_upper_tr(district) if district != "Merkez" else city,
            tax_number=tax, phone=phone, person=person, salesman=rng.randrange(len(SALESMEN)),
            email=f"info@{slug}{i + 1}.com.tr",
            address=f"{rng.choice(STREETS)} "
                    f"{rng.choice(['Cad.', 'Sok.', 'Blv.'])} No:{rng.randrange(1, 250)}",
            supplier=(i % 11 == 7)))

    products: list[Product] = []
    counter = 0
    while len(products) < size.products:
        for f, (_, _, unit_set, vat, bases, variants) in enumerate(PRODUCT_FAMILIES):
            for base, price in bases:
                for variant in variants:
                    if len(products) >= size.products:
                        break
                    counter += 1
                    series = counter // 400
                    name = f"{base} {variant}" + (f" S{series}" if series else "")
                    factor = Decimal(f"{rng.uniform(0.8, 1.6):.3f}")
                    products.append(Product(
                        number=len(products) + 1, family=f, name=name[:50], unit_set=unit_set,
                        vat=vat, price=(Decimal(price) * factor).quantize(Decimal("0.01")),
                        barcode=f"869{rng.randrange(10**9, 10**10 - 1)}"))

    # stock: purchase receipts into the main warehouses, then sales orders and dispatches
    slips: list[Slip] = []
    moves: list[StockMove] = []
    suppliers = [a.number for a in accounts if a.supplier] or [1]
    stock_warehouses = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11]
    receipts = defaultdict(list)
    for product in products:
        for warehouse in rng.sample(stock_warehouses, rng.choice([1, 2, 2, 3])):
            receipts[warehouse].append(product.number)
    for warehouse, items in sorted(receipts.items()):
        for start in range(0, len(items), 25):
            day = _day(rng, YEAR_START, date(2026, 3, 31))
            slip = Slip(len(slips) + 1, day, True, rng.choice(suppliers), warehouse, None)
            slips.append(slip)
            for number in items[start:start + 25]:
                product = products[number - 1]
                qty = Decimal(rng.choice([50, 100, 120, 200, 240, 500, 1000]))
                moves.append(StockMove(slip.number, number, warehouse, day, qty,
                                       (product.price * Decimal("0.7")).quantize(Decimal("0.01")),
                                       True, slip.account, None, None))
    on_hand: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for move in moves:
        on_hand[(move.product, move.warehouse)] += move.quantity
    stocked = sorted(on_hand)

    customers = [a.number for a in accounts if not a.supplier]
    orders: list[Order] = []
    for o in range(size.orders):
        day = _day(rng, date(2026, 4, 1), YEAR_END)
        account = rng.choice(customers)
        lines: list[OrderLine] = []
        picked = rng.sample(stocked, rng.randint(1, 5))
        warehouse = picked[0][1]
        for product_number, wh in picked:
            product = products[product_number - 1]
            qty = Decimal(rng.choice([1, 2, 3, 5, 10, 12, 20, 24, 50]))
            lines.append(OrderLine(product_number, wh, qty, product.price, product.vat, Decimal(0)))
        orders.append(Order(o + 1, account, day, accounts[account - 1].salesman, warehouse, lines,
                            closed=False))
    # dispatch about two thirds of the orders, some partially
    for order in orders:
        if rng.random() > 0.66:
            continue
        ship_day = min(order.day + timedelta(days=rng.randint(0, 6)), YEAR_END)
        slip = Slip(len(slips) + 1, ship_day, False, order.account, order.warehouse, order.number)
        slips.append(slip)
        for index, line in enumerate(order.lines):
            available = on_hand[(line.product, line.warehouse)]
            qty = line.quantity if rng.random() < 0.8 else (line.quantity / 2).to_integral_value()
            qty = min(qty, available)
            if qty <= 0:
                continue
            on_hand[(line.product, line.warehouse)] -= qty
            line.shipped = qty
            moves.append(StockMove(slip.number, line.product, line.warehouse, ship_day, qty,
                                   line.price, False, order.account, order.number, index))
        order.closed = all(line.shipped >= line.quantity for line in order.lines)

    # account movements: opening balance, invoices of dispatches, payments over the year
    movements: list[Movement] = []
    for acc in accounts:
        opening = _money(rng, 0, 25000)
        if acc.number in commerce.RISK_ACCOUNTS:  # a large positive risk to be under/near/over
            opening = commerce.RISK_OPENING
        movements.append(Movement(acc.number, YEAR_START, True, opening, "opening", "DEVİR"))
        for _ in range(size.movements_per_account):
            day = _day(rng)
            if rng.random() < 0.55:
                movements.append(Movement(acc.number, day, True, _money(rng, 150, 48000),
                                          "invoice", f"FT{rng.randrange(10**6, 10**7)}"))
            else:
                kind = rng.choice(["payment", "bank"])
                movements.append(Movement(acc.number, day, False, _money(rng, 100, 30000),
                                          kind, f"TH{rng.randrange(10**6, 10**7)}"))
    movements.sort(key=lambda m: (m.day, m.account))

    quotes: list[Quote] = []
    for q in range(max(10, size.orders // 6)):
        account = rng.choice(customers)
        lines = []
        for product_number, wh in rng.sample(stocked, rng.randint(1, 4)):
            product = products[product_number - 1]
            lines.append(OrderLine(product_number, wh, Decimal(rng.choice([1, 5, 10, 25])),
                                   product.price, product.vat, Decimal(0)))
        quotes.append(Quote(q + 1, account, _day(rng, date(2026, 6, 1), YEAR_END), lines))

    sectors = {a.number: rng.choice(SECTORS) for a in accounts[: max(5, len(accounts) // 10)]}
    return World(accounts, products, orders, slips, moves, movements, quotes, sectors)


def _upper_tr(text: str) -> str:
    return text.replace("i", "İ").replace("ı", "I").upper()


def _ts(day: date, seconds: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()


def _packed_time(hour: int, minute: int) -> int:
    return hour * 2**24 + minute * 2**16


def _vat(amount: Decimal, rate: int) -> Decimal:
    return (amount * rate / 100).quantize(Decimal("0.01"))


# -- Tiger ---------------------------------------------------------------------------------------
def tiger_tables(world: World, seed: int = SEED) -> Tables:
    rng = random.Random(seed + 1)
    t: Tables = {}
    created = datetime(2025, 12, 15, 9, 30)

    cols = ["LOGICALREF", "ACTIVE", "CARDTYPE", "CODE", "DEFINITION_", "SPECODE", "CYPHCODE",
            "ADDR1", "DISTRICT", "TOWN", "CITY", "COUNTRY", "COUNTRYCODE", "POSTCODE", "TELNRS1",
            "FAXNR", "EMAILADDR", "WEBADDR", "INCHARGE", "TAXNR", "TAXOFFICE", "ISPERSCOMP",
            "TCKNO", "NAME", "SURNAME", "PAYMENTREF", "CCURRENCY", "SALESMANREF", "ACCEPTEINV",
            "BLOCKED", "GUID", "CAPIBLOCK_CREATEDBY", "CAPIBLOCK_CREADEDDATE"]
    rows: Rows = [(1, 0, 3, "ÿ", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
                   "", 0, "", "", "", 0, 0, 0, 0, 0, "", 1, created)]
    for a in world.accounts:
        ref = a.number + 1
        prefix = "320" if a.supplier else "120"
        code = f"{prefix}.{(a.number % 97) + 1:02d}.{a.number:04d}"
        person = a.person
        rows.append((
            ref, 1 if a.number % 53 == 0 else 0, 2 if a.supplier else (3 if a.number % 7 == 0 else 1),
            code, a.title, rng.choice(["", "BAYİ", "TOPTAN", "PERAKENDE", "KURUMSAL"]),
            "", a.address, a.district, a.district, a.city, "TÜRKİYE", "TR",
            f"{rng.randrange(1, 81):02d}{rng.randrange(100, 999)}", a.phone, "", a.email,
            f"www.{a.email.split('@')[1]}", f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            "" if person else a.tax_number, a.tax_office[:31], 1 if person else 0,
            f"{rng.randrange(10**10, 10**11 - 1)}" if person else "",
            person[0] if person else "", person[1] if person else "",
            2 + (a.number % 4), 160, a.salesman + 1, 1 if a.number % 3 == 0 else 0,
            0, _guid(rng), 1, created + timedelta(minutes=a.number)))
    t["LG_001_CLCARD"] = (cols, rows)

    t["LG_001_PAYPLANS"] = (["LOGICALREF", "CODE", "DEFINITION_"], [
        (1, "PEŞİN", "Peşin ödeme"), (2, "30 GÜN", "30 gün vadeli"), (3, "60 GÜN", "60 gün vadeli"),
        (4, "90 GÜN", "90 gün vadeli"), (5, "ÇEK 120", "120 gün çek")])

    unitset_rows: Rows = [(1, "ÿ", "", 1)]
    unitline_rows: Rows = []
    unit_line_ref: dict[tuple[str, int], int] = {}
    for s, (code, name, units) in enumerate(UNIT_SETS):
        set_ref = s + 2
        unitset_rows.append((set_ref, code, name, 1))
        for n, (unit, unit_name, conv) in enumerate(units):
            ref = len(unitline_rows) + 1
            unit_line_ref[(code, n)] = ref
            unitline_rows.append((ref, set_ref, n + 1, unit, unit_name, 1 if n == 0 else 0,
                                  Decimal(1), Decimal(conv)))
    t["LG_001_UNITSETF"] = (["LOGICALREF", "CODE", "NAME", "CARDTYPE"], unitset_rows)
    t["LG_001_UNITSETL"] = (["LOGICALREF", "UNITSETREF", "LINENR", "CODE", "NAME", "MAINUNIT",
                             "CONVFACT1", "CONVFACT2"], unitline_rows)
    set_refs = {code: s + 2 for s, (code, _, _) in enumerate(UNIT_SETS)}

    item_cols = ["LOGICALREF", "ACTIVE", "CARDTYPE", "CODE", "NAME", "NAME2", "STGRPCODE",
                 "PRODUCERCODE", "SPECODE", "VAT", "SELLVAT", "RETURNVAT", "SELLPRVAT",
                 "RETURNPRVAT", "UNITSETREF", "GTIPCODE", "GUID", "CAPIBLOCK_CREATEDBY",
                 "CAPIBLOCK_CREADEDDATE"]
    item_rows: Rows = [(1, 0, 1, "ÿ", "", "", "", "", "", 0, 0, 0, 0, 0, 0, "", "", 1, created)]
    unita_rows: Rows = []
    price_rows: Rows = []
    for p in world.products:
        family = PRODUCT_FAMILIES[p.family]
        ref = p.number + 1
        vat = Decimal(p.vat)
        item_rows.append((ref, 1 if p.number % 97 == 0 else 0, 1, item_code(p, family[0]), p.name,
                          _title_case_tr(p.name), family[1][:25], f"ÜRT-{p.number % 40:03d}",
                          family[0], vat, vat, vat, vat, vat, set_refs[p.unit_set],
                          f"{rng.randrange(10**11, 10**12 - 1)}", _guid(rng), 1,
                          created + timedelta(seconds=p.number)))
        units = next(u for c, _, u in UNIT_SETS if c == p.unit_set)
        for n, (_, _, conv) in enumerate(units):
            unita_rows.append((len(unita_rows) + 1, ref, n + 1, unit_line_ref[(p.unit_set, n)],
                               Decimal(1), Decimal(conv), p.barcode if n == 0 else ""))
        main_unit = unit_line_ref[(p.unit_set, 0)]
        price_rows.append((len(price_rows) + 1, ref, f"SF-{p.number:05d}", "Satış fiyatı", 2,
                           p.price, 160, main_unit, 0, 0, _ts(YEAR_START), _ts(date(2026, 12, 31)),
                           0, "", "", 0))
        price_rows.append((len(price_rows) + 1, ref, f"AF-{p.number:05d}", "Alış fiyatı", 1,
                           (p.price * Decimal("0.7")).quantize(Decimal("0.01")), 160, main_unit,
                           0, 0, _ts(YEAR_START), _ts(date(2026, 12, 31)), 0, "", "", 0))
        if p.number % 10 == 0:  # an export price in USD
            price_rows.append((len(price_rows) + 1, ref, f"SF-USD-{p.number:05d}", "İhracat fiyatı",
                               2, (p.price / Decimal("41.5")).quantize(Decimal("0.0001")), 1,
                               main_unit, 0, 1, _ts(YEAR_START), _ts(date(2026, 12, 31)), 0, "", "",
                               0))
    t["LG_001_ITEMS"] = (item_cols, item_rows)
    t["LG_001_ITMUNITA"] = (["LOGICALREF", "ITEMREF", "LINENR", "UNITLINEREF", "CONVFACT1",
                             "CONVFACT2", "BARCODE"], unita_rows)
    t["LG_001_PRCLIST"] = (["LOGICALREF", "CARDREF", "CODE", "DEFINITION_", "PTYPE", "PRICE",
                            "CURRENCY", "UOMREF", "INCVAT", "PRIORITY", "BEGDATE", "ENDDATE",
                            "ACTIVE", "CLIENTCODE", "CLSPECODE", "PAYPLANREF"], price_rows)

    t["L_CAPIWHOUSE"] = (["LOGICALREF", "FIRMNR", "NR", "NAME", "DIVISNR", "FACTNR", "COSTGRP",
                          "CITY"],
                         [(i + 1, 1, nr, name, 0, 0, 0, city) for i, (nr, name, city)
                          in enumerate(WAREHOUSES)]
                         + [(len(WAREHOUSES) + 1, 2, 0, "ESKİ FİRMA MERKEZ", 0, 0, 0, "ANKARA")])
    t["LG_SLSMAN"] = (["LOGICALREF", "FIRMNR", "CODE", "DEFINITION_", "ACTIVE", "EMAILADDR"],
                      [(i + 1, 1, f"S{i + 1:02d}", f"{first} {last}", 1 if i == 9 else 0,
                        f"{_ascii_slug(first)}.{_ascii_slug(last)}@demo.com.tr")
                       for i, (first, last) in enumerate(SALESMEN)]
                      + [(len(SALESMEN) + 1, 2, "S01", "BAŞKA FİRMA SATIŞ", 0, "")])

    # account movements
    clf_rows: Rows = []
    trcodes = {"invoice": 38, "payment": 1, "bank": 20, "opening": 14}
    for m in world.movements:
        exp = {"invoice": "Satış faturası", "payment": "Nakit tahsilat", "bank": "Banka havalesi",
               "opening": "Açılış fişi"}[m.kind]
        clf_rows.append((len(clf_rows) + 1, m.account + 1, _ts(m.day), 5, trcodes[m.kind],
                         0 if m.debit else 1, m.amount, 0, m.amount,
                         1 if len(clf_rows) % 97 == 13 else 0, m.document, m.document, exp, 0, 0))
    t["LG_001_01_CLFLINE"] = (["LOGICALREF", "CLIENTREF", "DATE_", "MODULENR", "TRCODE", "SIGN",
                               "AMOUNT", "TRCURR", "TRNET", "CANCELLED", "TRANNO", "DOCODE",
                               "LINEEXP", "SOURCEFREF", "PAYMENTREF"], clf_rows)

    # orders
    orf_rows: Rows = []
    orl_rows: Rows = []
    order_line_ref: dict[tuple[int, int], int] = {}
    for o in world.orders:
        gross = sum((ln.quantity * ln.price for ln in o.lines), Decimal(0))
        vat = sum((_vat(ln.quantity * ln.price, ln.vat) for ln in o.lines), Decimal(0))
        orf_rows.append((o.number, 1, f"{o.number:08d}", _ts(o.day), _packed_time(9 + o.number % 8, 15),
                         f"CRM-{o.number:06d}" if o.number % 4 == 0 else "", "", "",
                         o.account + 1, o.warehouse, o.salesman + 1, 2, gross, 0, vat, gross + vat,
                         4, 0, "", _guid(rng), 1, _ts(o.day, 9 * 3600)))
        for n, ln in enumerate(o.lines):
            total = ln.quantity * ln.price
            ref = len(orl_rows) + 1
            order_line_ref[(o.number, n)] = ref
            orl_rows.append((ref, o.number, n + 1, ln.product + 1, o.account + 1, 0, 1, _ts(o.day),
                             ln.quantity, ln.price, total.quantize(Decimal("0.01")), 0, ln.vat,
                             _vat(total, ln.vat), total.quantize(Decimal("0.01")), ln.shipped,
                             1 if ln.shipped >= ln.quantity else 0, _ts(o.day + timedelta(days=7)),
                             ln.warehouse, 0, 0, 4, "",
                             ln.quantity if commerce.reserved(o) else Decimal(0),
                             commerce.on_vehicle(o, ln)))
    t["LG_001_01_ORFICHE"] = (["LOGICALREF", "TRCODE", "FICHENO", "DATE_", "TIME_", "DOCODE",
                               "SPECODE", "CYPHCODE", "CLIENTREF", "SOURCEINDEX", "SALESMANREF",
                               "PAYDEFREF", "GROSSTOTAL", "TOTALDISCOUNTS", "TOTALVAT", "NETTOTAL",
                               "STATUS", "CANCELLED", "GENEXP1", "GUID", "CAPIBLOCK_CREATEDBY",
                               "CAPIBLOCK_CREADEDDATE"], orf_rows)
    t["LG_001_01_ORFLINE"] = (["LOGICALREF", "ORDFICHEREF", "LINENO_", "STOCKREF", "CLIENTREF",
                               "LINETYPE", "TRCODE", "DATE_", "AMOUNT", "PRICE", "TOTAL", "DISCPER",
                               "VAT", "VATAMNT", "LINENET", "SHIPPEDAMOUNT", "CLOSED", "DUEDATE",
                               "SOURCEINDEX", "UOMREF", "USREF", "STATUS", "LINEEXP",
                               "RESERVEAMOUNT", "ONVEHICLE"], orl_rows)

    # stock slips: purchase receipts (TRCODE 1, IOCODE 1) and wholesale dispatches (TRCODE 8, IOCODE 4)
    stf_rows: Rows = []
    lines_of: dict[int, list[StockMove]] = defaultdict(list)
    for move in world.moves:
        lines_of[move.slip].append(move)
    stl_rows: Rows = []
    for slip in world.slips:
        moves = lines_of[slip.number]
        if not moves:
            continue
        gross = sum((sm.quantity * sm.price for sm in moves), Decimal(0)).quantize(Decimal("0.01"))
        vat = sum((_vat(sm.quantity * sm.price, world.products[sm.product - 1].vat) for sm in moves),
                  Decimal(0))
        trcode, iocode, grp = (1, 1, 1) if slip.incoming else (8, 4, 2)
        doc = f"CRM-{slip.order:06d}" if slip.order and slip.order % 4 == 0 else ""
        stf_rows.append((slip.number, grp, trcode, iocode, f"{slip.number:08d}", _ts(slip.day),
                         _packed_time(14, 0), doc, "", (slip.account or 0) + 1 if slip.account else 0,
                         slip.warehouse, 0, gross, vat, gross + vat, 0,
                         0 if slip.incoming else 1,  # the demo's sales dispatches are invoiced
                         "", _guid(rng), 1, _ts(slip.day, 14 * 3600)))
        for n, sm in enumerate(moves):
            total = (sm.quantity * sm.price).quantize(Decimal("0.01"))
            product_vat = world.products[sm.product - 1].vat
            stl_rows.append((len(stl_rows) + 1, slip.number, n + 1, sm.product + 1,
                             (sm.account + 1) if sm.account else 0, 0, trcode, iocode, _ts(sm.day),
                             sm.warehouse, sm.quantity, sm.price, total, product_vat,
                             _vat(total, product_vat), total, 0, 0,
                             order_line_ref.get((sm.order, sm.order_line or 0), 0) if sm.order else 0,
                             sm.order or 0, 0, 0, ""))
    t["LG_001_01_STFICHE"] = (["LOGICALREF", "GRPCODE", "TRCODE", "IOCODE", "FICHENO", "DATE_",
                               "FTIME", "DOCODE", "SPECODE", "CLIENTREF", "SOURCEINDEX",
                               "SALESMANREF", "GROSSTOTAL", "TOTALVAT", "NETTOTAL", "CANCELLED",
                               "BILLED", "GENEXP1", "GUID", "CAPIBLOCK_CREATEDBY",
                               "CAPIBLOCK_CREADEDDATE"], stf_rows)
    t["LG_001_01_STLINE"] = (["LOGICALREF", "STFICHEREF", "STFICHELNNO", "STOCKREF", "CLIENTREF",
                              "LINETYPE", "TRCODE", "IOCODE", "DATE_", "SOURCEINDEX", "AMOUNT",
                              "PRICE", "TOTAL", "VAT", "VATAMNT", "LINENET", "UOMREF", "USREF",
                              "ORDTRANSREF", "ORDFICHEREF", "INVOICEREF", "CANCELLED", "LINEEXP"],
                             stl_rows)

    # totals: daily change per (item, warehouse, day) in STINVTOT, cumulative in GNTOTST, both
    # with the INVENNO = -1 firm total (the simulator's rules, simulators.logo.stock): moves change
    # ONHAND (dispatches also SHIPPED) on their day, open order quantities count in ACTSORDER (and
    # RESERVED for reserved orders) on the order's day
    totals = ("ONHAND", "RESERVED", "ACTSORDER", "SHIPPED")
    daily: dict[tuple[int, int, date], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(totals, Decimal(0)))

    def book(product: int, warehouse: int, day: date, column: str, quantity: Decimal) -> None:
        for where in (warehouse, -1):
            daily[(product, where, day)][column] += quantity

    for sm in world.moves:
        book(sm.product, sm.warehouse, sm.day, "ONHAND", sm.quantity if sm.incoming else -sm.quantity)
        if not sm.incoming:
            book(sm.product, sm.warehouse, sm.day, "SHIPPED", sm.quantity)
    for o in world.orders:
        for ln in o.lines:
            still = max(Decimal(0), ln.quantity - ln.shipped)
            book(ln.product, ln.warehouse, o.day, "ACTSORDER", still)
            if commerce.reserved(o):
                book(ln.product, ln.warehouse, o.day, "RESERVED", still)
    inv_rows: Rows = []
    cumulative: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(totals, Decimal(0)))
    for (product, warehouse, day), change in sorted(daily.items()):
        inv_rows.append((len(inv_rows) + 1, product + 1, warehouse, _ts(day),
                         *(change[c] for c in totals)))
        for column in totals:
            cumulative[(product, warehouse)][column] += change[column]
    gn_rows: Rows = [(n + 1, product + 1, warehouse, *(change[c] for c in totals))
                     for n, ((product, warehouse), change) in enumerate(sorted(cumulative.items()))]
    t["LG_001_01_STINVTOT"] = (["LOGICALREF", "STOCKREF", "INVENNO", "DATE_", *totals], inv_rows)
    t["LG_001_01_GNTOTST"] = (["LOGICALREF", "STOCKREF", "INVENNO", *totals], gn_rows)

    # campaigns the LogoObjectService simulator applies in CalculateDataObject (F35)
    t["LG_001_CAMPAIGN"] = (["LOGICALREF", "CODE", "NAME", "BEGDATE", "ENDDATE", "PRIORITY",
                             "ACTIVE"], [
        (1, "KIS2026", "KIŞ KAMPANYASI", _ts(YEAR_START), _ts(date(2026, 12, 31)), 1, 0),
        (2, "TOPTAN50", "TOPTAN ALIM İNDİRİMİ", _ts(YEAR_START), _ts(date(2026, 12, 31)), 2, 0),
        (3, "ESKI2025", "GEÇMİŞ KAMPANYA", _ts(date(2025, 1, 1)), _ts(date(2025, 3, 31)), 1, 0),
    ])
    campaign_lines: Rows = []
    for p in world.products[::20]:  # every 20th product: 10 % from 10 units on
        campaign_lines.append((len(campaign_lines) + 1, 1, len(campaign_lines) + 1, p.number + 1, 0,
                               Decimal(10), Decimal(10)))
    campaign_lines.append((len(campaign_lines) + 1, 2, 1, 0, 0, Decimal(50), Decimal(5)))
    campaign_lines.append((len(campaign_lines) + 1, 3, 1, 0, 0, Decimal(1), Decimal(25)))
    t["LG_001_CMPGNLINE"] = (["LOGICALREF", "CAMPAIGNREF", "LINENR", "ITEMREF", "CLIENTREF",
                              "MINAMOUNT", "DISCRATE"], campaign_lines)

    t["LG_XT001_001"] = (["LOGICALREF", "PARLOGREF", "SEKTOR", "CRM_ID", "MUSTERI_SKORU"],
                         [(i + 1, number + 1, sector, f"F-{number:05d}", (number * 37) % 100)
                          for i, (number, sector) in enumerate(sorted(world.extension_sectors.items()))])
    commerce.tiger(world, t)  # risk (CLRNUMS), DBS limits and discount rates of the accounts
    return t


def item_code(product: Product, family_code: str) -> str:
    return f"{family_code}.{product.number:05d}"


def account_code_netsis(number: int, supplier: bool) -> str:
    return f"{'320' if supplier else '120'}-{number:05d}"


def product_code_netsis(product: Product) -> str:
    return f"{PRODUCT_FAMILIES[product.family][0]}{product.number:05d}"


# -- Netsis --------------------------------------------------------------------------------------
def netsis_tables(world: World, seed: int = SEED) -> Tables:
    rng = random.Random(seed + 2)
    t: Tables = {}
    m = mojibake
    created = datetime(2025, 12, 15, 9, 30)
    acode = {a.number: account_code_netsis(a.number, a.supplier) for a in world.accounts}
    pcode = {p.number: product_code_netsis(p) for p in world.products}

    cols = ["SUBE_KODU", "ISLETME_KODU", "CARI_KOD", "CARI_ISIM", "CARI_TIP", "GRUP_KODU",
            "RAPOR_KODU1", "CARI_ADRES", "CARI_IL", "CARI_ILCE", "ULKE_KODU", "CARI_TEL",
            "POSTAKODU", "VERGI_DAIRESI", "VERGI_NUMARASI", "EMAIL", "WEB", "PLASIYER_KODU",
            "M_KOD", "VADE_GUNU", "RISK_SINIRI", "TEMINATI", "CARISK", "CM_BORCT", "CM_ALACT",
            "CM_RAP_TARIH", "KAYITTARIHI", "KAYITYAPANKUL"]
    balances: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for mv in world.movements:
        balances[mv.account][0 if mv.debit else 1] += mv.amount
    rows: Rows = []
    ek_rows: Rows = []
    for a in world.accounts:
        debit, credit = balances[a.number]
        rows.append((0, 1, acode[a.number], m(a.title[:100]), "S" if a.supplier else "A",
                     m(a.city[:8]), m(_upper_tr(a.district))[:8], m(a.address[:100]),
                     m(_title_case_tr(a.city))[:15], m(a.district)[:15], "TR", a.phone,
                     f"{rng.randrange(1, 81):02d}{rng.randrange(100, 999)}",
                     m(a.tax_office)[:15], "" if a.person else a.tax_number, a.email[:60],
                     f"www.{a.email.split('@')[1]}"[:60], f"P{a.salesman + 1:02d}",
                     "120" if not a.supplier else "320", rng.choice([0, 30, 60, 90]),
                     Decimal(rng.choice([0, 50000, 100000, 250000])), Decimal(0), Decimal(0),
                     debit, credit, _ts(YEAR_END), created + timedelta(minutes=a.number), "NETSIS"))
        ek_rows.append((acode[a.number], f"{rng.randrange(10**10, 10**11 - 1)}" if a.person else "",
                        m(world.extension_sectors.get(a.number, ""))[:50], f"F-{a.number:05d}",
                        m(a.title.split(" ")[0])[:50]))
    t["TBLCASABIT"] = (cols, rows)
    t["TBLCASABITEK"] = (["CARI_KOD", "TCKIMLIKNO", "KULL1S", "KULL2S", "CARIALIAS"], ek_rows)

    ch_rows: Rows = []
    for mv in world.movements:
        text = {"invoice": "Satış faturası", "payment": "Nakit tahsilat", "bank": "Banka havalesi",
                "opening": "Devir bakiyesi"}[mv.kind]
        ch_rows.append((len(ch_rows) + 1, 0, acode[mv.account], _ts(mv.day),
                        _ts(mv.day + timedelta(days=30)), mv.document[:15], m(text)[:30],
                        mv.amount if mv.debit else Decimal(0),
                        Decimal(0) if mv.debit else mv.amount, 0, Decimal(0),
                        {"invoice": "B", "payment": "A", "bank": "E", "opening": "D"}[mv.kind],
                        {"invoice": "F", "payment": "K", "bank": "B", "opening": "C"}[mv.kind]))
    t["TBLCAHAR"] = (["INC_KEY_NUMARASI", "SUBE_KODU", "CARI_KOD", "TARIH", "VADE_TARIHI",
                      "BELGE_NO", "ACIKLAMA", "BORC", "ALACAK", "DOVIZ_TURU", "DOVIZ_TUTAR",
                      "HAREKET_TURU", "CARI_MODUL"], ch_rows)

    st_rows: Rows = []
    stek_rows: Rows = []
    for p in world.products:
        fam = PRODUCT_FAMILIES[p.family]
        st_rows.append((0, 1, pcode[p.number], m(p.name)[:50], fam[0][:8] if fam[0].isascii()
                        else m(fam[0])[:8], m(fam[1])[:8], NETSIS_UNITS[p.unit_set],
                        "KL" if p.unit_set in ("ADET", "KOLI") else "", p.price,
                        (p.price * Decimal("1.1")).quantize(Decimal("0.01")), 0,
                        (p.price * Decimal("0.7")).quantize(Decimal("0.01")), Decimal(p.vat),
                        1, p.barcode, created + timedelta(seconds=p.number), "NETSIS"))
        stek_rows.append((pcode[p.number], "", m(_title_case_tr(p.name))[:50]))
    t["TBLSTSABIT"] = (["SUBE_KODU", "ISLETME_KODU", "STOK_KODU", "STOK_ADI", "GRUP_KODU", "KOD_1",
                        "OLCU_BR1", "OLCU_BR2", "SATIS_FIAT1", "SATIS_FIAT2", "SAT_DOV_TIP",
                        "ALIS_FIAT1", "KDV_ORANI", "DEPO_KODU", "BARKOD1", "KAYITTARIHI",
                        "KAYITYAPANKUL"], st_rows)
    t["TBLSTSABITEK"] = (["STOK_KODU", "INGISIM", "KULL1S"], stek_rows)

    # Netsis warehouses are numbered from 1 (0 is the virtual all-warehouse row of TBLSTOKPH)
    t["TBLSTOKDP"] = (["DEPO_KODU", "DEPO_ISMI", "DEPO_KILITLE", "EKSIBAKIYE", "SUBE_KODU",
                       "EMANETDEPO"],
                      [(nr + 1, m(name)[:30], "E" if nr == 10 else "H", "H" if nr in (9, 10) else "E",
                        0, "H") for nr, name, _ in WAREHOUSES])
    t["TBLCARIPLASIYER"] = (["PLASIYER_KODU", "PLASIYER_ACIKLAMA"],
                            [(f"P{i + 1:02d}", m(f"{first} {last}")[:30])
                             for i, (first, last) in enumerate(SALESMEN)])

    # orders (FTIRSIP 6), lines; dispatches (FTIRSIP 3) with TBLSTHAR lines; receipts (4)
    sip_rows: Rows = []
    sipt_rows: Rows = []
    order_line_key: dict[tuple[int, int], int] = {}
    ek: Rows = []
    for o in world.orders:
        number = f"S{o.number:014d}"
        gross = sum((ln.quantity * ln.price for ln in o.lines), Decimal(0)).quantize(Decimal("0.01"))
        vat = sum((_vat(ln.quantity * ln.price, ln.vat) for ln in o.lines), Decimal(0))
        sip_rows.append((0, "6", number, acode[o.account], _ts(o.day), 2, gross, 0, vat, gross + vat,
                         m("CRM siparişi") if o.number % 4 == 0 else "", f"P{o.salesman + 1:02d}",
                         _ts(o.day + timedelta(days=7)), _ts(o.day, 9 * 3600), "NETSIS"))
        if o.number % 4 == 0:
            ek.append((0, "6", number, acode[o.account], f"CRM-{o.number:06d}"))
        for n, ln in enumerate(o.lines):
            key = len(sipt_rows) + 1
            order_line_key[(o.number, n)] = key
            sipt_rows.append((key, 0, number, n + 1, pcode[ln.product], ln.quantity, Decimal(0),
                              ln.shipped, ln.price, ln.price, Decimal(ln.vat), "6", "C", "H",
                              acode[o.account], acode[o.account], _ts(o.day), ln.warehouse + 1, 0))
    t["TBLSIPAMAS"] = (["SUBE_KODU", "FTIRSIP", "FATIRS_NO", "CARI_KODU", "TARIH", "TIPI",
                        "BRUTTUTAR", "SAT_ISKT", "KDV", "GENELTOPLAM", "ACIKLAMA", "PLA_KODU",
                        "SIPARIS_TEST", "KAYITTARIHI", "KAYITYAPANKUL"], sip_rows)
    t["TBLSIPATRA"] = (["INCKEYNO", "SUBE_KODU", "FISNO", "SIRA", "STOK_KODU", "STHAR_GCMIK",
                        "STHAR_GCMIK2", "FIRMA_DOVTUT", "STHAR_BF", "STHAR_NF", "STHAR_KDV",
                        "STHAR_FTIRSIP", "STHAR_GCKOD", "STHAR_HTUR", "STHAR_ACIKLAMA",
                        "STHAR_CARIKOD", "STHAR_TARIH", "DEPO_KODU", "L_YEDEK9"], sipt_rows)

    lines_of: dict[int, list[StockMove]] = defaultdict(list)
    for mv_ in world.moves:
        lines_of[mv_.slip].append(mv_)
    fat_rows: Rows = []
    sth_rows: Rows = []
    for slip in world.slips:
        moves = lines_of[slip.number]
        if not moves:
            continue
        kind = "4" if slip.incoming else "3"
        number = f"{'A' if slip.incoming else 'I'}{slip.number:014d}"
        customer = acode[slip.account] if slip.account else ""
        gross = sum((x.quantity * x.price for x in moves), Decimal(0)).quantize(Decimal("0.01"))
        vat = sum((_vat(x.quantity * x.price, world.products[x.product - 1].vat) for x in moves),
                  Decimal(0))
        fat_rows.append((0, kind, number, customer, _ts(slip.day), 2, gross, 0, vat, gross + vat,
                         "", "", len(moves), "", _ts(slip.day, 14 * 3600), "NETSIS"))
        if slip.order and slip.order % 4 == 0:
            ek.append((0, kind, number, customer, f"CRM-{slip.order:06d}"))
        for x in moves:
            sth_rows.append((len(sth_rows) + 1, 0, pcode[x.product], number, _ts(x.day),
                             "G" if x.incoming else "C", x.quantity, x.price, x.price,
                             Decimal(world.products[x.product - 1].vat), kind, "H" if not x.incoming
                             else "J", f"S{x.order:014d}" if x.order else "",
                             order_line_key.get((x.order, x.order_line or 0), 0) if x.order else 0,
                             customer, customer, x.warehouse + 1, "",
                             Decimal(0) if x.incoming else x.quantity))  # the demo's are invoiced
    t["TBLFATUIRS"] = (["SUBE_KODU", "FTIRSIP", "FATIRS_NO", "CARI_KODU", "TARIH", "TIPI",
                        "BRUTTUTAR", "SAT_ISKT", "KDV", "GENELTOPLAM", "GIB_FATIRS_NO", "ACIKLAMA",
                        "FATKALEM_ADEDI", "PLA_KODU", "KAYITTARIHI", "KAYITYAPANKUL"], fat_rows)
    t["TBLSTHAR"] = (["INCKEYNO", "SUBE_KODU", "STOK_KODU", "FISNO", "STHAR_TARIH", "STHAR_GCKOD",
                      "STHAR_GCMIK", "STHAR_BF", "STHAR_NF", "STHAR_KDV", "STHAR_FTIRSIP",
                      "STHAR_HTUR", "STHAR_SIPNUM", "STHAR_SIPKONT", "STHAR_CARIKOD",
                      "STHAR_ACIKLAMA", "DEPO_KODU", "YAPKOD", "FIRMA_DOVTUT"], sth_rows)

    teklif_rows: Rows = []
    teklift_rows: Rows = []
    for q in world.quotes:
        number = f"T{q.number:014d}"
        gross = sum((ln.quantity * ln.price for ln in q.lines), Decimal(0)).quantize(Decimal("0.01"))
        vat = sum((_vat(ln.quantity * ln.price, ln.vat) for ln in q.lines), Decimal(0))
        teklif_rows.append((0, "H", number, acode[q.account], _ts(q.day), gross, 0, vat, gross + vat,
                            m("Fiyat teklifi"), "", _ts(q.day, 11 * 3600), "NETSIS"))
        for n, ln in enumerate(q.lines):
            teklift_rows.append((len(teklift_rows) + 1, 0, number, n + 1, pcode[ln.product],
                                 ln.quantity, ln.price, ln.price, Decimal(ln.vat), "", _ts(q.day),
                                 ln.warehouse + 1))
        if q.number % 3 == 0:
            ek.append((0, "H", number, acode[q.account], f"Q-{q.number:06d}"))
    t["TBLTEKLIFMAS"] = (["SUBE_KODU", "FTIRSIP", "FATIRS_NO", "CARI_KODU", "TARIH", "BRUTTUTAR",
                          "SAT_ISKT", "KDV", "GENELTOPLAM", "ACIKLAMA", "PLA_KODU", "KAYITTARIHI",
                          "KAYITYAPANKUL"], teklif_rows)
    t["TBLTEKLIFTRA"] = (["INCKEYNO", "SUBE_KODU", "FISNO", "SIRA", "STOK_KODU", "STHAR_GCMIK",
                          "STHAR_BF", "STHAR_NF", "STHAR_KDV", "STHAR_ACIKLAMA", "STHAR_TARIH",
                          "DEPO_KODU"], teklift_rows)
    t["TBLFATUEK"] = (["SUBE_KODU", "FKOD", "FATIRSNO", "CKOD", "ACIK1"], ek)

    # TBLSTOKPH: totals per (branch, warehouse, item) and the virtual warehouse 0 per item
    totals: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 6)
    for x in world.moves:
        for warehouse in (x.warehouse + 1, 0):
            row = totals[(warehouse, pcode[x.product])]
            amount = (x.quantity * x.price).quantize(Decimal("0.01"))
            if x.incoming:
                row[0] += x.quantity
                row[2] += amount
            else:
                row[1] += x.quantity
                row[3] += amount
    for o in world.orders:
        for ln in o.lines:
            for warehouse in (ln.warehouse + 1, 0):
                row = totals[(warehouse, pcode[ln.product])]
                row[4] += ln.quantity
                row[5] += ln.shipped
    # the price system (FiyatSistemineGoreHesapla): every 10th product 5 % under its card price
    t["TBLSTOKFIAT"] = (["FIYATNO", "STOKKODU", "FIYATGRUBU", "A_S", "FIYAT1", "FIYATDOVIZTIPI",
                         "BASTAR", "BITTAR"],
                        [(i + 1, pcode[p.number], "", "S",
                          (p.price * Decimal("0.95")).quantize(Decimal("0.01")), 0,
                          _ts(YEAR_START), _ts(date(2026, 12, 31)))
                         for i, p in enumerate(world.products[::10])])
    t["TBLSTOKPH"] = (["SUBE_KODU", "DEPO_KODU", "STOK_KODU", "YAPKOD", "TOP_GIRIS_MIK",
                       "TOP_CIKIS_MIK", "TOP_GIRIS_TUT", "TOP_CIKIS_TUT", "MUS_TOP_SIPARIS",
                       "MUS_TOP_TESLIM"],
                      [(0, warehouse, code, "", *values)
                       for (warehouse, code), values in sorted(totals.items())])
    # risk (TBLCARISK), price groups, conditions, more price-system rows, STOK_DAGITIM
    commerce.netsis(world, t, acode)
    return t


def build(kind: str, scale: float = 1.0, seed: int = SEED) -> Tables:
    world = build_world(scale, seed)
    if kind == "tiger":
        return tiger_tables(world, seed)
    if kind == "netsis":
        return netsis_tables(world, seed)
    raise ValueError(f"unknown demo database kind {kind!r}")


def meta_rows(kind: str, scale: float, seed: int) -> Rows:
    return [("generator_version", GENERATOR_VERSION), ("kind", kind), ("scale", repr(scale)),
            ("seed", str(seed))]


def extra_statements(kind: str) -> Iterable[str]:
    yield META_DDL


# -- SQLite --------------------------------------------------------------------------------------
def _sqlite_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    return value


def write_sqlite(path: Path, kind: str, scale: float = 1.0, seed: int = SEED) -> Path:
    """Write a fresh database file (atomically: a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = build(kind, scale, seed)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        connection = sqlite3.connect(tmp)
        try:
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("PRAGMA synchronous=OFF")
            for statement in [*statements(kind), *extra_statements(kind)]:
                connection.execute(statement)
            for table, (columns, rows) in tables.items():
                bad = next((r for r in rows if len(r) != len(columns)), None)
                if bad is not None:
                    raise ValueError(f"{table}: row {bad!r} does not match {columns}")
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    ([_sqlite_value(v) for v in row] for row in rows))
            connection.executemany(f"INSERT INTO {META_TABLE} VALUES (?, ?)",
                                   meta_rows(kind, scale, seed))
            connection.commit()
            # WAL: readers (mode=ro) and the simulators' writer do not block each other
            connection.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def stored_version(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute(
                f"SELECT META_VALUE FROM {META_TABLE} WHERE META_KEY = 'generator_version'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def ensure(data_dir: Path, scale: float = 1.0) -> dict[str, Path]:
    """``tiger.db`` and ``netsis.db`` in ``data_dir``, (re)generated when missing or stale."""
    paths = {}
    for kind in KINDS:
        path = data_dir / f"{kind}.db"
        if stored_version(path) != GENERATOR_VERSION:
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            write_sqlite(path, kind, scale)
        paths[kind] = path
    return paths


def main() -> None:  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser(description="write the demo ERP databases")
    parser.add_argument("data_dir", nargs="?", default=".demo")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    for kind, path in ensure(Path(args.data_dir), args.scale).items():
        print(f"{kind}: {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
