"""The masked summary of a configuration (``integrator check-config``): every secret replaced by
the mask."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, SecretStr

from integrator.config.base import MASK, mask_userinfo
from integrator.config.service import ServiceConfig

__all__ = [
    "masked", "summary",
]



def masked(value: Any) -> Any:
    """A JSON-able copy of a dumped model where every secret is replaced by the mask."""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, BaseModel):
        return {k: masked(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def summary(config: ServiceConfig) -> str:
    lines = [
        f"listen: {config.listen.host}:{config.listen.port}",
        f"store: {_mask_store_url(config.store_url)}",
        f"api keys: {', '.join(k.name for k in config.api_keys) or '(none)'}",
        f"limits: body {config.limits.max_body_bytes} bytes, xml depth {config.limits.max_xml_depth}",
        f"session idle ttl: {config.sessions.idle_ttl_s}s",
        f"sets: {len(config.sets)}",
    ]
    for s in config.sets:
        if s.is_logo:
            assert s.logo is not None
            where = (f"firm {s.firm_code} period {s.period_code} via {mask_userinfo(s.logo.url)} "
                     f"securityCode {MASK}")
        else:
            assert s.netsis is not None
            where = f"branch {s.branch} db {s.netsis.dbname} via {mask_userinfo(s.netsis.url)}"
        lines.append(f"  {s.code} ({s.erp}): {where}")
        lines.append(f"    database: {s.database.engine}, connection string {MASK}"
                     + (f", writer {MASK}" if s.database.writer_connection_string else ""))
        cred = s.credentials
        lines.append(f"    credentials: {cred.mode}"
                     + (f" as {cred.user} / {MASK}" if cred.mode == "shared" else ""))
        for u in s.users:
            wh = "all" if u.warehouses == "all" else ",".join(map(str, u.warehouses)) or "none"
            extra = " (default)" if u.default else ""
            lines.append(f"    user {u.name}{extra}: warehouses {wh}"
                         + (f", salesman {u.salesman}" if u.salesman else "")
                         + (f", erp user {u.erp_user} / {MASK}" if u.erp_user else ""))
        counts = {e: len(s.mappings.for_entity(e)) for e in
                  ("account", "product", "order", "dispatch", "quote", "line")}
        lines.append("    mappings: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        lines.append(f"    named queries: {', '.join(s.sql.queries) or '(none)'}")
    return "\n".join(lines)


def _mask_store_url(url: str) -> str:
    """The store URL with its userinfo and any ``…password=`` parameter masked."""
    return re.sub(r"([?&][^=&]*password=)[^&]*", rf"\1{MASK}", mask_userinfo(url))
