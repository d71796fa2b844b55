"""The standard ERP field catalog (SPEC F6): per ERP kind and entity, every standard field with
its type, length, required flag, Turkish and English description, and where it lives.

One entry serves three purposes:

* the CRM's "ERP" tab (``GET /v1/catalog/{erp}/{entity}`` and the reply of ``PUT /v1/sets``);
* the forward mapping: the field's type decides how a CRM value is written, ``level`` and
  ``section`` decide where (document header, line, item unit; Netsis JSON section), ``managed``
  marks the fields the service fills itself (links, quote id, warehouse, salesman) which a set's
  mapping may not overwrite;
* the reverse mapping: the XML tag / JSON property is the field's ``name``, the database
  ``table`` and ``column`` say which column of a SQL row holds it.

Tables are written with the firm/period tokens of the SQL layer (``LG_FFF_CLCARD``,
``LG_FFF_PP_ORFICHE``); ``for_set`` fills in a set's firm and period. Lengths are those of the demo
schema of the demo databases, which follows Logo's data dictionary; real installations
differ between versions (research/logo-tiger.md §4.2), so they are shown, not enforced — except for
the CRM quote id, whose field must hold it whole (``DOC_NUMBER`` / ``EKACK1``).

Sources: research/logo-tiger.md §3.3–§3.6 and §4, research/netsis.md §1.6, §1.11 and §3.2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from integrator.model import ENTITIES, Entity
from integrator.model.wire import LOGO_ROOTS, NETSIS_DOC_TYPES, NETSIS_RESOURCES
from integrator.translators.values import FieldType

Level = Literal["header", "line", "unit"]
ERP_KINDS: tuple[str, ...] = ("tiger", "go", "netsis")


@dataclass(frozen=True, slots=True)
class CatalogField:
    name: str
    type: FieldType
    length: int | None
    required: bool
    tr: str
    en: str
    level: Level = "header"
    section: str = ""
    table: str | None = None
    column: str | None = None
    managed: bool = False
    readonly: bool = False


@dataclass(frozen=True)
class EntityCatalog:
    """The catalog of one (ERP kind, entity)."""

    erp: str
    entity: Entity
    fields: tuple[CatalogField, ...]
    root: str  # Logo: "AR_APS/AR_AP"; Netsis: the REST resource
    data_type: int | None
    main_table: str
    line_table: str | None = None
    ext_tables: frozenset[str] = frozenset()
    _index: dict[tuple[str, str], CatalogField] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for entry in self.fields:
            level = "line" if entry.level == "line" else "header"
            self._index.setdefault((level, entry.name), entry)
            self._index.setdefault((level, entry.name.lower()), entry)

    def get(self, name: str, *, line: bool = False) -> CatalogField | None:
        """The field a mapping names (exact or case-insensitive); header also finds unit fields."""
        level = "line" if line else "header"
        return self._index.get((level, name)) or self._index.get((level, name.lower()))

    def row_key(self, entry: CatalogField) -> str | None:
        """The key of a SQL row that holds this field: the column of the entity's own tables, or
        the field name as the alias of a joined column (``U.CODE AS UNITSET_CODE``)."""
        if entry.table is None or entry.column is None:
            return None
        own = {self.main_table, *self.ext_tables}
        if entry.level == "line":
            own = {self.line_table or ""}
        if entry.table in own:
            return entry.column
        return entry.name

    @property
    def header_fields(self) -> tuple[CatalogField, ...]:
        return tuple(f for f in self.fields if f.level != "line")

    @property
    def line_fields(self) -> tuple[CatalogField, ...]:
        return tuple(f for f in self.fields if f.level == "line")


def _f(name: str, type_: FieldType, length: int | None, tr: str, en: str, column: str | None = None,
       *, table: str | None = None, required: bool = False, level: Level = "header",
       section: str = "", managed: bool = False, readonly: bool = False) -> CatalogField:
    return CatalogField(name, type_, length, required, tr, en, level, section, table, column,
                        managed, readonly)


TEXT: FieldType = "string"
INT: FieldType = "integer"
DEC: FieldType = "decimal"
DAY: FieldType = "date"
CLOCK: FieldType = "time"
BOOL: FieldType = "boolean"

# -- Logo Tiger / Go ------------------------------------------------------------------------------
CLCARD = "LG_FFF_CLCARD"
ITEMS = "LG_FFF_ITEMS"
ORFICHE, ORFLINE = "LG_FFF_PP_ORFICHE", "LG_FFF_PP_ORFLINE"
STFICHE, STLINE = "LG_FFF_PP_STFICHE", "LG_FFF_PP_STLINE"


def _logo_account() -> tuple[CatalogField, ...]:
    t = CLCARD
    fields = [
        _f("INTERNAL_REFERENCE", INT, None, "Kayıt referansı (LOGICALREF); bağlantı", "Record reference "
           "(LOGICALREF); the link", "LOGICALREF", table=t, managed=True),
        _f("ACCOUNT_TYPE", INT, None, "Kart tipi: 1 alıcı, 2 satıcı, 3 alıcı + satıcı",
           "Card type: 1 customer, 2 supplier, 3 both", "CARDTYPE", table=t),
        _f("CODE", TEXT, 17, "Cari hesap kodu", "Account code", "CODE", table=t, required=True),
        _f("TITLE", TEXT, 201, "Ünvan", "Title (company name)", "DEFINITION_", table=t, required=True),
        _f("TITLE2", TEXT, 201, "Ünvan (devamı)", "Title, continued", "DEFINITION2", table=t),
        _f("AUXIL_CODE", TEXT, 11, "Özel kod", "Special code", "SPECODE", table=t),
        *[_f(f"AUXIL_CODE{n}", TEXT, 11, f"Özel kod {n}", f"Special code {n}", f"SPECODE{n}", table=t)
          for n in range(2, 6)],
        _f("AUTH_CODE", TEXT, 11, "Yetki kodu", "Authorisation code", "CYPHCODE", table=t),
        _f("ADDRESS1", TEXT, 201, "Adres 1", "Address line 1", "ADDR1", table=t),
        _f("ADDRESS2", TEXT, 201, "Adres 2", "Address line 2", "ADDR2", table=t),
        _f("DISTRICT", TEXT, 51, "Semt", "District", "DISTRICT", table=t),
        _f("TOWN", TEXT, 51, "İlçe", "Town", "TOWN", table=t),
        _f("CITY", TEXT, 51, "Şehir", "City", "CITY", table=t),
        _f("COUNTRY", TEXT, 51, "Ülke", "Country", "COUNTRY", table=t),
        _f("COUNTRY_CODE", TEXT, 13, "Ülke kodu", "Country code", "COUNTRYCODE", table=t),
        _f("POSTAL_CODE", TEXT, 11, "Posta kodu", "Postal code", "POSTCODE", table=t),
        _f("TELEPHONE1", TEXT, 51, "Telefon 1", "Telephone 1", "TELNRS1", table=t),
        _f("TELEPHONE2", TEXT, 51, "Telefon 2", "Telephone 2", "TELNRS2", table=t),
        _f("FAX", TEXT, 51, "Faks", "Fax", "FAXNR", table=t),
        _f("E_MAIL", TEXT, 251, "E-posta adresi", "E-mail address", "EMAILADDR", table=t),
        _f("WEB_ADDR", TEXT, 251, "Web adresi", "Web address", "WEBADDR", table=t),
        _f("CONTACT", TEXT, 51, "İlgili kişi", "Contact person", "INCHARGE", table=t),
        _f("TAX_ID", TEXT, 16, "Vergi numarası (VKN)", "Tax number (VKN)", "TAXNR", table=t),
        _f("TAX_OFFICE", TEXT, 31, "Vergi dairesi", "Tax office", "TAXOFFICE", table=t),
        _f("TAX_OFFICE_CODE", TEXT, 17, "Vergi dairesi kodu", "Tax office code", "TAXOFFCODE", table=t),
        _f("PERSCOMPANY", BOOL, None, "Şahıs (1) / tüzel kişi (0)", "Individual (1) or company (0)",
           "ISPERSCOMP", table=t),
        _f("TCKNO", TEXT, 16, "T.C. kimlik numarası", "Turkish national id number", "TCKNO", table=t),
        _f("NAME", TEXT, 31, "Adı (şahıs)", "First name (individuals)", "NAME", table=t),
        _f("SURNAME", TEXT, 31, "Soyadı (şahıs)", "Last name (individuals)", "SURNAME", table=t),
        _f("PAYMENT_CODE", TEXT, 17, "Ödeme planı kodu", "Payment plan code", "CODE",
           table="LG_FFF_PAYPLANS"),
        _f("TRADING_GRP", TEXT, 17, "Ticari işlem grubu", "Trading group", "TRADINGGRP", table=t),
        _f("DISCOUNT_RATE", DEC, None, "İndirim oranı (%)", "Discount rate (%)", "DISCRATE", table=t),
        _f("ACCEPT_EINV", BOOL, None, "e-Fatura kullanıcısı", "Registered e-invoice user", "ACCEPTEINV",
           table=t),
        _f("PROFILE_ID", INT, None, "e-Fatura senaryosu: 1 temel, 2 ticari", "e-Invoice profile: "
           "1 basic, 2 commercial", "PROFILEID", table=t),
        _f("CORRESP_LANG", INT, None, "Yazışma dili", "Correspondence language"),
        _f("GL_CODE", TEXT, 101, "Muhasebe hesap kodu", "General ledger account code"),
        _f("PURCHBRWS", BOOL, None, "Satınalma listelerinde görünür", "Shown in purchasing lists",
           "PURCHBRWS", table=t),
        _f("SALESBRWS", BOOL, None, "Satış listelerinde görünür", "Shown in sales lists", "SALESBRWS",
           table=t),
        _f("IMPBRWS", BOOL, None, "İthalat listelerinde görünür", "Shown in import lists", "IMPBRWS",
           table=t),
        _f("EXPBRWS", BOOL, None, "İhracat listelerinde görünür", "Shown in export lists", "EXPBRWS",
           table=t),
        _f("FINBRWS", BOOL, None, "Finans listelerinde görünür", "Shown in finance lists", "FINBRWS",
           table=t),
    ]
    return tuple(fields)


def _logo_product() -> tuple[CatalogField, ...]:
    t = ITEMS
    return (
        _f("INTERNAL_REFERENCE", INT, None, "Kayıt referansı (LOGICALREF); bağlantı",
           "Record reference (LOGICALREF); the link", "LOGICALREF", table=t, managed=True),
        _f("CARD_TYPE", INT, None, "Kart türü: 1 ticari mal, 10 hammadde, 11 yarı mamul, 12 mamul, "
           "13 tüketim malı", "Card type: 1 merchandise, 10 raw material, 11 semi-finished, "
           "12 finished good, 13 consumable", "CARDTYPE", table=t),
        _f("CODE", TEXT, 25, "Malzeme kodu", "Item code", "CODE", table=t, required=True),
        _f("NAME", TEXT, 51, "Malzeme açıklaması", "Item name", "NAME", table=t, required=True),
        _f("NAME2", TEXT, 201, "Açıklama 2", "Name 2", "NAME2", table=t),
        _f("GROUP_CODE", TEXT, 25, "Grup kodu", "Group code", "STGRPCODE", table=t),
        _f("PRODUCER_CODE", TEXT, 101, "Üretici kodu", "Producer code", "PRODUCERCODE", table=t),
        _f("AUXIL_CODE", TEXT, 11, "Özel kod", "Special code", "SPECODE", table=t),
        *[_f(f"AUXIL_CODE{n}", TEXT, 11, f"Özel kod {n}", f"Special code {n}", f"SPECODE{n}", table=t)
          for n in range(2, 6)],
        _f("AUTH_CODE", TEXT, 11, "Yetki kodu", "Authorisation code", "CYPHCODE", table=t),
        _f("VAT", DEC, None, "Alış KDV oranı (%)", "Purchase VAT rate (%)", "VAT", table=t),
        _f("SELVAT", DEC, None, "Satış KDV oranı (%)", "Sales VAT rate (%)", "SELLVAT", table=t),
        _f("RETURNVAT", DEC, None, "Alış iade KDV oranı (%)", "Purchase return VAT rate (%)",
           "RETURNVAT", table=t),
        _f("SELPRVAT", DEC, None, "Perakende satış KDV oranı (%)", "Retail sales VAT rate (%)",
           "SELLPRVAT", table=t),
        _f("RETURNPRVAT", DEC, None, "Perakende iade KDV oranı (%)", "Retail return VAT rate (%)",
           "RETURNPRVAT", table=t),
        _f("UNITSET_CODE", TEXT, 25, "Birim seti kodu", "Unit set code", "CODE",
           table="LG_FFF_UNITSETF", required=True),
        _f("MARKCODE", TEXT, 25, "Marka kodu", "Brand code", "CODE", table="LG_FFF_MARK"),
        _f("GTIPCODE", TEXT, 25, "GTİP kodu (gümrük tarife)", "Customs tariff code (GTIP)", "GTIPCODE",
           table=t),
        _f("USEF_PURCHASING", BOOL, None, "Satınalmada kullanılır", "Used in purchasing",
           "USEF_PURCHASING", table=t),
        _f("USEF_SALES", BOOL, None, "Satışta kullanılır", "Used in sales", "USEF_SALES", table=t),
        _f("USEF_MM", BOOL, None, "Malzeme yönetiminde kullanılır", "Used in materials management",
           "USEF_MM", table=t),
        _f("UNIT_CODE", TEXT, 11, "Ana birim kodu (UNITS/UNIT)", "Main unit code (UNITS/UNIT)", "CODE",
           table="LG_FFF_UNITSETL", level="unit"),
        _f("CONV_FACT1", DEC, None, "Birim çevrim katsayısı 1", "Unit conversion factor 1",
           "CONVFACT1", table="LG_FFF_ITMUNITA", level="unit"),
        _f("CONV_FACT2", DEC, None, "Birim çevrim katsayısı 2", "Unit conversion factor 2",
           "CONVFACT2", table="LG_FFF_ITMUNITA", level="unit"),
        _f("BARCODE", TEXT, 51, "Barkod (UNITS/UNIT/BARCODE_LIST)", "Barcode (UNITS/UNIT/BARCODE_LIST)",
           "BARCODE", table="LG_FFF_ITMUNITA", level="unit"),
    )


def _logo_document(entity: Entity) -> tuple[CatalogField, ...]:
    order = entity == "order"
    head, line = (ORFICHE, ORFLINE) if order else (STFICHE, STLINE)
    notes_columns = {1: "GENEXP1", 2: "GENEXP2", 3: "GENEXP3", 4: "GENEXP4"} if order else {1: "GENEXP1"}
    fields: list[CatalogField] = [
        _f("INTERNAL_REFERENCE", INT, None, "Fiş referansı (LOGICALREF)", "Slip reference (LOGICALREF)",
           "LOGICALREF", table=head, managed=True),
    ]
    if not order:
        fields.append(_f("TYPE", INT, None, "İrsaliye türü: 7 perakende, 8 toptan satış (ayar: "
                         "dispatch_type)", "Dispatch type: 7 retail, 8 wholesale sales (setting "
                         "dispatch_type)", "TRCODE", table=head, managed=True))
    fields += [
        _f("NUMBER", TEXT, 17, "Fiş numarası; ~ = ERP sıradaki numarayı verir", "Slip number; ~ = the "
           "ERP assigns the next number", "FICHENO", table=head, managed=True),
        _f("DOC_NUMBER", TEXT, 32, "Belge numarası: CRM teklif kimliği (mutabakat için)", "Document "
           "number: the CRM quote id (for reconciliation)", "DOCODE", table=head, managed=True),
        _f("DOC_TRACK_NR", TEXT, 21, "Belge takip numarası: CRM teklifinin damgası (revizyon ve "
           "içerik özeti; F29)", "Document tracking number: the stamp of the CRM quote (revision "
           "and content digest; F29)", "DOCTRACKINGNR", table=head, managed=True),
        _f("DATE", DAY, None, "Fiş tarihi", "Slip date", "DATE_", table=head, required=True),
        _f("TIME", CLOCK, None, "Fiş saati (paketlenmiş)", "Slip time (packed)",
           "TIME_" if order else "FTIME", table=head),
        _f("ARP_CODE", TEXT, 17, "Cari hesap kodu (teklifin firması)", "Account code (the quote's firm)",
           "CODE", table=CLCARD, required=True, managed=True),
        _f("SOURCE_WH", INT, None, "Ambar numarası (teklifin ambarı)", "Warehouse number (the quote's "
           "warehouse)", "SOURCEINDEX", table=head, managed=True),
        _f("SALESMAN_CODE" if order else "SALESMANCODE", TEXT, 25,
           "Satış elemanı kodu (kullanıcının satış temsilcisi)", "Salesman code (the user's sales "
           "rep)", "CODE", table="LG_SLSMAN", managed=True),
        _f("AUXIL_CODE", TEXT, 11, "Özel kod", "Special code", "SPECODE", table=head),
        _f("AUTH_CODE", TEXT, 11, "Yetki kodu", "Authorisation code", "CYPHCODE" if order else None,
           table=head if order else None),
        _f("PAYMENT_CODE", TEXT, 17, "Ödeme planı kodu", "Payment plan code", "CODE",
           table="LG_FFF_PAYPLANS"),
        _f("PROJECT_CODE", TEXT, 101, "Proje kodu", "Project code", "CODE", table="LG_FFF_PROJECT"),
        _f("SHIPLOC_CODE", TEXT, 25, "Sevkiyat adresi kodu", "Shipping address code", "CODE",
           table="LG_FFF_SHIPINFO"),
        *[_f(f"NOTES{n}", TEXT, 51, f"Açıklama {n}", f"Notes {n}", notes_columns.get(n),
             table=head if n in notes_columns else None) for n in range(1, 5)],
    ]
    if order:
        fields.append(_f("ORDER_STATUS", INT, None, "Sipariş durumu: 1 öneri, 2 sevkedilemez, "
                         "4 sevkedilebilir", "Order status: 1 proposal, 2 not to be shipped, "
                         "4 to be shipped", "STATUS", table=head))
    fields += [
        _f("TOTAL_GROSS", DEC, None, "Brüt toplam (ERP hesaplar)", "Gross total (computed by the ERP)",
           "GROSSTOTAL", table=head, readonly=True),
        _f("TOTAL_VAT", DEC, None, "KDV toplamı (ERP hesaplar)", "VAT total (computed by the ERP)",
           "TOTALVAT", table=head, readonly=True),
        _f("TOTAL_NET", DEC, None, "Net toplam (ERP hesaplar)", "Net total (computed by the ERP)",
           "NETTOTAL", table=head, readonly=True),
        # lines: TRANSACTIONS/TRANSACTION
        _f("TYPE", INT, None, "Satır türü: 0 malzeme, 2 indirim, 4 hizmet", "Line type: 0 item, "
           "2 discount, 4 service", "LINETYPE", table=line, level="line"),
        _f("MASTER_CODE", TEXT, 25, "Malzeme kodu (satırın ürünü)", "Item code (the line's product)",
           "CODE", table=ITEMS, level="line", required=True, managed=True),
        _f("QUANTITY", DEC, None, "Miktar", "Quantity", "AMOUNT", table=line, level="line",
           required=True),
        _f("PRICE", DEC, None, "Birim fiyat", "Unit price", "PRICE", table=line, level="line"),
        _f("TOTAL", DEC, None, "Satır tutarı (ERP hesaplar)", "Line amount (computed by the ERP)",
           "TOTAL", table=line, level="line", readonly=True),
        _f("UNIT_CODE", TEXT, 11, "Birim kodu", "Unit code", "CODE", table="LG_FFF_UNITSETL",
           level="line"),
        _f("VAT_RATE", DEC, None, "KDV oranı (%)", "VAT rate (%)", "VAT", table=line, level="line"),
        _f("VAT_INCLUDED", BOOL, None, "Fiyata KDV dahil", "Price includes VAT", level="line"),
        _f("DISCOUNT_RATE", DEC, None, "İndirim oranı (%); ayrı bir indirim satırı (TYPE 2) olarak "
           "gönderilir", "Discount rate (%); sent as a discount line (TYPE 2) after the item line",
           "DISCPER" if order else None, table=line if order else None, level="line"),
        *[_f(f"DISCOUNT_RATE{n}", DEC, None, f"{n}. indirim oranı (%); bir önceki indirimden kalan "
             "tutara ayrı bir indirim satırı olarak uygulanır", f"Discount {n} rate (%); a further "
             "discount line (TYPE 2) on what the one above leaves", level="line")
          for n in (2, 3)],
        _f("CAMPCODE1", TEXT, 25, "Kampanya kodu (CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1; fiyat "
           "önizlemesinin kampanyası)", "Campaign code (CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1; the "
           "campaign a price preview applied)", "CAMPAIGNREF" if order else None,
           table=line if order else None, level="line"),
        _f("DESCRIPTION", TEXT, 251, "Satır açıklaması", "Line description", "LINEEXP", table=line,
           level="line"),
    ]
    if order:
        fields += [
            _f("DUE_DATE", DAY, None, "Teslim tarihi", "Delivery date", "DUEDATE", table=line,
               level="line"),
            _f("SOURCE_WH", INT, None, "Satır ambarı (teklifin ambarı)", "Line warehouse (the "
               "quote's warehouse)", "SOURCEINDEX", table=line, level="line", managed=True),
        ]
    else:
        fields.append(_f("SOURCEINDEX", INT, None, "Satır ambarı (teklifin ambarı)", "Line warehouse "
                         "(the quote's warehouse)", "SOURCEINDEX", table=line, level="line",
                         managed=True))
    return tuple(fields)


# -- Logo Netsis ----------------------------------------------------------------------------------
def _netsis_account() -> tuple[CatalogField, ...]:
    t, ek = "TBLCASABIT", "TBLCASABITEK"
    temel, ekb = "CariTemelBilgi", "CariEkBilgi"
    return (
        _f("CARI_KOD", TEXT, 15, "Cari kodu; bağlantı", "Account code; the link", "CARI_KOD", table=t,
           required=True, section=temel),
        _f("CARI_ISIM", TEXT, 100, "Cari ismi (ünvan)", "Account name (title)", "CARI_ISIM", table=t,
           required=True, section=temel),
        _f("CARI_TIP", TEXT, 1, "Cari tipi: A alıcı, S satıcı", "Account type: A customer, S supplier",
           "CARI_TIP", table=t, section=temel),
        _f("Sube_Kodu", INT, None, "Şube kodu (setin şubesi)", "Branch (the set's branch)", "SUBE_KODU",
           table=t, section=temel, managed=True),
        _f("ISLETME_KODU", INT, None, "İşletme kodu", "Business unit", "ISLETME_KODU", table=t,
           section=temel),
        _f("Grup_Kodu", TEXT, 8, "Grup kodu", "Group code", "GRUP_KODU", table=t, section=temel),
        *[_f(f"RAPOR_KODU{n}", TEXT, 8, f"Rapor kodu {n}", f"Report code {n}", f"RAPOR_KODU{n}",
             table=t, section=temel) for n in range(1, 6)],
        _f("CARI_ADRES", TEXT, 100, "Adres", "Address", "CARI_ADRES", table=t, section=temel),
        _f("CARI_IL", TEXT, 15, "İl", "City (province)", "CARI_IL", table=t, section=temel),
        _f("CARI_ILCE", TEXT, 15, "İlçe", "Town (district)", "CARI_ILCE", table=t, section=temel),
        _f("ULKE_KODU", TEXT, 4, "Ülke kodu", "Country code", "ULKE_KODU", table=t, section=temel),
        _f("POSTAKODU", TEXT, 8, "Posta kodu", "Postal code", "POSTAKODU", table=t, section=temel),
        _f("CARI_TEL", TEXT, 20, "Telefon", "Telephone", "CARI_TEL", table=t, section=temel),
        _f("EMAIL", TEXT, 60, "E-posta adresi", "E-mail address", "EMAIL", table=t, section=temel),
        _f("WEB", TEXT, 60, "Web adresi", "Web address", "WEB", table=t, section=temel),
        _f("VERGI_DAIRESI", TEXT, 15, "Vergi dairesi", "Tax office", "VERGI_DAIRESI", table=t,
           section=temel),
        _f("VERGI_NUMARASI", TEXT, 15, "Vergi numarası", "Tax number", "VERGI_NUMARASI", table=t,
           section=temel),
        _f("Plasiyer_Kodu", TEXT, 8, "Plasiyer (satış temsilcisi) kodu", "Sales rep code",
           "PLASIYER_KODU", table=t, section=temel),
        _f("M_KOD", TEXT, 15, "Muhasebe kodu", "General ledger code", "M_KOD", table=t, section=temel),
        _f("DOVIZ_TIPI", INT, None, "Döviz tipi", "Currency type", "DOVIZ_TIPI", table=t,
           section=temel),
        _f("VADE_GUNU", INT, None, "Vade günü", "Payment term (days)", "VADE_GUNU", table=t,
           section=temel),
        _f("ISKONTO_ORANI", DEC, None, "İskonto oranı (%)", "Discount rate (%)", "ISKONTO_ORANI",
           table=t, section=temel),
        _f("KOSULKODU", TEXT, 8, "Koşul kodu", "Sales condition code", "KOSULKODU", table=t,
           section=temel),
        _f("FIYATGRUBU", TEXT, 8, "Fiyat grubu", "Price group", "FIYATGRUBU", table=t, section=temel),
        _f("RISK_SINIRI", DEC, None, "Risk sınırı", "Risk limit", "RISK_SINIRI", table=t,
           section=temel),
        _f("TcKimlikNo", TEXT, 11, "T.C. kimlik numarası", "Turkish national id number", "TCKIMLIKNO",
           table=ek, section=ekb),
        *[_f(f"Kull{n}S", TEXT, 50, f"Kullanıcı tanımlı metin {n}", f"User-defined text {n}",
             f"KULL{n}S", table=ek, section=ekb) for n in range(1, 9)],
        *[_f(f"Kull{n}N", DEC, None, f"Kullanıcı tanımlı sayı {n}", f"User-defined number {n}",
             f"KULL{n}N", table=ek, section=ekb) for n in range(1, 9)],
    )


def _netsis_product() -> tuple[CatalogField, ...]:
    t, ek = "TBLSTSABIT", "TBLSTSABITEK"
    temel, ekb = "StokTemelBilgi", "StokEkBilgi"
    return (
        _f("Stok_Kodu", TEXT, 35, "Stok kodu; bağlantı", "Item code; the link", "STOK_KODU", table=t,
           required=True, section=temel),
        _f("Stok_Adi", TEXT, 50, "Stok adı", "Item name", "STOK_ADI", table=t, required=True,
           section=temel),
        _f("Sube_Kodu", INT, None, "Şube kodu (setin şubesi)", "Branch (the set's branch)", "SUBE_KODU",
           table=t, section=temel, managed=True),
        _f("ISLETME_KODU", INT, None, "İşletme kodu", "Business unit", "ISLETME_KODU", table=t,
           section=temel),
        _f("Grup_Kodu", TEXT, 8, "Grup kodu", "Group code", "GRUP_KODU", table=t, section=temel),
        *[_f(f"Kod_{n}", TEXT, 8, f"Kod {n}", f"Code {n}", f"KOD_{n}", table=t, section=temel)
          for n in range(1, 6)],
        *[_f(f"Olcu_Br{n}", TEXT, 3, f"Ölçü birimi {n}", f"Unit of measure {n}", f"OLCU_BR{n}",
             table=t, section=temel) for n in range(1, 4)],
        *[_f(f"Satis_Fiat{n}", DEC, None, f"Satış fiyatı {n}", f"Sales price {n}", f"SATIS_FIAT{n}",
             table=t, section=temel) for n in range(1, 5)],
        _f("KDV_Orani", DEC, None, "KDV oranı (%)", "VAT rate (%)", "KDV_ORANI", table=t,
           section=temel),
        _f("DEPO_KODU", INT, None, "Varsayılan depo kodu", "Default warehouse", "DEPO_KODU", table=t,
           section=temel),
        *[_f(f"Barkod{n}", TEXT, 35, f"Barkod {n}", f"Barcode {n}", f"BARKOD{n}", table=t,
             section=temel) for n in range(1, 4)],
        _f("FiyatKodu", TEXT, 8, "Fiyat kodu", "Price code", "FIYATKODU", table=t, section=temel),
        _f("Ingisim", TEXT, 50, "İngilizce isim", "English name", "INGISIM", table=ek, section=ekb),
        *[_f(f"Kull{n}S", TEXT, 50, f"Kullanıcı tanımlı metin {n}", f"User-defined text {n}",
             f"KULL{n}S", table=ek, section=ekb) for n in range(1, 9)],
    )


_NETSIS_DOC_TABLES: dict[str, tuple[str, str, str]] = {
    # entity: (header table, line table, FTIRSIP of the header)
    "order": ("TBLSIPAMAS", "TBLSIPATRA", "6"),
    "dispatch": ("TBLFATUIRS", "TBLSTHAR", "3"),
    "quote": ("TBLTEKLIFMAS", "TBLTEKLIFTRA", "H"),
}


def _netsis_document(entity: Entity) -> tuple[CatalogField, ...]:
    head, line, _ = _NETSIS_DOC_TABLES[entity]
    order, dispatch = entity == "order", entity == "dispatch"
    fat, kal, top = "FatUst", "Kalems", ""
    fields: list[CatalogField] = [
        _f("FaturaTip", INT, None, "Belge tipi: 7 sipariş, 2 irsaliye, 15 teklif", "Document type: "
           "7 order, 2 dispatch, 15 quote", section=top, managed=True),
        _f("Seri", TEXT, 14, "Numara serisi (ayar: netsis_series)", "Numbering series (setting "
           "netsis_series)", section=top, managed=True),
        _f("KayitliNumaraOtomatikGuncellensin", BOOL, None, "Kayıtlı numara otomatik güncellensin",
           "Assign the next free number automatically", section=top, managed=True),
        _f("SonNumaraYazilsin", BOOL, None, "Son numara seriye yazılsın", "Advance the series' last "
           "number", section=top, managed=True),
        _f("KosulluHesapla", BOOL, None, "Koşullu hesapla (ayar)", "Conditional pricing (setting)",
           section=top, managed=True),
        _f("StokKartinaGoreHesapla", BOOL, None, "Stok kartına göre hesapla (ayar)", "Price by stock "
           "card (setting)", section=top, managed=True),
        _f("FiyatSistemineGoreHesapla", BOOL, None, "Fiyat sistemine göre hesapla (ayar)", "Price by "
           "price system (setting)", section=top, managed=True),
        _f("Sube_Kodu", INT, None, "Şube kodu (setin şubesi)", "Branch (the set's branch)",
           "SUBE_KODU", table=head, section=fat, managed=True),
        _f("CariKod", TEXT, 15, "Cari kodu (teklifin firması)", "Account code (the quote's firm)",
           "CARI_KODU", table=head, section=fat, required=True, managed=True),
        _f("FATIRS_NO", TEXT, 15, "Belge numarası (ERP seriden verir)", "Document number (assigned "
           "by the ERP from the series)", "FATIRS_NO", table=head, section=fat, managed=True),
        _f("Tip", INT, None, "Belge tipi (FaturaTip ile aynı)", "Document type (as FaturaTip)",
           section=fat, managed=True),
        _f("Tarih", DAY, None, "Belge tarihi", "Document date", "TARIH", table=head, section=fat,
           required=True),
        _f("TIPI", INT, None, "Fatura tipi: 2 açık, 7 yurt içi ...", "Slip kind: 2 open, 7 domestic "
           "...", "TIPI" if entity != "quote" else None, table=head if entity != "quote" else None,
           section=fat),
        _f("Aciklama", TEXT, 50, "Açıklama", "Notes", "ACIKLAMA", table=head, section=fat),
        _f("KOD1", TEXT, 8, "Özel kod 1", "Special code 1", section=fat),
        _f("KOD2", TEXT, 8, "Özel kod 2", "Special code 2", section=fat),
        _f("KDV_DAHILMI", BOOL, None, "Fiyatlara KDV dahil", "Prices include VAT", section=fat),
        _f("FiiliTarih", DAY, None, "Fiili tarih (boşsa belge tarihi)", "Actual date (the document "
           "date when empty)", section=fat),
        _f("FIYATTARIHI", DAY, None, "Fiyat tarihi (boşsa belge tarihi)", "Price date (the document "
           "date when empty)", section=fat),
        _f("KOSULTARIHI", DAY, None, "Koşul tarihi (boşsa belge tarihi)", "Condition date (the "
           "document date when empty)", section=fat),
        _f("SIPARIS_TEST", DAY, None, "Teslim tarihi", "Delivery date", "SIPARIS_TEST" if order else
           None, table=head if order else None, section=fat),
        _f("CARI_KOD2", TEXT, 15, "Teslim cari kodu", "Delivery account code", section=fat),
        _f("PLA_KODU", TEXT, 8, "Plasiyer kodu (kullanıcının satış temsilcisi)", "Sales rep code (the "
           "user's sales rep)", "PLA_KODU", table=head, section=fat, managed=True),
        _f("Proje_Kodu", TEXT, 15, "Proje kodu", "Project code", section=fat),
        _f("OdemeKodu", TEXT, 8, "Ödeme kodu", "Payment code", section=fat),
        _f("ODEMEGUNU", INT, None, "Ödeme günü", "Payment term (days)", section=fat),
        _f("DOVIZTIP", INT, None, "Döviz tipi", "Currency type", section=fat),
        _f("GEN_ISK1O", DEC, None, "Genel iskonto 1 (%)", "Document discount 1 (%)", section=fat),
        _f("EKACK1", TEXT, 100, "Ek açıklama 1: CRM teklif kimliği (mutabakat için)", "Extra note 1: "
           "the CRM quote id (for reconciliation)", "ACIK1", table="TBLFATUEK", section=fat,
           managed=True),
        _f("EKACK2", TEXT, 100, "Ek açıklama 2: CRM teklifinin damgası (revizyon ve içerik özeti; "
           "F29)", "Extra note 2: the stamp of the CRM quote (revision and content digest; F29)",
           "ACIK2", table="TBLFATUEK", section=fat, managed=True),
        *[_f(f"EKACK{n}", TEXT, 100, f"Ek açıklama {n}", f"Extra note {n}", f"ACIK{n}",
             table="TBLFATUEK", section=fat) for n in range(3, 17)],
        _f("BRUTTUTAR", DEC, None, "Brüt tutar (ERP hesaplar)", "Gross amount (computed by the ERP)",
           "BRUTTUTAR", table=head, section=fat, readonly=True),
        _f("KDV", DEC, None, "KDV tutarı (ERP hesaplar)", "VAT amount (computed by the ERP)", "KDV",
           table=head, section=fat, readonly=True),
        _f("GENELTOPLAM", DEC, None, "Genel toplam (ERP hesaplar)", "Grand total (computed by the ERP)",
           "GENELTOPLAM", table=head, section=fat, readonly=True),
        # lines: Kalems[]
        _f("StokKodu", TEXT, 35, "Stok kodu (satırın ürünü)", "Item code (the line's product)",
           "STOK_KODU", table=line, level="line", section=kal, required=True, managed=True),
        _f("Sira", INT, None, "Satır sırası", "Line number", None if dispatch else "SIRA",
           table=None if dispatch else line, level="line", section=kal, managed=True),
        _f("STra_GCMIK", DEC, None, "Miktar", "Quantity", "STHAR_GCMIK", table=line, level="line",
           section=kal, required=True),
        _f("STra_GCMIK2", DEC, None, "Miktar 2", "Quantity 2", level="line", section=kal),
        _f("Olcubr", INT, None, "Ölçü birimi sırası (1-3)", "Unit of measure index (1-3)",
           level="line", section=kal),
        _f("CEVRIM", DEC, None, "Birim çevrim katsayısı", "Unit conversion factor", level="line",
           section=kal),
        _f("STra_BF", DEC, None, "Brüt birim fiyat", "Gross unit price", "STHAR_BF", table=line,
           level="line", section=kal),
        _f("STra_NF", DEC, None, "Net birim fiyat (iskontolar düşülmüş)", "Net unit price (after the "
           "line discounts)", "STHAR_NF", table=line, level="line", section=kal),
        _f("STra_KDV", DEC, None, "KDV oranı (%)", "VAT rate (%)", "STHAR_KDV", table=line,
           level="line", section=kal),
        _f("STra_SatIsk", DEC, None, "Satır iskontosu 1 (%)", "Line discount 1 (%)", level="line",
           section=kal),
        *[_f(f"STra_SatIsk{n}", DEC, None, f"Satır iskontosu {n} (%)", f"Line discount {n} (%)",
             level="line", section=kal) for n in range(2, 7)],
        _f("STra_DOVTIP", INT, None, "Döviz tipi", "Currency type", level="line", section=kal),
        _f("STra_DOVFIAT", DEC, None, "Döviz fiyatı", "Price in currency", level="line", section=kal),
        _f("DEPO_KODU", INT, None, "Depo kodu (teklifin deposu)", "Warehouse (the quote's warehouse)",
           "DEPO_KODU", table=line, level="line", section=kal, managed=True),
        _f("STra_ACIK", TEXT, 35, "Satır açıklaması", "Line note", level="line", section=kal),
        _f("STra_testar", DAY, None, "Teslim tarihi", "Delivery date", level="line", section=kal),
        _f("ProjeKodu", TEXT, 15, "Proje kodu", "Project code", level="line", section=kal),
        _f("Plasiyer_Kodu", TEXT, 8, "Plasiyer kodu (kullanıcının satış temsilcisi)", "Sales rep code "
           "(the user's sales rep)", level="line", section=kal, managed=True),
    ]
    return tuple(fields)


# -- the catalogs ---------------------------------------------------------------------------------
def _logo_catalog(erp: str, entity: Entity) -> EntityCatalog:
    wire = LOGO_ROOTS[entity]
    plural, singular, data_type = wire.plural, wire.singular, wire.data_type
    if entity == "account":
        return EntityCatalog(erp, entity, _logo_account(), f"{plural}/{singular}", data_type, CLCARD)
    if entity == "product":
        return EntityCatalog(erp, entity, _logo_product(), f"{plural}/{singular}", data_type, ITEMS,
                             ext_tables=frozenset({"LG_FFF_ITMUNITA"}))
    head, line = (ORFICHE, ORFLINE) if entity == "order" else (STFICHE, STLINE)
    return EntityCatalog(erp, entity, _logo_document(entity), f"{plural}/{singular}", data_type,
                         head, line)


def _netsis_catalog(entity: Entity) -> EntityCatalog:
    resource = NETSIS_RESOURCES[entity]
    if entity == "account":
        return EntityCatalog("netsis", entity, _netsis_account(), resource, None, "TBLCASABIT",
                             ext_tables=frozenset({"TBLCASABITEK"}))
    if entity == "product":
        return EntityCatalog("netsis", entity, _netsis_product(), resource, None, "TBLSTSABIT",
                             ext_tables=frozenset({"TBLSTSABITEK"}))
    head, line, _ = _NETSIS_DOC_TABLES[entity]
    assert entity in NETSIS_DOC_TYPES
    return EntityCatalog("netsis", entity, _netsis_document(entity), resource,
                         NETSIS_DOC_TYPES[entity], head, line, frozenset({"TBLFATUEK"}))


def entities_for(erp: str) -> tuple[Entity, ...]:
    """The entities with a catalog for an ERP kind (quote is an ERP document only in Netsis)."""
    if erp == "netsis":
        return ENTITIES
    if erp in ("tiger", "go"):
        return ("account", "product", "order", "dispatch")
    return ()


@cache
def catalog(erp: str, entity: str) -> EntityCatalog | None:
    """The catalog of (ERP kind, entity), or None when there is none (unknown erp or entity)."""
    if entity not in entities_for(erp):
        return None
    if erp == "netsis":
        return _netsis_catalog(entity)
    return _logo_catalog(erp, entity)


def require_catalog(erp: str, entity: str) -> EntityCatalog:
    found = catalog(erp, entity)
    if found is None:
        raise KeyError(f"no catalog for {erp}/{entity}")
    return found


def all_catalogs() -> Iterable[EntityCatalog]:
    for erp in ERP_KINDS:
        for entity in entities_for(erp):
            yield require_catalog(erp, entity)
