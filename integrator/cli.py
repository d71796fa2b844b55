"""The ``integrator`` command: serve, check-config, hash-key, new-store-key, sql-check, translate.

The embedded demo is not part of the production package: ``./run demo`` starts it from a checkout
of the repository."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from integrator import __version__, logs
from integrator.api import server
from integrator.api.inbound import parse_record
from integrator.app import init_app
from integrator.config import ConfigError, Problem, ServiceConfig, load_config, summary
from integrator.errors import IntegratorError
from integrator.model import LogoDocument
from integrator.services.sets import set_problems
from integrator.sessions.seal import new_key
from integrator.sql.compiler import compile_sql
from integrator.sql.validator import validate
from integrator.translators import MappingContext, translate, translate_update


def _serve(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, check=set_problems)
    except ConfigError as exc:
        print(f"configuration is invalid:\n{exc}", file=sys.stderr)
        return 1
    logs.configure(config.logging.level, config.logging.format)
    server.run(init_app(config), host=config.listen.host, port=config.listen.port,
               shutdown_timeout=30)
    return 0


def _check_config(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.path, check=set_problems)
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
    print(new_key())
    return 0


def _sql_check(args: argparse.Namespace) -> int:
    """N9: is this SQL accepted as one read-only SELECT, and why not."""
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
    try:
        config = _translate_config(args.config)
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


def _translate_config(path: str | None) -> ServiceConfig:
    """The config named, else $INTEGRATOR_CONFIG, else the demo config of the checkout (its sets
    need no running demo to translate)."""
    if path is None:
        path = os.environ.get("INTEGRATOR_CONFIG")
    if path is None:
        for folder in (Path(__file__).resolve().parents[1], Path.cwd()):
            candidate = folder / "config" / "demo" / "service.yaml"
            if candidate.is_file():
                path = str(candidate)
                break
    if path is None:
        raise ConfigError([Problem("--config", "", "no configuration given and no "
                                                   "config/demo/service.yaml found")])
    return load_config(path, check=set_problems)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="integrator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"crm-integrator {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the service")
    p.add_argument("--config", required=True, help="service config YAML")
    p.set_defaults(func=_serve)

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
    p.add_argument("--config", help="service config YAML (default: $INTEGRATOR_CONFIG, else "
                                    "config/demo/service.yaml of the checkout)")
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
