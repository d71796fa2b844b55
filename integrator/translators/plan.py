"""Compiled field mappings: the defaults of ``defaults.py`` overridden by a set's own mappings
(SPEC F8), resolved against the field catalog into a ``Plan`` of rules per set and entity.

Compiled once per set object and entity (``plan_for``, the service's one cache policy); a set that
does not compile is a configuration error (``mapping_problems`` lists every problem).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from integrator.caching import DerivedCache
from integrator.config import FieldMapping, IntegrationSet
from integrator.errors import Detail, MappingFailed
from integrator.model import DOCUMENT_ENTITIES, ENTITIES, Entity
from integrator.translators import values
from integrator.translators.catalog import CatalogField, EntityCatalog, catalog, entities_for
from integrator.translators.context import family_of
from integrator.translators.converters import Converter, ConverterError, has_default, parse_chain
from integrator.translators.defaults import default_line_mappings, default_mappings
from integrator.translators.values import FieldType, Writer

Forward = Callable[[str | None], Any]


@dataclass(frozen=True, slots=True)
class Rule:
    """One field mapping, resolved against the catalog and with its converters parsed.

    ``write`` is the rule's whole forward path compiled into one function: the converters left to
    right, then the value typed for the ERP field with the target encoding checked (raises
    ``ValueRejected``; ``None`` means the field is not written).
    """

    crm: str
    key: str                 # Logo: the XML tag; Netsis: "Section.Property" (or "Property")
    name: str                # the ERP field name (tag / property)
    level: str               # header | unit | line
    type: FieldType
    forward: bool
    backward: bool
    if_empty: bool
    converters: tuple[Converter, ...]
    has_default: bool
    origin: str              # "default" or "mappings.account[2]" (for messages)
    entry: CatalogField | None
    write: Forward = field(compare=False, repr=False)


def _forward(chain: tuple[Converter, ...], typed: Writer) -> Forward:
    """Converters then typing, as one function (built once per rule, run once per value)."""
    if not chain:
        # a field the CRM did not send is skipped before this when no converter supplies a default
        return cast(Forward, typed)
    if len(chain) == 1:
        convert = chain[0].forward

        def one(raw: str | None) -> Any:
            value = convert(raw)
            return None if value is None else typed(value)

        return one
    steps = tuple(converter.forward for converter in chain)

    def many(raw: str | None) -> Any:
        for step in steps:
            raw = step(raw)
        return None if raw is None else typed(raw)

    return many


_LOGO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NETSIS_NAME = re.compile(r"(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)")
LOGO_STRUCTURE = frozenset({
    "TRANSACTIONS", "TRANSACTION", "UNITS", "UNIT", "BARCODE_LIST", "BARCODE_LISTS", "DISPATCHES",
    "PAYMENT_LIST", "DEFNFLDSLIST", "DEFNFLDS", "CAMPAIGN_INFOS", "GL_LINKS", "SUPPLIERS", "NOTES",
    "AR_APS", "AR_AP", "ITEMS", "ITEM", "SALES_ORDERS", "ORDER_SLIP", "SALES_DISPATCHES", "DISPATCH",
})
NETSIS_SECTIONS: dict[str, tuple[str, ...]] = {
    # entity: (main section, other sections)
    "account": ("CariTemelBilgi", "CariEkBilgi"),
    "product": ("StokTemelBilgi", "StokEkBilgi"),
    "order": ("FatUst",), "dispatch": ("FatUst",), "quote": ("FatUst",),
}


class PlanError(ValueError):
    """A field mapping cannot be compiled (a configuration error); ``where`` names it."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def _resolve(mapping: FieldMapping, cat: EntityCatalog, *, line: bool, origin: str,
             value_tables: Mapping[str, Mapping[str, str]]) -> Rule:
    """Resolve one mapping against a catalog. Raises ``PlanError``."""
    family = family_of(cat.erp)
    try:
        chain = parse_chain(mapping.converters, value_tables)
    except ConverterError as exc:
        raise PlanError(f"{origin}.converters", str(exc)) from None
    written = mapping.erp.strip()
    entry = cat.get(written, line=line)
    if family == "logo":
        if entry is None and not _LOGO_NAME.fullmatch(written):
            raise PlanError(f"{origin}.erp", f"{written!r} is not an XML tag name")
        if entry is None and written.upper() in LOGO_STRUCTURE:
            raise PlanError(f"{origin}.erp", f"{written} is part of the document structure, "
                                             "not a field")
        name = entry.name if entry else written
        key, level = name, (entry.level if entry else ("line" if line else "header"))
    else:
        match = _NETSIS_NAME.fullmatch(written)
        if match is None:
            raise PlanError(f"{origin}.erp", f"{written!r} is not a JSON property name "
                                             "(Property or Section.Property)")
        section, prop = match.group(1), match.group(2)
        if entry is None:
            entry = cat.get(prop, line=line)
        if line:
            allowed: tuple[str, ...] = ("Kalems",)
        else:
            allowed = NETSIS_SECTIONS[cat.entity]
        if section is not None and section not in allowed:
            raise PlanError(f"{origin}.erp", f"section {section!r} is not one of "
                                             + ", ".join(allowed))
        if entry is not None and section is not None and entry.section != section:
            raise PlanError(f"{origin}.erp", f"{entry.name} belongs to {entry.section}")
        name = entry.name if entry else prop
        sect = entry.section if entry else (section or allowed[0])
        key = f"{sect}.{name}" if sect and not line else name
        level = "line" if line else "header"
    if entry is not None and mapping.direction != "erp_to_crm":
        if entry.managed:
            what = entry.en[0].lower() + entry.en[1:]
            raise PlanError(f"{origin}.erp", f"{entry.name} is filled by the service ({what}); it "
                                             "cannot be mapped from the CRM (use direction "
                                             "erp_to_crm to read it)")
        if entry.readonly:
            raise PlanError(f"{origin}.erp", f"{entry.name} is computed by the ERP; map it with "
                                             "direction erp_to_crm")
    kind: FieldType = entry.type if entry else "string"
    return Rule(
        crm=mapping.crm, key=key, name=name, level=level, type=kind,
        forward=mapping.direction in ("crm_to_erp", "both"),
        backward=mapping.direction in ("erp_to_crm", "both"),
        if_empty=mapping.copy_mode == "if_target_empty",
        converters=chain, has_default=has_default(chain), origin=origin, entry=entry,
        write=_forward(chain, values.writer(family, kind)),
    )


def _merge(defaults: Iterable[Rule], own: list[Rule]) -> tuple[Rule, ...]:
    """Defaults first, then the set's rules; a set rule for a CRM field replaces every default for
    that CRM field, and a set rule writing an ERP field takes it from the defaults' forward side."""
    own_crm = {rule.crm for rule in own}
    own_forward_keys = {rule.key for rule in own if rule.forward}
    merged: list[Rule] = []
    placed: set[str] = set()
    for rule in defaults:
        if rule.crm in own_crm:
            # the set's rules for this CRM field take the place of its defaults (document order)
            if rule.crm not in placed:
                placed.add(rule.crm)
                merged.extend(r for r in own if r.crm == rule.crm)
            continue
        if rule.forward and rule.key in own_forward_keys:
            if not rule.backward:
                continue
            rule = replace(rule, forward=False)
        merged.append(rule)
    merged.extend(r for r in own if r.crm not in placed)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class Plan:
    """The compiled mappings of one set for one entity."""

    erp: str
    entity: Entity
    catalog: EntityCatalog
    header: tuple[Rule, ...]
    lines: tuple[Rule, ...]
    header_forward: tuple[Rule, ...] = field(default=())
    header_backward: tuple[Rule, ...] = field(default=())
    line_forward: tuple[Rule, ...] = field(default=())
    line_backward: tuple[Rule, ...] = field(default=())

    @classmethod
    def build(cls, erp: str, entity: Entity, header: tuple[Rule, ...],
              lines: tuple[Rule, ...]) -> Plan:
        cat = catalog(erp, entity)
        assert cat is not None
        return cls(erp, entity, cat, header, lines,
                   tuple(r for r in header if r.forward), tuple(r for r in header if r.backward),
                   tuple(r for r in lines if r.forward), tuple(r for r in lines if r.backward))

    def crm_names(self) -> dict[tuple[str, str], list[str]]:
        """(level, ERP field) -> the CRM fields written onto it (for the catalog's ``crm``)."""
        names: dict[tuple[str, str], list[str]] = {}
        for level, rules in (("header", self.header), ("line", self.lines)):
            for rule in rules:
                names.setdefault((level, rule.name), [])
                if rule.crm not in names[(level, rule.name)]:
                    names[(level, rule.name)].append(rule.crm)
        return names


def compile_plan(integration_set: IntegrationSet, entity: Entity) -> Plan:
    """Compile the defaults and the set's mappings of ``entity``. Raises ``PlanError``."""
    erp = integration_set.erp
    cat = catalog(erp, entity)
    if cat is None:
        raise PlanError(entity, f"{entity} is not an ERP document of {erp}")
    tables = integration_set.value_tables
    defaults = [_resolve(m, cat, line=False, origin="default", value_tables=tables)
                for m in default_mappings(erp, entity)]
    own = [_resolve(m, cat, line=False, origin=f"mappings.{entity}[{i}]", value_tables=tables)
           for i, m in enumerate(integration_set.mappings.for_entity(entity))]
    lines: tuple[Rule, ...] = ()
    if entity in DOCUMENT_ENTITIES:
        line_defaults = [_resolve(m, cat, line=True, origin="default", value_tables=tables)
                         for m in default_line_mappings(erp, entity)]
        line_own = [_resolve(m, cat, line=True, origin=f"mappings.line[{i}]", value_tables=tables)
                    for i, m in enumerate(integration_set.mappings.line)]
        lines = _merge(line_defaults, line_own)
    return Plan.build(erp, entity, _merge(defaults, own), lines)


_PLANS: DerivedCache[Plan] = DerivedCache(128)


def plan_for(integration_set: IntegrationSet, entity: Entity) -> Plan:
    """The compiled plan (cached). A set that fails to compile raises ``MappingFailed``."""
    try:
        return _PLANS.get(integration_set, entity, lambda: compile_plan(integration_set, entity))
    except PlanError as exc:
        raise MappingFailed(f"set {integration_set.code}: the field mappings of {entity} are "
                            "invalid", details=[Detail(exc.reason, "input", path=exc.where)]) from None


def mapping_problems(integration_set: IntegrationSet) -> list[str]:
    """Every problem of the set's field mappings (for config validation), as sentences. The plans
    that compile are kept for the set (``plan_for`` finds them)."""
    problems: list[str] = []
    supported = entities_for(integration_set.erp)
    for entity in ENTITIES:
        if integration_set.mappings.for_entity(entity) and entity not in supported:
            problems.append(f"mappings.{entity}: {entity} is not an ERP document of "
                            f"{integration_set.erp} (quotes exist only in Netsis)")
    if integration_set.mappings.line and not any(e in DOCUMENT_ENTITIES for e in supported):
        problems.append("mappings.line: no document entity")
    for entity in supported:
        try:
            _PLANS.put(integration_set, entity, compile_plan(integration_set, entity))
        except PlanError as exc:
            if str(exc) not in problems:
                problems.append(str(exc))
    return problems


def maps_crm_field(integration_set: IntegrationSet, entity: Entity, crm: str, *,
                   line: bool = False) -> bool:
    """Whether the set's mappings carry the CRM field ``crm`` forward (on the lines, or the
    header) onto some ERP field."""
    plan = plan_for(integration_set, entity)
    return any(rule.crm == crm for rule in (plan.line_forward if line else plan.header_forward))


def crm_field_for(integration_set: IntegrationSet, entity: Entity, erp_key: str, *,
                  line: bool = False) -> str | None:
    """The CRM field the set's mappings write onto an ERP field (the first, forward), or None."""
    plan = plan_for(integration_set, entity)
    for rule in plan.line_forward if line else plan.header_forward:
        if rule.key == erp_key:
            return rule.crm
    return None
