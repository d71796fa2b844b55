"""The vocabulary of the simulated Logo Objects: the XML tag <-> column map of each data object
(research/logo-tiger.md §3-§4, research/quotes.md §1), the value formats real clients send, and
Logo's refusal (``status 4`` with an ``errorString``).

Dates: ``dd.mm.yyyy`` (Logo's own export), ``d/m/Y`` (dgncan: ``5/1/2026``, ``05/01/2026``) and
``dd-mm-yyyy`` (logedosoft), day first; one- or two-digit day and month. ISO ``yyyy-mm-dd`` is
refused: no real client was seen sending it and Logo's format is day first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class LogoError(Exception):
    """A refusal of Logo Objects: answered as ``status 4`` with this ``errorString``."""


def duplicate_error(table: str, index: str, value: str) -> LogoError:
    return LogoError(
        "DB Error: [23000] [Microsoft][SQL Server Native Client 11.0][SQL Server]Cannot insert "
        f"duplicate key row in object 'dbo.{table}' with unique index '{index}'. The duplicate "
        f"key value is ({value}). (SQLSTATE 23000)")


# -- the tag <-> column map ---------------------------------------------------------------------
# kinds: str, number (slip numbers), int, dec, date, warehouse, unit, and references resolved by
# code (account, item, unitset, salesman, payplan). ``export=False``: an alias read on input only.
@dataclass(frozen=True, slots=True)
class Tag:
    tag: str
    column: str
    kind: str = "str"
    length: int = 0
    export: bool = True


def _tags(*items: tuple[str, ...]) -> tuple[Tag, ...]:
    out = []
    for item in items:
        tag, column, *rest = item
        kind = rest[0] if rest else "str"
        length = int(rest[1]) if len(rest) > 1 and rest[1].isdigit() else 0
        out.append(Tag(tag, column, kind, length, export="alias" not in rest))
    return tuple(out)


CLCARD = _tags(
    ("ACCOUNT_TYPE", "CARDTYPE", "int"), ("CODE", "CODE", "str", "17"),
    ("TITLE", "DEFINITION_", "str", "201"), ("TITLE2", "DEFINITION2", "str", "201"),
    ("AUXIL_CODE", "SPECODE"), ("AUXIL_CODE2", "SPECODE2"), ("AUXIL_CODE3", "SPECODE3"),
    ("AUXIL_CODE4", "SPECODE4"), ("AUXIL_CODE5", "SPECODE5"), ("AUTH_CODE", "CYPHCODE"),
    ("ADDRESS1", "ADDR1"), ("ADDRESS2", "ADDR2"), ("DISTRICT", "DISTRICT"), ("TOWN", "TOWN"),
    ("CITY", "CITY"), ("COUNTRY", "COUNTRY"), ("COUNTRY_CODE", "COUNTRYCODE"),
    ("POSTAL_CODE", "POSTCODE"), ("TELEPHONE1", "TELNRS1"), ("TELEPHONE2", "TELNRS2"),
    ("FAX", "FAXNR"), ("E_MAIL", "EMAILADDR"), ("WEB_URL", "WEBADDR"), ("CONTACT", "INCHARGE"),
    ("TAX_ID", "TAXNR", "str", "16"), ("TAX_OFFICE", "TAXOFFICE"),
    ("TAX_OFFICE_CODE", "TAXOFFCODE"), ("PERSCOMPANY", "ISPERSCOMP", "int"),
    ("TCKNO", "TCKNO", "str", "16"), ("NAME", "NAME"), ("SURNAME", "SURNAME"),
    ("PAYMENT_CODE", "PAYMENTREF", "payplan"), ("TRADING_GRP", "TRADINGGRP"),
    ("DISCOUNT_RATE", "DISCRATE", "dec"), ("CURRENCY", "CCURRENCY", "int"),
    ("SALESMAN_CODE", "SALESMANREF", "salesman"), ("ACCEPT_EINV", "ACCEPTEINV", "int"),
    ("PROFILE_ID", "PROFILEID", "int"), ("PURCHBRWS", "PURCHBRWS", "int"),
    ("SALESBRWS", "SALESBRWS", "int"), ("IMPBRWS", "IMPBRWS", "int"),
    ("EXPBRWS", "EXPBRWS", "int"), ("FINBRWS", "FINBRWS", "int"),
    ("RECORD_STATUS", "ACTIVE", "int"), ("BLOCKED", "BLOCKED", "int"), ("GUID", "GUID"),
)
ITEMS = _tags(
    ("CARD_TYPE", "CARDTYPE", "int"), ("CODE", "CODE", "str", "25"),
    ("NAME", "NAME", "str", "51"), ("NAME2", "NAME2"), ("NAME3", "NAME3"), ("NAME4", "NAME4"),
    ("GROUP_CODE", "STGRPCODE"), ("PRODUCER_CODE", "PRODUCERCODE"),
    ("AUXIL_CODE", "SPECODE"), ("AUXIL_CODE2", "SPECODE2"), ("AUXIL_CODE3", "SPECODE3"),
    ("AUXIL_CODE4", "SPECODE4"), ("AUXIL_CODE5", "SPECODE5"), ("AUTH_CODE", "CYPHCODE"),
    ("VAT", "VAT", "dec"), ("SELVAT", "SELLVAT", "dec"), ("RETURNVAT", "RETURNVAT", "dec"),
    ("SELPRVAT", "SELLPRVAT", "dec"), ("RETURNPRVAT", "RETURNPRVAT", "dec"),
    ("UNITSET_CODE", "UNITSETREF", "unitset"), ("TRACK_TYPE", "TRACKTYPE", "int"),
    ("GTIPCODE", "GTIPCODE"), ("USEF_PURCHASING", "USEF_PURCHASING", "int"),
    ("USEF_SALES", "USEF_SALES", "int"), ("USEF_MM", "USEF_MM", "int"),
    ("RECORD_STATUS", "ACTIVE", "int"), ("GUID", "GUID"),
)
# orders: SALESMAN_CODE on the header, SOURCE_WH on header and lines (dgncan, MobileSales)
ORFICHE = _tags(
    ("NUMBER", "FICHENO", "number", "17"), ("DATE", "DATE_", "date"), ("TIME", "TIME_", "int"),
    ("DOC_NUMBER", "DOCODE", "str", "33"), ("DOC_TRACK_NR", "DOCTRACKINGNR", "str", "21"),
    ("AUXIL_CODE", "SPECODE"), ("AUTH_CODE", "CYPHCODE"),
    ("ARP_CODE", "CLIENTREF", "account"), ("SOURCE_WH", "SOURCEINDEX", "warehouse"),
    ("SALESMAN_CODE", "SALESMANREF", "salesman"), ("PAYMENT_CODE", "PAYDEFREF", "payplan"),
    ("ORDER_STATUS", "STATUS", "int"), ("AFFECT_RISK", "AFFECTRISK", "int"),
    ("NOTES1", "GENEXP1"), ("NOTES2", "GENEXP2"), ("NOTES3", "GENEXP3"), ("NOTES4", "GENEXP4"),
    ("GUID", "GUID"),
)
ORFLINE = _tags(
    ("TYPE", "LINETYPE", "int"), ("MASTER_CODE", "STOCKREF", "item"),
    ("QUANTITY", "AMOUNT", "dec"), ("PRICE", "PRICE", "dec"), ("DISCOUNT_RATE", "DISCPER", "dec"),
    ("VAT_RATE", "VAT", "dec"), ("VAT_INCLUDED", "VATINC", "int"), ("UNIT_CODE", "UOMREF", "unit"),
    ("SOURCE_WH", "SOURCEINDEX", "warehouse"), ("DUE_DATE", "DUEDATE", "date"),
    ("DESCRIPTION", "LINEEXP"),
)
# dispatches: SALESMANCODE on the header (SALEMANCODE, sic, on lines), SOURCEINDEX on each line
# (MobileSales getDispatchToXmlHeader; C# classes from a Logo export)
STFICHE = _tags(
    ("TYPE", "TRCODE", "int"), ("NUMBER", "FICHENO", "number", "17"), ("DATE", "DATE_", "date"),
    ("TIME", "FTIME", "int"), ("DOC_NUMBER", "DOCODE", "str", "33"),
    ("DOC_TRACK_NR", "DOCTRACKINGNR", "str", "21"), ("AUXIL_CODE", "SPECODE"),
    ("ARP_CODE", "CLIENTREF", "account"), ("SOURCE_WH", "SOURCEINDEX", "warehouse"),
    ("SOURCEINDEX", "SOURCEINDEX", "warehouse", "alias"),
    ("SALESMANCODE", "SALESMANREF", "salesman"), ("AFFECT_RISK", "AFFECTRISK", "int"),
    ("NOTES1", "GENEXP1"), ("GUID", "GUID"),
)
STLINE = _tags(
    ("TYPE", "LINETYPE", "int"), ("MASTER_CODE", "STOCKREF", "item"),
    ("QUANTITY", "AMOUNT", "dec"), ("PRICE", "PRICE", "dec"), ("DISCOUNT_RATE", "DISCPER", "dec"),
    ("VAT_RATE", "VAT", "dec"), ("VAT_INCLUDED", "VATINC", "int"), ("UNIT_CODE", "UOMREF", "unit"),
    ("SOURCEINDEX", "SOURCEINDEX", "warehouse"), ("SALEMANCODE", "SALESMANREF", "salesman"),
    ("DESCRIPTION", "LINEEXP"), ("ORDER_REFERENCE", "ORDTRANSREF", "int"),
)


@dataclass(frozen=True, slots=True)
class DataType:
    number: int
    root: str
    record: str
    table: str
    tags: tuple[Tag, ...]
    line_table: str = ""
    line_tags: tuple[Tag, ...] = ()
    line_parent: str = ""
    line_no: str = ""
    trcode: int = 0

    @property
    def is_order(self) -> bool:
        return self.number == 3

    @property
    def is_dispatch(self) -> bool:
        return self.number == 17


DATA_TYPES: dict[int, DataType] = {
    30: DataType(30, "AR_APS", "AR_AP", "LG_001_CLCARD", CLCARD),
    0: DataType(0, "ITEMS", "ITEM", "LG_001_ITEMS", ITEMS),
    3: DataType(3, "SALES_ORDERS", "ORDER_SLIP", "LG_001_01_ORFICHE", ORFICHE,
                "LG_001_01_ORFLINE", ORFLINE, "ORDFICHEREF", "LINENO_", trcode=1),
    17: DataType(17, "SALES_DISPATCHES", "DISPATCH", "LG_001_01_STFICHE", STFICHE,
                 "LG_001_01_STLINE", STLINE, "STFICHEREF", "STFICHELNNO", trcode=8),
}
ORDER, DISPATCH = DATA_TYPES[3], DATA_TYPES[17]


def data_type(number: int) -> DataType:
    try:
        return DATA_TYPES[number]
    except KeyError:
        raise LogoError(f"dataType {number} bu simülatörde desteklenmiyor") from None


# -- values --------------------------------------------------------------------------------------
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")


def parse_date(text: str, tag: str) -> date:
    """``dd.mm.yyyy``, ``d/m/yyyy`` or ``dd-mm-yyyy`` (day first, as real clients send)."""
    match = _DATE.match(text.strip())
    if match is None:
        raise LogoError(f"{tag}: '{text}' geçerli bir tarih değil (gg.aa.yyyy, g/a/yyyy veya "
                        "gg-aa-yyyy bekleniyor)")
    day, _, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise LogoError(f"{tag}: '{text}' geçerli bir tarih değil") from None


def parse_number(text: str, tag: str) -> Decimal:
    value = text.strip()
    if not _NUMBER.match(value):
        raise LogoError(f"{tag}: '{text}' geçerli bir sayı değil (ondalık ayırıcı '.')")
    return Decimal(value)


def pack_time(moment: datetime) -> int:
    return (moment.hour << 24) + (moment.minute << 16) + (moment.second << 8)


@dataclass(slots=True)
class Line:
    """One TRANSACTION of a slip: its column values (``_``-prefixed keys are working values that
    are never stored) and the tags it was sent with."""

    values: dict[str, Any]
    tags: set[str] = field(default_factory=set)

    @property
    def type(self) -> int:
        return int(self.values.get("LINETYPE") or 0)
