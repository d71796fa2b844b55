"""Small demo databases for the simulators: the demo schema plus the few cards, units, warehouses,
price lists, a campaign, risk rows, price-system rows and conditions that the simulators'
operations need (tests, and ``integrator demo`` / ``integrator simulate`` when no demo database
has been generated yet).

Tiger: 120.01.001 (risk limit 100,000, total 10,000) and 120.01.002 (discount rate 3 %, for
ApplyCondition); MLZ-001 (VAT 20, price card 120.5, campaign KMP-CAY10: 5 % from 10 units; 500
in warehouse 1, 40 in warehouse 2) and MLZ-002 (VAT 10, cards 95 / 90 for 120.01.001; 200 in
warehouse 1); salesmen S01, S02. Netsis: 120-01-001 (risk limit 100,000) and 120-01-002 (price
list 2, discount 5 %, price group BAYI); STK001 (500 in depot 1, 20 of them reserved) and STK002
(200; a December price-system price of 88); conditions K07 (7 %, 2026) and YIL10 (10 %, December
2026).

Tiger text is stored as Unicode; Netsis text the way a Netsis database holds it (cp1254 bytes read
as cp1252: İ->Ý, ş->þ, ...).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from simulators import db

TIGER_ACCOUNT = "120.01.001"
TIGER_ITEMS = ("MLZ-001", "MLZ-002")
NETSIS_ACCOUNT = "120-01-001"
NETSIS_ITEMS = ("STK001", "STK002")


def _rows(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        columns = list(row)
        conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                     f"({', '.join('?' for _ in columns)})", [row[c] for c in columns])


def seed_tiger(conn: sqlite3.Connection) -> None:
    created = "2026-01-02 09:00:00"
    _rows(conn, "LG_001_CLCARD", [
        {"LOGICALREF": 1, "CODE": "ÿ", "DEFINITION_": "", "ACTIVE": 0, "CARDTYPE": 3},
        {"LOGICALREF": 2, "CODE": TIGER_ACCOUNT, "DEFINITION_": "ŞİŞLİ GIDA SANAYİ A.Ş.",
         "CARDTYPE": 3, "CITY": "İstanbul", "TOWN": "Şişli", "TAXOFFICE": "Şişli",
         "TAXNR": "1234567890", "CAPIBLOCK_CREADEDDATE": created},
        {"LOGICALREF": 3, "CODE": "120.01.002", "DEFINITION_": "IŞIK TEKSTİL LTD. ŞTİ.",
         "CARDTYPE": 1, "CITY": "İzmir", "TAXOFFICE": "Konak", "TAXNR": "9876543210",
         "DISCRATE": 3, "CAPIBLOCK_CREADEDDATE": created},
    ])
    _rows(conn, "LG_001_PAYPLANS", [{"LOGICALREF": 1, "CODE": "30GUN", "DEFINITION_": "30 gün"}])
    _rows(conn, "LG_001_UNITSETF", [
        {"LOGICALREF": 1, "CODE": "05", "NAME": "ADET"},
        {"LOGICALREF": 2, "CODE": "KG", "NAME": "KİLOGRAM"},
    ])
    _rows(conn, "LG_001_UNITSETL", [
        {"LOGICALREF": 1, "UNITSETREF": 1, "LINENR": 1, "CODE": "ADET", "NAME": "Adet",
         "MAINUNIT": 1, "CONVFACT1": 1, "CONVFACT2": 1},
        {"LOGICALREF": 2, "UNITSETREF": 1, "LINENR": 2, "CODE": "KOLI", "NAME": "Koli",
         "MAINUNIT": 0, "CONVFACT1": 1, "CONVFACT2": 12},
        {"LOGICALREF": 3, "UNITSETREF": 2, "LINENR": 1, "CODE": "KG", "NAME": "Kilogram",
         "MAINUNIT": 1, "CONVFACT1": 1, "CONVFACT2": 1},
    ])
    _rows(conn, "LG_001_ITEMS", [
        {"LOGICALREF": 1, "CODE": "ÿ", "NAME": "", "CARDTYPE": 1},
        {"LOGICALREF": 2, "CODE": TIGER_ITEMS[0], "NAME": "Çay 1 kg", "UNITSETREF": 1,
         "SELLVAT": 20, "VAT": 20, "CAPIBLOCK_CREADEDDATE": created},
        {"LOGICALREF": 3, "CODE": TIGER_ITEMS[1], "NAME": "Şeker 5 kg", "UNITSETREF": 1,
         "SELLVAT": 10, "VAT": 10, "CAPIBLOCK_CREADEDDATE": created},
    ])
    _rows(conn, "LG_001_ITMUNITA", [
        {"LOGICALREF": 1, "ITEMREF": 2, "LINENR": 1, "UNITLINEREF": 1},
        {"LOGICALREF": 2, "ITEMREF": 2, "LINENR": 2, "UNITLINEREF": 2, "CONVFACT2": 12},
        {"LOGICALREF": 3, "ITEMREF": 3, "LINENR": 1, "UNITLINEREF": 1},
    ])
    _rows(conn, "LG_001_PRCLIST", [
        {"LOGICALREF": 1, "CARDREF": 2, "CODE": "SF-001", "PTYPE": 2, "PRICE": 120.5,
         "CURRENCY": 160, "PRIORITY": 0, "BEGDATE": "2026-01-01 00:00:00",
         "ENDDATE": "2027-12-31 00:00:00"},
        {"LOGICALREF": 2, "CARDREF": 3, "CODE": "SF-002", "PTYPE": 2, "PRICE": 95,
         "CURRENCY": 160, "PRIORITY": 0, "BEGDATE": "2026-01-01 00:00:00",
         "ENDDATE": "2027-12-31 00:00:00"},
        {"LOGICALREF": 3, "CARDREF": 3, "CODE": "SF-002-O", "PTYPE": 2, "PRICE": 90,
         "CURRENCY": 160, "PRIORITY": 0, "CLIENTCODE": TIGER_ACCOUNT,
         "BEGDATE": "2026-01-01 00:00:00", "ENDDATE": "2027-12-31 00:00:00"},
    ])
    _rows(conn, "L_CAPIWHOUSE", [
        {"LOGICALREF": i + 1, "FIRMNR": 1, "NR": nr, "NAME": name}
        for i, (nr, name) in enumerate([(0, "Merkez Ambar"), (1, "İstanbul Depo"),
                                        (2, "İzmir Depo"), (3, "Ankara Depo")])
    ])
    _rows(conn, "LG_SLSMAN", [{"LOGICALREF": 1, "FIRMNR": 1, "CODE": "S01",
                               "DEFINITION_": "Ayşe Yılmaz"},
                              {"LOGICALREF": 2, "FIRMNR": 1, "CODE": "S02",
                               "DEFINITION_": "Mehmet Öztürk"}])
    _rows(conn, "LG_001_01_GNTOTST", [
        {"LOGICALREF": 1, "STOCKREF": 2, "INVENNO": 1, "ONHAND": 500},
        {"LOGICALREF": 2, "STOCKREF": 2, "INVENNO": -1, "ONHAND": 500},
        {"LOGICALREF": 3, "STOCKREF": 3, "INVENNO": 1, "ONHAND": 200},
        {"LOGICALREF": 4, "STOCKREF": 3, "INVENNO": -1, "ONHAND": 200},
        {"LOGICALREF": 5, "STOCKREF": 2, "INVENNO": 2, "ONHAND": 40},
    ])
    conn.execute("UPDATE LG_001_01_GNTOTST SET ONHAND = 540 WHERE STOCKREF = 2 AND INVENNO = -1")
    _rows(conn, "LG_001_01_CLRNUMS", [
        {"LOGICALREF": 1, "CLCARDREF": 2, "ACCRISKLIMIT": 80000, "ORDRISKLIMIT": 20000,
         "ACCRISKTOTAL": 10000, "RISKLIMIT": 100000, "RISKTOTAL": 10000, "RISKCTRLTYPE": 2},
    ])
    _rows(conn, "LG_001_CAMPAIGN", [
        {"LOGICALREF": 1, "CODE": "KMP-CAY10", "NAME": "Çay kampanyası: 10 adet üstü %5",
         "BEGDATE": "2026-01-01 00:00:00", "ENDDATE": "2027-12-31 00:00:00", "PRIORITY": 1},
    ])
    _rows(conn, "LG_001_CMPGNLINE", [
        {"LOGICALREF": 1, "CAMPAIGNREF": 1, "LINENR": 1, "ITEMREF": 2, "MINAMOUNT": 10,
         "DISCRATE": 5},
    ])


def seed_netsis(conn: sqlite3.Connection) -> None:
    n = db.to_netsis
    created = "2026-01-02 09:00:00"
    _rows(conn, "TBLCASABIT", [
        {"CARI_KOD": NETSIS_ACCOUNT, "CARI_ISIM": n("ŞİŞLİ GIDA SANAYİ A.Ş."), "CARI_TIP": "A",
         "CARI_IL": n("İSTANBUL"), "CARI_ILCE": n("ŞİŞLİ"), "VERGI_DAIRESI": n("ŞİŞLİ"),
         "VERGI_NUMARASI": "1234567890", "LISTE_FIATI": 1, "RISK_SINIRI": 100000,
         "KAYITTARIHI": created},
        {"CARI_KOD": "120-01-002", "CARI_ISIM": n("IŞIK TEKSTİL LTD. ŞTİ."), "CARI_TIP": "A",
         "CARI_IL": n("İZMİR"), "LISTE_FIATI": 2, "ISKONTO_ORANI": 5, "FIYATGRUBU": "BAYI",
         "KAYITTARIHI": created},
    ])
    _rows(conn, "TBLCASABITEK", [{"CARI_KOD": NETSIS_ACCOUNT, "TCKIMLIKNO": ""}])
    _rows(conn, "TBLSTSABIT", [
        {"STOK_KODU": NETSIS_ITEMS[0], "STOK_ADI": n("ÇAY 1 KG"), "OLCU_BR1": "AD",
         "SATIS_FIAT1": 120, "SATIS_FIAT2": 115, "KDV_ORANI": 20, "DEPO_KODU": 1,
         "KAYITTARIHI": created},
        {"STOK_KODU": NETSIS_ITEMS[1], "STOK_ADI": n("ŞEKER 5 KG"), "OLCU_BR1": "AD",
         "SATIS_FIAT1": 95, "SATIS_FIAT2": 92, "KDV_ORANI": 10, "DEPO_KODU": 1,
         "KAYITTARIHI": created},
    ])
    _rows(conn, "TBLSTOKDP", [
        {"DEPO_KODU": 1, "DEPO_ISMI": n("MERKEZ DEPO")},
        {"DEPO_KODU": 2, "DEPO_ISMI": n("İZMİR DEPO")},
        {"DEPO_KODU": 3, "DEPO_ISMI": n("ANKARA DEPO")},
    ])
    _rows(conn, "TBLSTOKPH", [
        {"DEPO_KODU": 1, "STOK_KODU": NETSIS_ITEMS[0], "TOP_GIRIS_MIK": 500, "STOK_DAGITIM": 20},
        {"DEPO_KODU": 1, "STOK_KODU": NETSIS_ITEMS[1], "TOP_GIRIS_MIK": 200},
    ])
    _rows(conn, "TBLCARISK", [{"CARIKOD": NETSIS_ACCOUNT, "RISKLIMITI": 100000,
                               "SIPRISKDAVRAN": 2}])
    _rows(conn, "TBLKOSULMAS", [
        {"KOSUL_KOD": "K07", "ACIKLAMA": n("GENEL KOŞUL %7"), "BASTAR": "2026-01-01 00:00:00",
         "BITTAR": "2026-12-31 00:00:00", "ISKONTO1": 7},
        {"KOSUL_KOD": "YIL10", "ACIKLAMA": n("YIL SONU %10"), "BASTAR": "2026-12-01 00:00:00",
         "BITTAR": "2026-12-31 00:00:00", "ISKONTO1": 10},
    ])
    _rows(conn, "TBLSTOKFIAT", [
        {"FIYATNO": 1, "STOKKODU": NETSIS_ITEMS[0], "FIYATGRUBU": "BAYI", "A_S": "S",
         "FIYAT1": 110, "BASTAR": "2026-01-01 00:00:00", "BITTAR": "2027-12-31 00:00:00"},
        {"FIYATNO": 2, "STOKKODU": NETSIS_ITEMS[0], "FIYATGRUBU": "", "A_S": "S",
         "FIYAT1": 118, "BASTAR": "2026-01-01 00:00:00", "BITTAR": "2027-12-31 00:00:00"},
        {"FIYATNO": 3, "STOKKODU": NETSIS_ITEMS[1], "FIYATGRUBU": "", "A_S": "S",
         "FIYAT1": 88, "BASTAR": "2026-12-01 00:00:00", "BITTAR": "2026-12-31 00:00:00"},
    ])
    _rows(conn, "TBLCARIPLASIYER", [{"PLASIYER_KODU": "P01",
                                     "PLASIYER_ACIKLAMA": n("AYŞE YILMAZ")}])
    _rows(conn, "TBLCAHAR", [
        {"INC_KEY_NUMARASI": 1, "CARI_KOD": NETSIS_ACCOUNT, "TARIH": "2026-01-10 00:00:00",
         "BELGE_NO": "F00000000000001", "ACIKLAMA": n("SATIŞ FATURASI"), "BORC": 12500,
         "ALACAK": 0},
        {"INC_KEY_NUMARASI": 2, "CARI_KOD": NETSIS_ACCOUNT, "TARIH": "2026-01-20 00:00:00",
         "BELGE_NO": "T00000000000001", "ACIKLAMA": n("TAHSİLAT"), "BORC": 0, "ALACAK": 2500},
    ])


def create_tiger_db(path: Path | str) -> Path:
    db.create(path, "tiger")
    conn = sqlite3.connect(str(path))
    try:
        seed_tiger(conn)
        conn.commit()
    finally:
        conn.close()
    return Path(path)


def create_netsis_db(path: Path | str) -> Path:
    db.create(path, "netsis")
    conn = sqlite3.connect(str(path))
    try:
        seed_netsis(conn)
        conn.commit()
    finally:
        conn.close()
    return Path(path)
