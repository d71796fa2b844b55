"""An integration set (SPEC §2): a named connection to one ERP company, with its users, mappings,
SQL and settings.

The models check what they can see by themselves (consistency of the ERP kind and its sections,
users, value tables). What needs the field catalog and the SQL validator (mappings, statements) is
checked by the code that loads or registers a set (``integrator.services.sets``), which passes its
check in the validation context under ``SET_CHECK``: this package imports no other layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from integrator.config.base import (
    SET_CODE_PATTERN,
    CheckAction,
    CopyMode,
    Direction,
    ErpKind,
    MappedEntity,
    Model,
    ParamType,
    TransferType,
)
from integrator.config.endpoints import Database, LogoService, NetsisService
from integrator.errors import Detail

__all__ = [
    "CODE_TEMPLATE",
    "SET_CHECK",
    "SET_CHECK_ERROR",
    "CheckName",
    "CodePolicies",
    "CodePolicy",
    "Credentials",
    "Database",
    "Extension",
    "FieldMapping",
    "IntegrationSet",
    "LogoService",
    "Mappings",
    "NamedQuery",
    "NetsisPriceOptions",
    "NetsisService",
    "QueryParam",
    "SetCheck",
    "SetUser",
    "Settings",
    "SqlDefinitions",
    "describe",
    "firm_code",
    "period_code",
]


# the validation-context key of a set check: ``IntegrationSet -> list of problems``; each problem
# is a ``Detail`` (``source="sql"`` with the statement's path for SQL). The problems reach the
# caller in the validation error of type ``SET_CHECK_ERROR``, under ``ctx["problems"]``.
SET_CHECK = "integrator.set_check"
SET_CHECK_ERROR = "set_check"
SetCheck = Callable[["IntegrationSet"], list[Detail]]


def firm_code(firm: int) -> str:
    """The firm as table names carry it: zero-padded to three digits (LG_001_...)."""
    return f"{firm:03d}"


def period_code(period: int) -> str:
    """The period as table names carry it: zero-padded to two digits (LG_001_01_...)."""
    return f"{period:02d}"


def describe(problem: Detail) -> str:
    """One problem of a set check as a sentence."""
    return f"{problem.path}: {problem.text}" if problem.path else problem.text

class Credentials(Model):
    """How the service logs in to the ERP for a CRM user (F3)."""

    mode: Literal["per_user", "shared"] = "shared"
    user: str | None = None
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _shared_needs_user(self) -> Credentials:
        if self.mode == "shared" and not self.user:
            raise ValueError("credentials.mode 'shared' needs 'user' (and usually 'password')")
        return self


class SetUser(Model):
    """A CRM user permitted on the set, with everything per user (F2, F3, F5, F7, F24)."""

    name: str = Field(min_length=1, description="CRM user name")
    default: bool = Field(default=False, description="this set is the user's default set")
    erp_user: str | None = None
    erp_password: SecretStr | None = None
    warehouses: list[int] | Literal["all"] = Field(
        default_factory=list, description="permitted warehouses (Tiger NR / Netsis DEPO_KODU)"
    )
    salesman: str | None = Field(default=None, description="ERP salesman code of this user")
    transfer_type: TransferType | None = Field(default=None, description="default transfer type")

    def may_use_warehouse(self, number: int) -> bool:
        return self.warehouses == "all" or number in self.warehouses


class FieldMapping(Model):
    """One CRM field <-> one fixed ERP field (F8)."""

    crm: str = Field(min_length=1, description="CRM field name (standard or custom)")
    erp: str = Field(min_length=1, description="ERP XML tag (Tiger/Go) or JSON property (Netsis)")
    direction: Direction = "both"
    copy_mode: CopyMode = Field(default="always", alias="copy")
    converters: list[str] = Field(default_factory=list, description="names from the closed registry")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Mappings(Model):
    account: list[FieldMapping] = Field(default_factory=list)
    product: list[FieldMapping] = Field(default_factory=list)
    order: list[FieldMapping] = Field(default_factory=list)
    dispatch: list[FieldMapping] = Field(default_factory=list)
    quote: list[FieldMapping] = Field(default_factory=list)
    line: list[FieldMapping] = Field(default_factory=list)

    def for_entity(self, entity: MappedEntity) -> list[FieldMapping]:
        result: list[FieldMapping] = getattr(self, entity)
        return result


class QueryParam(Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: ParamType = "str"
    source: Literal["body", "link"] = "body"
    required: bool = True


class NamedQuery(Model):
    """A named read-only query of the set (F14, F21)."""

    XML_TEXT: ClassVar[frozenset[str]] = frozenset({"sql", "description"})

    sql: str = Field(min_length=1)
    description: str = ""
    entity: Literal["account", "product", "none"] = "none"
    params: list[QueryParam] = Field(default_factory=list)


class SqlDefinitions(Model):
    """Set-level SQL. Every statement is T-SQL, validated as one read-only SELECT before use.

    ``None`` means: use the default statement for the set's ERP kind.
    """

    XML_TEXT: ClassVar[frozenset[str]] = frozenset({
        "account_search", "product_search", "account_list", "product_list", "account_statement",
        "account_opening_balance", "product_stock", "warehouses", "salesmen", "stock_check",
        "risk_check", "price", "quote_document", "order_lines", "dispatch_lines", "quote_lines",
        "quote_products",
    })

    account_search: str | None = None
    product_search: str | None = None
    account_list: str | None = None
    product_list: str | None = None
    account_statement: str | None = None
    account_opening_balance: str | None = None
    product_stock: str | None = None
    warehouses: str | None = None
    salesmen: str | None = None
    stock_check: str | None = None
    risk_check: str | None = None
    price: str | None = None
    quote_document: str | None = None
    order_lines: str | None = None
    dispatch_lines: str | None = None
    quote_lines: str | None = None
    quote_products: str | None = None
    queries: dict[str, NamedQuery] = Field(default_factory=dict)

    @field_validator("queries")
    @classmethod
    def _query_names(cls, value: dict[str, NamedQuery]) -> dict[str, NamedQuery]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
                raise ValueError(f"query name {name!r} must match [A-Za-z0-9_.-]{{1,64}}")
        return value


class NetsisPriceOptions(Model):
    conditional: bool = Field(default=True, description="KosulluHesapla")
    by_stock_card: bool = Field(default=False, description="StokKartinaGoreHesapla")
    by_price_system: bool = Field(default=False, description="FiyatSistemineGoreHesapla")


CODE_TEMPLATE = re.compile(r"^(?P<prefix>[^{}]*)\{n(?::0(?P<width>[1-9][0-9]?)d)?\}(?P<suffix>[^{}]*)$")


class CodePolicy(Model):
    """Where the ERP code of a record created during a quote transfer comes from (F15, F22) when
    the CRM record carries none (docs/sets.md, "Code policy")."""

    source: Literal["field", "crm_id", "template"] = Field(
        default="field", description="a CRM field, the CRM id, or a template with the next number")
    field: str = Field(default="Code", min_length=1, description="the CRM field (source field)")
    template: str | None = Field(
        default=None, description="e.g. '120.99.{n:05d}': the next free number fills {n}")

    @model_validator(mode="after")
    def _template(self) -> CodePolicy:
        if self.source == "template" and (not self.template
                                           or not CODE_TEMPLATE.match(self.template)):
            raise ValueError("code_policy source 'template' needs a template with one {n} or "
                                 "{n:0Nd} and no other braces, e.g. '120.99.{n:05d}'")
        return self


class CodePolicies(Model):
    account: CodePolicy = Field(default_factory=CodePolicy)
    product: CodePolicy = Field(default_factory=CodePolicy)


CheckName = Literal["stock", "risk"]


class Settings(Model):
    price_source: Literal["erp", "crm", "sql"] = Field(
        default="erp", description="prices (F33, F34): the ERP calculates them, the CRM owns them "
                                   "(the service is not asked), or the set's sql.price")
    netsis_price_options: NetsisPriceOptions = Field(default_factory=NetsisPriceOptions)
    stock_check_action: CheckAction = "warn"
    risk_check_action: CheckAction = "warn"
    transfer_checks: list[CheckName] = Field(
        default_factory=list,
        description="checks a quote transfer runs before it writes anything (F30, F32): a block "
                    "refuses the transfer, a warning is reported with it")
    risk_source: Literal["sql", "erp"] = Field(
        default="sql", description="the account's current risk: the set's risk_check SQL, or "
                                   "(Netsis) the ERP's ARPs/Risk service with the limit from SQL")
    risk_dbs: bool = Field(default=False, description="Tiger/Go: the DBS (direct debit) limits "
                                                      "of the account card count in its limit")
    auto_create_account: bool = False
    auto_create_product: bool = False
    stock_by_selected_warehouse: bool = False
    default_transfer_type: TransferType | None = Field(
        default="order", description="transfer type of users without their own; null: the CRM "
                                     "must name it (?as=) when a user has none")
    code_policy: CodePolicies = Field(default_factory=CodePolicies)
    on_duplicate: Literal["error", "link"] = "error"
    write_concurrency: int = Field(default=2, ge=1, le=64, description="concurrent ERP writes")
    write_queue: int = Field(default=100, ge=0, le=100_000, description="writes waiting for a seat")
    netsis_series: dict[TransferType, str] = Field(
        default_factory=lambda: {"order": "S", "dispatch": "I", "quote": "T"},  # type: ignore[arg-type]
        description="Netsis numbering series (Seri) per document type",
    )
    dispatch_type: int = Field(default=8, description="Tiger sales dispatch TYPE (7 retail, 8 wholesale)")

    @field_validator("netsis_series")
    @classmethod
    def _series(cls, value: dict[TransferType, str]) -> dict[TransferType, str]:
        for kind, series in value.items():
            if not 1 <= len(series) <= 14:
                raise ValueError(f"series for {kind} must be 1-14 characters (FATIRS_NO is 15)")
        return value


class Extension(Model):
    """A whitelisted Tiger/Go custom-field table (LG_XT<nnn>_FFF) for the one SQL write (F4)."""

    entity: Literal["account", "product"]
    table: str = Field(pattern=r"^LG_XT\d{3}_(FFF|\d{3})$", description="e.g. LG_XT001_FFF")
    columns: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]] = Field(
        min_length=1
    )


class IntegrationSet(Model):
    """A named connection to one ERP company (SPEC §2)."""

    code: str = Field(pattern=SET_CODE_PATTERN)
    name: str = ""
    erp: ErpKind
    firm: int | None = Field(default=None, ge=1, le=999, description="Tiger/Go firm number")
    period: int | None = Field(default=None, ge=1, le=99, description="Tiger/Go period number")
    branch: int | None = Field(default=None, ge=-1, le=32767, description="Netsis branch (SUBE_KODU)")
    logo: LogoService | None = None
    netsis: NetsisService | None = None
    database: Database
    credentials: Credentials
    users: list[SetUser] = Field(default_factory=list)
    mappings: Mappings = Field(default_factory=Mappings)
    value_tables: dict[str, dict[str, str]] = Field(default_factory=dict)
    sql: SqlDefinitions = Field(default_factory=SqlDefinitions)
    settings: Settings = Field(default_factory=Settings)
    extensions: list[Extension] = Field(default_factory=list)

    @field_validator("firm", "period", mode="before")
    @classmethod
    def _digits(cls, value: Any) -> Any:
        # "001" and 1 both mean firm 1; YAML reads 001 as the int 1 anyway
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> IntegrationSet:
        if self.erp in ("tiger", "go"):
            if self.logo is None:
                raise ValueError(f"erp '{self.erp}' needs a 'logo' section (LogoObjectService)")
            if self.netsis is not None:
                raise ValueError(f"erp '{self.erp}' must not have a 'netsis' section")
            if self.firm is None or self.period is None:
                raise ValueError(f"erp '{self.erp}' needs 'firm' and 'period'")
            if self.branch is not None:
                raise ValueError("'branch' is a Netsis setting; Tiger/Go sets use firm and period")
        else:
            if self.netsis is None:
                raise ValueError("erp 'netsis' needs a 'netsis' section (NetOpenX REST)")
            if self.logo is not None:
                raise ValueError("erp 'netsis' must not have a 'logo' section")
            if self.branch is None:
                raise ValueError("erp 'netsis' needs 'branch' (SUBE_KODU)")
            if self.firm is not None or self.period is not None:
                raise ValueError("'firm'/'period' are Tiger/Go settings; Netsis sets use branch")
            if self.extensions:
                raise ValueError("custom-field extensions (LG_XT) exist only for Tiger/Go")
            if self.database.writer_connection_string is not None:
                raise ValueError("a writer connection exists only for Tiger/Go custom fields")
        names = [u.name for u in self.users]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"users listed twice: {', '.join(duplicates)}")
        if self.credentials.mode == "per_user":
            missing = [u.name for u in self.users if not u.erp_user]
            if missing:
                raise ValueError(
                    "credentials.mode 'per_user' needs erp_user for every user; missing for: "
                    + ", ".join(missing)
                )
        if self.extensions and self.database.writer_connection_string is None:
            raise ValueError("extensions need database.writer_connection_string")
        if self.settings.price_source == "sql" and not self.sql.price:
            raise ValueError("settings.price_source 'sql' needs sql.price (a SELECT returning "
                             "REF, CODE, PRICE, DISCOUNT1, DISCOUNT2, CURRENCY per product)")
        if self.settings.risk_source == "erp" and self.is_logo:
            raise ValueError("settings.risk_source 'erp' (ARPs/Risk) exists only for Netsis; "
                             "Tiger/Go risk comes from SQL")
        if self.settings.risk_dbs and not self.is_logo:
            raise ValueError("settings.risk_dbs: DBS limits are Tiger/Go account-card fields")
        for entity in ("account", "product", "order", "dispatch", "quote", "line"):
            for i, mapping in enumerate(getattr(self.mappings, entity)):
                for conv in mapping.converters:
                    table = _value_table_name(conv)
                    if table is not None and table not in self.value_tables:
                        raise ValueError(
                            f"mappings.{entity}[{i}] uses value table {table!r}, "
                            "which is not in value_tables"
                        )
        # converters, ERP field names, managed fields, SQL: checked by whoever loads or registers
        # the set (integrator.services.sets), passed in the validation context
        check = (info.context or {}).get(SET_CHECK) if info is not None else None
        if check is not None:
            problems = check(self)
            if problems:
                raise PydanticCustomError(SET_CHECK_ERROR, "{summary}", {
                    "summary": "; ".join(describe(p) for p in problems), "problems": problems})
        return self

    # -- derived values ---------------------------------------------------------------------
    @property
    def firm_code(self) -> str:
        """Zero-padded firm for table names (LG_001_...)."""
        if self.firm is None:
            raise ValueError(f"set {self.code} has no firm")
        return firm_code(self.firm)

    @property
    def period_code(self) -> str:
        if self.period is None:
            raise ValueError(f"set {self.code} has no period")
        return period_code(self.period)

    @property
    def is_logo(self) -> bool:
        return self.erp in ("tiger", "go")

    def user(self, name: str) -> SetUser | None:
        for entry in self.users:
            if entry.name == name:
                return entry
        return None


def _value_table_name(converter: str) -> str | None:
    match = re.fullmatch(r"\s*value_table\(\s*([^)]*?)\s*\)\s*", converter)
    return match.group(1) if match else None
