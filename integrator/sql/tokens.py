"""Firm/period table tokens (F1): ``LG_FFF_*``, ``LG_FFF_PP_*``, ``LV_FFF_PP_*`` (and ``LV_FFF_*``)
and ``LG_XT<nnn>_FFF`` become the set's real tables, e.g. ``LG_001_CLCARD``, ``LG_001_01_CLFLINE``,
``LV_001_01_GNTOTST``, ``LG_XT001_001``.

The rewrite works on the ``exp.Table`` nodes of the parsed tree, never on the SQL text, so a token
inside a string literal, a column name or a comment is left alone and nothing can be injected.
"""

from __future__ import annotations

import re

from sqlglot import exp

from integrator.errors import SqlRejected

_FIRM_TABLE = re.compile(r"^(?P<kind>LG|LV)_FFF(?P<pp>_PP)?_(?P<rest>[A-Za-z0-9_]+)$", re.IGNORECASE)
_XT_TABLE = re.compile(r"^LG_XT(?P<nnn>\d{3})_FFF$", re.IGNORECASE)


def is_token(name: str) -> bool:
    return bool(_FIRM_TABLE.match(name) or _XT_TABLE.match(name))


def resolve_name(name: str, firm_code: str | None, period_code: str | None) -> str:
    """The real table name for one (possibly tokenised) table name."""
    xt = _XT_TABLE.match(name)
    if xt:
        if firm_code is None:
            raise SqlRejected(f"table {name} needs a firm: table tokens work on Tiger/Go sets only")
        return f"LG_XT{xt.group('nnn')}_{firm_code}"
    match = _FIRM_TABLE.match(name)
    if not match:
        return name
    if firm_code is None:
        raise SqlRejected(f"table {name} needs a firm: table tokens work on Tiger/Go sets only")
    kind, rest = match.group("kind").upper(), match.group("rest")
    if match.group("pp"):
        if period_code is None:
            raise SqlRejected(f"table {name} needs a period, and the set has none")
        return f"{kind}_{firm_code}_{period_code}_{rest}"
    return f"{kind}_{firm_code}_{rest}"


def rewrite_tokens(tree: exp.Expr, firm_code: str | None,
                   period_code: str | None) -> exp.Expr:
    """Rewrite every token table in ``tree`` in place and return it."""
    for table in tree.find_all(exp.Table):
        identifier = table.this
        if not isinstance(identifier, exp.Identifier):
            continue
        name = str(identifier.this)
        real = resolve_name(name, firm_code, period_code)
        if real != name:
            table.set("this", exp.Identifier(this=real, quoted=identifier.quoted))
    return tree
