"""The Logo Netsis part of the standard ERP field catalog (SPEC F6; research/netsis.md §1.6, §1.11
and §3.2): accounts (TBLCASABIT), products (TBLSTSABIT), orders (TBLSIPAMAS / TBLSIPATRA), dispatches
(TBLFATUIRS / TBLSTHAR) and quotes (TBLTEKLIFMAS / TBLTEKLIFTRA)."""

from __future__ import annotations

from integrator.model import Entity
from integrator.model.wire import NETSIS_DOC_TYPES, NETSIS_RESOURCES
from integrator.translators.catalog.fields import (
    BOOL,
    DAY,
    DEC,
    INT,
    TEXT,
    CatalogField,
    EntityCatalog,
)
from integrator.translators.catalog.fields import entry as _f


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


def netsis_catalog(entity: Entity) -> EntityCatalog:
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
