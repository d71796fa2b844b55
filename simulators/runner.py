"""Run the ERP simulators: alone (``python -m simulators``) or inside the demo (``simulators.demo``).

The simulators take their credentials from the demo sets (config/demo/sets): the Logo simulator
accepts the DEMO-TIGER securityCode, firm and period; the NetOpenX simulator the DEMO-NETSIS
database login and every ERP user of the Netsis sets. The demo databases are ``tiger.db`` and
``netsis.db`` in the data folder; when one is missing it is created from the demo schema with the
small fixture data of ``simulators.fixtures``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import structlog
from aiohttp import web
from yarl import URL

from integrator.config import IntegrationSet
from simulators.fixtures import create_netsis_db, create_tiger_db
from simulators.logo.app import LogoSimConfig, create_logo_app
from simulators.netsis.app import NetsisSimConfig, create_netsis_app

log = structlog.get_logger("simulators")

TIGER_DB = "tiger.db"
NETSIS_DB = "netsis.db"


def ensure_databases(data_dir: Path) -> tuple[Path, Path]:
    """The demo databases, created (schema + fixtures) when they do not exist yet."""
    data_dir.mkdir(parents=True, exist_ok=True)
    tiger, netsis = data_dir / TIGER_DB, data_dir / NETSIS_DB
    if not tiger.exists():
        create_tiger_db(tiger)
        log.info("demo_database_created", path=str(tiger), kind="tiger")
    if not netsis.exists():
        create_netsis_db(netsis)
        log.info("demo_database_created", path=str(netsis), kind="netsis")
    return tiger, netsis


def logo_config(sets: list[IntegrationSet], db_path: Path) -> LogoSimConfig:
    logo_sets = [s for s in sets if s.is_logo and s.logo is not None]
    if not logo_sets:
        return LogoSimConfig(db_path)
    first = logo_sets[0]
    assert first.logo is not None
    assert first.firm is not None
    assert first.period is not None
    return LogoSimConfig(db_path, security_code=first.logo.security_code.get_secret_value(),
                         firm=first.firm, period=first.period,
                         lbs_load_pass=first.logo.lbs_load_pass.get_secret_value(),
                         path=URL(first.logo.url).path or "/LogoObjectService/Service",
                         compressed_answers=first.logo.compress)


# NetOpenX's PUT ARPs/Items replaces the whole record (a model-binding server): the integrator
# updates cards by GET, change and a whole PUT (research/quotes.md §2), so the demo runs the
# replacing PUT too.
DEMO_CARD_PUT = "replace"


def netsis_config(sets: list[IntegrationSet], db_path: Path,
                  token_lifetime_s: float = 1200.0,
                  card_put: str = DEMO_CARD_PUT) -> NetsisSimConfig:
    netsis_sets = [s for s in sets if not s.is_logo and s.netsis is not None]
    if not netsis_sets:
        return NetsisSimConfig(db_path, token_lifetime_s=token_lifetime_s, card_put=card_put)
    first = netsis_sets[0]
    assert first.netsis is not None
    users: dict[str, str] = {}
    branches: set[int] = set()
    for s in netsis_sets:
        branches.add(s.branch or 0)
        if s.credentials.user:
            users[s.credentials.user] = (s.credentials.password.get_secret_value()
                                         if s.credentials.password else "")
        for member in s.users:
            if member.erp_user:
                users[member.erp_user] = (member.erp_password.get_secret_value()
                                          if member.erp_password else "")
    return NetsisSimConfig(db_path, dbname=first.netsis.dbname, dbuser=first.netsis.dbuser,
                           dbpassword=first.netsis.dbpassword.get_secret_value(),
                           users=users or {"NETSIS": "net1234"}, branches=tuple(sorted(branches)),
                           token_lifetime_s=token_lifetime_s, card_put=card_put)


@dataclass
class Running:
    runners: list[web.AppRunner]
    logo: web.Application
    netsis: web.Application

    async def stop(self) -> None:
        for runner in reversed(self.runners):
            await runner.cleanup()


async def start(*, host: str, logo_port: int, netsis_port: int, logo: LogoSimConfig,
                netsis: NetsisSimConfig) -> Running:
    """Start both simulators on ``host``; the caller stops them with ``Running.stop()``."""
    logo_app, netsis_app = create_logo_app(logo), create_netsis_app(netsis)
    runners: list[web.AppRunner] = []
    try:
        for app, port in ((logo_app, logo_port), (netsis_app, netsis_port)):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, host, port).start()
    except BaseException:
        for runner in reversed(runners):
            await runner.cleanup()
        raise
    log.info("simulators_started", logo=f"http://{host}:{logo_port}{logo.path}",
             netsis=f"http://{host}:{netsis_port}/api/v2/")
    return Running(runners, logo_app, netsis_app)


async def serve_forever(*, host: str, logo_port: int, netsis_port: int, data_dir: Path,
                        sets: list[IntegrationSet], token_lifetime_s: float) -> None:
    tiger, netsis = ensure_databases(data_dir)
    running = await start(host=host, logo_port=logo_port, netsis_port=netsis_port,
                          logo=logo_config(sets, tiger),
                          netsis=netsis_config(sets, netsis, token_lifetime_s))
    try:
        await asyncio.Event().wait()
    finally:
        await running.stop()
