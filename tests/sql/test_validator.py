"""The read-only validator (F4, N9): the 33 statements of research/odbc-setup.md §5, classified
exactly as listed there, property tests, and real-world report queries."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrator.sql.validator import TSQL, analyse, validate

READ, REJECT = True, False

# (statement, accepted, a fragment of the reason) - the table of odbc-setup.md §5, in its order
RESEARCH_TABLE: list[tuple[str, bool, str]] = [
    ("SELECT TOP 10 c.id, ISNULL(c.bakiye, 0) AS bakiye FROM dbo.cari AS c WITH (NOLOCK) "
     "WHERE c.unvan LIKE ? ORDER BY c.id", READ, "read-only SELECT"),
    ("WITH son AS (SELECT cari_id, MAX(tarih) AS t FROM dbo.hareket GROUP BY cari_id) "
     "SELECT c.unvan, s.t FROM dbo.cari c JOIN son s ON s.cari_id = c.id", READ, "read-only SELECT"),
    ("UPDATE dbo.cari SET bakiye = 0 WHERE id = ?", REJECT, "UPDATE"),
    ("SELECT * INTO #t FROM dbo.cari", REJECT, "INTO"),
    ("EXEC sp_x", REJECT, "EXEC"),
    ("SELECT 1; DELETE FROM x", REJECT, "more than one statement"),
    ("SELECT 1;", READ, "read-only SELECT"),
    ("SELECT 1 DELETE FROM x", REJECT, "DELETE"),
    ("SELECT 1 UNION ALL SELECT 2", READ, "read-only SELECT"),
    ("(SELECT id FROM dbo.cari)", READ, "read-only SELECT"),
    ("SELECT [Delete], N'DELETE FROM x' AS s, \"update\" FROM t /* DELETE */ -- ; DROP TABLE t",
     READ, "read-only SELECT"),
    ("SELECT id FROM dbo.cari ORDER BY id OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY", READ,
     "read-only SELECT"),
    ("SELECT TOP (?) WITH TIES id FROM dbo.cari ORDER BY bakiye DESC", READ, "read-only SELECT"),
    ("SELECT c.id, x.n FROM dbo.cari c CROSS APPLY (SELECT COUNT(*) AS n FROM dbo.hareket h "
     "WHERE h.cari_id = c.id) x", READ, "read-only SELECT"),
    ("SELECT CONVERT(varchar(10), tarih, 104), CAST(bakiye AS decimal(18,2)), "
     "ROW_NUMBER() OVER (ORDER BY id) FROM dbo.cari", READ, "read-only SELECT"),
    ("SELECT id FROM dbo.cari WITH (UPDLOCK, HOLDLOCK) WHERE id = 1", REJECT, "UPDLOCK, HOLDLOCK"),
    ("WITH d AS (SELECT 1 AS a) DELETE FROM x", REJECT, "DELETE"),
    ("WITH d AS (SELECT 1 AS a) SELECT * INTO y FROM d", REJECT, "INTO"),
    ("EXEC sp_executesql N'SELECT 1'", REJECT, "EXEC"),
    ("EXECUTE('DELETE FROM x')", REJECT, "EXECUTE"),
    ("DECLARE @x INT; SELECT @x", REJECT, "more than one statement"),
    ("SELECT NEXT VALUE FOR dbo.seq", REJECT, "NEXT VALUE FOR"),
    ("SELECT * FROM OPENQUERY(LINKED, 'DELETE FROM x')", REJECT, "OPENQUERY"),
    ("SELECT * FROM OPENROWSET('SQLNCLI', 'Server=x;', 'SELECT 1') AS r", REJECT, "OPENROWSET"),
    ("WAITFOR DELAY '00:00:10'", REJECT, "WAITFOR"),
    ("SET NOCOUNT ON; SELECT 1", REJECT, "more than one statement"),
    ("SELECT 1\nGO\nDROP TABLE x", REJECT, "GO"),
    ("INSERT INTO x SELECT 1", REJECT, "INSERT"),
    ("MERGE x USING y ON x.id = y.id WHEN MATCHED THEN DELETE;", REJECT, "MERGE"),
    ("SELECT id FROM dbo.cari FOR XML PATH('r')", READ, "read-only SELECT"),
    ("SELECT * FROM dbo.cari WHERE unvan = 'O''Brien; DELETE FROM x'", READ, "read-only SELECT"),
    ("TRUNCATE TABLE x", REJECT, "TRUNCATE"),
    ("", REJECT, "empty"),
]


def test_research_table_has_33_statements() -> None:
    assert len(RESEARCH_TABLE) == 33


@pytest.mark.parametrize(("sql", "accepted", "reason"), RESEARCH_TABLE,
                         ids=[f"{i:02d}" for i in range(1, 34)])
def test_research_classification_f4(sql: str, accepted: bool, reason: str) -> None:
    verdict = validate(sql)
    assert verdict.accepted is accepted, verdict.reason
    assert reason in verdict.reason
    # a reason is a sentence, not a class name
    assert " " in verdict.reason


REAL_WORLD = [
    # Tiger: balance from the totals view (Sefaekin, research/logo-tiger.md §4.4)
    """SELECT CLD.CODE, CLD.DEFINITION_, SUM(CLT.DEBIT) AS BORC, SUM(CLT.CREDIT) AS ALACAK,
           SUM(CLT.DEBIT - CLT.CREDIT) AS BAKIYE
       FROM LV_001_01_CLTOTFIL CLT JOIN LG_001_CLCARD CLD ON CLT.CARDREF = CLD.LOGICALREF
       WHERE CLT.TOTTYP = 1 GROUP BY CLD.CODE, CLD.DEFINITION_""",
    # statement with CONVERT style 104 and CASE
    """SELECT CONVERT(VARCHAR, TR.DATE_, 104) AS TARIH, TR.TRANNO,
              CASE TR.SIGN WHEN 0 THEN TR.AMOUNT ELSE 0 END AS BORC,
              CASE WHEN TR.SIGN = 1 THEN TR.AMOUNT ELSE 0 END AS ALACAK
       FROM LG_FFF_PP_CLFLINE TR WITH (NOLOCK)
       WHERE TR.CLIENTREF = @ref AND TR.CANCELLED = 0 ORDER BY TR.DATE_""",
    # stock per warehouse on the LV_ view with a left join
    """SELECT I.CODE, I.NAME, T.INVENNO, W.NAME AS AMBAR, SUM(T.ONHAND) AS ONHAND
       FROM LV_FFF_PP_STINVTOT T JOIN LG_FFF_ITEMS I ON I.LOGICALREF = T.STOCKREF
       LEFT JOIN L_CAPIWHOUSE W ON W.NR = T.INVENNO AND W.FIRMNR = 1
       WHERE T.INVENNO > -1 AND I.ACTIVE = 0 GROUP BY I.CODE, I.NAME, T.INVENNO, W.NAME""",
    # price card with TOP 1, GETDATE, BETWEEN
    """SELECT TOP 1 P.PRICE, P.CURRENCY, P.INCVAT FROM LG_FFF_PRCLIST P
       WHERE P.CARDREF = :itemRef AND P.PTYPE = 2 AND P.ACTIVE = 0
         AND GETDATE() BETWEEN P.BEGDATE AND P.ENDDATE ORDER BY P.PRIORITY, P.BEGDATE DESC""",
    # Netsis with dbo.TRK and NOLOCK, GROUP BY
    """SELECT C.CARI_KOD, dbo.TRK(C.CARI_ISIM) AS CARI_ISIM, SUM(H.BORC) - SUM(H.ALACAK) AS BAKIYE
       FROM TBLCASABIT C WITH (NOLOCK) LEFT JOIN TBLCAHAR H WITH (NOLOCK) ON H.CARI_KOD = C.CARI_KOD
       WHERE C.CARI_KOD = :ref GROUP BY C.CARI_KOD, C.CARI_ISIM""",
    # CTE + window function + OUTER APPLY
    """WITH last_orders AS (
         SELECT O.CLIENTREF, O.DATE_, O.NETTOTAL,
                ROW_NUMBER() OVER (PARTITION BY O.CLIENTREF ORDER BY O.DATE_ DESC) AS RN
         FROM LG_FFF_PP_ORFICHE O WITH (NOLOCK) WHERE O.CANCELLED = 0)
       SELECT C.CODE, L.DATE_, L.NETTOTAL, X.CNT
       FROM LG_FFF_CLCARD C
       JOIN last_orders L ON L.CLIENTREF = C.LOGICALREF AND L.RN = 1
       OUTER APPLY (SELECT COUNT(*) AS CNT FROM LG_FFF_PP_ORFLINE F WHERE F.CLIENTREF = C.LOGICALREF) X""",
    # FOR XML PATH string aggregation with STUFF
    """SELECT C.CODE, STUFF((SELECT ',' + W.NAME FROM L_CAPIWHOUSE W WHERE W.FIRMNR = 1
                             FOR XML PATH('')), 1, 1, '') AS AMBARLAR FROM LG_FFF_CLCARD C""",
    # IIF, DATEADD, COALESCE, subquery in WHERE, UNION
    """SELECT S.STOK_KODU, IIF(P.TOP_GIRIS_MIK > P.TOP_CIKIS_MIK, 'VAR', 'YOK') AS DURUM
       FROM TBLSTSABIT S JOIN TBLSTOKPH P ON P.STOK_KODU = S.STOK_KODU
       WHERE P.DEPO_KODU IN (SELECT DEPO_KODU FROM TBLSTOKDP WHERE DEPO_KILITLE = 'H')
         AND S.KAYITTARIHI > DATEADD(day, -30, GETDATE())
       UNION SELECT 'TOPLAM', COALESCE(NULL, 'x')""",
    # the LG_INTTOTIME function Logo ships, and a CROSS APPLY
    """SELECT F.FICHENO, dbo.LG_INTTOTIME(F.TIME_) AS SAAT, L.AMOUNT
       FROM LG_FFF_PP_ORFICHE F CROSS APPLY (SELECT TOP 1 AMOUNT FROM LG_FFF_PP_ORFLINE
                                             WHERE ORDFICHEREF = F.LOGICALREF) L""",
    "SELECT X.SEKTOR FROM LG_XT001_FFF X WITH (READUNCOMMITTED) WHERE X.PARLOGREF = @ref",
]


@pytest.mark.parametrize("sql", REAL_WORLD)
def test_real_world_report_queries_are_accepted_f14(sql: str) -> None:
    verdict = validate(sql)
    assert verdict.accepted, verdict.reason


@pytest.mark.parametrize("sql", [
    "SELECT 1 FROM t WITH (TABLOCKX)",
    "SELECT a FROM t UPDATE t SET a = 1",
    "SELECT a FROM t DROP TABLE t",
    "SELECT 1 EXEC sp_x",
    "SELECT 1 /* unterminated",
    "BEGIN TRAN",
    "SELECT 'unterminated",
    "DELETE x",
    "GRANT SELECT ON t TO u",
])
def test_rejected_extras(sql: str) -> None:
    assert not validate(sql).accepted


def test_verdicts_are_cached_by_text() -> None:
    sql = "SELECT 42 AS cached_answer"
    assert analyse(sql) is analyse(sql)


ACCEPTED_BASES = [s for s, ok, _ in RESEARCH_TABLE if ok and s.strip()] + REAL_WORLD

WRITE_PAYLOADS = [
    "DELETE FROM x", "delete x", "INSERT INTO x VALUES (1)", "UPDATE x SET a = 1", "DROP TABLE x",
    "TRUNCATE TABLE x", "EXEC sp_x", "execute('x')", "MERGE x USING y ON 1 = 1", "CREATE TABLE y (a int)",
    "ALTER TABLE x ADD b int", "GRANT ALL ON x TO u", "WAITFOR DELAY '0:0:5'", "DECLARE @a int",
    "SET NOCOUNT ON", "BEGIN TRAN", "COMMIT", "ROLLBACK", "SELECT 1 INTO #z", "; SELECT 1",
    "; DELETE FROM x", "GO", "DBCC CHECKDB", "SHUTDOWN", "KILL 52", "BULK INSERT x FROM 'f'",
    "USE master", "BACKUP DATABASE x TO DISK='f'",
]


def _boundaries(sql: str) -> list[int]:
    """Offsets between two tokens: inserting there never lands inside a literal or a comment."""
    tokens = TSQL.tokenize(sql)
    return sorted({t.end + 1 for t in tokens} | {0})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_inserting_a_write_or_a_second_statement_is_never_accepted_f4(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(ACCEPTED_BASES))
    payload = data.draw(st.sampled_from(WRITE_PAYLOADS))
    if data.draw(st.booleans()):
        payload = "".join(c.lower() if data.draw(st.booleans()) else c.upper() for c in payload)
    where = data.draw(st.sampled_from(_boundaries(base)))
    glue = data.draw(st.sampled_from([" ", "\n", "\t", " ; ", "/**/", "\r\n"]))
    mutated = base[:where] + glue + payload + glue + base[where:]
    assert not validate(mutated).accepted, mutated


@pytest.mark.parametrize("sql", [
    "SELECT D.DATE_ FROM LG_FFF_PP_CLFLINE D WHERE D.DATE_ BETWEEN :from AND :to",
    "SELECT D.DATE_ FROM LG_FFF_PP_CLFLINE D WHERE D.DATE_ >= :from AND D.DATE_ < :to",
    "SELECT 1 AS X FROM T WHERE A = :select OR B = :order OR C = @set OR D = :Update",
])
def test_parameter_names_that_are_keywords_are_parameters_f4(sql: str) -> None:
    assert validate(sql).accepted, validate(sql).reason


@pytest.mark.parametrize("sql", [
    "SELECT 1 @UPDATE T SET A = 1",                      # the SET after it is still a keyword
    "SELECT 1 AS X FROM T WHERE A = :from; DELETE FROM T",
    "SELECT 1 AS X FROM T WHERE A = ':from' UPDATE T SET A = 1",
])
def test_keyword_parameters_hide_no_write_f4(sql: str) -> None:
    assert not validate(sql).accepted
