"""Helpers of the ERP gateway tests: integration sets pointing at the simulators, hand-built
payloads (tests/erp/payloads, shaped as research/logo-tiger.md §3 and research/netsis.md §1.6
show) and a harness that bundles a gateway with its simulator and database."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from integrator.config import ErpSettings, IntegrationSet
from integrator.erp.gateway import ErpCall, Gateway
from integrator.erp.hub import ErpGateways
from integrator.erp.netsis.protocol import fatura_tip, prop
from integrator.metrics import Metrics
from integrator.model import Document, Entity, ErpCredentials, LogoDocument, NetsisDocument

HERE = Path(__file__).parent
PAYLOADS = HERE / "payloads"
GOLDEN = HERE / "golden"

SECURITY_CODE = "sec-code-tiger-71c2"
LBS_LOAD_PASS = ""
NETSIS_DB = "TESTDB"
NETSIS_DB_PASSWORD = "netsis-db-pw-82"
NETSIS_USERS = {"AYSE": "ayse-erp-pw-33", "MEHMET": "mehmet-erp-pw-44"}
QUOTE_ID = "Q-1001"

# fast, deterministic resilience settings for tests
TEST_SETTINGS = ErpSettings(breaker_failures=5, breaker_open_s=30, retry_attempts=3,
                            retry_timeout_s=5, retry_wait_initial_s=0.01, retry_wait_max_s=0.05,
                            token_refresh_margin_s=60)

# the simulator route each gateway operation reaches (for fault injection and counters)
ROUTES = {
    "logo": {"create": "AppendDataObject", "update": "AppendDataObject",
             "read": "ReadDataObject", "delete": "DeleteDataObject",
             "calculate": "CalculateDataObject", "ping": "getInfo"},
    "netsis": {"create": "ItemSlips.post", "update": "ItemSlips.put", "read": "ItemSlips.get",
               "delete": "ItemSlips.delete", "calculate": "ItemSlips.Calculate",
               "ping": "public.Ping"},
}
CARD_ROUTES = {
    "account": {"create": "ARPs.post", "update": "ARPs.put", "read": "ARPs.get",
                "delete": "ARPs.delete"},
    "product": {"create": "Items.post", "update": "Items.put", "read": "Items.get",
                "delete": "Items.delete"},
}


def tiger_set(url: str, *, code: str = "TIGER-TEST", timeout_s: float = 5.0,
              connect_timeout_s: float = 2.0, **logo: Any) -> IntegrationSet:
    return IntegrationSet.model_validate({
        "code": code, "erp": "tiger", "firm": 1, "period": 1,
        "logo": {"url": url, "security_code": SECURITY_CODE, "timeout_s": timeout_s,
                 "connect_timeout_s": connect_timeout_s, **logo},
        "database": {"engine": "sqlite", "connection_string": "DRIVER={SQLite3};Database=x.db"},
        "credentials": {"mode": "shared", "user": "LOGO", "password": "logo-pw-shared-19"},
        "users": [{"name": "ayse", "default": True, "warehouses": [0, 1]}],
    })


def netsis_set(url: str, *, code: str = "NETSIS-TEST", timeout_s: float = 5.0,
               connect_timeout_s: float = 2.0, **settings: Any) -> IntegrationSet:
    return IntegrationSet.model_validate({
        "code": code, "erp": "netsis", "branch": 0,
        "netsis": {"url": url, "dbname": NETSIS_DB, "dbpassword": NETSIS_DB_PASSWORD,
                   "timeout_s": timeout_s, "connect_timeout_s": connect_timeout_s},
        "database": {"engine": "sqlite", "connection_string": "DRIVER={SQLite3};Database=x.db"},
        "credentials": {"mode": "per_user"},
        "users": [{"name": name.lower(), "erp_user": name, "erp_password": password}
                  for name, password in NETSIS_USERS.items()],
        "settings": settings,
    })


def logo_payload(name: str) -> str:
    return (PAYLOADS / "logo" / f"{name}.xml").read_text(encoding="utf-8")


def netsis_payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / "netsis" / f"{name}.json").read_text("utf-8"))
    return data


def _tag(text: str, tag: str) -> str:
    found = re.search(rf"<{tag}>([^<]*)</{tag}>", text)
    return found.group(1).strip() if found else ""


def document(entity: Entity, payload: str | dict[str, Any], *, update: bool = False) -> Document:
    """A hand-built payload (tests/erp/payloads, or a real client's body) as the typed document a
    translator would hand the gateway: Logo XML text -> ``LogoDocument``, Netsis JSON ->
    ``NetsisDocument``. The facts the translator would know are read off the test's own text."""
    if isinstance(payload, str):
        dbop = re.search(r'DBOP="(\w+)"', payload)
        operation: Literal["INS", "UPD"] = "UPD" if (dbop and dbop.group(1) == "UPD") else "INS"
        if update and dbop is None:
            operation = "UPD"
        return LogoDocument(entity, operation, payload, code=_tag(payload, "CODE"),
                            number=_tag(payload, "NUMBER"),
                            crm_id=_tag(payload, "DOC_NUMBER") or None)
    header = prop(payload, "FatUst")
    header = header if isinstance(header, dict) else {}
    section = prop(payload, "CariTemelBilgi" if entity == "account" else "StokTemelBilgi")
    code = ""
    if isinstance(section, dict):
        code = str(prop(section, "CARI_KOD" if entity == "account" else "Stok_Kodu") or "")
    return NetsisDocument(
        entity, "PUT" if update else "POST", payload, key=code or None if update else None,
        document_type=fatura_tip(prop(payload, "FaturaTip")), code=code,
        account=str(prop(header, "CariKod") or ""), crm_id=str(prop(header, "EKACK1") or "") or None)


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/erp/golden/<name>; ``UPDATE_GOLDEN=1`` rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"golden file {name} is missing (UPDATE_GOLDEN=1 writes it)"
    assert actual == path.read_text(encoding="utf-8"), f"golden file {name} differs"


@dataclass
class Erp:
    """A gateway wired to its simulator and the simulator's database."""

    kind: str
    hub: ErpGateways
    metrics: Metrics
    integration_set: IntegrationSet
    simulator: Any
    db_path: Path
    credentials: ErpCredentials | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def gateway(self) -> Gateway:
        return self.hub.for_set(self.integration_set)

    @property
    def call(self) -> ErpCall:
        return ErpCall(self.integration_set, self.credentials)

    def with_set(self, integration_set: IntegrationSet) -> Erp:
        return replace(self, integration_set=integration_set)

    def with_timeouts(self, timeout_s: float, connect_timeout_s: float = 1.0) -> Erp:
        section = "logo" if self.kind == "logo" else "netsis"
        service = getattr(self.integration_set, section)
        changed = service.model_copy(update={"timeout_s": timeout_s,
                                             "connect_timeout_s": connect_timeout_s})
        return self.with_set(self.integration_set.model_copy(update={section: changed}))

    def payload(self, name: str, **swap: str) -> Any:
        if self.kind == "logo":
            text = logo_payload(name)
            for old, new in swap.items():
                text = text.replace(old, new)
            return text
        raw = (PAYLOADS / "netsis" / f"{name}.json").read_text("utf-8")
        for old, new in swap.items():
            raw = raw.replace(old, new)
        data: dict[str, Any] = json.loads(raw)
        return data

    def route(self, operation: str, entity: str = "order") -> str:
        if self.kind == "netsis" and entity in CARD_ROUTES and operation in CARD_ROUTES[entity]:
            return CARD_ROUTES[entity][operation]
        return ROUTES[self.kind][operation]

    def calls(self, route: str) -> int:
        return int(self.simulator.counters.calls[route])

    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def documents(self, crm_id: str = QUOTE_ID, entity: str = "order") -> int:
        """How many ERP documents carry the CRM quote id (Logo DOCODE / Netsis EKACK1)."""
        if self.kind == "logo":
            table = "LG_001_01_ORFICHE" if entity == "order" else "LG_001_01_STFICHE"
            return len(self.rows(f"SELECT LOGICALREF FROM {table} WHERE DOCODE = ?", crm_id))
        header, ftirsip = {"order": ("TBLSIPAMAS", "6"), "dispatch": ("TBLFATUIRS", "3"),
                           "quote": ("TBLTEKLIFMAS", "H")}[entity]
        return len(self.rows(
            f"SELECT M.FATIRS_NO FROM {header} M JOIN TBLFATUEK E ON E.FATIRSNO = M.FATIRS_NO "
            "AND E.FKOD = M.FTIRSIP AND E.SUBE_KODU = M.SUBE_KODU WHERE M.FTIRSIP = ? "
            "AND E.ACIK1 = ?", ftirsip, crm_id))

    def accounts(self, code: str) -> list[sqlite3.Row]:
        if self.kind == "logo":
            return self.rows("SELECT * FROM LG_001_CLCARD WHERE CODE = ?", code)
        return self.rows("SELECT * FROM TBLCASABIT WHERE CARI_KOD = ?", code)


def credentials(user: str = "AYSE") -> ErpCredentials:
    return ErpCredentials(user, SecretStr(NETSIS_USERS.get(user, "wrong")))
