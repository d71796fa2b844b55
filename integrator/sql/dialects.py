"""T-SQL -> the engine the set's database runs on (F1, N8).

Set SQL is written in T-SQL, as customers write it for MS SQL. The demo and the tests run the same
statements on SQLite and PostgreSQL; sqlglot transpiles them, and this module handles the traps of
research/odbc-setup.md §5 on top:

* ``dbo.`` (and any catalog/schema prefix) is dropped: in SQLite ``dbo.x`` means an attached
  database, in PostgreSQL a schema that does not exist;
* table hints (``WITH (NOLOCK)``) are dropped; neither engine has them;
* ``N'text'`` becomes ``'text'`` (SQLite has no national string literals);
* ``YEAR()``, ``MONTH()``, ``DAY()`` and ``DATEPART()`` become ``strftime`` on SQLite;
* string ``+`` becomes ``||``: in a chain of ``+`` where any operand is a string literal, a string
  parameter, a CAST/CONVERT to a character type or already a concatenation, every ``+`` of the
  chain concatenates (T-SQL's own rule needs column types, which a transpiler does not have);
* ``LIKE`` becomes ``ILIKE`` on PostgreSQL: ERP databases run case-insensitive collations
  (Turkish_CI_AS), where ``LIKE`` ignores case; SQLite's ``LIKE`` already ignores ASCII case;
* placeholders stay ``?`` (sqlglot writes ``%s`` for PostgreSQL): the compiler puts markers in
  the tree and turns them into ``?`` after generation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlglot import exp

from integrator.config import DbEngine

SQLGLOT_DIALECT: dict[str, str] = {"mssql": "tsql", "sqlite": "sqlite", "postgres": "postgres"}

_CHAR_TYPES = {exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR, exp.DataType.Type.CHAR,
               exp.DataType.Type.NCHAR, exp.DataType.Type.TEXT}


def _is_stringy(node: exp.Expr, str_markers: Collection[str]) -> bool:
    if isinstance(node, exp.Literal):
        return bool(node.is_string)
    if isinstance(node, exp.National | exp.DPipe | exp.Concat):
        return True
    if isinstance(node, exp.Var):
        return str(node.this) in str_markers
    if isinstance(node, exp.Cast):
        return node.to.this in _CHAR_TYPES
    if isinstance(node, exp.Paren):
        return _is_stringy(node.this, str_markers)
    return False


def _add_chain(node: exp.Expr) -> list[exp.Expr]:
    """The operands of a left- or right-nested chain of ``+``."""
    if isinstance(node, exp.Add):
        return _add_chain(node.this) + _add_chain(node.expression)
    return [node]


def _concat(operands: list[exp.Expr]) -> exp.Expr:
    result = operands[0]
    for operand in operands[1:]:
        result = exp.DPipe(this=result, expression=operand, safe=True)
    return result


def _fix_concat(str_markers: Collection[str]) -> Callable[[exp.Expr], exp.Expr]:
    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Add) and not isinstance(node.parent, exp.Add):
            operands = _add_chain(node)
            if any(_is_stringy(o, str_markers) for o in operands):
                return _concat(operands)
        return node

    return fix


def _strip_schema_and_hints(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Table):
        for arg in ("db", "catalog", "hints"):
            if node.args.get(arg):
                node.set(arg, None)
    if isinstance(node, exp.Column) and node.args.get("db"):
        node.set("db", None)  # dbo.T.COL
        node.set("catalog", None)
    return node


def _plain_strings(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.National):  # N'text' is T-SQL; SQLite does not know it
        return exp.Literal.string(str(node.this))
    return node


_STRFTIME = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d", "HOUR": "%H", "MINUTE": "%M",
             "SECOND": "%S", "YY": "%Y", "YYYY": "%Y", "MM": "%m", "M": "%m", "DD": "%d", "D": "%d",
             "HH": "%H", "MI": "%M", "SS": "%S"}


def _sqlite_date_parts(node: exp.Expr) -> exp.Expr:
    """YEAR(x), MONTH(x), DAY(x), DATEPART(unit, x): SQLite has strftime only."""
    unit: str | None = None
    value: exp.Expr | None = None
    if isinstance(node, exp.Year | exp.Month | exp.Day):
        unit, value = type(node).__name__.upper(), node.this
    elif isinstance(node, exp.Extract):
        unit, value = str(node.this.name).upper(), node.expression
    if unit is None or value is None or unit not in _STRFTIME:
        return node
    if isinstance(value, exp.TsOrDsToDate):
        value = value.this
    strftime = exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string(_STRFTIME[unit]),
                                                           value])
    return exp.Cast(this=strftime, to=exp.DataType.build("INTEGER"))


def _like_to_ilike(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Like):
        return exp.ILike(this=node.this, expression=node.expression)
    return node


def adapt(tree: exp.Expr, engine: DbEngine, str_markers: Collection[str]) -> exp.Expr:
    """The tree rewritten for ``engine`` (in place where possible; returns the new root)."""
    if engine == "mssql":
        return tree
    tree = tree.transform(_strip_schema_and_hints, copy=False)
    tree = tree.transform(_fix_concat(str_markers), copy=False)
    tree = tree.transform(_plain_strings, copy=False)
    if engine == "sqlite":
        tree = tree.transform(_sqlite_date_parts, copy=False)
    if engine == "postgres":
        tree = tree.transform(_like_to_ilike, copy=False)
    return tree


def generate(tree: exp.Expr, engine: DbEngine) -> str:
    return tree.sql(dialect=SQLGLOT_DIALECT[engine])
