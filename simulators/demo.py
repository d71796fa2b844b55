"""The embedded demo (N8): the service on localhost with its two demo sets, the ERP simulators and
the SQLite demo databases, started by one command (``./run demo``, i.e. ``python -m
simulators.demo``).

The demo lives with the simulators, outside the production package: ``integrator`` never imports
``simulators``; the demo imports the service and wires the simulators in front of it.

Restarts (issue 14 item 3): the service's store is in memory (one process), so what it remembers
— links of created records, claims — ends with the process. The ERP databases would outlive it,
so by default every start works on fresh copies of the generated databases, and the README's walk
answers the same after a restart. ``--keep-data`` keeps the databases of the previous run.

The data folder (``--data-dir``, default ``.demo``)::

    pristine/tiger.db, pristine/netsis.db   generated once per generator version, never written
    tiger.db, netsis.db                     the working copies the demo ERPs write into
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from integrator import logs
from integrator.app import ListenFailed, init_app, run
from integrator.config import ServiceConfig, load_config
from integrator.services.sets import set_problems
from simulators.demodb.generate import GENERATOR_VERSION, ensure, stored_version
from simulators.runner import ensure_databases, logo_config, netsis_config, start

DEMO_KEY = "demo-key"  # documented in the README as a demo-only key
PRISTINE = "pristine"  # the generated originals, under the data folder


@dataclass(frozen=True, slots=True)
class DemoEnvironment:
    """Where the demo's parts live; its values fill the ``${...}`` references of config/demo.
    ``fresh``: start from fresh copies of the generated databases (else keep the last run's)."""

    port: int
    data_dir: Path
    fresh: bool = True

    @property
    def logo_port(self) -> int:
        return self.port + 1

    @property
    def netsis_port(self) -> int:
        return self.port + 2

    def variables(self) -> dict[str, str]:
        return {
            "INTEGRATOR_DEMO_DATA": str(self.data_dir),
            "INTEGRATOR_DEMO_LOGO_URL":
                f"http://127.0.0.1:{self.logo_port}/LogoObjectService/Service",
            "INTEGRATOR_DEMO_NETSIS_URL": f"http://127.0.0.1:{self.netsis_port}/api/v2/",
        }


def demo_config_dir() -> Path:
    """config/demo of the checkout (or $INTEGRATOR_DEMO_CONFIG, or ./config/demo)."""
    override = os.environ.get("INTEGRATOR_DEMO_CONFIG")
    candidates = [Path(override)] if override else []
    candidates += [Path(__file__).resolve().parents[1] / "config" / "demo",
                   Path.cwd() / "config" / "demo"]
    for candidate in candidates:
        if (candidate / "service.yaml").is_file():
            return candidate
    raise FileNotFoundError("config/demo/service.yaml not found; run from the repository checkout "
                            "or set INTEGRATOR_DEMO_CONFIG")


def load_demo_config(env: DemoEnvironment) -> ServiceConfig:
    variables = {**os.environ, **env.variables()}
    config = load_config(demo_config_dir() / "service.yaml", env=variables, check=set_problems)
    return config.model_copy(update={
        "listen": config.listen.model_copy(update={"host": "127.0.0.1", "port": env.port})})


DemoPart = Callable[[web.Application], AsyncIterator[None]]


def prepare_databases(data_dir: Path, *, fresh: bool) -> dict[str, Path]:
    """The demo ERP databases (tiger.db, netsis.db) in ``data_dir``: copies of the originals in
    ``data_dir/pristine`` (generated when missing or written by another generator version,
    simulators.demodb). A copy is replaced when ``fresh``, when missing, and when another
    generator version wrote it; otherwise the last run's data stays."""
    working = {}
    for kind, original in ensure(data_dir / PRISTINE).items():
        target = data_dir / original.name
        if fresh or stored_version(target) != GENERATOR_VERSION:
            _copy_database(original, target)
        working[kind] = target
    return working


def _copy_database(source: Path, target: Path) -> None:
    """Replace ``target`` by a copy of ``source`` (atomically; its journal files go first)."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, name)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def demo_databases(env: DemoEnvironment) -> DemoPart:
    """The SQLite demo databases (tiger.db, netsis.db) in the data folder: fresh copies of the
    generated originals, or the last run's with ``fresh=False`` (``prepare_databases``)."""

    async def part(app: web.Application) -> AsyncIterator[None]:
        await asyncio.to_thread(prepare_databases, env.data_dir, fresh=env.fresh)
        yield

    return part


def simulators_part(env: DemoEnvironment) -> DemoPart:
    """Both simulators on the demo's ports (after the demo databases exist; creates them when no
    earlier part did)."""

    async def simulators(app: web.Application) -> AsyncIterator[None]:
        tiger, netsis = ensure_databases(env.data_dir)
        sets = load_demo_config(env).sets
        running = await start(host="127.0.0.1", logo_port=env.logo_port,
                              netsis_port=env.netsis_port, logo=logo_config(sets, tiger),
                              netsis=netsis_config(sets, netsis))
        try:
            yield
        finally:
            await running.stop()

    return simulators


def demo_parts(env: DemoEnvironment) -> list[DemoPart]:
    """The cleanup contexts that bring up the demo ERPs (databases first, then simulators).

    Each part starts before the service's own resources and stops after them.
    """
    env.data_dir.mkdir(parents=True, exist_ok=True)
    # the ERP simulators come after the databases they write into
    return [demo_databases(env), simulators_part(env)]


def demo_app(env: DemoEnvironment) -> tuple[ServiceConfig, web.Application]:
    """The service of the demo config with the demo's databases and simulators in front of it."""
    config = load_demo_config(env)
    app = init_app(config)
    for position, part in enumerate(demo_parts(env)):
        app.cleanup_ctx.insert(position, part)
    return config, app


def taken_port(env: DemoEnvironment) -> str | None:
    """The first of the demo's ports that something else listens on, named, or None."""
    for port, part in ((env.port, "the service"), (env.logo_port, "the LogoObjectService simulator"),
                       (env.netsis_port, "the NetOpenX REST simulator")):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return f"port {port} ({part}) is already in use"
    return None


DESCRIPTION = """\
The embedded demo: crm-integrator on 127.0.0.1 with the two demo sets (DEMO-TIGER, DEMO-NETSIS),
the LogoObjectService and NetOpenX REST simulators on the next two ports, and SQLite demo
databases. Every start works on fresh copies of the demo databases, so the README's walk answers
the same after a restart; --keep-data keeps the last run's. The API key demo-key is for the demo
only."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.demo", description=DESCRIPTION)
    parser.add_argument("--port", type=int, default=8080,
                        help="the service's port; the simulators take the next two (default 8080)")
    parser.add_argument("--data-dir", default=".demo",
                        help="the folder of the demo databases (default .demo): pristine/ holds "
                             "the generated originals, the demo ERPs write into copies next to it")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep the demo databases of the last run instead of starting from "
                             "fresh copies; the service's memory of links does not survive a "
                             "restart, so creating a record of the last run again is refused by "
                             "the ERP (send its link to update it)")
    args = parser.parse_args(argv)
    env = DemoEnvironment(port=args.port, data_dir=Path(args.data_dir).resolve(),
                          fresh=not args.keep_data)
    taken = taken_port(env)
    if taken is not None:
        print(f"error: {taken}; start the demo on another port with --port (it uses that port "
              "and the next two)", file=sys.stderr)
        return 1
    config, app = demo_app(env)
    logs.configure(config.logging.level, config.logging.format)
    data = "the last run's databases" if args.keep_data else "fresh databases"
    print(f"crm-integrator demo on http://127.0.0.1:{env.port}  (API key: {DEMO_KEY}, demo only; "
          f"{data} in {env.data_dir})", file=sys.stderr, flush=True)
    try:
        run(app, host="127.0.0.1", port=env.port)
    except ListenFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
