"""Is this T-SQL one read-only SELECT? (F4, N9)

Two independent checks, both must pass, and every doubt rejects (fail closed):

1. a token deny-list: T-SQL needs no ``;`` between statements, and sqlglot reads
   ``SELECT 1 DELETE FROM x`` as one SELECT with the alias ``DELETE``; so any write or control
   keyword outside string literals and quoted identifiers rejects the text, and so does a ``;``
   anywhere but at the very end;
2. an AST allow-list: the text parses (T-SQL dialect) into exactly one statement whose root is a
   SELECT (or UNION/INTERSECT/EXCEPT, or a parenthesised SELECT), with no write node anywhere,
   no table hint other than NOLOCK/READUNCOMMITTED/NOWAIT and no OPEN* rowset function.

The reason for a rejection is a sentence an operator can act on. Verdicts are cached by text.
This check is defence in depth: the boundary is the read-only database login (docs/sql.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

TSQL = Dialect.get_or_raise("tsql")

# keywords that never belong in a read-only query (outside literals and [quoted] identifiers)
DENY_WORDS = frozenset({
    "INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "EXEC", "EXECUTE", "CREATE", "ALTER", "DROP",
    "TRUNCATE", "GRANT", "REVOKE", "DENY", "BACKUP", "RESTORE", "DBCC", "KILL", "SHUTDOWN",
    "RECONFIGURE", "WAITFOR", "USE", "SET", "DECLARE", "BEGIN", "COMMIT", "ROLLBACK", "SAVE",
    "TRAN", "TRANSACTION", "GO", "BULK", "OPENROWSET", "OPENQUERY", "OPENDATASOURCE", "OPENXML",
    "WRITETEXT", "UPDATETEXT", "READTEXT", "DISABLE", "ENABLE", "CHECKPOINT", "RAISERROR",
    "THROW", "PRINT", "IF", "WHILE", "RETURN", "GOTO",
})
_SKIP_TOKENS = frozenset({TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.IDENTIFIER})
_READ_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)
_WRITE_NODES: tuple[type[exp.Expr], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command,
    exp.Into, exp.TruncateTable, exp.NextValueFor, exp.Lock, exp.Set, exp.Transaction, exp.Commit,
    exp.Rollback, exp.Use, exp.Declare, exp.Execute, exp.Grant, exp.Revoke, exp.Kill, exp.Copy,
    exp.LoadData, exp.Pragma, exp.Cache, exp.Uncache, exp.Refresh,
)
ALLOWED_HINTS = frozenset({"NOLOCK", "READUNCOMMITTED", "NOWAIT"})
MAX_SQL_CHARS = 100_000

_WORD_REASONS = {
    "INTO": "SELECT … INTO (or INSERT INTO) writes a table; only a plain read-only SELECT may run",
    "EXEC": "EXEC runs a procedure or dynamic SQL, which may write; only a read-only SELECT may run",
    "EXECUTE": "EXECUTE runs a procedure or dynamic SQL, which may write; only a read-only SELECT "
               "may run",
    "WAITFOR": "WAITFOR holds a connection and is not allowed; only a read-only SELECT may run",
    "DECLARE": "DECLARE starts a batch of statements; only one read-only SELECT may run",
    "SET": "SET changes session state or data; only a read-only SELECT may run",
    "GO": "GO separates batches; only one read-only SELECT may run",
    "OPENROWSET": "OPENROWSET reaches other data sources and is not allowed",
    "OPENQUERY": "OPENQUERY runs a statement on a linked server and is not allowed",
    "OPENDATASOURCE": "OPENDATASOURCE reaches other data sources and is not allowed",
    "OPENXML": "OPENXML is not allowed",
}

_NODE_REASONS: dict[type[exp.Expr], str] = {
    exp.NextValueFor: "NEXT VALUE FOR advances a sequence (a write); only a read-only SELECT may run",
    exp.Into: "SELECT … INTO writes a table; only a plain read-only SELECT may run",
    exp.Lock: "locking clauses (FOR UPDATE …) are not allowed in a read-only query",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    reason: str

    def __bool__(self) -> bool:
        return self.accepted


ACCEPTED_REASON = "one read-only SELECT"


def _reject(reason: str) -> tuple[Verdict, exp.Expr | None]:
    return Verdict(False, reason), None


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _parameter_names(tokens: list[Token]) -> list[int]:
    """Indexes of the tokens that name a parameter: the word right after ``:`` or ``@``."""
    return [i for i in range(1, len(tokens))
            if tokens[i - 1].token_type in (TokenType.COLON, TokenType.PARAMETER)
            and tokens[i].start == tokens[i - 1].end + 1 and _NAME.fullmatch(tokens[i].text)]


def _named_parameters(sql: str, tokens: list[Token]) -> str:
    """``:name`` written as ``@name``, so that a name that is a keyword (``:from``, ``:to``) is read
    as a parameter (the tokenizer already reads ``@from`` so); both forms mean the same
    parameter (``integrator.sql.params.normalise_name``)."""
    colons = [tokens[i - 1].start for i in _parameter_names(tokens)
              if tokens[i - 1].token_type == TokenType.COLON]
    if not colons:
        return sql
    chars = list(sql)
    for position in colons:
        chars[position] = "@"
    return "".join(chars)


def _token_check(tokens: list[Token]) -> str | None:
    if not tokens:
        return "the statement is empty; send one SELECT"
    semicolons = [i for i, t in enumerate(tokens) if t.token_type == TokenType.SEMICOLON]
    if semicolons and semicolons != [len(tokens) - 1]:
        return ("more than one statement: a ';' separates statements, and only one read-only "
                "SELECT may run")
    names = set(_parameter_names(tokens))  # @set is a parameter called "set", not SET
    for index, token in enumerate(tokens):
        if token.token_type in _SKIP_TOKENS or index in names:
            continue
        word = token.text.upper()
        if word in DENY_WORDS:
            return _WORD_REASONS.get(
                word, f"{word} is not allowed: only one read-only SELECT may run "
                      f"(line {token.line})")
    return None


def _tree_check(root: exp.Expr) -> str | None:
    if not isinstance(root, _READ_ROOTS):
        return f"the statement is a {type(root).__name__.upper()}, not a SELECT; only a read-only " \
               "SELECT may run"
    for node in root.walk():
        if isinstance(node, _WRITE_NODES):
            for cls, reason in _NODE_REASONS.items():
                if isinstance(node, cls):
                    return reason
            return f"the query contains a {type(node).__name__.upper()} part, which may write; " \
                   "only a read-only SELECT may run"
        if isinstance(node, exp.WithTableHint):
            bad = [h.sql("tsql").upper() for h in node.expressions
                   if h.sql("tsql").upper() not in ALLOWED_HINTS]
            if bad:
                return (f"table hint {', '.join(bad)} is not allowed; only "
                        f"{', '.join(sorted(ALLOWED_HINTS))} may be used")
        if isinstance(node, exp.Anonymous) and str(node.this).upper().startswith("OPEN"):
            return f"function {str(node.this).upper()} reaches other data and is not allowed"
    return None


@lru_cache(maxsize=4096)
def analyse(sql: str) -> tuple[Verdict, exp.Expr | None]:
    """The verdict and, when accepted, the parsed T-SQL tree (shared: copy before changing)."""
    if len(sql) > MAX_SQL_CHARS:
        return _reject(f"the statement is longer than {MAX_SQL_CHARS} characters")
    if "\ue000" in sql or "\ue001" in sql:  # reserved for parameter markers (integrator.sql.compiler)
        return _reject("the statement contains reserved characters U+E000/U+E001")
    try:
        tokens = TSQL.tokenize(sql)  # comments are not tokens
        named = _named_parameters(sql, tokens)
        if named is not sql:
            sql, tokens = named, TSQL.tokenize(named)
    except (TokenError, ValueError) as error:
        return _reject(f"the statement could not be read: {_first_line(error)}")
    reason = _token_check(tokens)
    if reason is not None:
        return _reject(reason)
    try:
        statements = [s for s in sqlglot.parse(sql, read="tsql") if s is not None]
    except (ParseError, TokenError, ValueError) as error:
        return _reject(f"the statement could not be parsed as T-SQL: {_first_line(error)}")
    if len(statements) != 1:
        return _reject(f"{len(statements)} statements found; send exactly one SELECT")
    root = statements[0]
    reason = _tree_check(root)
    if reason is not None:
        return _reject(reason)
    return Verdict(True, ACCEPTED_REASON), root


def validate(sql: str) -> Verdict:
    """Accept exactly one read-only SELECT (cached by text)."""
    return analyse(sql)[0]
