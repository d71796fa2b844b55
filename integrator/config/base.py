"""The base of every configuration model and the vocabulary the models share."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "MASK", "SET_CODE_PATTERN", "USERINFO", "CheckAction", "CopyMode", "DbEngine", "Direction",
    "ErpKind", "MappedEntity", "Model", "ParamType", "TransferType", "mask_userinfo",
]


ErpKind = Literal["tiger", "go", "netsis"]
DbEngine = Literal["mssql", "sqlite", "postgres"]
Direction = Literal["crm_to_erp", "erp_to_crm", "both"]
CopyMode = Literal["always", "if_target_empty"]
TransferType = Literal["order", "dispatch", "quote"]
CheckAction = Literal["warn", "block"]
MappedEntity = Literal["account", "product", "order", "dispatch", "quote", "line"]
ParamType = Literal["str", "int", "decimal", "date", "datetime", "bool"]

SET_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MASK = "********"
# the userinfo of a URL (``scheme://user:password@host``), anywhere in a text: a secret, all of it
USERINFO = re.compile(r"(?<=//)[^/?#@\s]*@")


def mask_userinfo(text: str) -> str:
    """``text`` with the userinfo of every URL in it replaced by the mask."""
    return USERINFO.sub(MASK + "@", text)


class Model(BaseModel):
    """Base of every config model: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    # fields written as element text (not attributes) in the set XML (long texts such as SQL)
    XML_TEXT: ClassVar[frozenset[str]] = frozenset()
