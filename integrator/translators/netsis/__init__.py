"""Netsis (NetOpenX REST JSON): build, update and read back documents."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from integrator.caching import DerivedCache
from integrator.errors import Detail, MappingFailed
from integrator.model import CrmRecord, Entity, NetsisDocument
from integrator.model.entities import RECORD_KINDS, is_document
from integrator.model.wire import NETSIS_DOC_TYPES, NETSIS_RESOURCES
from integrator.translators.context import MappingContext
from integrator.translators.engine import Scope, check_kind, raise_if_failed
from integrator.translators.netsis.mappers import TRANSLATORS, nest
from integrator.translators.plan import Plan, Rule, plan_for
from integrator.translators.reverse import Backward, RowReader, map_backward
from integrator.translators.values import Reader, from_json, from_sql

__all__ = ["build", "current_values", "reverse_json", "row_reader", "update"]

CODE_KEYS: dict[str, str] = {
    "account": "CariTemelBilgi.CARI_KOD", "product": "StokTemelBilgi.Stok_Kodu",
}


def build(entity: Entity, record: CrmRecord, ctx: MappingContext) -> NetsisDocument:
    """The POST body for a CRM record (ARPs, Items, ItemSlips)."""
    check_kind(record, entity)
    translator = TRANSLATORS[entity]
    plan = plan_for(ctx.integration_set, entity)
    scope = Scope(record, None, ctx, plan, "", [], "insert", ctx.current)
    fields = translator.assemble(scope)
    raise_if_failed(scope, f"{entity} {record.crm_id or record.code or ''}".strip())
    code_key = CODE_KEYS.get(entity)
    return NetsisDocument(
        entity, "POST", nest(fields),
        document_type=NETSIS_DOC_TYPES[entity] if is_document(entity) else None,
        code=_text(fields.get(code_key)) if code_key else "",
        account=_text(fields.get("FatUst.CariKod")),
        crm_id=_text(fields.get("FatUst.EKACK1")) or None)


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def update(entity: Entity, record: CrmRecord, ctx: MappingContext,
           current: Mapping[str, Any]) -> NetsisDocument:
    """``PUT ARPs/{code}`` / ``PUT Items/{code}`` of the whole record: ``current`` (the ``Data``
    of a GET of the record) with the mapped fields changed. NetOpenX binds a PUT to its whole
    model, so a property left out could be blanked: real clients GET the record, change it and
    PUT it whole (research/quotes.md §2), as the Tiger/Go update does with Read -> UPD.
    ``current`` also decides copy mode ``if_target_empty``. The code is the record's link and is
    never changed by an update."""
    check_kind(record, entity)
    if entity not in CODE_KEYS:
        raise MappingFailed(f"a transferred {entity} is not updated; cancel and transfer again (F29)")
    key = record.code or record.ref
    if not key:
        raise MappingFailed(f"an update of a {entity} needs its link (code)",
                            details=[Detail("the record has no code or ref", "input", "@code")])
    translator = TRANSLATORS[entity]
    plan = plan_for(ctx.integration_set, entity)
    scope = Scope(record, None, ctx, plan, "", [], "update",
                  current_values(current, entity, ctx))
    fields = translator.assemble(scope)
    raise_if_failed(scope, f"{entity} {key}")
    code_key = CODE_KEYS[entity]
    fields.pop(code_key, None)
    changes = nest({code_key: key, **fields})
    if entity == "account":
        changes.setdefault("CariEkBilgi", {})["CARI_KOD"] = key
    elif "StokEkBilgi" in changes or _property(current, "StokEkBilgi") is not None:
        changes.setdefault("StokEkBilgi", {})["Stok_Kodu"] = key
    return NetsisDocument(entity, "PUT", merge_record(current, changes), key=key, code=key)


def _property(data: Mapping[str, Any], name: str) -> str | None:
    """The key of ``data`` that names property ``name`` (NetOpenX binds names case-insensitively)."""
    if name in data:
        return name
    lowered = name.lower()
    return next((k for k in data if k.lower() == lowered), None)


def merge_record(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` with ``changes`` laid over it, section by section and property by property;
    every other property keeps its value, and a property keeps the spelling of ``current``."""
    merged = copy.deepcopy(dict(current))
    for name, value in changes.items():
        existing = _property(merged, name)
        if isinstance(value, Mapping) and existing is not None \
                and isinstance(merged[existing], Mapping):
            merged[existing] = merge_record(merged[existing], value)
        else:
            merged[existing or name] = copy.deepcopy(value)
    return merged


# -- reading ----------------------------------------------------------------------------------------
def _canonical_keys(plan: Plan, *, line: bool) -> dict[str, str]:
    """lower-case key -> the key the rules use (Netsis binds property names case-insensitively)."""
    cat = plan.catalog
    keys: dict[str, str] = {}
    entries = cat.line_fields if line else cat.header_fields
    for entry in entries:
        key = entry.name if line or not entry.section else f"{entry.section}.{entry.name}"
        keys[key.lower()] = key
    for rule in plan.line_backward if line else plan.header_backward:
        keys.setdefault(rule.key.lower(), rule.key)
    return keys


def _flatten(data: Mapping[str, Any], plan: Plan, *, line: bool) -> dict[str, Any]:
    canonical = _canonical_keys(plan, line=line)
    flat: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, Mapping):
            for prop, inner in value.items():
                if not isinstance(inner, Mapping | list):
                    key = f"{name}.{prop}"
                    flat[canonical.get(key.lower(), key)] = inner
        elif not isinstance(value, list):
            flat[canonical.get(str(name).lower(), str(name))] = value
    return flat


def current_values(data: Mapping[str, Any], entity: Entity,
                   ctx: MappingContext) -> dict[str, Any]:
    """The ``Data`` of a GET (ARPs/{code}, Items/{code}) flattened to "Section.Property" keys
    (for copy mode ``if_target_empty``)."""
    return _flatten(data, plan_for(ctx.integration_set, entity), line=False)


def _opt(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _line_path(prefix: str) -> Callable[[Rule], str]:
    def path(rule: Rule) -> str:
        return f"{prefix}/{rule.key}"

    return path


def _record(entity: Entity, plan: Plan, fields: dict[str, str], errors: list[Detail],
            lines: Sequence[Mapping[str, Any]], read: Reader, *, current: CrmRecord | None,
            source: str, link: str | None, crm_id: str | None, account: str | None) -> CrmRecord:
    """The CRM record of the header ``fields`` (mapped by the caller, with their ``errors``) and
    the document's lines."""
    line_records: list[CrmRecord] = []
    for index, line in enumerate(lines, 1):
        line_fields = map_backward(plan.line_backward, line, read, current=None,
                                   errors=errors, path=_line_path(f"{source}/Kalems[{index}]"))
        stock = _opt(line.get("StokKodu"))
        product = CrmRecord("Product", ref=stock, code=stock) if stock else None
        line_records.append(CrmRecord("Line", fields=MappingProxyType(line_fields),
                                      product=product))
    if errors:
        raise MappingFailed(f"the ERP {entity} cannot be read into CRM fields", details=errors)
    document = entity in ("order", "dispatch", "quote")
    return CrmRecord(
        RECORD_KINDS[entity], crm_id=crm_id if document else (current.crm_id if current else None),
        ref=link, code=link, fields=MappingProxyType(fields),
        account=CrmRecord("Account", ref=account, code=account) if account else None,
        lines=tuple(line_records))


def reverse_json(entity: Entity, data: Mapping[str, Any], ctx: MappingContext, *,
                 current: CrmRecord | None = None) -> CrmRecord:
    """The ``Data`` of a NetOpenX GET as a CRM record; the link is CARI_KOD / STOK_KODU (documents:
    FATIRS_NO, with the CRM quote id from EKACK1)."""
    plan = plan_for(ctx.integration_set, entity)
    header = _flatten(data, plan, line=False)
    kalems = next((v for k, v in data.items() if str(k).lower() == "kalems"), None) or []
    lines = [_flatten(line, plan, line=True) for line in kalems if isinstance(line, Mapping)]
    if entity == "account":
        link = _opt(header.get("CariTemelBilgi.CARI_KOD"))
        crm_id = account = None
    elif entity == "product":
        link = _opt(header.get("StokTemelBilgi.Stok_Kodu"))
        crm_id = account = None
    else:
        link = _opt(header.get("FatUst.FATIRS_NO"))
        crm_id = _opt(header.get("FatUst.EKACK1"))
        account = _opt(header.get("FatUst.CariKod"))
    source = NETSIS_RESOURCES[entity]
    errors: list[Detail] = []
    fields = map_backward(plan.header_backward, header, from_json,
                          current=current.fields if current else None, errors=errors,
                          path=lambda rule: f"{source}/{rule.key}")
    return _record(entity, plan, fields, errors, lines, from_json, current=current, source=source,
                   link=link, crm_id=crm_id, account=account)


# -- database rows ----------------------------------------------------------------------------------
def _row_key(plan: Plan, rule: Rule) -> str | None:
    """The upper-case key of a SQL row that holds a rule's field (the catalog's column, or the
    field's own name)."""
    row_key = plan.catalog.row_key(rule.entry) if rule.entry is not None else rule.name
    return row_key.upper() if row_key is not None else None


def _line_view(plan: Plan, row: Mapping[str, Any]) -> dict[str, Any]:
    """A line row re-keyed by ERP field, case-insensitively, with its stock code (``StokKodu``)."""
    folded = {str(k).upper(): v for k, v in row.items()}
    view: dict[str, Any] = {}
    for rule in plan.line_backward:
        row_key = _row_key(plan, rule)
        if row_key is not None and row_key in folded:
            view[rule.key] = folded[row_key]
    stock = folded.get("STOK_KODU")
    if stock is not None:
        view["StokKodu"] = stock
    return view


def _compile_rows(entity: Entity, plan: Plan, columns: tuple[str, ...]) -> RowReader:
    folded = {str(name).upper(): index for index, name in enumerate(columns)}

    def position(rule: Rule) -> int | None:
        row_key = _row_key(plan, rule)
        return folded.get(row_key) if row_key is not None else None

    source = plan.catalog.main_table
    header = Backward(plan.header_backward, position, from_sql,
                      lambda rule: f"{source}/{rule.key}")
    if entity == "account":
        link_at, crm_id_at, account_at = folded.get("CARI_KOD"), None, None
    elif entity == "product":
        link_at, crm_id_at, account_at = folded.get("STOK_KODU"), None, None
    else:
        link_at = folded.get("FATIRS_NO")
        crm_id_at = folded.get("ACIK1")
        account_at = folded.get("CARI_KODU")

    def read(values: Sequence[Any], *, lines: Sequence[Mapping[str, Any]] = (),
             current: CrmRecord | None = None) -> CrmRecord:
        errors: list[Detail] = []
        fields = header.fields(values, current=current.fields if current else None, errors=errors)
        return _record(
            entity, plan, fields, errors,
            [_line_view(plan, line) for line in lines] if lines else (), from_sql,
            current=current, source=source,
            link=_opt(values[link_at]) if link_at is not None else None,
            crm_id=_opt(values[crm_id_at]) if crm_id_at is not None else None,
            account=_opt(values[account_at]) if account_at is not None else None)

    return read


_READERS: DerivedCache[RowReader] = DerivedCache(64)


def row_reader(entity: Entity, columns: Sequence[str], ctx: MappingContext) -> RowReader:
    """Database rows with these columns (TBLCASABIT [+ TBLCASABITEK], TBLSTSABIT, TBLSIPAMAS
    [+ TBLFATUEK] ..., case-insensitive) as CRM records: the mappings bound to the columns once
    (cached per plan and columns). Text is expected repaired already (the SQL layer's
    ``repair_turkish``)."""
    plan = plan_for(ctx.integration_set, entity)
    key = tuple(columns)
    return _READERS.get(plan, key, lambda: _compile_rows(entity, plan, key))
