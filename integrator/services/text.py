"""Turkish text rules of the searches and bulk filters (N7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal


def turkish_fold(text: str) -> str:
    """Case folding with Turkish rules: I/ı and İ/i are pairs; everything else as Unicode."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def like_pattern(query: str) -> str:
    """A LIKE pattern that matches a superset of the Turkish case-insensitive matches of ``query``.

    ASCII letters and digits stay (the engine's case-insensitive LIKE handles ASCII case); every
    letter whose case differs under Turkish rules (i, I, ı, İ) and every other non-ASCII or LIKE
    special character becomes ``_`` (any one character). The exact Turkish filter runs in Python.
    """
    out = []
    for ch in query:
        if ch in "iIıİ" or not ch.isascii() or ch in "%_[]^\\'":
            out.append("_")
        else:
            out.append(ch)
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
