"""The code template's pure parts (F15, F22): the LIKE pattern of its shape and the numbers of the
codes it made. The next-code search through the ERP database: tests/services/test_quotes.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrator.services.codes import Template


@pytest.mark.parametrize(("text", "pattern", "mssql"), [
    ("120.99.{n:05d}", "120.99._____%", "120.99._____%"),
    ("120.99.{n}", "120.99._%", "120.99._%"),
    ("{n:06d}-M", "______%-M", "______%-[Mm]"),
    ("ŞB{n:03d}", "_B___%", "[Şş][Bb]___%"),
    ("K_{n}", "K__%", "[Kk\u212a][_]_%"),
])
def test_the_pattern_of_a_templates_shape(text: str, pattern: str, mssql: str) -> None:
    assert Template.parse(text).pattern("sqlite") == Template.parse(text).pattern("postgres") \
        == pattern
    assert Template.parse(text).pattern("mssql") == mssql


@pytest.mark.parametrize(("text", "code", "number"), [
    ("120.99.{n:05d}", "120.99.00042", 42),
    ("120.99.{n:05d}", "120.99.123456", 123456),  # past the width
    ("120.99.{n:05d}", "120.99.042", None),       # another width: not the template's
    ("120.99.{n:05d}", "120.99.0000042", None),
    ("120.99.{n}", "120.99.1000", 1000),
    ("120.99.{n}", "120.99.07", None),            # a leading zero: not the template's
    ("120.99.{n}", "120.98.7", None),
    ("{n:03d}-M", "007-M", 7),
    ("{n:03d}-M", "007-MX", None),
])
def test_a_code_is_the_templates_only_as_it_would_write_it(text: str, code: str,
                                                           number: int | None) -> None:
    assert Template.parse(text).number_of(code) == number


@given(st.sampled_from(["120.99.{n:05d}", "120.99.{n}", "C{n:03d}X", "{n:02d}"]),
       st.integers(min_value=0, max_value=10**8), st.integers(min_value=0, max_value=10**8))
def test_longer_then_higher_is_the_order_of_the_numbers(text: str, a: int, b: int) -> None:
    """The statement orders codes longest first, then highest first as text: for the codes a
    template made that is the order of their numbers, so the first one it made is its highest.
    Every such code matches the template's pattern (SQL ``LIKE`` on the ASCII templates)."""
    template = Template.parse(text)
    first, second = template.format(a), template.format(b)
    assert template.number_of(first) == a
    by_sql = sorted([first, second], key=lambda code: (len(code), code), reverse=True)
    assert template.number_of(by_sql[0]) == max(a, b)
    like = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
                   for ch in template.pattern("sqlite"))
    assert re.fullmatch(like, first, re.IGNORECASE | re.DOTALL)
