"""``python -m simulators``: the LogoObjectService and NetOpenX REST simulators alone (tests by
hand, benchmarks), with the demo sets' credentials or those of a service config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from integrator import logs
from integrator.config import ConfigError, load_config
from simulators.demo import DemoEnvironment, load_demo_config
from simulators.runner import serve_forever


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulators",
        description="The LogoObjectService and NetOpenX REST simulators alone (tests by hand, "
                    "benchmarks), with the demo sets' credentials or those of a service config.")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument("--logo-port", type=int, default=8081,
                        help="the LogoObjectService simulator's port (default 8081)")
    parser.add_argument("--netsis-port", type=int, default=8082,
                        help="the NetOpenX REST simulator's port (default 8082)")
    parser.add_argument("--data-dir", default=".demo", help="where the demo databases live")
    parser.add_argument("--config", help="service config whose sets give the simulators their "
                                         "credentials (default: the demo sets)")
    parser.add_argument("--token-lifetime", type=float, default=1200.0,
                        help="NetOpenX token lifetime in seconds")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
