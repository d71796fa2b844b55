"""Turkish case-insensitive search (N7, F12, F19): the LIKE pattern is a superset, the Python
filter is exact; and the XML row format (golden)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from integrator.api.render import rows_text
from integrator.services.text import like_pattern, matches, turkish_fold
from integrator.sql.driver import SHOWN_TURKISH, break_turkish, repair_turkish
from integrator.sql.driver import TURKISH as TURKISH_LETTERS
from integrator.sql.results import Column, Result

GOLDEN = Path(__file__).parent.parent / "golden"


def _like(pattern: str, text: str) -> bool:
    """LIKE as the engines evaluate it here: ASCII case-insensitive, % and _ wildcards."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, flags=re.DOTALL | re.ASCII | re.IGNORECASE) is not None


@pytest.mark.parametrize(("query", "name", "found"), [
    ("ışık", "İSTANBUL IŞIK AYDINLATMA", True),
    ("IŞIK", "ışıklar", True),
    ("isık", "IŞIK", False),            # i is not ı
    ("iğdir", "IĞDIR", False),          # i is not I in Turkish
    ("ığdır", "IĞDIR İNŞAAT", True),
    ("istanbul", "İSTANBUL", True),
    ("şişli", "ŞİŞLİ GIDA", True),
    ("ŞİŞLİ", "şişli gıda", True),
    ("gida", "ŞİŞLİ GIDA", False),      # GIDA folds to gıda
    ("gıda", "ŞİŞLİ GIDA", True),
    ("çay", "SİYAH ÇAY RİZE", True),
])
def test_turkish_matching(query: str, name: str, found: bool) -> None:
    assert (matches(query, None, name) == "name") is found


def test_code_prefix_match() -> None:
    assert matches("120.02", "120.02.0001", "X") == "code"
    assert matches("çay", "ÇAY00012", "X") == "code"
    assert matches("02.0001", "120.02.0001", "X") is None


def test_fold() -> None:
    assert turkish_fold("IĞDIR İSTANBUL") == "ığdır istanbul"


TURKISH = "abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ0123456789 .-%_'"


@given(st.text(alphabet=TURKISH, min_size=1, max_size=8),
       st.text(alphabet=TURKISH, max_size=10), st.text(alphabet=TURKISH, max_size=10))
def test_like_pattern_is_a_superset_of_turkish_matches(query: str, before: str, after: str) -> None:
    """Whenever the exact Turkish rule says 'name contains query', the SQL pattern matches too."""
    variants = [query, query.upper(), query.lower(),
                query.replace("i", "İ").replace("ı", "I").upper()]
    for shown in variants:
        name = before + shown + after
        if matches(query, None, name) == "name":
            assert _like("%" + like_pattern(query) + "%", name)
        if matches(query, name, None) == "code":
            assert _like(like_pattern(query) + "%", name)


def test_mojibake_repair_is_exactly_six_letters() -> None:
    stored = "ŞİŞLİ ığdır ĞÜÇÖ".encode("cp1254").decode("cp1252")
    assert stored == "ÞÝÞLÝ ýðdýr ÐÜÇÖ"
    assert repair_turkish(stored) == "ŞİŞLİ ığdır ĞÜÇÖ"
    assert repair_turkish("ÝÞÐýþð") == "İŞĞışğ"


@given(st.text(alphabet=TURKISH + SHOWN_TURKISH + TURKISH_LETTERS + "ÇÖÜçöüÂâ\u00e9\u20ac"))
def test_turkish_repair_is_the_six_letter_table(text: str) -> None:
    """The repair and its reverse are exactly the simultaneous six-letter mapping (replace calls
    chained for speed give what one ``str.translate`` of the table gives)."""
    assert repair_turkish(text) == text.translate(str.maketrans(SHOWN_TURKISH, TURKISH_LETTERS))
    assert break_turkish(text) == text.translate(str.maketrans(TURKISH_LETTERS, SHOWN_TURKISH))
    assert break_turkish(repair_turkish(text)) == text.translate(
        str.maketrans(TURKISH_LETTERS, SHOWN_TURKISH))


def test_row_format_golden() -> None:
    result = Result(
        (Column("REF", "int"), Column("CODE", "string"), Column("NAME", "string"),
         Column("BALANCE", "decimal"), Column("RATE", "float"), Column("DATE", "datetime"),
         Column("DAY", "date"), Column("EMAIL", "string"), Column("ACTIVE", "bool"),
         Column("BLOB", "binary")),
        [(4711, "120.01.001", "ŞİŞLİ GIDA A.Ş.", Decimal("1250.50"), 0.1,
          datetime(2026, 3, 1, 14, 30), date(2026, 3, 1), "", True, b"\x00\x01"),
         (4712, "120.01.002", "bad\x01char", Decimal("-1E+2"), None, None, None, None, False,
          None)],
        truncated=True)
    text = rows_text(result, link=True)
    golden = GOLDEN / "sql_rows.xml"
    if not golden.exists():
        golden.write_text(etree.tostring(etree.fromstring(text), pretty_print=True,
                                         encoding="unicode"), encoding="utf-8")
    # the golden file is lxml's pretty print of the answer (no value here holds a line break)
    assert text == re.sub(r">\n *<", "><", golden.read_text(encoding="utf-8")).strip()
