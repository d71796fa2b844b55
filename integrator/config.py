"""Configuration: the service config and the integration sets (SPEC §2), as pydantic models.

Two sources feed these models with the same structure:

* YAML files: ``service.yaml`` (the service) and ``sets/*.yaml`` (one integration set per file).
  String values may reference environment variables as ``${NAME}`` (or ``${NAME:-default}``), which
  is how secrets reach the config without being written into files.
* The CRM, which pushes sets as XML (``integrator.sessions.setxml``) that maps 1:1 onto the same
  models.

Every secret is a ``SecretStr``: masked in ``repr``, in ``model_dump()`` and in logs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

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


class Model(BaseModel):
    """Base of every config model: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    # fields written as element text (not attributes) in the set XML (long texts such as SQL)
    XML_TEXT: ClassVar[frozenset[str]] = frozenset()


# -- integration set parts -----------------------------------------------------------------------
class LogoService(Model):
    """LogoObjectService endpoint of a Tiger/Go set."""

    url: Annotated[str, Field(pattern=r"^https?://", description="LogoObjectService URL")]
    security_code: SecretStr = Field(description="securityCode GUID configured on the service")
    lbs_load_pass: SecretStr = Field(default=SecretStr(""), description="LbsLoadPass, if required")
    compress: bool = Field(default=False, description="send dataXML as gzip+base64")
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    timeout_s: float = Field(default=60.0, gt=0, le=600)
    params: dict[str, str] = Field(
        default_factory=dict,
        description="paramXML overrides (ApplyCampaign, ApplyCondition, FillAccCodes, CheckRight, ...)",
    )


class NetsisService(Model):
    """NetOpenX REST endpoint of a Netsis set."""

    url: Annotated[str, Field(pattern=r"^https?://", description="base URL, e.g. http://h:7070/api/v2/")]
    dbname: str = Field(min_length=1, description="company database name (token dbname)")
    dbuser: str = Field(default="TEMELSET")
    dbpassword: SecretStr = Field(default=SecretStr(""))
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    timeout_s: float = Field(default=60.0, gt=0, le=600)


class Database(Model):
    """The ERP's database, reached over ODBC with a read-only login."""

    engine: DbEngine = "mssql"
    connection_string: SecretStr = Field(description="ODBC connection string of the read-only login")
    writer_connection_string: SecretStr | None = Field(
        default=None, description="separate login for the custom-field (LG_XT) writes of F4"
    )
    login_timeout_s: int = Field(default=5, ge=1, le=120)
    query_timeout_s: int = Field(default=30, ge=1, le=3600)
    max_rows: int = Field(default=5000, ge=1, le=1_000_000)
    repair_turkish: bool = Field(default=False, description="repair Netsis mojibake (Ý Þ Ð ý þ ð)")


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
        "risk_check", "price",
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


class Settings(Model):
    price_source: Literal["erp", "crm", "sql"] = "erp"
    netsis_price_options: NetsisPriceOptions = Field(default_factory=NetsisPriceOptions)
    stock_check_action: CheckAction = "warn"
    risk_check_action: CheckAction = "warn"
    auto_create_account: bool = False
    auto_create_product: bool = False
    stock_by_selected_warehouse: bool = False
    default_transfer_type: TransferType = "order"
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
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> IntegrationSet:
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
        for entity in ("account", "product", "order", "dispatch", "quote", "line"):
            for i, mapping in enumerate(getattr(self.mappings, entity)):
                for conv in mapping.converters:
                    table = _value_table_name(conv)
                    if table is not None and table not in self.value_tables:
                        raise ValueError(
                            f"mappings.{entity}[{i}] uses value table {table!r}, "
                            "which is not in value_tables"
                        )
        # converters, ERP field names and managed fields, checked against the field catalog
        from integrator.translators.base import mapping_problems

        problems = mapping_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- derived values ---------------------------------------------------------------------
    @property
    def firm_code(self) -> str:
        """Zero-padded firm for table names (LG_001_...)."""
        if self.firm is None:
            raise ValueError(f"set {self.code} has no firm")
        return f"{self.firm:03d}"

    @property
    def period_code(self) -> str:
        if self.period is None:
            raise ValueError(f"set {self.code} has no period")
        return f"{self.period:02d}"

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


# -- service config ------------------------------------------------------------------------------
class ApiKey(Model):
    name: str = Field(min_length=1, description="who uses the key (shown in logs)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the key")


class Listen(Model):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class Limits(Model):
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_xml_depth: int = Field(default=32, ge=4, le=256)
    max_bulk_records: int = Field(default=100_000, ge=1)


class SessionSettings(Model):
    idle_ttl_s: int = Field(default=1800, ge=1, le=7 * 24 * 3600)


class LoggingSettings(Model):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "console"] = "json"
    access_log: bool = True


class HttpSettings(Model):
    """Outbound HTTP (one shared ClientSession for every ERP call)."""

    connection_limit: int = Field(default=100, ge=1)
    connection_limit_per_host: int = Field(default=20, ge=1)


class ErpSettings(Model):
    """Resilience of the ERP gateways (N5): circuit breaker, retries, token refresh."""

    breaker_failures: int = Field(default=5, ge=1, le=1000,
                                  description="consecutive failures that open an endpoint's circuit")
    breaker_open_s: float = Field(default=30.0, gt=0, le=3600,
                                  description="how long an open circuit refuses calls before a probe")
    retry_attempts: int = Field(default=3, ge=1, le=20,
                                description="tries of a call that certainly did not leave")
    retry_timeout_s: float = Field(default=10.0, gt=0, le=600, description="cap on all tries")
    retry_wait_initial_s: float = Field(default=0.1, ge=0, le=60)
    retry_wait_max_s: float = Field(default=2.0, ge=0, le=600)
    token_refresh_margin_s: float = Field(
        default=60.0, ge=0, le=3600, description="renew a Netsis token this long before it expires")


class OdbcSettings(Model):
    max_workers: int = Field(default=8, ge=1, le=256)


class SyncSettings(Model):
    """Account and product synchronisation (F9-F11, F16-F18, N5; docs/sync.md)."""

    remember_ttl_s: int = Field(
        default=7 * 24 * 3600, ge=60, le=366 * 24 * 3600,
        description="how long a create is remembered per (set, entity, crmId): a repeat without "
                    "the link becomes an update of the remembered record")
    claim_wait_s: float = Field(
        default=10.0, ge=0, le=300,
        description="how long a create waits for a concurrent create of the same CRM record")
    page_size: int = Field(default=1000, ge=1, le=1_000_000,
                           description="records per bulk read page when the request names no limit")
    read_batch: int = Field(default=500, ge=1, le=50_000,
                            description="rows fetched from the database per round trip while "
                                        "streaming a bulk read")


class ServiceConfig(Model):
    listen: Listen = Field(default_factory=Listen)
    api_keys: list[ApiKey] = Field(default_factory=list)
    store: SecretStr = Field(default=SecretStr("memory"), description="'memory' or a redis:// URL")
    store_prefix: str = Field(default="integrator:", pattern=r"^[A-Za-z0-9:_.-]{0,64}$")
    store_encryption_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Fernet keys sealing sets in the store (first seals, all open); "
                    "`integrator new-store-key` makes one")
    limits: Limits = Field(default_factory=Limits)
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    odbc: OdbcSettings = Field(default_factory=OdbcSettings)
    erp: ErpSettings = Field(default_factory=ErpSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    sets_dir: str | None = Field(default="sets", description="folder of set YAML files")
    sets: list[IntegrationSet] = Field(default_factory=list, description="loaded from sets_dir")

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if raw != "memory" and not raw.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("store must be 'memory' or a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _unique_sets(self) -> ServiceConfig:
        codes = [s.code for s in self.sets]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"set codes defined twice: {', '.join(duplicates)}")
        return self

    @field_validator("store_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        import base64
        import binascii

        for i, key in enumerate(value):
            try:
                raw = base64.urlsafe_b64decode(key.get_secret_value().encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(f"store_encryption_keys[{i}] is not a Fernet key "
                                 "(32 url-safe base64-encoded bytes)")
        return value

    @property
    def store_url(self) -> str:
        return self.store.get_secret_value()


# -- loading ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.reason}"


class ConfigError(Exception):
    """Configuration is invalid; ``problems`` names file, field path and reason for each."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _interpolate(value: Any, path: str, env: Mapping[str, str], problems: list[str]) -> Any:
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            problems.append(f"{path}: environment variable {name} is not set")
            return ""

        return _ENV_REF.sub(replace, value)
    if isinstance(value, dict):
        return {k: _interpolate(v, f"{path}.{k}" if path else str(k), env, problems)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, f"{path}[{i}]", env, problems) for i, v in enumerate(value)]
    return value


def format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_problems(exc: ValidationError, file: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        reason = err["msg"]
        if reason.startswith("Value error, "):
            reason = reason[len("Value error, "):]
        problems.append(Problem(file, format_loc(loc), reason))
    return problems


def _read_yaml(path: Path, env: Mapping[str, str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem(str(path), "", f"cannot read: {exc.strerror}")]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigError([Problem(str(path), where, f"invalid YAML: {exc}")]) from exc
    env_problems: list[str] = []
    data = _interpolate(data, "", env, env_problems)
    if env_problems:
        raise ConfigError([Problem(str(path), *p.split(": ", 1)) for p in env_problems])
    return data


def load_set_file(path: Path, env: Mapping[str, str] | None = None) -> IntegrationSet:
    data = _read_yaml(path, os.environ if env is None else env)
    if not isinstance(data, dict):
        raise ConfigError([Problem(str(path), "", "a set file must hold one mapping (one set)")])
    try:
        return IntegrationSet.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, str(path))) from exc


def iter_set_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> ServiceConfig:
    """Load the service config and every set file of its ``sets_dir``; all problems at once."""
    env = os.environ if env is None else env
    file = Path(path)
    data = _read_yaml(file, env) or {}
    if not isinstance(data, dict):
        raise ConfigError([Problem(str(file), "", "the service config must be a mapping")])
    if "sets" in data:
        raise ConfigError([Problem(str(file), "sets", "sets live in files under sets_dir")])
    problems: list[Problem] = []
    sets: list[IntegrationSet] = []
    sets_dir = data.get("sets_dir", "sets")
    if sets_dir:
        folder = (file.parent / str(sets_dir)).resolve()
        if not folder.is_dir():
            problems.append(Problem(str(file), "sets_dir", f"folder {folder} does not exist"))
        else:
            seen: dict[str, Path] = {}
            for set_file in iter_set_files(folder):
                try:
                    loaded = load_set_file(set_file, env)
                except ConfigError as exc:
                    problems.extend(exc.problems)
                    continue
                if loaded.code in seen:
                    problems.append(Problem(str(set_file), "code",
                                            f"set {loaded.code} is also defined in {seen[loaded.code]}"))
                    continue
                seen[loaded.code] = set_file
                sets.append(loaded)
    try:
        config = ServiceConfig.model_validate({**data, "sets": []})
    except ValidationError as exc:
        problems[:0] = validation_problems(exc, str(file))
        raise ConfigError(problems) from exc
    if problems:
        raise ConfigError(problems)
    return config.model_copy(update={"sets": sets})


# -- masked summary (check-config) -------------------------------------------------------------
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
        f"store: {_mask_url(config.store_url)}",
        f"api keys: {', '.join(k.name for k in config.api_keys) or '(none)'}",
        f"limits: body {config.limits.max_body_bytes} bytes, xml depth {config.limits.max_xml_depth}",
        f"session idle ttl: {config.sessions.idle_ttl_s}s",
        f"sets: {len(config.sets)}",
    ]
    for s in config.sets:
        if s.is_logo:
            assert s.logo is not None
            where = f"firm {s.firm_code} period {s.period_code} via {s.logo.url} securityCode {MASK}"
        else:
            assert s.netsis is not None
            where = f"branch {s.branch} db {s.netsis.dbname} via {s.netsis.url}"
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


def _mask_url(url: str) -> str:
    return re.sub(r"(//[^:/@]*:)[^@]*@", rf"\1{MASK}@", url)
