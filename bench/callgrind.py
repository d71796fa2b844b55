"""Counting a bench's calls in CPU instructions under valgrind's callgrind (``bench/store.py
--instructions``, ``bench/request_instructions.py``): a child process warms up, prints a line,
runs exactly ``n`` calls between the parent's two switches of callgrind's instrumentation, and
the instructions collected in between are divided by ``n``. The same code, inputs and
environment give the same count whatever else the machine is doing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time

COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def count_instructions(argv: list[str], n: int, *, timeout_s: float = 300.0) -> float:
    """Instructions per call of ``python argv…`` run under callgrind; the child prints a line
    when it is warm and another after its ``n`` calls, and reads a line after each."""
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as folder:
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={folder}/callgrind.out", sys.executable, *argv],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdin is not None and process.stdout is not None
        try:
            for switch in ("on", "off"):
                if not process.stdout.readline():
                    raise SystemExit(f"the child ended early: {process.stderr.read()[-2000:]}")
                subprocess.run(["callgrind_control", "-i", switch, str(process.pid)],
                               check=True, capture_output=True)
                time.sleep(0.2)  # the switch is seen at the next basic block
                process.stdin.write("\n")
                process.stdin.flush()
            _, errors = process.communicate(timeout=timeout_s)
        finally:
            if process.poll() is None:
                process.kill()
    found = COLLECTED.search(errors)
    if process.returncode != 0 or found is None:
        raise SystemExit(f"callgrind gave no count: {errors[-2000:]}")
    return int(found.group(1)) / n
