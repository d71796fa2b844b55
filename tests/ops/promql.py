"""Just enough PromQL reading to list what an expression uses: the metrics it selects, with the
labels it matches on, and the labels it groups by. Enough for the dashboard and the alert rules;
it refuses what it does not understand rather than guessing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<duration>\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*\b)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|>=|<=|[=<>+\-*/%^(){},])
  | (?P<space>\s+)
""", re.VERBOSE)

GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = frozenset({"bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"})
AGGREGATIONS = frozenset({"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                          "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"})


@dataclass
class Selector:
    metric: str
    matchers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # label -> [(op, value)]


@dataclass
class Usage:
    selectors: list[Selector] = field(default_factory=list)
    grouping: set[str] = field(default_factory=set)


def tokens(expr: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(expr):
        match = _TOKEN.match(expr, position)
        if match is None:
            raise ValueError(f"cannot read PromQL at {expr[position:position + 30]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append((kind, match.group()))
        position = match.end()
    return found


def read(expr: str) -> Usage:
    usage = Usage()
    items = tokens(expr)
    i = 0
    while i < len(items):
        kind, text = items[i]
        following = items[i + 1][1] if i + 1 < len(items) else ""
        if kind != "ident":
            if text == "{":
                raise ValueError(f"a selector without a metric name in {expr!r}")
            i += 1
            continue
        if text in GROUPING and following == "(":
            i += 2
            while items[i][1] != ")":
                if items[i][0] == "ident":
                    usage.grouping.add(items[i][1])
                i += 1
            i += 1
            continue
        if (text in KEYWORDS or following == "("  # a keyword, a function or an aggregation
                or (text in AGGREGATIONS and following in GROUPING)):  # sum by (...) (...)
            i += 1
            continue
        selector = Selector(text)
        i += 1
        if following == "{":
            i += 1
            while items[i][1] != "}":
                if items[i][1] == ",":
                    i += 1
                    continue
                (label_kind, label), (_, op), (value_kind, value) = items[i:i + 3]
                if label_kind != "ident" or value_kind != "string":
                    raise ValueError(f"cannot read the matcher at {label!r} in {expr!r}")
                selector.matchers.setdefault(label, []).append((op, value[1:-1]))
                i += 3
            i += 1
        usage.selectors.append(selector)
    return usage


def grafana_query(query: str) -> tuple[str, set[str]]:
    """A Grafana variable query: ``label_values(selector, label)`` -> (selector, {label})."""
    found = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", query)
    if found is None:
        raise ValueError(f"not a label_values() query: {query!r}")
    return found.group(1), {found.group(2)}
