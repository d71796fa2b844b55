"""Configuration: the service config and the integration sets (SPEC §2), as pydantic models.

Two sources feed these models with the same structure:

* YAML files: ``service.yaml`` (the service) and ``sets/*.yaml`` (one integration set per file).
  String values may reference environment variables as ``${NAME}`` (or ``${NAME:-default}``), which
  is how secrets reach the config without being written into files (``loading``).
* The CRM, which pushes sets as XML (``integrator.api.setxml``) that maps 1:1 onto the same models.

Every secret is a ``SecretStr``: masked in ``repr``, in ``model_dump()`` and in logs.

* ``base``     — the model base class and shared vocabulary;
* ``sets``     — ``IntegrationSet`` and its parts;
* ``service``  — ``ServiceConfig`` and its parts;
* ``loading``  — YAML and environment loading, ``ConfigError``;
* ``summary``  — the masked summary of ``check-config``.
"""

from integrator.config.base import (
    MASK,
    SET_CODE_PATTERN,
    CheckAction,
    CopyMode,
    DbEngine,
    Direction,
    ErpKind,
    MappedEntity,
    Model,
    ParamType,
    TransferType,
)
from integrator.config.loading import (
    ConfigError,
    Problem,
    format_loc,
    iter_set_files,
    load_config,
    load_set_file,
    set_context,
    validation_problems,
)
from integrator.config.service import (
    ApiKey,
    ErpSettings,
    HttpSettings,
    Limits,
    Listen,
    LoggingSettings,
    OdbcSettings,
    ServiceConfig,
    SessionSettings,
    SyncSettings,
)
from integrator.config.sets import (
    SET_CHECK,
    Credentials,
    Database,
    Extension,
    FieldMapping,
    IntegrationSet,
    LogoService,
    Mappings,
    NamedQuery,
    NetsisPriceOptions,
    NetsisService,
    QueryParam,
    SetCheck,
    Settings,
    SetUser,
    SqlDefinitions,
)
from integrator.config.summary import masked, summary

__all__ = [
    "MASK", "SET_CHECK", "SET_CODE_PATTERN", "ApiKey", "CheckAction", "ConfigError", "CopyMode",
    "Credentials", "Database", "DbEngine", "Direction", "ErpKind", "ErpSettings", "Extension",
    "FieldMapping", "HttpSettings", "IntegrationSet", "Limits", "Listen", "LoggingSettings",
    "LogoService", "MappedEntity", "Mappings", "Model", "NamedQuery", "NetsisPriceOptions",
    "NetsisService", "OdbcSettings", "ParamType", "Problem", "QueryParam", "ServiceConfig",
    "SessionSettings", "SetCheck", "SetUser", "Settings", "SqlDefinitions", "SyncSettings",
    "TransferType", "format_loc", "iter_set_files", "load_config", "load_set_file", "masked",
    "set_context", "summary", "validation_problems",
]
