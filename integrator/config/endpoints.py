"""Where a set's ERP and its database are (SPEC §2): the LogoObjectService endpoint of a
Tiger/Go set, the NetOpenX REST endpoint of a Netsis set, and the ODBC database behind either,
with their timeouts and their secrets."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, model_validator

from integrator.config.base import DbEngine, Model

__all__ = ["Database", "LogoService", "NetsisService"]


def _check_settle(settle_s: float | None, timeout_s: float) -> None:
    """A settle window shorter than the call's own timeout would let a retry write while the
    first write may still be on its way."""
    if settle_s is not None and settle_s < timeout_s:
        raise ValueError(f"settle_s ({settle_s:g}) must not be below timeout_s ({timeout_s:g}): "
                         "a write may land until its call has timed out")


# how long a write whose answer never came may still land (``services.claims.settle_window``)
SettleSeconds = Annotated[float | None, Field(
    gt=0, le=86_400,
    description="how long a write whose answer never came may still land in the ERP; a retry "
                "meanwhile writes nothing (default: twice timeout_s + 30 s; not below timeout_s)")]


class LogoService(Model):
    """LogoObjectService endpoint of a Tiger/Go set."""

    url: Annotated[str, Field(pattern=r"^https?://", description="LogoObjectService URL")]
    security_code: SecretStr = Field(description="securityCode GUID configured on the service")
    lbs_load_pass: SecretStr = Field(default=SecretStr(""), description="LbsLoadPass, if required")
    compress: bool = Field(default=False, description="send dataXML as gzip+base64")
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    timeout_s: float = Field(default=60.0, gt=0, le=600)
    settle_s: SettleSeconds = None
    params: dict[str, str] = Field(
        default_factory=dict,
        description="paramXML overrides (ApplyCampaign, ApplyCondition, FillAccCodes, CheckRight, ...)",
    )
    price_params: dict[str, str] = Field(
        default_factory=lambda: {"GetStockLinePrice": "8"},
        description="paramXML of CalculateDataObject (prices, F33) on top of params: "
                    "GetStockLinePrice (7 purchase card, 8 sales card, 10-13 last prices), "
                    "ApplyCampaign, ApplyCondition",
    )

    @model_validator(mode="after")
    def _settle_after_timeout(self) -> LogoService:
        _check_settle(self.settle_s, self.timeout_s)
        return self


class NetsisService(Model):
    """NetOpenX REST endpoint of a Netsis set."""

    url: Annotated[str, Field(pattern=r"^https?://", description="base URL, e.g. http://h:7070/api/v2/")]
    dbname: str = Field(min_length=1, description="company database name (token dbname)")
    dbuser: str = Field(default="TEMELSET")
    dbpassword: SecretStr = Field(default=SecretStr(""))
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    timeout_s: float = Field(default=60.0, gt=0, le=600)
    settle_s: SettleSeconds = None

    @model_validator(mode="after")
    def _settle_after_timeout(self) -> NetsisService:
        _check_settle(self.settle_s, self.timeout_s)
        return self


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


