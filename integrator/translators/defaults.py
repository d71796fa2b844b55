"""Default field mappings per ERP kind for the standard CRM fields, so a set without mappings works.

A set's own mappings are applied on top: a set mapping for a CRM field replaces every default for
that CRM field, and a set mapping that writes an ERP field takes that ERP field away from the
defaults (docs/mapping.md, "Defaults and overrides").

The standard CRM field names are the contract with the CRM core (docs/mapping.md lists them with
examples). Defaults use no converters: standard fields arrive in the wire format of SPEC §5 (ISO
dates, ``.`` decimals).
"""

from __future__ import annotations

from functools import cache

from integrator.config import FieldMapping

Pair = tuple[str, str] | tuple[str, str, str]  # (crm, erp[, direction])


def _maps(pairs: list[Pair]) -> tuple[FieldMapping, ...]:
    result = []
    for pair in pairs:
        crm, erp = pair[0], pair[1]
        direction = pair[2] if len(pair) == 3 else "both"
        result.append(FieldMapping.model_validate({"crm": crm, "erp": erp, "direction": direction}))
    return tuple(result)


# -- Logo Tiger / Go ------------------------------------------------------------------------------
LOGO_ACCOUNT: list[Pair] = [
    ("Code", "CODE"), ("Title", "TITLE"), ("Title2", "TITLE2"),
    ("TaxOffice", "TAX_OFFICE"), ("TaxOfficeCode", "TAX_OFFICE_CODE"), ("TaxNumber", "TAX_ID"),
    ("IdentityNumber", "TCKNO"), ("IsPerson", "PERSCOMPANY"), ("FirstName", "NAME"),
    ("LastName", "SURNAME"), ("Address1", "ADDRESS1"), ("Address2", "ADDRESS2"),
    ("District", "DISTRICT"), ("Town", "TOWN"), ("City", "CITY"), ("Country", "COUNTRY"),
    ("CountryCode", "COUNTRY_CODE"), ("PostalCode", "POSTAL_CODE"), ("Phone", "TELEPHONE1"),
    ("Phone2", "TELEPHONE2"), ("Fax", "FAX"), ("Email", "E_MAIL"), ("Web", "WEB_ADDR"),
    ("Contact", "CONTACT"), ("SpecialCode", "AUXIL_CODE"), ("AuthCode", "AUTH_CODE"),
    ("PaymentCode", "PAYMENT_CODE"), ("TradingGroup", "TRADING_GRP"),
    ("DiscountRate", "DISCOUNT_RATE"), ("AccountType", "ACCOUNT_TYPE"),
]
LOGO_PRODUCT: list[Pair] = [
    ("Code", "CODE"), ("Name", "NAME"), ("Name2", "NAME2"), ("GroupCode", "GROUP_CODE"),
    ("SpecialCode", "AUXIL_CODE"), ("AuthCode", "AUTH_CODE"), ("ProducerCode", "PRODUCER_CODE"),
    ("Brand", "MARKCODE"), ("GtipCode", "GTIPCODE"), ("UnitSet", "UNITSET_CODE"),
    ("Unit", "UNIT_CODE"), ("Barcode", "BARCODE"), ("CardType", "CARD_TYPE"),
    # one CRM VAT rate sets every VAT of the card; it is read back from the sales VAT
    ("VatRate", "SELVAT"), ("VatRate", "VAT", "crm_to_erp"), ("VatRate", "RETURNVAT", "crm_to_erp"),
    ("VatRate", "SELPRVAT", "crm_to_erp"), ("VatRate", "RETURNPRVAT", "crm_to_erp"),
]
LOGO_DOCUMENT: list[Pair] = [
    ("Date", "DATE"), ("Time", "TIME"), ("Notes", "NOTES1"), ("Notes2", "NOTES2"),
    ("Notes3", "NOTES3"), ("Notes4", "NOTES4"), ("SpecialCode", "AUXIL_CODE"),
    ("AuthCode", "AUTH_CODE"), ("PaymentCode", "PAYMENT_CODE"), ("ProjectCode", "PROJECT_CODE"),
    ("ShippingAddressCode", "SHIPLOC_CODE"),
    ("TotalGross", "TOTAL_GROSS", "erp_to_crm"), ("TotalVat", "TOTAL_VAT", "erp_to_crm"),
    ("TotalNet", "TOTAL_NET", "erp_to_crm"),
]
LOGO_ORDER_EXTRA: list[Pair] = [("OrderStatus", "ORDER_STATUS")]
LOGO_LINE: list[Pair] = [
    ("Quantity", "QUANTITY"), ("UnitPrice", "PRICE"), ("Unit", "UNIT_CODE"),
    ("VatRate", "VAT_RATE"), ("VatIncluded", "VAT_INCLUDED"), ("Discount", "DISCOUNT_RATE"),
    ("Discount2", "DISCOUNT_RATE2"), ("Discount3", "DISCOUNT_RATE3"), ("Campaign", "CAMPCODE1"),
    ("Notes", "DESCRIPTION"), ("LineType", "TYPE"), ("Total", "TOTAL", "erp_to_crm"),
]
LOGO_ORDER_LINE_EXTRA: list[Pair] = [("DeliveryDate", "DUE_DATE")]

# -- Logo Netsis ----------------------------------------------------------------------------------
NETSIS_ACCOUNT: list[Pair] = [
    ("Code", "CARI_KOD"), ("Title", "CARI_ISIM"), ("TaxOffice", "VERGI_DAIRESI"),
    ("TaxNumber", "VERGI_NUMARASI"), ("IdentityNumber", "TcKimlikNo"), ("Address1", "CARI_ADRES"),
    ("Town", "CARI_ILCE"), ("City", "CARI_IL"), ("CountryCode", "ULKE_KODU"),
    ("PostalCode", "POSTAKODU"), ("Phone", "CARI_TEL"), ("Email", "EMAIL"), ("Web", "WEB"),
    ("GroupCode", "Grup_Kodu"), ("SpecialCode", "RAPOR_KODU1"), ("AccountType", "CARI_TIP"),
    ("DiscountRate", "ISKONTO_ORANI"), ("PaymentDays", "VADE_GUNU"),
    ("SalesRep", "Plasiyer_Kodu"), ("RiskLimit", "RISK_SINIRI"),
]
NETSIS_PRODUCT: list[Pair] = [
    ("Code", "Stok_Kodu"), ("Name", "Stok_Adi"), ("GroupCode", "Grup_Kodu"),
    ("SpecialCode", "Kod_1"), ("Unit", "Olcu_Br1"), ("Unit2", "Olcu_Br2"), ("Unit3", "Olcu_Br3"),
    ("VatRate", "KDV_Orani"), ("Barcode", "Barkod1"), ("SalesPrice", "Satis_Fiat1"),
    ("EnglishName", "Ingisim"),
]
NETSIS_DOCUMENT: list[Pair] = [
    ("Date", "Tarih"), ("Notes", "Aciklama"), ("SpecialCode", "KOD1"), ("SpecialCode2", "KOD2"),
    ("ProjectCode", "Proje_Kodu"), ("PaymentCode", "OdemeKodu"), ("VatIncluded", "KDV_DAHILMI"),
    ("SlipKind", "TIPI"), ("ActualDate", "FiiliTarih"), ("PriceDate", "FIYATTARIHI"),
    ("ConditionDate", "KOSULTARIHI"), ("TotalGross", "BRUTTUTAR", "erp_to_crm"),
    ("TotalVat", "KDV", "erp_to_crm"), ("TotalNet", "GENELTOPLAM", "erp_to_crm"),
]
NETSIS_ORDER_EXTRA: list[Pair] = [("DeliveryDate", "SIPARIS_TEST")]
NETSIS_LINE: list[Pair] = [
    ("Quantity", "STra_GCMIK"), ("UnitPrice", "STra_BF"), ("Discount", "STra_SatIsk"),
    ("Discount2", "STra_SatIsk2"), ("Discount3", "STra_SatIsk3"), ("VatRate", "STra_KDV"),
    ("UnitIndex", "Olcubr"), ("Notes", "STra_ACIK"), ("DeliveryDate", "STra_testar"),
]


@cache
def default_mappings(erp: str, entity: str) -> tuple[FieldMapping, ...]:
    """The default header mappings of (ERP kind, entity)."""
    if erp in ("tiger", "go"):
        table = {"account": LOGO_ACCOUNT, "product": LOGO_PRODUCT,
                 "order": LOGO_DOCUMENT + LOGO_ORDER_EXTRA, "dispatch": LOGO_DOCUMENT}
    else:
        table = {"account": NETSIS_ACCOUNT, "product": NETSIS_PRODUCT,
                 "order": NETSIS_DOCUMENT + NETSIS_ORDER_EXTRA, "dispatch": NETSIS_DOCUMENT,
                 "quote": NETSIS_DOCUMENT}
    return _maps(table.get(entity, []))


@cache
def default_line_mappings(erp: str, entity: str) -> tuple[FieldMapping, ...]:
    """The default line mappings of a document entity (order, dispatch, quote)."""
    if entity not in ("order", "dispatch", "quote"):
        return ()
    if erp in ("tiger", "go"):
        if entity == "quote":
            return ()
        return _maps(LOGO_LINE + (LOGO_ORDER_LINE_EXTRA if entity == "order" else []))
    return _maps(NETSIS_LINE)
