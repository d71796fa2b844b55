"""Turkish text rules of the searches and bulk filters (N7)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

from integrator.config import DbEngine


def turkish_fold(text: str) -> str:
    """Case folding with Turkish rules: I/ı and İ/i are pairs; everything else as Unicode."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def like_pattern(query: str, engine: DbEngine) -> str:
    """A LIKE pattern that matches a superset of the Turkish case-insensitive matches of
    ``query`` on the set's database ``engine``; the exact Turkish filter runs in Python.

    SQLite and PostgreSQL: ASCII letters and digits stay (SQLite's ``LIKE`` and PostgreSQL's
    ``ILIKE`` fold ASCII case); every letter whose case differs under Turkish rules (i, I, ı, İ)
    and every other non-ASCII or LIKE special character becomes ``_`` (any one character). A
    query of Turkish letters then makes a weak pattern (``şişli`` -> ``___l_``) that most rows
    match, and the search reads on through them.

    SQL Server (``mssql``, the ERPs' engine): ``LIKE`` takes character classes, so a letter
    becomes the class of every character that folds to the same letter under the Turkish rule
    (``şişli`` -> ``[şŞ][iİ][şŞ][lL][iİ]``): the pattern matches exactly the rows whose text
    holds the query letter for letter under that rule, whatever the column's collation (a
    case-sensitive one included). ``%``, ``_`` and ``[`` stand for themselves (``[%]``); other
    ASCII characters without case stay, but for the apostrophe and the backslash; the rest
    becomes ``_``. With ``database.repair_turkish`` the
    engine sends the pattern as the database holds the text (``[şŞ]`` -> ``[þÞ]``), as it does
    every parameter.
    """
    if engine == "mssql":
        return _mssql_pattern(query)
    out = []
    for ch in query:
        if ch in "iIıİ" or not ch.isascii() or ch in "%_[]^\\'":
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)


# The letters SQL Server patterns spell out as classes: ASCII's, Turkish's and the circumflexed
# vowels of Turkish spelling (Kâğıt, Hâkim). Other letters become ``_`` (their case rules are
# not all one character to one character, e.g. the Greek final sigma).
CLASS_LETTERS = "abcdefghijklmnopqrstuvwxyzçğıöşüâîû"


@functools.cache
def case_forms() -> dict[str, str]:
    """For each of ``CLASS_LETTERS``, every character that ``turkish_fold`` makes it (the
    Basic Multilingual Plane, where all characters that fold to these letters are: ``k`` has
    the Kelvin sign, ``i`` has ``İ``, ``ı`` has ``I``); read once, on the first SQL Server
    search."""
    forms: dict[str, list[str]] = {letter: [] for letter in CLASS_LETTERS}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters
            continue
        character = chr(code)
        found = forms.get(turkish_fold(character))
        if found is not None:
            found.append(character)
    return {letter: "".join(characters) for letter, characters in forms.items()}


def _mssql_pattern(query: str) -> str:
    forms = case_forms()
    out = []
    for ch in query:
        form = forms.get(turkish_fold(ch))
        if form is not None:
            out.append(f"[{form}]")
        elif ch in "%_[":
            out.append(f"[{ch}]")
        elif ch.isascii() and ch not in "'\\":
            out.append(ch)  # digits, spaces, punctuation: no case, and no meaning in LIKE
        else:
            out.append("_")
    return "".join(out)


Match = Literal["code", "name"]


def matcher(query: str) -> Callable[[Any, Any], Match | None]:
    """``matches`` for one query over many rows: the query folded once."""
    folded = turkish_fold(query)

    def match(code: Any, name: Any) -> Match | None:
        if code is not None and turkish_fold(str(code)).startswith(folded):
            return "code"
        if name is not None and folded in turkish_fold(str(name)):
            return "name"
        return None

    return match


def matches(query: str, code: Any, name: Any) -> Match | None:
    """How a row matches a search: its code starts with the query, or its name contains it."""
    return matcher(query)(code, name)


def page_filter(code: str | None, name: str | None) -> Callable[[Any, Any], bool]:
    """A filtered bulk read's exact rule, its parts folded once: the code starts with ``code``
    and the name contains ``name`` (a part not given is no condition)."""
    code_part = turkish_fold(code) if code else None
    name_part = turkish_fold(name) if name else None

    def keep(row_code: Any, row_name: Any) -> bool:
        if code_part and (row_code is None
                          or not turkish_fold(str(row_code)).startswith(code_part)):
            return False
        return not (name_part and (row_name is None
                                   or name_part not in turkish_fold(str(row_name))))

    return keep
