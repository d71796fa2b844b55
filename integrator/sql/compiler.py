"""One compile step: validate -> table tokens -> parameters -> dialect, cached.

``compile_sql(sql, engine=…, firm_code=…, period_code=…, shape=…)`` is pure and cached per
(text, engine, firm, period, parameter shape). The result carries the final SQL with ``?``
placeholders, which parameter goes into which ``?``, and the names the query selects (to restore
identifier case on engines that fold it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlglot import exp

from integrator.config import DbEngine, IntegrationSet
from integrator.config import firm_code as zero_padded_firm
from integrator.config import period_code as zero_padded_period
from integrator.errors import Detail, SqlRejected
from integrator.sql import dialects, params, tokens, validator

_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_MARK_OPEN}(\\d+){_MARK_CLOSE}")


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement ready to run on one engine."""

    sql: str                                   # final SQL, ``?`` placeholders
    order: tuple[tuple[str, int | None], ...]  # per ``?``: parameter name, index in a list value
    columns: tuple[str, ...]                   # selected names ("*" where unknown)
    tree: exp.Expr                       # the engine-dialect tree (result typing on SQLite)
    engine: DbEngine
    parameter_names: frozenset[str] = field(init=False)  # the names in ``order``

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameter_names", frozenset(name for name, _ in self.order))

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional values for ``?``, in order (``values`` keyed by normalised names)."""
        scalar = params.scalar
        return [scalar(values[name] if index is None else values[name][index])
                for name, index in self.order]


def _marker(number: int) -> exp.Var:
    return exp.Var(this=f"{_MARK_OPEN}{number}{_MARK_CLOSE}")


def _param_name(node: exp.Expr) -> str | None:
    """The name of a ``@name`` or ``:name`` node; None for anything else."""
    if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Var | exp.Identifier):
        return str(node.this.this)
    if isinstance(node, exp.Placeholder) and node.this:
        return str(node.this)
    return None


def statement_parameters(tree: exp.Expr) -> tuple[str, ...]:
    """The named parameters (``:name``, ``@name``) of a parsed statement, normalised, each once."""
    names = (_param_name(node) for node in tree.walk())
    return tuple(sorted({params.normalise_name(n) for n in names if n is not None}))


@lru_cache(maxsize=2048)
def compile_sql(sql: str, *, engine: DbEngine, firm_code: str | None, period_code: str | None,
                shape: params.Shape) -> Compiled:
    verdict, parsed = validator.analyse(sql)
    if not verdict.accepted or parsed is None:
        raise SqlRejected("the SQL statement was rejected",
                          details=[Detail(verdict.reason, "sql")])
    tree = tokens.rewrite_tokens(parsed.copy(), firm_code, period_code)
    for node in tree.walk():  # comments are not sent: a '?' in one would confuse some drivers
        if node.comments:
            node.comments = None
    columns = tuple(tree.named_selects) if isinstance(tree, exp.Query) else ()
    kinds = dict(shape)
    slots: dict[int, tuple[str, int | None]] = {}
    str_markers: set[str] = set()

    def new_marker(name: str, index: int | None, is_str: bool) -> exp.Var:
        number = len(slots)
        slots[number] = (name, index)
        var = _marker(number)
        if is_str:
            str_markers.add(str(var.this))
        return var

    problems: list[str] = []

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and not node.this:
            problems.append("positional '?' parameters are not supported; name them (:name or @name)")
            return node
        name = _param_name(node)
        if name is None:
            return node
        key = params.normalise_name(name)
        kind = kinds.get(key)
        if kind is None:
            problems.append(f"parameter {name} has no value")
            return node
        if kind.startswith("list"):
            problems.append(f"list parameter {name} may only be used as IN ({name})")
            return node
        return new_marker(key, None, kind == "str")

    # IN (:list) first: expand list parameters into one marker per element
    for in_node in list(tree.find_all(exp.In)):
        items = in_node.expressions
        if len(items) != 1:
            continue
        name = _param_name(items[0])
        if name is None:
            continue
        key = params.normalise_name(name)
        kind = kinds.get(key, "")
        if not kind.startswith("list"):
            continue
        length = int(kind[4:].split(":")[0])
        is_str = kind.endswith(":str")
        if length == 0:
            in_node.set("expressions", [exp.Null()])
        else:
            in_node.set("expressions", [new_marker(key, i, is_str) for i in range(length)])
    tree = tree.transform(replace, copy=False)
    if problems:
        raise SqlRejected("the SQL statement cannot be prepared",
                          details=[Detail(p, "sql") for p in dict.fromkeys(problems)])
    tree = dialects.adapt(tree, engine, str_markers)
    text = dialects.generate(tree, engine)
    order = tuple(slots[int(m.group(1))] for m in _MARKER.finditer(text))
    final = _MARKER.sub("?", text)
    typing_tree = tree.transform(
        lambda n: exp.Placeholder() if isinstance(n, exp.Var) and _MARK_OPEN in str(n.this) else n)
    return Compiled(final, order, columns, typing_tree, engine)


def compile_for(integration_set: IntegrationSet, sql: str, shape: params.Shape) -> Compiled:
    """Compile ``sql`` for a set (its engine, firm and period) and the shape of its values
    (``params.shape_of``)."""
    return _compile_for(sql, integration_set.database.engine, integration_set.firm,
                        integration_set.period, shape)


@lru_cache(maxsize=2048)
def _compile_for(sql: str, engine: DbEngine, firm: int | None, period: int | None,
                 shape: params.Shape) -> Compiled:
    """``compile_sql`` by the set's numbers, positionally: this runs on every statement, and the
    zero-padded codes and a keyword key cost more than the cached compilation itself."""
    firm_code = None if firm is None else zero_padded_firm(firm)
    period_code = None if period is None else zero_padded_period(period)
    return compile_sql(sql, engine=engine, firm_code=firm_code, period_code=period_code,
                       shape=shape)
