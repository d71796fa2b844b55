"""The Logo Tiger / Go part of the standard ERP field catalog (SPEC F6; research/logo-tiger.md
§3.3–§3.6 and §4): accounts (CLCARD), products (ITEMS, ITMUNITA), orders and dispatches (ORFICHE /
ORFLINE, STFICHE / STLINE)."""

from __future__ import annotations

from integrator.model import Entity
from integrator.model.wire import LOGO_ROOTS
from integrator.translators.catalog.fields import (
    BOOL,
    CLOCK,
    DAY,
    DEC,
    INT,
    TEXT,
    CatalogField,
    EntityCatalog,
)
from integrator.translators.catalog.fields import entry as _f

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


def logo_catalog(erp: str, entity: Entity) -> EntityCatalog:
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
