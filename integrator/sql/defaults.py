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
                             WAREHOUSE_NAME, ONHAND, RESERVED, ORDERED, REAL_STOCK, AVAILABLE
                             (one row per product and warehouse, in the product's main unit;
                             WAREHOUSE NULL for a product without stock there)
stock_check                  as product_stock, plus UNIT and FACTOR: one row per product,
                             warehouse and unit of the product, FACTOR = main units in one UNIT
                             (without UNIT/FACTOR quantities are compared as sent; F30)
risk_check                   ``:ref``, ``:code`` (the account's link), ``:date`` -> one row REF,
                             CODE, NAME, RISK_LIMIT, RISK_TOTAL, ERP_CONTROL[, DBS_LIMIT,
                             DBS_TOTAL] (no row: the account does not exist; F32)
risk_limit                   (Netsis, ``settings.risk_source: erp``) as risk_check without
                             RISK_TOTAL: the current risk comes from ``ARPs/Risk``
warehouses                   ``:all_warehouses``, ``:warehouses`` -> NR, NAME, ...
salesmen                     -> CODE, NAME, ...
account_list, product_list   bulk ERP -> CRM export (F11, F18), keyset pages: ``:after`` (the
                             last key seen: LOGICALREF / CARI_KOD / STOK_KODU), ``:limit``,
                             filters ``:any_code``/``:code_pattern`` (code prefix LIKE pattern),
                             ``:any_name``/``:name_pattern`` (title/name contains),
                             ``:any_change``/``:changed_since`` (created or changed since),
                             ``:any_special``/``:special_code`` (SPECODE / RAPOR_KODU1 / KOD_1);
                             ``:any_x = 1`` switches a filter off. Columns: the ERP's own
                             column names (LG_FFF_CLCARD.DEFINITION_, TBLCASABIT.CARI_ISIM, ...)
                             so that ``translators.read_row`` reads them through the mappings;
                             joined columns under the ERP field's name (PAYMENT_CODE,
                             UNITSET_CODE, UNIT_CODE)
account_by_code,             ``:code`` / ``:ref`` -> REF, CODE: one card's link (reconciliation,
account_by_ref, ...          ``on_duplicate: link``, NOT_FOUND checks); not overridable
quote_document               ``:quote`` (the CRM quote id) -> DOCTYPE (order / dispatch / quote),
                             REF, NUMBER, DATE, STAMP, STATUS, ACCOUNT: the ERP documents a quote
                             transfer made (F28, F29; a dispatch made from an order is not one)
order_lines, dispatch_lines, ``:ref`` (Tiger LOGICALREF) or ``:number`` + ``:account`` (Netsis) ->
quote_lines                  LINE, PRODUCT, ORDERED, SHIPPED, REMAINING, CLOSED (F28)
quote_products               ``:refs``, ``:codes`` -> REF, CODE, UNIT, UNIT_NO: the products of a
                             quote with their units (one row per unit; F22, unit checks)
product_vat                  ``:refs``, ``:codes`` -> REF, CODE, VAT: the sales VAT rate the ERP
                             gives a line sent without one (the risk check's quote total, F32);
                             not overridable
account_codes, product_codes ``:pattern`` (a LIKE pattern of a code template's shape),
                             ``:limit`` -> CODE, longest first, then highest first: the codes a
                             code template has handed out (auto-create, F15, F22)
============================ ==================================================================

Tiger/Go statements use the table tokens (``LG_FFF_…``, ``LG_FFF_PP_…``, ``LV_FFF_PP_…``) and skip
the ``CODE = 'ÿ'`` placeholder row every Tiger card table holds.
"""

from __future__ import annotations

from typing import Literal

from integrator.config import IntegrationSet

StatementName = Literal[
    "account_search", "product_search", "account_list", "product_list", "account_statement",
    "account_opening_balance", "product_stock", "warehouses", "salesmen", "account_by_code",
    "account_by_ref", "product_by_code", "product_by_ref", "quote_document", "order_lines",
    "dispatch_lines", "quote_lines", "quote_products", "account_codes", "product_codes",
    "stock_check", "risk_check", "risk_limit", "product_vat",
]

# -- stock (F20, F30, F31): one definition per ERP for the product picker and the stock check -----
# Tiger: real stock = ONHAND - RESERVED - TEMPIN + TEMPOUT (MobileSales); the open sales orders that
# reserve nothing yet are taken from the order lines themselves (in main units), so a reserved
# order is not counted twice (RESERVED already holds it) and whether GNTOTST.ACTSORDER excludes
# shipped quantities does not matter (research/quotes.md §4).
_LOGO_STOCK = """
SELECT S.REF, S.CODE, S.NAME, S.WAREHOUSE, S.WAREHOUSE_NAME, S.ONHAND, S.RESERVED, S.ORDERED,
       S.REAL_STOCK, S.REAL_STOCK - S.ORDERED AS AVAILABLE{units}
FROM (
  SELECT I.LOGICALREF AS REF, I.CODE AS CODE, I.NAME AS NAME, T.INVENNO AS WAREHOUSE,
         W.NAME AS WAREHOUSE_NAME, COALESCE(T.ONHAND, 0) AS ONHAND,
         COALESCE(T.RESERVED, 0) AS RESERVED,
         COALESCE(T.ONHAND, 0) - COALESCE(T.RESERVED, 0) - COALESCE(T.TEMPIN, 0)
           + COALESCE(T.TEMPOUT, 0) AS REAL_STOCK,
         COALESCE((SELECT SUM((L.AMOUNT - L.SHIPPEDAMOUNT
                               - CASE WHEN L.RESERVEAMOUNT < L.AMOUNT - L.SHIPPEDAMOUNT
                                      THEN L.RESERVEAMOUNT ELSE L.AMOUNT - L.SHIPPEDAMOUNT END)
                              * COALESCE(U.CONVFACT2, 1) * 1.0
                              / COALESCE(NULLIF(U.CONVFACT1, 0), 1))
                   FROM LG_FFF_PP_ORFLINE L WITH (NOLOCK)
                   JOIN LG_FFF_PP_ORFICHE H WITH (NOLOCK) ON H.LOGICALREF = L.ORDFICHEREF
                   LEFT JOIN LG_FFF_UNITSETL U WITH (NOLOCK) ON U.LOGICALREF = L.UOMREF
                   WHERE L.STOCKREF = I.LOGICALREF AND L.SOURCEINDEX = T.INVENNO
                     AND L.TRCODE = 1 AND L.LINETYPE IN (0, 1) AND L.CLOSED = 0
                     AND L.AMOUNT > L.SHIPPEDAMOUNT AND H.STATUS <> 1 AND H.CANCELLED = 0), 0)
           AS ORDERED
  FROM LG_FFF_ITEMS I WITH (NOLOCK)
  LEFT JOIN LV_FFF_PP_GNTOTST T WITH (NOLOCK)
         ON T.STOCKREF = I.LOGICALREF AND T.INVENNO >= 0
        AND (:all_warehouses = 1 OR T.INVENNO IN (:warehouses))
  LEFT JOIN L_CAPIWHOUSE W WITH (NOLOCK) ON W.NR = T.INVENNO AND W.FIRMNR = :firm
  WHERE (I.LOGICALREF IN (:refs) OR I.CODE IN (:codes)) AND I.CODE <> N'ÿ'
) S{unit_join}
ORDER BY S.CODE, S.WAREHOUSE"""
# the stock check also returns each unit of the product and how many main units one of it is
_LOGO_UNITS = (", US.CODE AS UNIT, A.CONVFACT2 * 1.0 / COALESCE(NULLIF(A.CONVFACT1, 0), 1)"
               " AS FACTOR")
_LOGO_UNIT_JOIN = """
LEFT JOIN LG_FFF_ITMUNITA A WITH (NOLOCK) ON A.ITEMREF = S.REF
LEFT JOIN LG_FFF_UNITSETL US WITH (NOLOCK) ON US.LOGICALREF = A.UNITLINEREF"""

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
SELECT TOP (:limit) C.LOGICALREF, C.CARDTYPE, C.CODE, C.DEFINITION_, C.DEFINITION2, C.SPECODE,
       C.SPECODE2, C.SPECODE3, C.SPECODE4, C.SPECODE5, C.CYPHCODE, C.ADDR1, C.ADDR2, C.DISTRICT,
       C.TOWN, C.CITY, C.COUNTRY, C.COUNTRYCODE, C.POSTCODE, C.TELNRS1, C.TELNRS2, C.FAXNR,
       C.EMAILADDR, C.WEBADDR, C.INCHARGE, C.TAXNR, C.TAXOFFICE, C.TAXOFFCODE, C.ISPERSCOMP,
       C.TCKNO, C.NAME, C.SURNAME, C.TRADINGGRP, C.DISCRATE, C.ACCEPTEINV, C.PROFILEID,
       C.PURCHBRWS, C.SALESBRWS, C.IMPBRWS, C.EXPBRWS, C.FINBRWS, P.CODE AS PAYMENT_CODE
FROM LG_FFF_CLCARD C WITH (NOLOCK)
LEFT JOIN LG_FFF_PAYPLANS P WITH (NOLOCK) ON P.LOGICALREF = C.PAYMENTREF
WHERE C.LOGICALREF > :after AND C.CODE <> N'ÿ'
  AND (:any_code = 1 OR C.CODE LIKE :code_pattern)
  AND (:any_name = 1 OR C.DEFINITION_ LIKE :name_pattern)
  AND (:any_change = 1 OR C.CAPIBLOCK_CREADEDDATE >= :changed_since
       OR C.CAPIBLOCK_MODIFIEDDATE >= :changed_since)
  AND (:any_special = 1 OR C.SPECODE = :special_code)
ORDER BY C.LOGICALREF""",
    "product_list": """
SELECT TOP (:limit) I.LOGICALREF, I.CARDTYPE, I.CODE, I.NAME, I.NAME2, I.STGRPCODE,
       I.PRODUCERCODE, I.SPECODE, I.SPECODE2, I.SPECODE3, I.SPECODE4, I.SPECODE5, I.CYPHCODE,
       I.VAT, I.SELLVAT, I.RETURNVAT, I.SELLPRVAT, I.RETURNPRVAT, I.GTIPCODE, I.USEF_PURCHASING,
       I.USEF_SALES, I.USEF_MM, U.CODE AS UNITSET_CODE, L.CODE AS UNIT_CODE, A.CONVFACT1,
       A.CONVFACT2, A.BARCODE
FROM LG_FFF_ITEMS I WITH (NOLOCK)
LEFT JOIN LG_FFF_UNITSETF U WITH (NOLOCK) ON U.LOGICALREF = I.UNITSETREF
LEFT JOIN LG_FFF_ITMUNITA A WITH (NOLOCK) ON A.ITEMREF = I.LOGICALREF AND A.LINENR = 1
LEFT JOIN LG_FFF_UNITSETL L WITH (NOLOCK) ON L.LOGICALREF = A.UNITLINEREF
WHERE I.LOGICALREF > :after AND I.CODE <> N'ÿ'
  AND (:any_code = 1 OR I.CODE LIKE :code_pattern)
  AND (:any_name = 1 OR I.NAME LIKE :name_pattern)
  AND (:any_change = 1 OR I.CAPIBLOCK_CREADEDDATE >= :changed_since
       OR I.CAPIBLOCK_MODIFIEDDATE >= :changed_since)
  AND (:any_special = 1 OR I.SPECODE = :special_code)
ORDER BY I.LOGICALREF""",
    "account_by_code": """
SELECT C.LOGICALREF AS REF, C.CODE AS CODE
FROM LG_FFF_CLCARD C WITH (NOLOCK)
WHERE C.CODE = :code AND C.CODE <> N'ÿ'""",
    "account_by_ref": """
SELECT C.LOGICALREF AS REF, C.CODE AS CODE
FROM LG_FFF_CLCARD C WITH (NOLOCK)
WHERE C.LOGICALREF = :ref AND C.CODE <> N'ÿ'""",
    "product_by_code": """
SELECT I.LOGICALREF AS REF, I.CODE AS CODE
FROM LG_FFF_ITEMS I WITH (NOLOCK)
WHERE I.CODE = :code AND I.CODE <> N'ÿ'""",
    "product_by_ref": """
SELECT I.LOGICALREF AS REF, I.CODE AS CODE
FROM LG_FFF_ITEMS I WITH (NOLOCK)
WHERE I.LOGICALREF = :ref AND I.CODE <> N'ÿ'""",
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
    "product_stock": _LOGO_STOCK.format(units="", unit_join=""),
    "stock_check": _LOGO_STOCK.format(units=_LOGO_UNITS, unit_join=_LOGO_UNIT_JOIN),
    "risk_check": """
SELECT C.LOGICALREF AS REF, C.CODE AS CODE, C.DEFINITION_ AS NAME,
       R.ACCRISKLIMIT * R.RISKTYPES1 + R.MYCSRISKLIMIT * R.RISKTYPES2
         - R.CSTCSRISKLIMIT * R.RISKTYPES3 - R.CSTCSCIRORISKLIMIT * R.RISKTYPES7
         + R.DESPRISKLIMIT * R.RISKTYPES4 + R.DESPRISKLIMITSUG * R.RISKTYPES8
         + R.ORDRISKLIMIT * R.RISKTYPES5 + R.ORDRISKLIMITSUGG * R.RISKTYPES6 AS RISK_LIMIT,
       R.ACCRISKTOTAL * R.RISKTYPES1 + R.MYCSRISKTOTAL * R.RISKTYPES2
         - R.CSTCSRISKTOTAL * R.RISKTYPES3 - R.CSTCSCIRORISKTOTAL * R.RISKTYPES7
         + R.DESPRISKTOTAL * R.RISKTYPES4 + R.DESPRISKTOTALSUG * R.RISKTYPES8
         + R.ORDRISKTOTAL * R.RISKTYPES5 + R.ORDRISKTOTALSUGG * R.RISKTYPES6 AS RISK_TOTAL,
       R.RISKCTRLTYPE AS ERP_CONTROL,
       C.DBSLIMIT1 + C.DBSLIMIT2 + C.DBSLIMIT3 + C.DBSLIMIT4 + C.DBSLIMIT5 + C.DBSLIMIT6
         + C.DBSLIMIT7 AS DBS_LIMIT,
       C.DBSTOTAL1 + C.DBSTOTAL2 + C.DBSTOTAL3 + C.DBSTOTAL4 + C.DBSTOTAL5 + C.DBSTOTAL6
         + C.DBSTOTAL7 AS DBS_TOTAL
FROM LG_FFF_CLCARD C WITH (NOLOCK)
LEFT JOIN LG_FFF_PP_CLRNUMS R WITH (NOLOCK) ON R.CLCARDREF = C.LOGICALREF
WHERE (C.LOGICALREF = :ref OR C.CODE = :code) AND C.CODE <> N'ÿ'""",
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
    "quote_document": """
SELECT 'order' AS DOCTYPE, O.LOGICALREF AS REF, O.FICHENO AS NUMBER, O.DATE_ AS DATE,
       O.DOCTRACKINGNR AS STAMP, O.STATUS AS STATUS, C.CODE AS ACCOUNT
FROM LG_FFF_PP_ORFICHE O WITH (NOLOCK)
LEFT JOIN LG_FFF_CLCARD C WITH (NOLOCK) ON C.LOGICALREF = O.CLIENTREF
WHERE O.DOCODE = :quote AND O.TRCODE = 1 AND O.CANCELLED = 0
UNION ALL
SELECT 'dispatch' AS DOCTYPE, S.LOGICALREF AS REF, S.FICHENO AS NUMBER, S.DATE_ AS DATE,
       S.DOCTRACKINGNR AS STAMP, S.BILLED AS STATUS, C.CODE AS ACCOUNT
FROM LG_FFF_PP_STFICHE S WITH (NOLOCK)
LEFT JOIN LG_FFF_CLCARD C WITH (NOLOCK) ON C.LOGICALREF = S.CLIENTREF
WHERE S.DOCODE = :quote AND S.TRCODE IN (7, 8) AND S.CANCELLED = 0
  AND NOT EXISTS (SELECT 1 FROM LG_FFF_PP_STLINE L WITH (NOLOCK)
                  WHERE L.STFICHEREF = S.LOGICALREF AND L.ORDTRANSREF <> 0)
ORDER BY REF""",
    "order_lines": """
SELECT L.LINENO_ AS LINE, I.CODE AS PRODUCT, L.AMOUNT AS ORDERED, L.SHIPPEDAMOUNT AS SHIPPED,
       L.AMOUNT - (L.SHIPPEDAMOUNT + L.ONVEHICLE + L.DISTRESERVED) AS REMAINING, L.CLOSED AS CLOSED
FROM LG_FFF_PP_ORFLINE L WITH (NOLOCK)
LEFT JOIN LG_FFF_ITEMS I WITH (NOLOCK) ON I.LOGICALREF = L.STOCKREF
WHERE L.ORDFICHEREF = :ref AND L.LINETYPE = 0
ORDER BY L.LINENO_, L.LOGICALREF""",
    "dispatch_lines": """
SELECT L.STFICHELNNO AS LINE, I.CODE AS PRODUCT, L.AMOUNT AS ORDERED, L.AMOUNT AS SHIPPED,
       0 AS REMAINING, 1 AS CLOSED
FROM LG_FFF_PP_STLINE L WITH (NOLOCK)
LEFT JOIN LG_FFF_ITEMS I WITH (NOLOCK) ON I.LOGICALREF = L.STOCKREF
WHERE L.STFICHEREF = :ref AND L.LINETYPE = 0
ORDER BY L.STFICHELNNO, L.LOGICALREF""",
    "quote_products": """
SELECT I.LOGICALREF AS REF, I.CODE AS CODE, U.CODE AS UNIT, A.LINENR AS UNIT_NO
FROM LG_FFF_ITEMS I WITH (NOLOCK)
LEFT JOIN LG_FFF_ITMUNITA A WITH (NOLOCK) ON A.ITEMREF = I.LOGICALREF
LEFT JOIN LG_FFF_UNITSETL U WITH (NOLOCK) ON U.LOGICALREF = A.UNITLINEREF
WHERE (I.LOGICALREF IN (:refs) OR I.CODE IN (:codes)) AND I.CODE <> N'ÿ'
ORDER BY I.CODE, A.LINENR""",
    # the VAT rate of a sales line sent without VAT_RATE: the item's SELLVAT (F32)
    "product_vat": """
SELECT I.LOGICALREF AS REF, I.CODE AS CODE, I.SELLVAT AS VAT
FROM LG_FFF_ITEMS I WITH (NOLOCK)
WHERE (I.LOGICALREF IN (:refs) OR I.CODE IN (:codes)) AND I.CODE <> N'ÿ'""",
    "account_codes": """
SELECT TOP (:limit) C.CODE AS CODE
FROM LG_FFF_CLCARD C WITH (NOLOCK)
WHERE C.CODE LIKE :pattern
ORDER BY LEN(C.CODE) DESC, C.CODE DESC""",
    "product_codes": """
SELECT TOP (:limit) I.CODE AS CODE
FROM LG_FFF_ITEMS I WITH (NOLOCK)
WHERE I.CODE LIKE :pattern
ORDER BY LEN(I.CODE) DESC, I.CODE DESC""",
}

# Netsis: real stock = TOP_GIRIS_MIK - TOP_CIKIS_MIK - STOK_DAGITIM (MobileSales); open customer
# orders MUS_TOP_SIPARIS - MUS_TOP_TESLIM. Units: OLCU_BR1 (1), OLCU_BR2 (PAYDA_1 / PAY_1),
# OLCU_BR3 (PAYDA2 / PAY2) — the direction of the Netsis factors is unverified.
_NETSIS_STOCK = """
SELECT S.REF, S.CODE, S.NAME, S.WAREHOUSE, S.WAREHOUSE_NAME, S.ONHAND, S.RESERVED, S.ORDERED,
       S.ONHAND - S.RESERVED AS REAL_STOCK, S.ONHAND - S.RESERVED - S.ORDERED AS AVAILABLE{units}
FROM (
  SELECT T.STOK_KODU AS REF, T.STOK_KODU AS CODE, T.STOK_ADI AS NAME, P.DEPO_KODU AS WAREHOUSE,
         D.DEPO_ISMI AS WAREHOUSE_NAME,
         COALESCE(P.TOP_GIRIS_MIK, 0) - COALESCE(P.TOP_CIKIS_MIK, 0) AS ONHAND,
         COALESCE(P.STOK_DAGITIM, 0) AS RESERVED,
         COALESCE(P.MUS_TOP_SIPARIS, 0) - COALESCE(P.MUS_TOP_TESLIM, 0) AS ORDERED
  FROM TBLSTSABIT T WITH (NOLOCK)
  LEFT JOIN TBLSTOKPH P WITH (NOLOCK)
         ON P.STOK_KODU = T.STOK_KODU AND P.SUBE_KODU = :branch AND P.DEPO_KODU <> 0
        AND (:all_warehouses = 1 OR P.DEPO_KODU IN (:warehouses))
  LEFT JOIN TBLSTOKDP D WITH (NOLOCK) ON D.DEPO_KODU = P.DEPO_KODU
  WHERE T.STOK_KODU IN (:codes) OR T.STOK_KODU IN (:refs)
) S{unit_join}
ORDER BY S.CODE, S.WAREHOUSE"""
_NETSIS_UNITS = ", U.UNIT AS UNIT, U.FACTOR AS FACTOR"
# every branch names the quote's products: the units of three whole scans of the stock cards
# cost 4.7 ms per check on the demo's 2,200 cards, 0.7 ms restricted (docs/performance.md)
_NETSIS_UNIT_JOIN = """
LEFT JOIN (SELECT B.STOK_KODU AS CODE, B.OLCU_BR1 AS UNIT, 1 AS FACTOR FROM TBLSTSABIT B WITH (NOLOCK)
           WHERE B.STOK_KODU IN (:codes) OR B.STOK_KODU IN (:refs)
           UNION ALL
           SELECT B.STOK_KODU, B.OLCU_BR2, B.PAYDA_1 * 1.0 / COALESCE(NULLIF(B.PAY_1, 0), 1)
           FROM TBLSTSABIT B WITH (NOLOCK)
           WHERE B.OLCU_BR2 <> '' AND (B.STOK_KODU IN (:codes) OR B.STOK_KODU IN (:refs))
           UNION ALL
           SELECT B.STOK_KODU, B.OLCU_BR3, B.PAYDA2 * 1.0 / COALESCE(NULLIF(B.PAY2, 0), 1)
           FROM TBLSTSABIT B WITH (NOLOCK)
           WHERE B.OLCU_BR3 <> '' AND (B.STOK_KODU IN (:codes) OR B.STOK_KODU IN (:refs))
           ) U ON U.CODE = S.CODE"""

# risk: the limit and the behaviour of TBLCARISK; the current risk from CARISKBUL (MS SQL only)
_NETSIS_RISK = """
SELECT C.CARI_KOD AS REF, C.CARI_KOD AS CODE, C.CARI_ISIM AS NAME, R.RISKLIMITI AS RISK_LIMIT,{total}
       R.SIPRISKDAVRAN AS ERP_CONTROL
FROM TBLCASABIT C WITH (NOLOCK)
LEFT JOIN TBLCARISK R WITH (NOLOCK) ON R.CARIKOD = C.CARI_KOD
WHERE C.CARI_KOD = :code OR C.CARI_KOD = :ref"""

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
SELECT TOP (:limit) C.CARI_KOD, C.SUBE_KODU, C.ISLETME_KODU, C.CARI_ISIM, C.CARI_TIP, C.GRUP_KODU,
       C.RAPOR_KODU1, C.RAPOR_KODU2, C.RAPOR_KODU3, C.RAPOR_KODU4, C.RAPOR_KODU5, C.CARI_ADRES,
       C.CARI_IL, C.CARI_ILCE, C.ULKE_KODU, C.POSTAKODU, C.CARI_TEL, C.EMAIL, C.WEB,
       C.VERGI_DAIRESI, C.VERGI_NUMARASI, C.PLASIYER_KODU, C.M_KOD, C.DOVIZ_TIPI, C.VADE_GUNU,
       C.ISKONTO_ORANI, C.KOSULKODU, C.FIYATGRUBU, C.RISK_SINIRI, E.TCKIMLIKNO,
       E.KULL1S, E.KULL2S, E.KULL3S, E.KULL4S, E.KULL5S, E.KULL6S, E.KULL7S, E.KULL8S,
       E.KULL1N, E.KULL2N, E.KULL3N, E.KULL4N, E.KULL5N, E.KULL6N, E.KULL7N, E.KULL8N
FROM TBLCASABIT C WITH (NOLOCK)
LEFT JOIN TBLCASABITEK E WITH (NOLOCK) ON E.CARI_KOD = C.CARI_KOD
WHERE C.CARI_KOD > :after
  AND (:any_code = 1 OR C.CARI_KOD LIKE :code_pattern)
  AND (:any_name = 1 OR C.CARI_ISIM LIKE :name_pattern)
  AND (:any_change = 1 OR C.KAYITTARIHI >= :changed_since OR C.DUZELTMETARIHI >= :changed_since)
  AND (:any_special = 1 OR C.RAPOR_KODU1 = :special_code)
ORDER BY C.CARI_KOD""",
    "product_list": """
SELECT TOP (:limit) S.STOK_KODU, S.SUBE_KODU, S.ISLETME_KODU, S.STOK_ADI, S.GRUP_KODU, S.KOD_1,
       S.KOD_2, S.KOD_3, S.KOD_4, S.KOD_5, S.OLCU_BR1, S.OLCU_BR2, S.OLCU_BR3, S.SATIS_FIAT1,
       S.SATIS_FIAT2, S.SATIS_FIAT3, S.SATIS_FIAT4, S.KDV_ORANI, S.DEPO_KODU, S.BARKOD1,
       S.BARKOD2, S.BARKOD3, S.FIYATKODU, E.INGISIM,
       E.KULL1S, E.KULL2S, E.KULL3S, E.KULL4S, E.KULL5S, E.KULL6S, E.KULL7S, E.KULL8S
FROM TBLSTSABIT S WITH (NOLOCK)
LEFT JOIN TBLSTSABITEK E WITH (NOLOCK) ON E.STOK_KODU = S.STOK_KODU
WHERE S.STOK_KODU > :after
  AND (:any_code = 1 OR S.STOK_KODU LIKE :code_pattern)
  AND (:any_name = 1 OR S.STOK_ADI LIKE :name_pattern)
  AND (:any_change = 1 OR S.KAYITTARIHI >= :changed_since OR S.DUZELTMETARIHI >= :changed_since)
  AND (:any_special = 1 OR S.KOD_1 = :special_code)
ORDER BY S.STOK_KODU""",
    "account_by_code": """
SELECT C.CARI_KOD AS REF, C.CARI_KOD AS CODE
FROM TBLCASABIT C WITH (NOLOCK)
WHERE C.CARI_KOD = :code""",
    "account_by_ref": """
SELECT C.CARI_KOD AS REF, C.CARI_KOD AS CODE
FROM TBLCASABIT C WITH (NOLOCK)
WHERE C.CARI_KOD = :ref""",
    "product_by_code": """
SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE S.STOK_KODU = :code""",
    "product_by_ref": """
SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE S.STOK_KODU = :ref""",
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
    "product_stock": _NETSIS_STOCK.format(units="", unit_join=""),
    "stock_check": _NETSIS_STOCK.format(units=_NETSIS_UNITS, unit_join=_NETSIS_UNIT_JOIN),
    "risk_check": _NETSIS_RISK.format(
        total="\n       dbo.CARISKBUL('E', 'TOP', C.CARI_KOD, :date, 'S', '') AS RISK_TOTAL,"),
    # settings.risk_source 'erp': the limit from SQL, the current risk from ARPs/Risk
    "risk_limit": _NETSIS_RISK.format(total=""),
    "warehouses": """
SELECT D.DEPO_KODU AS NR, D.DEPO_ISMI AS NAME, D.DEPO_KILITLE AS LOCKED
FROM TBLSTOKDP D WITH (NOLOCK)
WHERE D.SUBE_KODU = :branch AND (:all_warehouses = 1 OR D.DEPO_KODU IN (:warehouses))
ORDER BY D.DEPO_KODU""",
    "salesmen": """
SELECT P.PLASIYER_KODU AS CODE, P.PLASIYER_ACIKLAMA AS NAME
FROM TBLCARIPLASIYER P WITH (NOLOCK)
ORDER BY P.PLASIYER_KODU""",
    "quote_document": """
SELECT 'order' AS DOCTYPE, M.FATIRS_NO AS REF, M.FATIRS_NO AS NUMBER, M.TARIH AS DATE,
       E.ACIK2 AS STAMP, M.KAPATILMIS AS STATUS, M.CARI_KODU AS ACCOUNT
FROM TBLSIPAMAS M WITH (NOLOCK)
JOIN TBLFATUEK E WITH (NOLOCK) ON E.SUBE_KODU = M.SUBE_KODU AND E.FKOD = M.FTIRSIP
     AND E.FATIRSNO = M.FATIRS_NO AND E.CKOD = M.CARI_KODU
WHERE E.ACIK1 = :quote AND M.FTIRSIP = '6' AND M.SUBE_KODU = :branch
UNION ALL
SELECT 'dispatch' AS DOCTYPE, M.FATIRS_NO AS REF, M.FATIRS_NO AS NUMBER, M.TARIH AS DATE,
       E.ACIK2 AS STAMP, '' AS STATUS, M.CARI_KODU AS ACCOUNT
FROM TBLFATUIRS M WITH (NOLOCK)
JOIN TBLFATUEK E WITH (NOLOCK) ON E.SUBE_KODU = M.SUBE_KODU AND E.FKOD = M.FTIRSIP
     AND E.FATIRSNO = M.FATIRS_NO AND E.CKOD = M.CARI_KODU
WHERE E.ACIK1 = :quote AND M.FTIRSIP = '3' AND M.SUBE_KODU = :branch
  AND NOT EXISTS (SELECT 1 FROM TBLSTHAR H WITH (NOLOCK)
                  WHERE H.SUBE_KODU = M.SUBE_KODU AND H.FISNO = M.FATIRS_NO
                    AND H.STHAR_CARIKOD = M.CARI_KODU AND H.STHAR_FTIRSIP = '3'
                    AND H.STHAR_SIPNUM <> '')
UNION ALL
SELECT 'quote' AS DOCTYPE, M.FATIRS_NO AS REF, M.FATIRS_NO AS NUMBER, M.TARIH AS DATE,
       E.ACIK2 AS STAMP, '' AS STATUS, M.CARI_KODU AS ACCOUNT
FROM TBLTEKLIFMAS M WITH (NOLOCK)
JOIN TBLFATUEK E WITH (NOLOCK) ON E.SUBE_KODU = M.SUBE_KODU AND E.FKOD = M.FTIRSIP
     AND E.FATIRSNO = M.FATIRS_NO AND E.CKOD = M.CARI_KODU
WHERE E.ACIK1 = :quote AND M.SUBE_KODU = :branch
ORDER BY NUMBER""",
    "order_lines": """
SELECT L.SIRA AS LINE, L.STOK_KODU AS PRODUCT,
       CASE WHEN L.L_YEDEK9 = -1 THEN L.STHAR_GCMIK2 ELSE L.STHAR_GCMIK END AS ORDERED,
       L.FIRMA_DOVTUT AS SHIPPED,
       CASE WHEN L.L_YEDEK9 = -1 THEN L.STHAR_GCMIK2 ELSE L.STHAR_GCMIK END - L.FIRMA_DOVTUT
           AS REMAINING,
       CASE WHEN M.KAPATILMIS = 'K' THEN 1 ELSE 0 END AS CLOSED
FROM TBLSIPATRA L WITH (NOLOCK)
JOIN TBLSIPAMAS M WITH (NOLOCK) ON M.FATIRS_NO = L.FISNO AND M.FTIRSIP = '6'
     AND M.SUBE_KODU = L.SUBE_KODU AND M.CARI_KODU = L.STHAR_ACIKLAMA
WHERE L.FISNO = :number AND L.STHAR_ACIKLAMA = :account AND L.STHAR_HTUR = 'H'
  AND L.STHAR_GCKOD = 'C' AND L.SUBE_KODU = :branch
ORDER BY L.SIRA, L.INCKEYNO""",
    "dispatch_lines": """
SELECT H.INCKEYNO AS LINE, H.STOK_KODU AS PRODUCT, H.STHAR_GCMIK AS ORDERED,
       H.STHAR_GCMIK AS SHIPPED, 0 AS REMAINING, 1 AS CLOSED
FROM TBLSTHAR H WITH (NOLOCK)
WHERE H.FISNO = :number AND H.STHAR_FTIRSIP = '3' AND H.STHAR_CARIKOD = :account
  AND H.SUBE_KODU = :branch
ORDER BY H.INCKEYNO""",
    "quote_lines": """
SELECT L.SIRA AS LINE, L.STOK_KODU AS PRODUCT, L.STHAR_GCMIK AS ORDERED, 0 AS SHIPPED,
       L.STHAR_GCMIK AS REMAINING, 0 AS CLOSED
FROM TBLTEKLIFTRA L WITH (NOLOCK)
WHERE L.FISNO = :number AND L.SUBE_KODU = :branch
ORDER BY L.SIRA, L.INCKEYNO""",
    "quote_products": """
SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.OLCU_BR1 AS UNIT, 1 AS UNIT_NO
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE (S.STOK_KODU IN (:refs) OR S.STOK_KODU IN (:codes))
UNION ALL
SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.OLCU_BR2 AS UNIT, 2 AS UNIT_NO
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE (S.STOK_KODU IN (:refs) OR S.STOK_KODU IN (:codes)) AND S.OLCU_BR2 <> ''
UNION ALL
SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.OLCU_BR3 AS UNIT, 3 AS UNIT_NO
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE (S.STOK_KODU IN (:refs) OR S.STOK_KODU IN (:codes)) AND S.OLCU_BR3 <> ''
ORDER BY CODE, UNIT_NO""",
    # the VAT rate of a line sent without STra_KDV: the stock card's KDV_ORANI (F32)
    "product_vat": """
SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.KDV_ORANI AS VAT
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE S.STOK_KODU IN (:refs) OR S.STOK_KODU IN (:codes)""",
    "account_codes": """
SELECT TOP (:limit) C.CARI_KOD AS CODE
FROM TBLCASABIT C WITH (NOLOCK)
WHERE C.CARI_KOD LIKE :pattern
ORDER BY LEN(C.CARI_KOD) DESC, C.CARI_KOD DESC""",
    "product_codes": """
SELECT TOP (:limit) S.STOK_KODU AS CODE
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE S.STOK_KODU LIKE :pattern
ORDER BY LEN(S.STOK_KODU) DESC, S.STOK_KODU DESC""",
}

DEFAULTS: dict[str, dict[str, str]] = {"logo": LOGO, "netsis": NETSIS}


def default_sql(erp: str, name: StatementName) -> str:
    return DEFAULTS["logo" if erp in ("tiger", "go") else "netsis"][name].strip()


def statement_sql(integration_set: IntegrationSet, name: StatementName) -> str:
    """The set's own statement when it defines one, else the default for its ERP kind."""
    override: str | None = getattr(integration_set.sql, name, None)
    return override if override else default_sql(integration_set.erp, name)
