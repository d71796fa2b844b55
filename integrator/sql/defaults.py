"""The default T-SQL of every lookup, per ERP kind (F12, F13, F16-F20, F31).

A set replaces any of them with its own ``sql.<name>`` (same parameters, same result columns).
Parameters every statement may use: ``:firm``, ``:period`` (Tiger/Go), ``:branch`` (Netsis),
``:user`` (CRM user), ``:salesman`` (the user's ERP salesman code). Per statement:

============================ ==================================================================
statement                    parameters -> result columns (extra columns pass through)
============================ ==================================================================
account_search,              ``:code_pattern`` (prefix pattern), ``:name_pattern`` (contains
product_search               pattern), ``:limit`` -> REF, CODE, NAME, ...
account_opening_balance      ``:ref``, ``:date_from`` -> one row REF, CODE, NAME, BALANCE
                             (no row: the account does not exist)
account_statement            ``:ref``, ``:date_from``, ``:date_to_next`` (the day after ``to``)
                             -> DATE, DOCNO, DESCRIPTION, DEBIT, CREDIT, ...
product_stock                ``:refs`` (list), ``:codes`` (list), ``:all_warehouses`` (1/0),
                             ``:warehouses`` (list) -> REF, CODE, NAME, WAREHOUSE,
                             WAREHOUSE_NAME, ONHAND, RESERVED, ORDERED, AVAILABLE (one row per
                             product and warehouse; WAREHOUSE NULL for a product without stock)
warehouses                   ``:all_warehouses``, ``:warehouses`` -> NR, NAME, ...
salesmen                     -> CODE, NAME, ...
account_list, product_list   ``:after`` (keyset: the last REF seen), ``:limit`` -> REF, CODE, ...
============================ ==================================================================

Tiger/Go statements use the table tokens (``LG_FFF_…``, ``LG_FFF_PP_…``, ``LV_FFF_PP_…``) and skip
the ``CODE = 'ÿ'`` placeholder row every Tiger card table holds.
"""

from __future__ import annotations

from typing import Literal

from integrator.config import IntegrationSet

StatementName = Literal[
    "account_search", "product_search", "account_list", "product_list", "account_statement",
    "account_opening_balance", "product_stock", "warehouses", "salesmen",
]

LOGO: dict[str, str] = {
    "account_search": """
SELECT TOP (:limit) C.LOGICALREF AS REF, C.CODE AS CODE, C.DEFINITION_ AS NAME,
       C.TAXNR AS TAXNR, C.TAXOFFICE AS TAXOFFICE, C.CITY AS CITY, C.TOWN AS TOWN,
       C.TELNRS1 AS PHONE, C.ACTIVE AS ACTIVE
FROM LG_FFF_CLCARD C WITH (NOLOCK)
WHERE C.CODE <> N'ÿ' AND (C.CODE LIKE :code_pattern OR C.DEFINITION_ LIKE :name_pattern)
ORDER BY C.CODE""",
    "product_search": """
SELECT TOP (:limit) I.LOGICALREF AS REF, I.CODE AS CODE, I.NAME AS NAME, U.CODE AS UNITSET,
       I.SELLVAT AS VAT, I.ACTIVE AS ACTIVE
FROM LG_FFF_ITEMS I WITH (NOLOCK)
LEFT JOIN LG_FFF_UNITSETF U WITH (NOLOCK) ON U.LOGICALREF = I.UNITSETREF
WHERE I.CODE <> N'ÿ' AND (I.CODE LIKE :code_pattern OR I.NAME LIKE :name_pattern)
ORDER BY I.CODE""",
    "account_list": """
SELECT TOP (:limit) C.LOGICALREF AS REF, C.CODE AS CODE, C.DEFINITION_ AS NAME,
       C.TAXNR AS TAXNR, C.TAXOFFICE AS TAXOFFICE, C.ADDR1 AS ADDRESS, C.TOWN AS TOWN,
       C.CITY AS CITY, C.TELNRS1 AS PHONE, C.EMAILADDR AS EMAIL, C.ACTIVE AS ACTIVE
FROM LG_FFF_CLCARD C WITH (NOLOCK)
WHERE C.LOGICALREF > :after AND C.CODE <> N'ÿ'
ORDER BY C.LOGICALREF""",
    "product_list": """
SELECT TOP (:limit) I.LOGICALREF AS REF, I.CODE AS CODE, I.NAME AS NAME, I.SELLVAT AS VAT,
       I.ACTIVE AS ACTIVE
FROM LG_FFF_ITEMS I WITH (NOLOCK)
WHERE I.LOGICALREF > :after AND I.CODE <> N'ÿ'
ORDER BY I.LOGICALREF""",
    "account_opening_balance": """
SELECT C.LOGICALREF AS REF, C.CODE AS CODE, C.DEFINITION_ AS NAME,
       (SELECT SUM(CASE WHEN L.SIGN = 0 THEN L.AMOUNT ELSE -L.AMOUNT END)
        FROM LG_FFF_PP_CLFLINE L WITH (NOLOCK)
        WHERE L.CLIENTREF = C.LOGICALREF AND L.CANCELLED = 0 AND L.DATE_ < :date_from) AS BALANCE
FROM LG_FFF_CLCARD C WITH (NOLOCK)
WHERE C.LOGICALREF = :ref AND C.CODE <> N'ÿ'""",
    "account_statement": """
SELECT L.DATE_ AS DATE, L.TRCODE AS TRCODE, L.TRANNO AS DOCNO, L.LINEEXP AS DESCRIPTION,
       CASE WHEN L.SIGN = 0 THEN L.AMOUNT ELSE 0 END AS DEBIT,
       CASE WHEN L.SIGN = 1 THEN L.AMOUNT ELSE 0 END AS CREDIT
FROM LG_FFF_PP_CLFLINE L WITH (NOLOCK)
WHERE L.CLIENTREF = :ref AND L.CANCELLED = 0
  AND L.DATE_ >= :date_from AND L.DATE_ < :date_to_next
ORDER BY L.DATE_, L.LOGICALREF""",
    "product_stock": """
SELECT I.LOGICALREF AS REF, I.CODE AS CODE, I.NAME AS NAME, T.INVENNO AS WAREHOUSE,
       W.NAME AS WAREHOUSE_NAME, T.ONHAND AS ONHAND, T.RESERVED AS RESERVED,
       T.ACTSORDER AS ORDERED, T.ONHAND - T.RESERVED - T.ACTSORDER AS AVAILABLE
FROM LG_FFF_ITEMS I WITH (NOLOCK)
LEFT JOIN LV_FFF_PP_GNTOTST T WITH (NOLOCK)
       ON T.STOCKREF = I.LOGICALREF AND T.INVENNO >= 0
      AND (:all_warehouses = 1 OR T.INVENNO IN (:warehouses))
LEFT JOIN L_CAPIWHOUSE W WITH (NOLOCK) ON W.NR = T.INVENNO AND W.FIRMNR = :firm
WHERE (I.LOGICALREF IN (:refs) OR I.CODE IN (:codes)) AND I.CODE <> N'ÿ'
ORDER BY I.CODE, T.INVENNO""",
    "warehouses": """
SELECT W.NR AS NR, W.NAME AS NAME, W.CITY AS CITY
FROM L_CAPIWHOUSE W WITH (NOLOCK)
WHERE W.FIRMNR = :firm AND (:all_warehouses = 1 OR W.NR IN (:warehouses))
ORDER BY W.NR""",
    "salesmen": """
SELECT S.CODE AS CODE, S.DEFINITION_ AS NAME, S.EMAILADDR AS EMAIL
FROM LG_SLSMAN S WITH (NOLOCK)
WHERE S.FIRMNR = :firm AND S.ACTIVE = 0
ORDER BY S.CODE""",
}

NETSIS: dict[str, str] = {
    "account_search": """
SELECT TOP (:limit) C.CARI_KOD AS REF, C.CARI_KOD AS CODE, C.CARI_ISIM AS NAME,
       C.VERGI_NUMARASI AS TAXNR, C.VERGI_DAIRESI AS TAXOFFICE, C.CARI_IL AS CITY,
       C.CARI_ILCE AS TOWN, C.CARI_TEL AS PHONE
FROM TBLCASABIT C WITH (NOLOCK)
WHERE C.CARI_KOD LIKE :code_pattern OR C.CARI_ISIM LIKE :name_pattern
ORDER BY C.CARI_KOD""",
    "product_search": """
SELECT TOP (:limit) S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.STOK_ADI AS NAME,
       S.OLCU_BR1 AS UNIT, S.KDV_ORANI AS VAT, S.SATIS_FIAT1 AS PRICE
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE S.STOK_KODU LIKE :code_pattern OR S.STOK_ADI LIKE :name_pattern
ORDER BY S.STOK_KODU""",
    "account_list": """
SELECT TOP (:limit) C.CARI_KOD AS REF, C.CARI_KOD AS CODE, C.CARI_ISIM AS NAME,
       C.VERGI_NUMARASI AS TAXNR, C.VERGI_DAIRESI AS TAXOFFICE, C.CARI_ADRES AS ADDRESS,
       C.CARI_ILCE AS TOWN, C.CARI_IL AS CITY, C.CARI_TEL AS PHONE, C.EMAIL AS EMAIL
FROM TBLCASABIT C WITH (NOLOCK)
WHERE C.CARI_KOD > :after
ORDER BY C.CARI_KOD""",
    "product_list": """
SELECT TOP (:limit) S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.STOK_ADI AS NAME,
       S.OLCU_BR1 AS UNIT, S.KDV_ORANI AS VAT
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE S.STOK_KODU > :after
ORDER BY S.STOK_KODU""",
    "account_opening_balance": """
SELECT C.CARI_KOD AS REF, C.CARI_KOD AS CODE, C.CARI_ISIM AS NAME,
       (SELECT SUM(H.BORC - H.ALACAK) FROM TBLCAHAR H WITH (NOLOCK)
        WHERE H.CARI_KOD = C.CARI_KOD AND H.TARIH < :date_from) AS BALANCE
FROM TBLCASABIT C WITH (NOLOCK)
WHERE C.CARI_KOD = :ref""",
    "account_statement": """
SELECT H.TARIH AS DATE, H.HAREKET_TURU AS TRCODE, H.BELGE_NO AS DOCNO,
       H.ACIKLAMA AS DESCRIPTION, H.BORC AS DEBIT, H.ALACAK AS CREDIT
FROM TBLCAHAR H WITH (NOLOCK)
WHERE H.CARI_KOD = :ref AND H.TARIH >= :date_from AND H.TARIH < :date_to_next
ORDER BY H.TARIH, H.INC_KEY_NUMARASI""",
    "product_stock": """
SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.STOK_ADI AS NAME, P.DEPO_KODU AS WAREHOUSE,
       D.DEPO_ISMI AS WAREHOUSE_NAME, P.TOP_GIRIS_MIK - P.TOP_CIKIS_MIK AS ONHAND,
       0 AS RESERVED, P.MUS_TOP_SIPARIS - P.MUS_TOP_TESLIM AS ORDERED,
       P.TOP_GIRIS_MIK - P.TOP_CIKIS_MIK - (P.MUS_TOP_SIPARIS - P.MUS_TOP_TESLIM) AS AVAILABLE
FROM TBLSTSABIT S WITH (NOLOCK)
LEFT JOIN TBLSTOKPH P WITH (NOLOCK)
       ON P.STOK_KODU = S.STOK_KODU AND P.SUBE_KODU = :branch AND P.DEPO_KODU <> 0
      AND (:all_warehouses = 1 OR P.DEPO_KODU IN (:warehouses))
LEFT JOIN TBLSTOKDP D WITH (NOLOCK) ON D.DEPO_KODU = P.DEPO_KODU
WHERE S.STOK_KODU IN (:codes) OR S.STOK_KODU IN (:refs)
ORDER BY S.STOK_KODU, P.DEPO_KODU""",
    "warehouses": """
SELECT D.DEPO_KODU AS NR, D.DEPO_ISMI AS NAME, D.DEPO_KILITLE AS LOCKED
FROM TBLSTOKDP D WITH (NOLOCK)
WHERE D.SUBE_KODU = :branch AND (:all_warehouses = 1 OR D.DEPO_KODU IN (:warehouses))
ORDER BY D.DEPO_KODU""",
    "salesmen": """
SELECT P.PLASIYER_KODU AS CODE, P.PLASIYER_ACIKLAMA AS NAME
FROM TBLCARIPLASIYER P WITH (NOLOCK)
ORDER BY P.PLASIYER_KODU""",
}

DEFAULTS: dict[str, dict[str, str]] = {"logo": LOGO, "netsis": NETSIS}


def default_sql(erp: str, name: StatementName) -> str:
    return DEFAULTS["logo" if erp in ("tiger", "go") else "netsis"][name].strip()


def statement_sql(integration_set: IntegrationSet, name: StatementName) -> str:
    """The set's own statement when it defines one, else the default for its ERP kind."""
    override: str | None = getattr(integration_set.sql, name)
    return override if override else default_sql(integration_set.erp, name)
