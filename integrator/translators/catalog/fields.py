"""The shape of the standard ERP field catalog (SPEC F6): one field (``CatalogField``), the catalog
of one (ERP kind, entity) (``EntityCatalog``), and the short names the tables are written with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from integrator.model import Entity
from integrator.translators.values import FieldType

Level = Literal["header", "line", "unit"]


@dataclass(frozen=True, slots=True)
class CatalogField:
    name: str
    type: FieldType
    length: int | None
    required: bool
    tr: str
    en: str
    level: Level = "header"
    section: str = ""
    table: str | None = None
    column: str | None = None
    managed: bool = False
    readonly: bool = False


@dataclass(frozen=True)
class EntityCatalog:
    """The catalog of one (ERP kind, entity)."""

    erp: str
    entity: Entity
    fields: tuple[CatalogField, ...]
    root: str  # Logo: "AR_APS/AR_AP"; Netsis: the REST resource
    data_type: int | None
    main_table: str
    line_table: str | None = None
    ext_tables: frozenset[str] = frozenset()
    _index: dict[tuple[str, str], CatalogField] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for entry in self.fields:
            level = "line" if entry.level == "line" else "header"
            self._index.setdefault((level, entry.name), entry)
            self._index.setdefault((level, entry.name.lower()), entry)

    def get(self, name: str, *, line: bool = False) -> CatalogField | None:
        """The field a mapping names (exact or case-insensitive); header also finds unit fields."""
        level = "line" if line else "header"
        return self._index.get((level, name)) or self._index.get((level, name.lower()))

    def row_key(self, entry: CatalogField) -> str | None:
        """The key of a SQL row that holds this field: the column of the entity's own tables, or
        the field name as the alias of a joined column (``U.CODE AS UNITSET_CODE``)."""
        if entry.table is None or entry.column is None:
            return None
        own = {self.main_table, *self.ext_tables}
        if entry.level == "line":
            own = {self.line_table or ""}
        if entry.table in own:
            return entry.column
        return entry.name

    @property
    def header_fields(self) -> tuple[CatalogField, ...]:
        return tuple(f for f in self.fields if f.level != "line")

    @property
    def line_fields(self) -> tuple[CatalogField, ...]:
        return tuple(f for f in self.fields if f.level == "line")


def entry(name: str, type_: FieldType, length: int | None, tr: str, en: str, column: str | None = None,
       *, table: str | None = None, required: bool = False, level: Level = "header",
       section: str = "", managed: bool = False, readonly: bool = False) -> CatalogField:
    return CatalogField(name, type_, length, required, tr, en, level, section, table, column,
                        managed, readonly)


TEXT: FieldType = "string"
INT: FieldType = "integer"
DEC: FieldType = "decimal"
DAY: FieldType = "date"
CLOCK: FieldType = "time"
BOOL: FieldType = "boolean"
