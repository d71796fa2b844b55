"""The ``integrator`` command: serve, demo, simulate, check-config, hash-key, new-store-key,
sql-check, translate."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import sys
from pathlib import Path

from aiohttp import web

from integrator import __version__, logs
from integrator.app import init_app
from integrator.config import ConfigError, load_config, summary


def _serve(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"configuration is invalid:\n{exc}", file=sys.stderr)
        return 1
    logs.configure(config.logging.level, config.logging.format)
    web.run_app(init_app(config), host=config.listen.host, port=config.listen.port,
                access_log=None, print=None, shutdown_timeout=30)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from integrator.demo import DEMO_KEY, DemoEnvironment, demo_parts, load_demo_config

    env = DemoEnvironment(port=args.port, data_dir=Path(args.data_dir).resolve())
    config = load_demo_config(env)
    logs.configure(config.logging.level, config.logging.format)
    app = init_app(config)
    for position, part in enumerate(demo_parts(env)):
        app.cleanup_ctx.insert(position, part)
    print(f"crm-integrator demo on http://127.0.0.1:{env.port}  (API key: {DEMO_KEY}, "
          "demo only)", file=sys.stderr, flush=True)
    web.run_app(app, host="127.0.0.1", port=env.port, access_log=None, print=None)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    """Run the LogoObjectService and NetOpenX REST simulators alone (tests by hand, benchmarks)."""
    from integrator.demo import DemoEnvironment, load_demo_config
    from simulators.runner import serve_forever

    data_dir = Path(args.data_dir).resolve()
    try:
        if args.config:
            sets = load_config(args.config).sets
        else:
            sets = load_demo_config(DemoEnvironment(port=args.logo_port - 1, data_dir=data_dir)).sets
    except ConfigError as exc:
        print(f"configuration is invalid:\n{exc}", file=sys.stderr)
        return 1
    logs.configure("INFO", "console")
    print(f"LogoObjectService simulator on http://{args.host}:{args.logo_port}, NetOpenX REST "
          f"simulator on http://{args.host}:{args.netsis_port}/api/v2/ (data in {data_dir}); "
          "Ctrl-C stops", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(host=args.host, logo_port=args.logo_port,
                                  netsis_port=args.netsis_port, data_dir=data_dir, sets=sets,
                                  token_lifetime_s=args.token_lifetime))
    return 0


def _check_config(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    print(summary(config))
    print("configuration is valid")
    return 0


def _hash_key(args: argparse.Namespace) -> int:
    key = sys.stdin.readline().strip() if args.key == "-" else args.key
    if not key:
        print("error: empty key", file=sys.stderr)
        return 1
    print(hashlib.sha256(key.encode()).hexdigest())
    return 0


def _new_store_key(args: argparse.Namespace) -> int:
    from integrator.sessions.seal import new_key

    print(new_key())
    return 0


def _sql_check(args: argparse.Namespace) -> int:
    """N9: is this SQL accepted as one read-only SELECT, and why not."""
    from integrator.errors import IntegratorError
    from integrator.sql.compiler import compile_sql
    from integrator.sql.validator import validate

    sql = sys.stdin.read() if args.sql == "-" else args.sql
    verdict = validate(sql)
    if not verdict.accepted:
        print(f"rejected: {verdict.reason}")
        return 1
    print("accepted")
    if args.engine:
        try:
            compiled = compile_sql(sql, engine=args.engine, firm_code=f"{args.firm:03d}",
                                   period_code=f"{args.period:02d}", shape=())
        except IntegratorError as exc:
            print("cannot compile: " + "; ".join(d.text for d in exc.details) if exc.details
                  else f"cannot compile: {exc.message}")
            return 1
        print(compiled.sql)
    return 0


def _translate(args: argparse.Namespace) -> int:
    """Print the ERP payload a CRM XML (stdin) would produce, without sending it (N9)."""
    import json

    from integrator.errors import IntegratorError
    from integrator.inbound import parse_record
    from integrator.translators import (
        LogoDocument,
        MappingContext,
        translate,
        translate_update,
    )

    try:
        if args.config:
            config = load_config(args.config)
        else:
            from integrator.demo import DemoEnvironment, load_demo_config

            config = load_demo_config(DemoEnvironment(port=8080, data_dir=Path(".demo").resolve()))
    except ConfigError as exc:
        print(f"configuration is invalid:\n{exc}", file=sys.stderr)
        return 1
    integration_set = next((s for s in config.sets if s.code == args.set), None)
    if integration_set is None:
        known = ", ".join(s.code for s in config.sets) or "none"
        print(f"error: no set {args.set!r} (sets: {known})", file=sys.stderr)
        return 1
    if args.user and integration_set.user(args.user) is None:
        print(f"error: user {args.user!r} is not a member of set {args.set}", file=sys.stderr)
        return 1
    root = {"account": "Account", "product": "Product"}.get(args.entity, "Quote")
    try:
        record = parse_record(sys.stdin.buffer.read(), expected={root},
                              max_depth=config.limits.max_xml_depth)
        ctx = MappingContext.for_user(integration_set, args.user)
        if args.update:
            raw = Path(args.update).read_bytes()
            current = raw if integration_set.is_logo else json.loads(raw)
            document = translate_update(args.entity, record, ctx, current)
        else:
            document = translate(args.entity, record, ctx)
    except IntegratorError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        for detail in exc.details:
            where = f"{detail.path}: " if detail.path else ""
            print(f"  {where}{detail.text}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if isinstance(document, LogoDocument):
        text = document.xml
        note = (f"Logo AppendDataObject dataType {document.data_type} "
                f"({document.root}/{document.record} DBOP={document.operation})")
    else:
        text = document.to_json(indent=2) + "\n"
        note = f"NetOpenX REST {document.method} {document.path}"
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    print(f"{integration_set.code} ({integration_set.erp}): {note}; not sent", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="integrator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"crm-integrator {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the service")
    p.add_argument("--config", required=True, help="service config YAML")
    p.set_defaults(func=_serve)

    p = sub.add_parser("demo", help="run the embedded demo on 127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--data-dir", default=".demo", help="where the demo databases are written")
    p.set_defaults(func=_demo)

    p = sub.add_parser("simulate", help="run the ERP simulators (LogoObjectService, NetOpenX REST)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--logo-port", type=int, default=8081)
    p.add_argument("--netsis-port", type=int, default=8082)
    p.add_argument("--data-dir", default=".demo", help="where the demo databases live")
    p.add_argument("--config", help="service config whose sets give the simulators their "
                                    "credentials (default: the demo sets)")
    p.add_argument("--token-lifetime", type=float, default=1200.0,
                   help="NetOpenX token lifetime in seconds")
    p.set_defaults(func=_simulate)

    p = sub.add_parser("check-config", help="validate a service config and its sets")
    p.add_argument("path")
    p.set_defaults(func=_check_config)

    p = sub.add_parser("hash-key", help="print the SHA-256 of an API key for api_keys[].sha256")
    p.add_argument("key", nargs="?", default="-", help="the key, or - to read it from stdin")
    p.set_defaults(func=_hash_key)

    p = sub.add_parser("new-store-key", help="print a new key for store_encryption_keys")
    p.set_defaults(func=_new_store_key)

    p = sub.add_parser("sql-check", help="is this SQL accepted as one read-only SELECT?")
    p.add_argument("sql", help="the T-SQL statement, or - to read it from stdin")
    p.add_argument("--engine", choices=["mssql", "sqlite", "postgres"],
                   help="also print the statement as it would run on this engine "
                        "(statements without parameters)")
    p.add_argument("--firm", type=int, default=1, help="firm for LG_FFF_ tokens (default 1)")
    p.add_argument("--period", type=int, default=1, help="period for _PP_ tokens (default 1)")
    p.set_defaults(func=_sql_check)

    p = sub.add_parser("translate", help="print the ERP payload of a CRM XML (stdin), not sent")
    p.add_argument("--set", required=True, help="integration set code")
    p.add_argument("--entity", required=True,
                   choices=["account", "product", "order", "dispatch", "quote"])
    p.add_argument("--config", help="service config YAML (default: the demo config)")
    p.add_argument("--user", help="the acting CRM user (their salesman code is used)")
    p.add_argument("--update", metavar="CURRENT",
                   help="show the update of an account/product: the ERP's current record "
                        "(Logo XML export, or the JSON Data of a Netsis GET)")
    p.set_defaults(func=_translate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result
