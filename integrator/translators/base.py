"""The declarative mapping engine (OCA connector mappers, research/architecture.md A1).

A translator is a class per (ERP kind, entity):

* ``direct`` — fixed pairs ``(source, erp_field)``: constants written on insert (``const``), values
  the service owns and a mapping may not replace (``managed``: links, the quote id, warehouse,
  salesman, branch), and values used only when no mapping produced the field (``fallback``:
  the account code from the link);
* ``@mapping`` methods — small computed parts (a packed time from a datetime, the unit list of an
  item, the Netsis net price), each returning a fragment that is merged in;
* ``children`` — the translator of a document's lines.

The field mappings (the defaults of ``defaults.py`` overridden by the set's own, SPEC F8) are
compiled once per set and entity into a ``Plan`` of rules and applied at run time with their
direction, copy mode and converters. Everything here is pure: no I/O, no clock, no globals beyond
caches of compiled plans.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast

from integrator.config import FieldMapping, IntegrationSet
from integrator.errors import Detail, MappingFailed
from integrator.inbound import CrmRecord
from integrator.translators import values
from integrator.translators.catalog import DOCUMENTS, CatalogField, Entity, EntityCatalog, catalog
from integrator.translators.converters import (
    Converter,
    ConverterError,
    has_default,
    parse_chain,
    run_backward,
)
from integrator.translators.defaults import default_line_mappings, default_mappings
from integrator.translators.values import FieldType, ValueRejected, Writer

if TYPE_CHECKING:
    from integrator.sessions.manager import Context

Operation = Literal["insert", "update"]
Family = Literal["logo", "netsis"]
MAX_DETAILS = 50

RECORD_KINDS: dict[str, str] = {
    "account": "Account", "product": "Product", "order": "Quote", "dispatch": "Quote",
    "quote": "Quote",
}


def family_of(erp: str) -> Family:
    return "netsis" if erp == "netsis" else "logo"


# -- the inputs -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MappingContext:
    """Everything a translation reads besides the CRM record itself (immutable).

    ``current`` is the ERP record as it is now (for updates and copy mode ``if_target_empty``),
    keyed by ERP field: Logo XML tags, Netsis properties qualified by their section
    (``CariTemelBilgi.CARI_ISIM``); ``logo.current_values`` / ``netsis.current_values`` build it.
    """

    integration_set: IntegrationSet
    user: str | None = None
    salesman: str | None = None
    current: Mapping[str, Any] | None = None

    @classmethod
    def for_user(cls, integration_set: IntegrationSet, user: str | None = None,
                 **changes: Any) -> MappingContext:
        member = integration_set.user(user) if user else None
        return cls(integration_set, user, member.salesman if member else None, **changes)

    @classmethod
    def from_session(cls, context: Context, **changes: Any) -> MappingContext:
        """The context of a request's session (``sessions.manager.resolve``)."""
        return cls(context.integration_set, context.user, context.salesman, **changes)

    def with_current(self, current: Mapping[str, Any] | None) -> MappingContext:
        """The same context with the ERP record as it is now (``if_target_empty`` on create)."""
        return replace(self, current=current)

    @property
    def erp(self) -> str:
        return self.integration_set.erp

    @property
    def settings(self) -> Any:
        return self.integration_set.settings


# -- compiled mappings ----------------------------------------------------------------------------
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
    if entity in DOCUMENTS:
        line_defaults = [_resolve(m, cat, line=True, origin="default", value_tables=tables)
                         for m in default_line_mappings(erp, entity)]
        line_own = [_resolve(m, cat, line=True, origin=f"mappings.line[{i}]", value_tables=tables)
                    for i, m in enumerate(integration_set.mappings.line)]
        lines = _merge(line_defaults, line_own)
    return Plan.build(erp, entity, _merge(defaults, own), lines)


class _PlanCache:
    """Compiled plans per (set object, entity). Sets are immutable models; the cache holds the set
    it was built for, so an identity match is exact, and keeps the most recent few."""

    def __init__(self, size: int = 128) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, str], tuple[IntegrationSet, Plan]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, integration_set: IntegrationSet, entity: Entity) -> Plan:
        key = (id(integration_set), entity)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] is integration_set:
                self._items.move_to_end(key)
                return hit[1]
        plan = compile_plan(integration_set, entity)
        with self._lock:
            self._items[key] = (integration_set, plan)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return plan


_PLANS = _PlanCache()


def plan_for(integration_set: IntegrationSet, entity: Entity) -> Plan:
    """The compiled plan (cached). A set that fails to compile raises ``MappingFailed``."""
    try:
        return _PLANS.get(integration_set, entity)
    except PlanError as exc:
        raise MappingFailed(f"set {integration_set.code}: the field mappings of {entity} are "
                            "invalid", details=[Detail(exc.reason, "input", path=exc.where)]) from None


def mapping_problems(integration_set: IntegrationSet) -> list[str]:
    """Every problem of the set's field mappings (for config validation), as sentences."""
    from integrator.translators.catalog import entities_for

    problems: list[str] = []
    supported = entities_for(integration_set.erp)
    every: tuple[Entity, ...] = ("account", "product", "order", "dispatch", "quote")
    for entity in every:
        if integration_set.mappings.for_entity(entity) and entity not in supported:
            problems.append(f"mappings.{entity}: {entity} is not an ERP document of "
                            f"{integration_set.erp} (quotes exist only in Netsis)")
    if integration_set.mappings.line and not any(e in DOCUMENTS for e in supported):
        problems.append("mappings.line: no document entity")
    for entity in supported:
        try:
            compile_plan(integration_set, entity)
        except PlanError as exc:
            if str(exc) not in problems:
                problems.append(str(exc))
    return problems


# -- the declarative translator --------------------------------------------------------------------
SourceFn = Callable[[CrmRecord, "CrmRecord | None", MappingContext], "str | None"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a ``direct`` value comes from."""

    kind: Literal["const", "managed", "fallback"]
    value: Any = None
    fn: SourceFn | None = None
    path: str = ""
    required: str | None = None  # the message when a managed value is missing


def const(value: Any) -> Source:
    """A constant written on insert; a mapping of the field replaces it."""
    return Source("const", value=value)


def managed(fn: SourceFn, path: str, *, required: str | None = None) -> Source:
    """A value the service owns (links, ids, warehouse, salesman); never from a mapping."""
    return Source("managed", fn=fn, path=path, required=required)


def fallback(fn: SourceFn, path: str) -> Source:
    """Used only when no mapping produced the field."""
    return Source("fallback", fn=fn, path=path)


M = TypeVar("M", bound=Callable[..., Any])


def mapping(method: M) -> M:
    """Mark a translator method as a computed part: ``(self, scope, out) -> fragment``; a fragment
    value of ``None`` removes the field."""
    method.__dict__["_is_mapping"] = True
    return method


class _Pending:
    __slots__ = ()


_PENDING = _Pending()


@dataclass(slots=True)
class Scope:
    """One translation in progress: the record (a header or a line), its parent document, the
    context, where it sits in the CRM XML (for error paths) and the errors found so far."""

    record: CrmRecord
    parent: CrmRecord | None
    ctx: MappingContext
    plan: Plan
    base: str  # the path of the record, or of its document for a line (see ``path``)
    errors: list[Detail]
    operation: Operation
    current: Mapping[str, Any] | None = None
    index: int = 0  # 1-based position of a line
    # values of the lines' document-level sources (warehouse, salesman): computed once
    shared: dict[str, Any] | None = None
    # the ``direct`` fields every line of the document starts from (constants, document-level
    # values, a placeholder for each value read from the line), built after the first line
    template: dict[str, Any] | None = None
    # the lines' steps, each with this document's memo of the values it has written
    steps: tuple[_Step, ...] | None = None

    @property
    def path(self) -> str:
        """Where the record sits in the CRM XML (``Lines/Line[2]/`` for a line); made only when
        an error needs it."""
        return f"{self.base}Lines/Line[{self.index}]/" if self.index else self.base

    def fail(self, text: str, path: str) -> None:
        if len(self.errors) < MAX_DETAILS:
            self.errors.append(Detail(text, "input", path=path))


def _source_path(scope: Scope, source: Source) -> str:
    """A source's path in the CRM XML: relative to the record, or absolute when it starts with /."""
    return source.path[1:] if source.path.startswith("/") else scope.path + source.path


def field_path(base: str, crm: str) -> str:
    return f"{base}Field[@name='{crm}']"


# (source, key, writer of the field's type, document-level)
_Direct = tuple[Source, str, Writer, bool]
# (CRM field, ERP key, the rule's forward function, if_target_empty, has a default, message label,
#  memo: CRM value -> ERP value, kept for one document's lines, or None)
_Step = tuple[str, str, Forward, bool, bool, str, "dict[str | None, Any] | None"]


@dataclass(frozen=True, slots=True)
class _Program:
    """What a translator does for one plan, compiled once (``Translator.program``): the ``direct``
    list resolved against the catalog, the forward rules as flat steps, the required fields."""

    direct: tuple[_Direct, ...]
    per_record: tuple[_Direct, ...]  # managed sources read from each line (not document-level)
    fallbacks: tuple[_Direct, ...]
    steps: tuple[_Step, ...]
    required: tuple[tuple[str, str, str | None], ...]  # (key, ERP field, CRM field or None)
    copies_if_empty: bool  # a step copies only into an empty field (it must see the mapped ones)


class Translator:
    """Base of every translator; subclasses set ``direct``, ``children`` and ``@mapping``s.

    The declarations are compiled once per plan into a ``_Program`` (flat tuples and the rules'
    compiled forward functions); ``assemble`` runs it for each record. A document's lines start
    from a template of their shared ``direct`` fields, built after the first line.
    """

    family: ClassVar[Family]
    line_level: ClassVar[bool] = False
    direct: ClassVar[tuple[tuple[Source, str], ...]] = ()
    children: ClassVar[type[Translator] | None] = None
    _mappings: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.child: Translator | None = self.children() if self.children is not None else None
        self._programs: dict[int, tuple[Plan, _Program]] = {}
        self._bound: tuple[Callable[[Scope, dict[str, Any]], Mapping[str, Any]], ...] = tuple(
            getattr(self, name) for name in self._mappings)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                if callable(attr) and getattr(attr, "_is_mapping", False) and name not in names:
                    names.append(name)
        cls._mappings = tuple(names)

    def program(self, plan: Plan) -> _Program:
        """The translator compiled against a plan (cached per plan object)."""
        hit = self._programs.get(id(plan))
        if hit is not None and hit[0] is plan:
            return hit[1]
        cat = plan.catalog
        direct: list[_Direct] = []
        for source, key in self.direct:
            entry = cat.get(key.rsplit(".", 1)[-1], line=self.line_level)
            kind: FieldType = entry.type if entry is not None else "string"
            direct.append((source, key, values.writer(self.family, kind),
                           source.path.startswith("/")))
        rules = plan.line_forward if self.line_level else plan.header_forward
        steps = tuple((rule.crm, rule.key, rule.write, rule.if_empty, rule.has_default,
                       f"{rule.crm} -> {rule.name}", None) for rule in rules)
        entries = cat.line_fields if self.line_level else cat.header_fields
        required = []
        for entry in entries:
            if entry.required and not entry.managed:
                key = self.key_of(entry)
                required.append((key, entry.name,
                                 next((r.crm for r in rules if r.key == key), None)))
        program = _Program(
            tuple(direct),
            tuple(d for d in direct if d[0].kind == "managed" and not d[3]),
            tuple(d for d in direct if d[0].kind == "fallback"),
            steps, tuple(required), any(step[3] for step in steps))
        if len(self._programs) > 256:
            self._programs.clear()
        self._programs[id(plan)] = (plan, program)
        return program

    # -- the mapped fields ---------------------------------------------------------------------------
    def mapped(self, scope: Scope, program: _Program,
               out: dict[str, Any] | None = None) -> dict[str, Any]:
        """Apply the forward rules to the scope's record: ERP key -> typed value, into ``out`` when
        given (a rule copying ``if_target_empty`` looks at the mapped values only, so not then).

        A document's lines repeat their values (units, VAT rates, discounts), so each line step
        remembers what it wrote for a CRM value during the document (``Scope.steps``); the
        forward functions are pure, and a value they refuse is not remembered.
        """
        if out is None:
            out = {}
        fields = scope.record.fields
        current = scope.current
        steps = program.steps if scope.steps is None else scope.steps
        for crm, key, write, if_empty, defaulted, label, memo in steps:
            if crm in fields:
                raw: str | None = fields[crm]
            elif defaulted:
                raw = None
            else:
                continue
            if if_empty and (not values.is_empty(out.get(key)) or (
                    current is not None and not values.is_empty(current.get(key)))):
                continue
            value = _PENDING if memo is None else memo.get(raw, _PENDING)
            if value is _PENDING:
                try:
                    value = write(raw)
                except ValueRejected as exc:
                    scope.fail(f"{label}: {exc}", field_path(scope.path, crm))
                    continue
                if memo is not None:
                    memo[raw] = value
            if value is not None:
                # None: no value after the converters, or an empty Netsis number/date/boolean
                out[key] = value
        return out

    # -- assembling one record -----------------------------------------------------------------------
    def assemble(self, scope: Scope, program: _Program | None = None) -> dict[str, Any]:
        """direct (const, managed, fallback) + mapped fields + @mapping fragments."""
        if program is None:
            program = self.program(scope.plan)
        insert = scope.operation == "insert"
        template = scope.template
        if template is not None and insert:
            out = template.copy()
            record, parent, ctx = scope.record, scope.parent, scope.ctx
            for source, key, write, _ in program.per_record:
                assert source.fn is not None
                raw = source.fn(record, parent, ctx)
                if raw is None:
                    del out[key]
                    if source.required:
                        scope.fail(source.required, scope.path + source.path)
                    continue
                try:
                    out[key] = write(raw)
                except ValueRejected as exc:
                    del out[key]
                    scope.fail(f"{key}: {exc}", scope.path + source.path)
        else:
            out = self._direct(scope, program, insert)
            if scope.shared is not None and insert:
                scope.template = self._template(program, scope.shared)
        if program.copies_if_empty:
            out.update(self.mapped(scope, program))
        else:
            self.mapped(scope, program, out)
        if insert:
            for source, key, write, _ in program.fallbacks:
                if out.get(key) is _PENDING:
                    assert source.fn is not None
                    raw = source.fn(scope.record, scope.parent, scope.ctx)
                    typed: Any = _PENDING
                    if raw is not None:
                        try:
                            typed = write(raw)
                        except ValueRejected as exc:
                            scope.fail(f"{key}: {exc}", _source_path(scope, source))
                    if typed is _PENDING:
                        del out[key]
                    else:
                        out[key] = typed
        for method in self._bound:
            fragment = method(scope, out)
            for key, value in fragment.items():
                if value is None:
                    out.pop(key, None)
                else:
                    out[key] = value
        if insert:
            for key, _, _ in program.required:
                value = out.get(key)
                if value is None or (value.__class__ is str and (not value or value.isspace())):
                    self.check_required(scope, program, out)  # something is missing: say what
                    break
        return out

    def _direct(self, scope: Scope, program: _Program, insert: bool) -> dict[str, Any]:
        """The ``direct`` fields of one record, in declaration order (a fallback is a placeholder
        until the mapped fields are known); a line records its document-level values in
        ``scope.shared``."""
        out: dict[str, Any] = {}
        record, parent, ctx = scope.record, scope.parent, scope.ctx
        shared = scope.shared
        for source, key, write, document_level in program.direct:
            if source.kind == "const":
                if insert:
                    out[key] = source.value
            elif source.kind == "fallback":
                if insert:
                    out[key] = _PENDING
            elif shared is not None and document_level and key in shared:
                if shared[key] is not _PENDING:
                    out[key] = shared[key]
            else:
                assert source.fn is not None
                raw = source.fn(record, parent, ctx)
                value: Any = _PENDING
                if raw is None:
                    if source.required and insert:
                        scope.fail(source.required, _source_path(scope, source))
                else:
                    try:
                        value = out[key] = write(raw)
                    except ValueRejected as exc:
                        scope.fail(f"{key}: {exc}", _source_path(scope, source))
                if shared is not None and document_level:
                    shared[key] = value
        return out

    @staticmethod
    def _template(program: _Program, shared: Mapping[str, Any]) -> dict[str, Any]:
        """The ``direct`` fields every further line starts from, in declaration order: constants,
        document-level values, and a placeholder for each value read from the line itself."""
        template: dict[str, Any] = {}
        for source, key, _, document_level in program.direct:
            if source.kind == "const":
                template[key] = source.value
            elif source.kind == "fallback" or not document_level:
                template[key] = _PENDING
            elif shared.get(key, _PENDING) is not _PENDING:
                template[key] = shared[key]
        return template

    def lines(self, scope: Scope) -> list[dict[str, Any]]:
        """The document's lines, each assembled by the ``children`` translator."""
        child = self.child
        assert child is not None
        assemble = child.assemble
        program = child.program(scope.plan)
        result = []
        sub = Scope(scope.record, scope.record, scope.ctx, scope.plan, scope.path, scope.errors,
                    "insert", None, 0, {})
        sub.steps = tuple((crm, key, write, if_empty, defaulted, label, {})
                          for crm, key, write, if_empty, defaulted, label, _ in program.steps)
        for index, line in enumerate(scope.record.lines, 1):
            sub.record, sub.index = line, index
            result.append(assemble(sub, program))
        if not result:
            scope.fail("a document needs at least one line", f"{scope.path}Lines")
        return result

    def check_required(self, scope: Scope, program: _Program, out: Mapping[str, Any]) -> None:
        failed: set[str | None] | None = None
        for key, name, crm in program.required:
            value = out.get(key)
            if value is not None and not values.is_empty(value):
                continue
            if crm is None:
                scope.fail(f"{name} is required and no CRM field is mapped to it",
                           f"{scope.path}@{name}")
                continue
            path = field_path(scope.path, crm)
            if failed is None:
                failed = {detail.path for detail in scope.errors}
            if path not in failed:
                scope.fail(f"{crm} -> {name}: the ERP requires a value", path)

    def key_of(self, entry: CatalogField) -> str:
        if self.family == "netsis" and entry.section and entry.level != "line":
            return f"{entry.section}.{entry.name}"
        return entry.name


def raise_if_failed(scope: Scope, what: str) -> None:
    if scope.errors:
        count = len(scope.errors)
        noun = "problem" if count == 1 else "problems"
        more = "+" if count >= MAX_DETAILS else ""
        raise MappingFailed(f"{what} cannot be mapped to {scope.ctx.erp} "
                            f"({count}{more} {noun})", details=scope.errors)


def check_kind(record: CrmRecord, entity: Entity) -> None:
    from integrator.errors import ValidationFailed

    expected = RECORD_KINDS[entity]
    if record.kind != expected:
        raise ValidationFailed(f"a {entity} is translated from <{expected}>, not <{record.kind}>")


# -- reverse --------------------------------------------------------------------------------------
def map_backward(rules: tuple[Rule, ...], read: Callable[[Rule], tuple[bool, Any]],
                 convert: Callable[[Any, FieldType], str], *, current: Mapping[str, str] | None,
                 errors: list[Detail], path: Callable[[Rule], str]) -> dict[str, str]:
    """ERP values -> CRM fields for the rules with direction erp_to_crm or both."""
    out: dict[str, str] = {}
    for rule in rules:
        present, raw = read(rule)
        if not present:
            continue
        if rule.if_empty and (not values.is_empty(out.get(rule.crm)) or (
                current is not None and not values.is_empty(current.get(rule.crm)))):
            continue
        text = convert(raw, rule.type)
        if rule.converters:
            try:
                text = run_backward(rule.converters, text)
            except ValueRejected as exc:
                if len(errors) < MAX_DETAILS:
                    errors.append(Detail(f"{rule.name} -> {rule.crm}: {exc}", "erp", path(rule)))
                continue
        out[rule.crm] = text
    return out
