"""bench/request_instructions: the parts of a one-row named query counted in CPU instructions
(issue 15 item 2), so that a change to them can be judged on a machine whose timings move by
10-30 % from one minute to the next.

The same variants as ``bench/request_parts.py`` (the application in a hot loop of
``app._handle``, the SQL inline and its rows canned, then the named query's service and engine,
the body's parse and check and the rows' rendering replaced by stubs one after another; the
health and session routes give the rest), each in its own process under valgrind's callgrind
with instrumentation off until the application is warm: it is switched on
(``callgrind_control -i on``) for exactly ``--n`` requests and off again, and the instructions
counted in between are divided by ``--n``. The same code, inputs and environment give the same
count whatever else the machine is doing (seen within 0.1 % here); a part's count is not its
time — cache misses and branch mispredictions are not in it — but what a change removes from a
part shows here first. Asserts nothing. Needs valgrind (Debian package ``valgrind``).

Run: ``.venv/bin/python bench/request_instructions.py [--n 300]`` (about half a minute per
variant); compare two versions by running it from each checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.callgrind import available, count_instructions
from bench.request_parts import VARIANTS, print_parts, warm_app


async def child(variant: int, db: str, n: int) -> None:
    """The variant's warm application; ``n`` requests between the parent's two signals (a line
    on standard input after each of "ready" and "done")."""
    _, route, parts = VARIANTS[variant]
    app, runner, request = await warm_app(route, parts, db)
    requests = [request() for _ in range(n)]
    print("ready", flush=True)
    sys.stdin.readline()
    for item in requests:
        await app._handle(item)
    print("done", flush=True)
    sys.stdin.readline()
    await runner.cleanup()


def count(variant: int, db: str, n: int) -> float:
    """Instructions per request of one variant, from a child under callgrind."""
    return count_instructions([__file__, "--variant", str(variant), "--db", db, "--n", str(n)], n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300, help="requests counted per variant")
    parser.add_argument("--variant", type=int, help=argparse.SUPPRESS)  # the child's side
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant is not None:
        asyncio.run(child(args.variant, args.db, args.n))
        return
    if not available():
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    from simulators.demodb.generate import ensure

    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    try:
        ensure(folder, scale=0.2)
        counts = [count(index, str(folder / "tiger.db"), args.n) for index in range(len(VARIANTS))]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"one-row named query, parts taken away one at a time: thousands of instructions per "
          f"request of app._handle in a hot loop (callgrind, {args.n} requests each)")
    print_parts([value / 1000 for value in counts], ", thousands")


if __name__ == "__main__":
    main()
