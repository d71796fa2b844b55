"""The service configuration (``service.yaml``): listening, API keys, the store, limits, and the
settings of each part (sessions, logging, outbound HTTP, ODBC, ERP resilience, sync)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from integrator.config.base import Model
from integrator.config.sets import IntegrationSet

__all__ = [
    "CURSOR_KEY_MIN", "SENTINEL_SCHEMES", "WORKERS_MAX", "ApiKey", "ConfigWarning",
    "ErpSettings", "EventLoopName", "HttpSettings", "Limits", "Listen", "LoggingSettings",
    "OdbcSettings", "SentinelUrl", "ServiceConfig", "SessionSettings", "SyncSettings",
    "config_warnings", "parse_sentinel_url", "workers_problem",
]

SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")


@dataclass(frozen=True, slots=True)
class SentinelUrl:
    """``redis+sentinel://[[user]:password@]host:port[,host:port…]/service[/db]
    [?sentinel_password=…]`` (``rediss+sentinel://`` for TLS to the sentinels and the data
    nodes): the sentinels to ask, the monitored master's name, and the data nodes' login."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sentinel_password: str | None = field(default=None, repr=False)
    tls: bool = False


def parse_sentinel_url(url: str) -> SentinelUrl:
    """The parts of a Sentinel store URL; ``ValueError`` naming what is wrong (never the URL,
    which may hold a password)."""
    parts = urlsplit(url)
    if parts.scheme not in SENTINEL_SCHEMES:
        raise ValueError(f"a Sentinel URL starts with {' or '.join(SENTINEL_SCHEMES)}://")
    userinfo, _, hosts = parts.netloc.rpartition("@")
    sentinels = []
    for item in hosts.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not colon or not host or not port.isascii() or not port.isdigit() \
                or not 0 < int(port) < 65536:
            raise ValueError("each sentinel is host:port, separated by commas")
        sentinels.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2:
        raise ValueError("the path is /<master name> or /<master name>/<db>")
    if len(path) == 2 and not (path[1].isascii() and path[1].isdigit()):
        raise ValueError("the database in /<master name>/<db> is a number")
    username = password = None
    if userinfo:
        name, colon, secret = userinfo.partition(":")
        username = unquote(name) or None
        password = unquote(secret) if colon else None
    query = parse_qs(parts.query)
    unknown = set(query) - {"sentinel_password"}
    if unknown:
        raise ValueError(f"unknown Sentinel URL parameter {', '.join(sorted(unknown))}")
    return SentinelUrl(tuple(sentinels), unquote(path[0]), int(path[1]) if len(path) == 2 else 0,
                       username, password, query.get("sentinel_password", [None])[0],
                       parts.scheme == "rediss+sentinel")



WORKERS_MAX = 64  # worker processes of one `integrator serve`


class ApiKey(Model):
    name: str = Field(min_length=1, description="who uses the key (shown in logs)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the key")


# the event loops the service can serve on (``listen.event_loop``)
EventLoopName = Literal["uvloop", "asyncio"]


class Listen(Model):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(
        default=1, ge=1, le=WORKERS_MAX,
        description="worker processes sharing host:port (SO_REUSEPORT); more than one needs a "
                    "shared store; `integrator serve --workers` overrides it")
    event_loop: EventLoopName = Field(
        default="uvloop",
        description="the event loop serving requests: uvloop (libuv, in C: less time per request "
                    "and per executor hop, docs/performance.md) or Python's own asyncio loop")


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
    write_lease_s: float = Field(
        default=15.0, ge=0.5, le=600,
        description="lease of an ERP write seat in the shared store, renewed every third of it "
                    "while the write runs: a replica that dies frees its seats within this time")


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
    store: SecretStr = Field(
        default=SecretStr("memory"),
        description="'memory', a redis://, rediss:// or unix:// URL, or a Redis Sentinel URL "
                    "redis+sentinel://[:password@]host:port[,host:port...]/master[/db]")
    store_prefix: str = Field(default="integrator:", pattern=r"^[A-Za-z0-9:_.-]{0,64}$")
    store_encryption_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Fernet keys sealing sets in the store (first seals, all open); "
                    "`integrator new-store-key` makes one")
    cursor_keys: list[SecretStr] = Field(
        default_factory=list,
        description="keys signing the cursors of bulk reads (first signs, all verify), random "
                    "strings of 32 or more characters; `integrator new-cursor-key` makes one. "
                    "Replicas sharing a store need the same keys")
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
        if raw.startswith(tuple(f"{scheme}://" for scheme in SENTINEL_SCHEMES)):
            parse_sentinel_url(raw)  # ValueError names the problem
        elif raw != "memory" and not raw.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("store must be 'memory', a redis://, rediss:// or unix:// URL, or a "
                             "redis+sentinel:// URL")
        return value

    @model_validator(mode="after")
    def _unique_sets(self) -> ServiceConfig:
        codes = [s.code for s in self.sets]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"set codes defined twice: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _workers_share_the_store(self) -> ServiceConfig:
        problem = workers_problem(self, self.listen.workers)
        if problem:
            raise ValueError(problem)
        return self

    @field_validator("store_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        for i, key in enumerate(value):
            try:
                raw = base64.urlsafe_b64decode(key.get_secret_value().encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(f"store_encryption_keys[{i}] is not a Fernet key "
                                 "(32 url-safe base64-encoded bytes)")
        return value

    @field_validator("cursor_keys")
    @classmethod
    def _cursor_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        for i, key in enumerate(value):
            if len(key.get_secret_value()) < CURSOR_KEY_MIN:
                raise ValueError(f"cursor_keys[{i}] is shorter than {CURSOR_KEY_MIN} characters "
                                 "(`integrator new-cursor-key` makes one)")
        return value

    @property
    def store_url(self) -> str:
        return self.store.get_secret_value()

    @property
    def shared_store(self) -> bool:
        """Replicas share the store (Redis), so what one signs or seals another must open."""
        return self.store_url != "memory"


CURSOR_KEY_MIN = 32


def workers_problem(config: ServiceConfig, workers: int, setting: str = "listen.workers") -> str | None:
    """Why ``workers`` worker processes cannot serve ``config`` (``setting`` names where the number
    came from), or None. The embedded store lives in one process: each worker would hold its own
    sets, sessions, links and claims, so a session opened on one would be unknown to the next."""
    if workers <= 1:
        return None
    if not config.shared_store:
        return (f"{setting} is {workers} but store is 'memory': the embedded store is not shared "
                "between worker processes; set store to a redis:// URL or run one worker")
    if config.listen.port == 0:
        return (f"{setting} is {workers} but listen.port is 0: each worker would listen on a "
                "port of its own; name the port")
    return None


@dataclass(frozen=True, slots=True)
class ConfigWarning:
    """A valid configuration that is probably not what production wants."""

    event: str  # the log event of the warning at start
    message: str


def config_warnings(config: ServiceConfig) -> list[ConfigWarning]:
    """What ``integrator check-config`` prints as warnings and the service logs at start."""
    found = []
    if config.shared_store and not config.store_encryption_keys:
        found.append(ConfigWarning(
            "store_not_encrypted", "store_encryption_keys is empty: sets pushed by the CRM (with "
            "their ERP passwords) are stored in the shared store in clear"))
    if config.shared_store and not config.cursor_keys:
        found.append(ConfigWarning(
            "cursor_keys_not_configured", "cursor_keys is empty: the replicas sign the cursors of "
            "bulk reads with the built-in key, which anyone can read in the source (a cursor "
            "still only names a position in a list the session may read)"))
    return found
