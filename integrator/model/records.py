"""The CRM record model: one canonical shape for every entity inside the service (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import NamedTuple

NO_FIELDS: Mapping[str, str] = MappingProxyType({})  # the fields of a link


class CrmRecord(NamedTuple):
    """One CRM record: an account, a product, a quote or a quote line.

    ``fields`` keeps document order; a ``Field`` element that is present but empty maps to ``""``
    (the CRM says "this field is empty"), a field that is absent is not in ``fields`` at all.

    Immutable (a named tuple: building one costs a quarter of a frozen dataclass, which matters
    for a 500-line quote and a 100,000-record bulk read); change one with ``record._replace()``.
    """

    kind: str
    crm_id: str | None = None
    ref: str | None = None
    code: str | None = None
    fields: Mapping[str, str] = NO_FIELDS
    revision: int | None = None
    set_code: str | None = None
    warehouse: int | None = None
    account: CrmRecord | None = None
    product: CrmRecord | None = None
    lines: tuple[CrmRecord, ...] = ()
    source_line: int | None = None

    @property
    def has_link(self) -> bool:
        """True when the CRM sent the ERP key of this record (ref or code)."""
        return bool(self.ref) or bool(self.code)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name, default)

    def iter_lines(self) -> Iterator[CrmRecord]:
        return iter(self.lines)
