"""The ``integrator`` command: serve, check-config, hash-key, new-store-key, new-cursor-key,
sql-check, translate (N9). The help texts are written for operators (``DESCRIPTION`` and each
command's description), not taken from docstrings.

The embedded demo is not part of the production package: ``./run demo`` starts it from a checkout
of the repository."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from integrator import __version__, logs
from integrator.api.inbound import parse_record
from integrator.app import ListenFailed, init_app, run
from integrator.config import (
    WORKERS_MAX,
    ConfigError,
    Problem,
    ServiceConfig,
    config_warnings,
    load_config,
    summary,
    workers_problem,
)
from integrator.errors import IntegratorError
from integrator.model import LogoDocument
from integrator.services.cursor import new_cursor_key
from integrator.services.sets import set_problems
from integrator.sessions.seal import new_key
from integrator.sql.compiler import compile_sql, statement_parameters
from integrator.sql.validator import analyse
from integrator.translators import MappingContext, translate, translate_update
from integrator.workers import serve_workers


def _serve(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, check=set_problems)
    except ConfigError as exc:
        print(f"configuration is invalid:\n{exc}", file=sys.stderr)
        return 1
    workers = config.listen.workers
    if args.workers is not None:
        problem = workers_problem(config, args.workers, "--workers")
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        workers = args.workers
        config = config.model_copy(update={
            "listen": config.listen.model_copy(update={"workers": workers})})
    logs.configure(config.logging.level, config.logging.format)
    try:
        if workers > 1:
            return serve_workers(config)
        run(init_app(config), host=config.listen.host, port=config.listen.port)
    except ListenFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _check_config(args: argparse.Namespace) -> int:
    """Every problem of the configuration in one run (N9), or its masked summary."""
    try:
        config = load_config(args.path, check=set_problems)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(exc.problems)
        verdict = f"configuration is invalid: {count} problem{'s' if count != 1 else ''}"
        missing = exc.missing_variables
        if missing:
            verdict += (f"; {len(missing)} environment variable{'s' if len(missing) != 1 else ''}"
                        f" not set: {', '.join(missing)} (example.env lists what the example "
                        "configuration reads)")
        print(verdict, file=sys.stderr)
        return 1
    print(summary(config))
    warnings = config_warnings(config)
    for warning in warnings:
        print(f"warning: {warning.message}")
    print("configuration is valid" + (f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})"
                                      if warnings else ""))
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


def _new_cursor_key(args: argparse.Namespace) -> int:
    print(new_cursor_key())
    return 0


def _sql_check(args: argparse.Namespace) -> int:
    """N9: is this SQL accepted as one read-only SELECT that the service can run, and why not.

    One verdict: the statement is validated and then compiled as the service would (tokens,
    parameters, dialect), so what the service would refuse is refused here too. With ``--engine``
    the statement is shown as it would run there, ``?`` for each parameter."""
    sql = sys.stdin.read() if args.sql == "-" else args.sql
    verdict, parsed = analyse(sql)
    if not verdict.accepted or parsed is None:
        print(f"rejected: {verdict.reason}")
        return 1
    names = statement_parameters(parsed)
    try:
        compiled = compile_sql(sql, engine=args.engine or "mssql", firm_code=f"{args.firm:03d}",
                               period_code=f"{args.period:02d}",
                               shape=tuple((name, "other") for name in names))
    except IntegratorError as exc:
        reasons = "; ".join(d.text for d in exc.details) or exc.message
        print(f"rejected: {reasons}")
        return 1
    print("accepted")
    if args.engine:
        print(f"-- as run on {args.engine} (firm {args.firm:03d}, period {args.period:02d})"
              + (f"; parameters in order: {', '.join(n for n, _ in compiled.order)}"
                 if compiled.order else ""))
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


def _number(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number from {low} to {high}")
        return int(text)

    return parse


DESCRIPTION = """\
crm-integrator: the service between Logo CRM and the Logo Tiger/Go and Netsis ERPs, and the tools
operators use without it (check a configuration, make keys, check SQL, show an ERP payload).
The embedded demo is not part of this command: ./run demo starts it from the repository."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="integrator", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"crm-integrator {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description)

    p = command("serve", "run the service",
                "Run the service: load and check the configuration, listen where it says, log "
                "'listening'; on SIGTERM or Ctrl-C stop accepting connections, finish the "
                "requests in flight (up to 30 s, 'draining') and close ('stopped'). With "
                "several workers, a parent process starts them on the same address, forwards "
                "the stop signal to each and replaces a worker that dies while serving; more "
                "than one worker needs a shared store (Redis).")
    p.add_argument("--config", required=True, metavar="SERVICE_YAML",
                   help="the service configuration (its sets_dir holds the set files)")
    p.add_argument("--workers", type=_number(1, WORKERS_MAX), metavar="N",
                   help=f"worker processes sharing the address (1 to {WORKERS_MAX}; default: "
                        "listen.workers of the configuration, 1)")
    p.set_defaults(func=_serve)

    p = command("check-config", "check a service configuration and its sets",
                "Check the service configuration and every set file of its sets_dir, with the "
                "environment variables they read: print every problem at once (missing "
                "variables, invalid fields, set checks) and exit 1, or print a summary with the "
                "secrets masked, and any warnings.")
    p.add_argument("path", metavar="SERVICE_YAML", help="the service configuration to check")
    p.set_defaults(func=_check_config)

    p = command("hash-key", "print the SHA-256 of an API key for api_keys[].sha256",
                "Print the SHA-256 of an API key, the value api_keys[].sha256 holds (the service "
                "never stores a key in clear).")
    p.add_argument("key", nargs="?", default="-", help="the key, or - to read it from stdin "
                                                       "(the default; keeps it out of the shell "
                                                       "history)")
    p.set_defaults(func=_hash_key)

    p = command("new-store-key", "print a new key for store_encryption_keys",
                "Print a new Fernet key for store_encryption_keys (sealing the sets the CRM "
                "pushes, with their ERP passwords, in the shared store).")
    p.set_defaults(func=_new_store_key)

    p = command("new-cursor-key", "print a new key for cursor_keys",
                "Print a new random key for cursor_keys (signing the cursors of bulk reads; "
                "every replica needs the same keys).")
    p.set_defaults(func=_new_cursor_key)

    p = command("sql-check", "is this SQL one read-only SELECT the service would run?",
                "Check a T-SQL statement as the service checks a set's SQL: one read-only "
                "SELECT, then compiled with its table tokens (LG_FFF_, _PP_) and named "
                "parameters (:name, @name). Prints one verdict, 'accepted' (exit 0) or "
                "'rejected: why' (exit 1).")
    p.add_argument("sql", help="the T-SQL statement, or - to read it from stdin")
    p.add_argument("--engine", choices=["mssql", "sqlite", "postgres"],
                   help="also print the statement as it would run on this engine, a ? for each "
                        "parameter")
    p.add_argument("--firm", type=_number(1, 999), default=1,
                   help="the firm number (1-999) that replaces FFF in LG_FFF_ table names "
                        "(default 1)")
    p.add_argument("--period", type=_number(1, 99), default=1,
                   help="the period number (1-99) that replaces PP in _PP_ table names "
                        "(default 1)")
    p.set_defaults(func=_sql_check)

    p = command("translate", "print the ERP payload of a CRM XML (stdin), not sent",
                "Read a CRM record (Account, Product, or a Quote for order, dispatch and quote) "
                "on stdin and print the payload the set's ERP would receive, without sending "
                "it: Logo XML for Tiger/Go, NetOpenX JSON for Netsis.")
    p.add_argument("--set", required=True, help="the integration set code")
    p.add_argument("--entity", required=True,
                   choices=["account", "product", "order", "dispatch", "quote"],
                   help="what to build: an account or product card, or an order, dispatch or "
                        "(Netsis) quote from a CRM quote")
    p.add_argument("--config", metavar="SERVICE_YAML",
                   help="service config YAML (default: $INTEGRATOR_CONFIG, else "
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
