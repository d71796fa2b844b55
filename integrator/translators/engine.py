"""The declarative translator (OCA connector mappers, research/architecture.md A1).

A translator is a class per (ERP kind, entity):

* ``direct`` — fixed pairs ``(source, erp_field)``: constants written on insert (``const``), values
  the service owns and a mapping may not replace (``managed``: links, the quote id, warehouse,
  salesman, branch), and values used only when no mapping produced the field (``fallback``:
  the account code from the link);
* ``@mapping`` methods — small computed parts (a packed time from a datetime, the unit list of an
  item, the Netsis net price), each returning a fragment that is merged in;
* ``children`` — the translator of a document's lines.

The declarations are compiled once per plan (``plan.Plan``) into a ``_Program`` and run for each
record. Everything here is pure: no I/O, no clock, no globals beyond caches of compiled programs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from integrator.caching import DerivedCache
from integrator.errors import Detail, MappingFailed, ValidationFailed
from integrator.model import CrmRecord, Entity
from integrator.model.entities import RECORD_KINDS
from integrator.translators import values
from integrator.translators.catalog import CatalogField
from integrator.translators.context import MAX_DETAILS, Family, MappingContext
from integrator.translators.plan import Forward, Plan
from integrator.translators.values import FieldType, ValueRejected, Writer

Operation = Literal["insert", "update"]

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
        self._programs: DerivedCache[_Program] = DerivedCache(256)
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
        return self._programs.get(plan, None, lambda: self._compile(plan))

    def _compile(self, plan: Plan) -> _Program:
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
    expected = RECORD_KINDS[entity]
    if record.kind != expected:
        raise ValidationFailed(f"a {entity} is translated from <{expected}>, not <{record.kind}>")
