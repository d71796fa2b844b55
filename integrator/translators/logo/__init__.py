"""Tiger/Go (Logo Objects XML): build, update and read back documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from lxml import etree

from integrator.caching import DerivedCache
from integrator.errors import Detail, MappingFailed
from integrator.model import CrmRecord, Entity, LogoDocument
from integrator.model.entities import RECORD_KINDS
from integrator.model.wire import LOGO_ROOTS
from integrator.translators.catalog import CatalogField
from integrator.translators.context import MappingContext
from integrator.translators.engine import Scope, check_kind, raise_if_failed
from integrator.translators.logo import xml
from integrator.translators.logo.mappers import TRANSLATORS
from integrator.translators.plan import Plan, Rule, plan_for
from integrator.translators.reverse import Backward, RowReader, map_backward
from integrator.translators.values import Reader, bad_char_logo, describe_char, from_logo, from_sql

__all__ = ["build", "current_values", "reverse_xml", "row_reader", "update"]


def _translator(entity: Entity) -> Any:
    found = TRANSLATORS.get(entity)
    if found is None:
        raise MappingFailed(f"{entity} is not an ERP document of Tiger/Go (quotes exist only in "
                            "Netsis)")
    return found


def build(entity: Entity, record: CrmRecord, ctx: MappingContext) -> LogoDocument:
    """The ``DBOP="INS"`` document for a CRM record."""
    check_kind(record, entity)
    translator = _translator(entity)
    plan = plan_for(ctx.integration_set, entity)
    scope = Scope(record, None, ctx, plan, "", [], "insert", ctx.current)
    fields = translator.assemble(scope)
    raise_if_failed(scope, f"{entity} {record.crm_id or record.code or ''}".strip())
    wire = LOGO_ROOTS[entity]
    text = xml.render(wire.plural, wire.singular, "INS", fields)
    lines = fields.get("TRANSACTIONS")
    items = [line for line in lines if line.get("TYPE") != "2"] if isinstance(lines, list) else []
    return LogoDocument(entity, "INS", text, code=_text(fields.get("CODE")),
                        number=_text(fields.get("NUMBER")),
                        crm_id=_text(fields.get("DOC_NUMBER")) or None,
                        priced=bool(items) and all(_text(line.get("PRICE")) for line in items))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def current_values(current_xml: str | bytes, entity: Entity) -> dict[str, str]:
    """Tag -> text of an exported record's fields (for copy mode ``if_target_empty``)."""
    wire = LOGO_ROOTS[entity]
    return xml.leaf_values(xml.record_element(xml.parse(current_xml), wire.plural,
                                                      wire.singular))


def update(entity: Entity, current_xml: str | bytes, record: CrmRecord,
           ctx: MappingContext) -> LogoDocument:
    """The ``DBOP="UPD"`` document: the record as ReadDataObject exported it, with only the mapped
    fields changed (``if_target_empty`` against the exported values). Cards only."""
    check_kind(record, entity)
    if entity not in ("account", "product"):
        raise MappingFailed(f"a transferred {entity} is not updated; cancel and transfer again (F29)")
    translator = _translator(entity)
    plan = plan_for(ctx.integration_set, entity)
    wire = LOGO_ROOTS[entity]
    plural, singular = wire.plural, wire.singular
    root = xml.parse(current_xml)
    current = xml.leaf_values(xml.record_element(root, plural, singular))
    scope = Scope(record, None, ctx, plan, "", [], "update", current)
    fields = translator.assemble(scope)
    raise_if_failed(scope, f"{entity} {record.code or record.crm_id or ''}".strip())
    fields.pop("CODE", None)  # the code is the link: an update never renames the card
    text = xml.merge_update(root, plural, singular, fields)
    bad = bad_char_logo(text)
    if bad is not None:
        raise MappingFailed("the current ERP record cannot be written back in ISO-8859-9",
                            details=[Detail(f"character {describe_char(bad)}", "erp")])
    return LogoDocument(entity, "UPD", text, code=current.get("CODE", "").strip())


# -- reverse ----------------------------------------------------------------------------------------
def _line_values(record_element: etree._Element) -> list[dict[str, str]]:
    """Each item line's values; a discount line (TYPE 2) adds its rate to the line before it."""
    lines: list[dict[str, str]] = []
    for transaction in xml.items(record_element, "TRANSACTIONS"):
        values = xml.leaf_values(transaction)
        if values.get("TYPE", "").strip() == "2" and lines:
            lines[-1].setdefault("DISCOUNT_RATE", values.get("DISCOUNT_RATE", ""))
            continue
        lines.append(values)
    return lines


def _unit_values(record_element: etree._Element) -> dict[str, str]:
    unit = next(xml.items(record_element, "UNITS"), None)
    if unit is None:
        return {}
    result = xml.leaf_values(unit)
    barcode = next(xml.items(unit, "BARCODE_LIST"), None)
    if barcode is not None:
        result.update({"BARCODE": xml.leaf_values(barcode).get("BARCODE", "")})
    return result


def _line_path(prefix: str) -> Callable[[Rule], str]:
    def path(rule: Rule) -> str:
        return f"{prefix}/{rule.key}"

    return path


def _build_record(entity: Entity, plan: Plan, fields: dict[str, str], errors: list[Detail],
                  header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], read: Reader, *,
                  source: str, ref: str | None, code: str | None,
                  crm_id: str | None) -> CrmRecord:
    """The CRM record of the header ``fields`` (mapped by the caller, with their ``errors``);
    documents read their account, warehouse and lines too (``header``: by ERP field)."""
    kind = RECORD_KINDS[entity]
    line_records: list[CrmRecord] = []
    account = None
    warehouse = None
    if entity in ("order", "dispatch"):
        arp = header.get("ARP_CODE")
        account = CrmRecord("Account", code=str(arp)) if arp not in (None, "") else None
        warehouse = _whole_number(header.get("SOURCE_WH"))
        for index, line in enumerate(lines, 1):
            line_fields = map_backward(plan.line_backward, line, read, current=None,
                                       errors=errors, path=_line_path(f"{source}/TRANSACTION[{index}]"))
            master = line.get("MASTER_CODE")
            product = CrmRecord("Product", code=str(master)) if master not in (None, "") else None
            line_records.append(CrmRecord("Line", fields=MappingProxyType(line_fields),
                                          product=product))
    if errors:
        raise MappingFailed(f"the ERP {entity} cannot be read into CRM fields", details=errors)
    return CrmRecord(kind, crm_id=crm_id, ref=ref, code=code, fields=MappingProxyType(fields),
                     account=account, warehouse=warehouse, lines=tuple(line_records))


def _whole_number(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    digits = text.lstrip("-")
    return int(text) if digits.isascii() and digits.isdigit() else None


def _opt(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def reverse_xml(entity: Entity, document: str | bytes, ctx: MappingContext, *,
                current: CrmRecord | None = None) -> CrmRecord:
    """A Logo XML record (ReadDataObject output) as a CRM record, honouring the mappings'
    directions (``erp_to_crm``/``both``) and reversible converters. The link is
    INTERNAL_REFERENCE (LOGICALREF) + CODE (cards) or NUMBER (documents)."""
    plan = plan_for(ctx.integration_set, entity)
    wire = LOGO_ROOTS[entity]
    plural, singular = wire.plural, wire.singular
    element = xml.record_element(xml.parse(document), plural, singular)
    header: dict[str, Any] = xml.leaf_values(element)
    if entity == "product":
        for key, value in _unit_values(element).items():
            header.setdefault(key, value)
    lines = _line_values(element) if entity in ("order", "dispatch") else []
    document_entity = entity in ("order", "dispatch")
    errors: list[Detail] = []
    fields = map_backward(plan.header_backward, header, from_logo,
                          current=current.fields if current else None, errors=errors,
                          path=lambda rule: f"{singular}/{rule.key}")
    return _build_record(
        entity, plan, fields, errors, header, lines, from_logo, source=singular,
        ref=_opt(header.get("INTERNAL_REFERENCE")) or _opt(header.get("LOGICALREF")),
        code=_opt(header.get("NUMBER" if document_entity else "CODE")),
        crm_id=_opt(header.get("DOC_NUMBER")) if document_entity else (current.crm_id if current
                                                                     else None))


# -- database rows ----------------------------------------------------------------------------------
def _row_keys(plan: Plan, line: bool) -> tuple[tuple[str, str], ...]:
    """(ERP field, upper-case row key) pairs of a plan: the backward rules' fields and the
    catalog's, each under the column of the entity's tables or the field's own name (a joined
    column: ``ARP_CODE``)."""
    cat = plan.catalog
    rules = plan.line_backward if line else plan.header_backward
    entries = cat.line_fields if line else cat.header_fields
    wanted: dict[str, CatalogField | None] = {rule.key: rule.entry for rule in rules}
    for field in entries:
        wanted.setdefault(field.name, field)
    pairs = []
    for key, entry in wanted.items():
        row_key = cat.row_key(entry) if entry is not None else key
        if row_key is not None:
            pairs.append((key, row_key.upper()))
    return tuple(pairs)


def _positions(columns: Sequence[str]) -> dict[str, int]:
    """Upper-case column name -> its position (the last one of a name selected twice)."""
    return {str(name).upper(): index for index, name in enumerate(columns)}


def _line_view(plan: Plan, row: Mapping[str, Any]) -> dict[str, Any]:
    """A line row re-keyed by ERP field (through the catalog's table/column), case-insensitively."""
    folded = {str(k).upper(): v for k, v in row.items()}
    pairs = _KEYS.get(plan, "line", lambda: _row_keys(plan, True))
    return {key: folded[row_key] for key, row_key in pairs if row_key in folded}


def _compile_rows(entity: Entity, plan: Plan, columns: tuple[str, ...]) -> RowReader:
    folded = _positions(columns)
    at = {key: folded[row_key] for key, row_key in _row_keys(plan, False) if row_key in folded}
    source = plan.catalog.main_table
    header = Backward(plan.header_backward, lambda rule: at.get(rule.key), from_sql,
                      lambda rule: f"{source}/{rule.key}")
    document_entity = entity in ("order", "dispatch")
    ref_at = folded.get("LOGICALREF")
    code_at = folded.get("FICHENO" if document_entity else "CODE")
    crm_id_at = folded.get("DOCODE") if document_entity else None

    def read(values: Sequence[Any], *, lines: Sequence[Mapping[str, Any]] = (),
             current: CrmRecord | None = None) -> CrmRecord:
        errors: list[Detail] = []
        fields = header.fields(values, current=current.fields if current else None, errors=errors)
        if document_entity:
            crm_id = _opt(values[crm_id_at]) if crm_id_at is not None else None
            view: Mapping[str, Any] = {key: values[index] for key, index in at.items()}
        else:
            crm_id = current.crm_id if current else None
            view = _NOTHING
        return _build_record(
            entity, plan, fields, errors, view,
            [_line_view(plan, line) for line in lines] if lines else (), from_sql, source=source,
            ref=_opt(values[ref_at]) if ref_at is not None else None,
            code=_opt(values[code_at]) if code_at is not None else None, crm_id=crm_id)

    return read


_NOTHING: Mapping[str, Any] = MappingProxyType({})
_KEYS: DerivedCache[tuple[tuple[str, str], ...]] = DerivedCache(64)
_READERS: DerivedCache[RowReader] = DerivedCache(64)


def row_reader(entity: Entity, columns: Sequence[str], ctx: MappingContext) -> RowReader:
    """Database rows with these columns (as in LG_FFF_CLCARD, LG_FFF_ITEMS, LG_FFF_PP_ORFICHE...,
    case-insensitive) as CRM records: the mappings bound to the columns once (cached per plan and
    columns); joined columns are expected under the ERP field's name (``ARP_CODE``). The link is
    LOGICALREF + CODE (FICHENO for documents)."""
    plan = plan_for(ctx.integration_set, entity)
    key = tuple(columns)
    return _READERS.get(plan, key, lambda: _compile_rows(entity, plan, key))
