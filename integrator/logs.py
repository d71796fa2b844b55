"""Structured logging (structlog, JSON) and the redaction processor.

Three layers keep secrets out of log lines (see research/architecture.md B5):
1. every secret in config is a ``SecretStr`` (its str/repr is a mask);
2. ``redact`` masks values under sensitive keys anywhere in the event, recursively;
3. ``redact`` scrubs secret-looking fragments out of every string value: ODBC ``PWD=...;``,
   ``Password=...``, Logo ``<securityCode>``/``<LbsLoadPass>`` elements, bearer tokens, and
   the userinfo of URLs.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any, TextIO

import structlog
from pydantic import SecretStr

from integrator.config.base import USERINFO

MASK = "********"

SENSITIVE_KEY = re.compile(
    r"(?i)(pass|pwd|secret|token|authorization|security_?code|connection_?string|dsn|api_?key"
    r"|cookie|x-session|session_id)"
)
_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # ODBC connection strings: PWD=...; Password=...; (value may be {braced})
    (re.compile(r"(?i)\b(pwd|password|dbpassword)\s*=\s*(\{[^}]*\}|[^;&\s]*)"), rf"\1={MASK}"),
    # XML elements / attributes carrying secrets (SOAP envelopes, set XML)
    (re.compile(r"(?is)<((?:\w+:)?(?:securityCode|LbsLoadPass|\w*[Pp]assword))>.*?</\1>"),
     rf"<\1>{MASK}</\1>"),
    (re.compile(r"(?i)\b(\w*(?:password|securityCode|lbsLoadPass|connectionString))=\"[^\"]*\""),
     rf'\1="{MASK}"'),
    # bearer tokens and form-encoded secrets
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    (re.compile(r"(?i)\b(\w*password|access_token|refresh_token)=([^&\s]*)"), rf"\1={MASK}"),
    # the userinfo of URLs (user:password@, or a token as the user): all of it
    (USERINFO, f"{MASK}@"),
)


# every scrubber needs one of these in its match ("=", "<", "bearer", the "@" of a URL's userinfo):
# a value without any of them (nearly every value a log line carries) is returned as it is,
# after one scan instead of six substitutions (tests/api/test_secrets.py holds the two equal)
_SCRUB_TRIGGER = re.compile(r"[=<@]|(?i:bearer)")


def scrub(text: str) -> str:
    if _SCRUB_TRIGGER.search(text) is None:
        return text
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


# whether a key names a secret, per key seen: the keys of log lines are the code's few names, so
# the regular expression runs once per name, not once per key of every line (bounded: keys made
# from data are decided each time once the table is full)
_KEY_VERDICTS: dict[str, bool] = {}
_KEY_VERDICTS_MAX = 4096
# values that carry no text to scrub
_PLAIN = frozenset({int, float, bool, type(None)})


def sensitive_key(key: str) -> bool:
    """True when a value under ``key`` is masked (``SENSITIVE_KEY``)."""
    verdict = _KEY_VERDICTS.get(key)
    if verdict is None:
        verdict = SENSITIVE_KEY.search(key) is not None
        if len(_KEY_VERDICTS) < _KEY_VERDICTS_MAX:
            _KEY_VERDICTS[key] = verdict
    return verdict


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if type(value) in _PLAIN or depth > 20:
        return value
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, Mapping):
        return {k: (MASK if isinstance(k, str) and sensitive_key(k) and v not in (None, "")
                    else _redact_value(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v, depth + 1) for v in value)
    return value


def redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask sensitive keys and scrub secrets out of strings (numbers and
    None are left as they are)."""
    for key, value in list(event_dict.items()):
        if key != "event" and sensitive_key(key) and value not in (None, ""):
            event_dict[key] = MASK
        elif type(value) not in _PLAIN:
            event_dict[key] = _redact_value(value)
    return event_dict


# what the lines of the request being served carry (request id, caller, set, user, session): one
# context variable holding a dict, set once per request and updated in place (structlog's
# per-key context variables cost a copy of the whole context to clear on every request)
_REQUEST_FIELDS: ContextVar[dict[str, Any] | None] = ContextVar("integrator_request_fields",
                                                                 default=None)


def begin_request(**fields: Any) -> None:
    """Start the log fields of a new request (replacing the previous request's)."""
    _REQUEST_FIELDS.set(fields)


def bind_request(**fields: Any) -> None:
    """Add fields to the current request's log lines."""
    current = _REQUEST_FIELDS.get()
    if current is None:
        _REQUEST_FIELDS.set(fields)
    else:
        current.update(fields)


def merge_request(_logger: Any, _method: str,
                  event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: the current request's fields (the event's own win)."""
    current = _REQUEST_FIELDS.get()
    if current:
        for key, value in current.items():
            event_dict.setdefault(key, value)
    return event_dict


def shared_processors(fields: Mapping[str, Any] | None = None) -> list[Any]:
    """``fields``: added to every line (a worker process names itself: ``worker``, ``pid``)."""
    def add_fields(_logger: Any, _method: str,
                   event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in (fields or {}).items():
            event_dict.setdefault(key, value)
        return event_dict

    return [
        merge_request,
        *([add_fields] if fields else []),
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # tracebacks are rendered to text first, so the scrubber also runs over them
        structlog.processors.format_exc_info,
        redact,
    ]


def configure(level: str = "INFO", fmt: str = "json", stream: TextIO | None = None,
              fields: Mapping[str, Any] | None = None) -> None:
    """Lines to ``stream`` (stdout), each written in one call, so the lines of several worker
    processes sharing the stream never interleave."""
    renderer: Any
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*shared_processors(fields), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.WriteLoggerFactory(stream or sys.stdout),
        cache_logger_on_first_use=False,
    )
    # libraries that log through the standard library go through the same redaction
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processor=renderer, foreign_pre_chain=shared_processors(fields)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(getattr(logging, level), logging.INFO))
