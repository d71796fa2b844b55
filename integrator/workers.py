"""Several worker processes on one host (N6; issue 15 item 5): ``integrator serve --workers N``.

The parent process has loaded and checked the configuration; it checks that the address is free
and forks N workers. Each worker builds its own application (``init_app``: its own ODBC thread
pool and connection pools, outbound ClientSession and store connection) and serves it with
``app.run`` on the same host:port with ``SO_REUSEPORT``, so the kernel spreads the incoming
connections over the workers. The store must be shared (Redis): the configuration refuses more
than one worker with the embedded store (``config.workers_problem``).

Supervision (the parent serves nothing itself):

* SIGTERM or SIGINT: forwarded to every worker as SIGTERM; each drains as a single process does
  (no new connections, the requests in flight get ``SHUTDOWN_TIMEOUT_S``). The parent waits that
  long plus ``STOP_MARGIN_S``, kills what is left, and exits 0 when every worker stopped cleanly,
  else 1. A second signal kills the workers at once (SIGKILL).
* A worker that exits before it listens means the service cannot start (the worker printed
  why): the parent stops the others and exits 1 — a supervisor above it (Kubernetes, systemd)
  sees the failure instead of a restart loop.
* A worker that exits while serving (a crash, the OOM killer, a kill by hand) is logged
  (``worker_exited``) and replaced after ``RESTART_DELAY_S`` under the same worker number; the
  others serve meanwhile.
* The parent gone (SIGKILL): every worker sees its end of a pipe close and drains.
* A signal that reaches a worker while it drains is ignored: a terminal's Ctrl-C reaches the
  parent and the workers alike, and the parent forwards it again; the drain is not cut short.

Every log line of a worker carries ``worker`` (1..N, kept by a replacement) and ``pid``. Each
worker keeps its own metrics; the worker that accepts a scrape of ``/metrics`` reads the others'
over their sockets in a private directory the parent makes (mode 0700, removed when it ends) and
serves every worker's, labelled ``worker`` (``api.peers``; docs/operations.md).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import FrameType
from typing import Any

import structlog
from aiohttp import web

from integrator import logs
from integrator.api.peers import Peers
from integrator.app import SHUTDOWN_TIMEOUT_S, ListenFailed, init_app, listen_failed, run
from integrator.config import ServiceConfig

log = structlog.get_logger("integrator.workers")

STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
STOP_MARGIN_S = 5.0      # after the drain: 30 + 5 s stays within terminationGracePeriodSeconds (40)
RESTART_DELAY_S = 1.0    # before a worker that exited while serving is replaced
UNIX_PATH_MAX = 107     # bytes of a Unix socket's path on Linux (sun_path, without its NUL)
POLL_S = 0.2             # how often the parent looks at the signals it received

_FORK = multiprocessing.get_context("fork")


def check_address(host: str, port: int) -> None:
    """``ListenFailed`` when ``host:port`` is taken: by another program, and also by the workers
    of another ``integrator serve``, which the workers' own ``SO_REUSEPORT`` bind would join
    silently (a probe without ``SO_REUSEPORT`` cannot bind beside them)."""
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenFailed(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    probes: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(found):
            probe = socket.socket(family, kind, proto)
            probes.append(probe)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio binds
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            probe.bind(address)
    except OSError as exc:
        failed = listen_failed(exc, host, port)
        if failed is None:
            raise
        raise failed from None
    finally:
        for probe in probes:
            probe.close()


def serve_workers(config: ServiceConfig) -> int:
    """Run ``listen.workers`` worker processes until a stop signal; the exit status (0: every
    worker stopped cleanly). ``ListenFailed`` when the address is taken before any worker starts."""
    check_address(config.listen.host, config.listen.port)
    sockets = _sockets_directory(config.listen.workers)
    try:
        return _Supervisor(config, config.listen.workers, sockets).run()
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


def _sockets_directory(count: int) -> Path:
    """A new directory for the metrics sockets of ``count`` workers (``api.peers``), mode 0700,
    in the temporary directory (TMPDIR); ``ListenFailed`` when none can be made there or a
    socket's path would be too long for the kernel."""
    place = "the temporary directory"
    try:
        where = tempfile.gettempdir()
        place = where
        sockets = Path(tempfile.mkdtemp(prefix="integrator-workers-", dir=where))
    except OSError as exc:
        raise ListenFailed(f"cannot make the directory of the workers' metrics sockets in "
                           f"{place}: {exc.strerror} (set TMPDIR to a writable directory)"
                           ) from None
    longest = Peers(count, count, sockets).socket(count)
    if len(os.fsencode(longest)) > UNIX_PATH_MAX:
        sockets.rmdir()
        raise ListenFailed(f"the workers' metrics sockets would have paths longer than "
                           f"{UNIX_PATH_MAX} bytes in {place} (set TMPDIR to a shorter path)")
    return sockets


@dataclass(eq=False)
class _Worker:
    number: int
    process: Any  # multiprocessing's forked Process
    ready: Connection  # the worker sends its number once it listens
    listening: bool = False
    ready_open: bool = True


@dataclass
class _Supervisor:
    config: ServiceConfig
    count: int
    sockets: Path  # the directory of the workers' metrics sockets (api.peers)
    running: list[_Worker] = field(default_factory=list)
    signals: list[int] = field(default_factory=list)
    due: list[tuple[float, int]] = field(default_factory=list)  # (when, number) to replace
    stopping_until: float | None = None
    status: int = 0
    alive: tuple[int, int] = (-1, -1)  # the pipe whose closing tells the workers the parent is gone

    def run(self) -> int:
        def received(signum: int, _frame: FrameType | None) -> None:
            self.signals.append(signum)

        previous = {s: signal.signal(s, received) for s in STOP_SIGNALS}
        self.alive = os.pipe()
        listen = self.config.listen
        log.info("workers_starting", workers=self.count, host=listen.host, port=listen.port,
                 metrics_sockets=str(self.sockets))
        try:
            for number in range(1, self.count + 1):
                self._start(number)
            while self.running or (self.due and self.stopping_until is None):
                self._step()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            for fd in self.alive:
                os.close(fd)
        log.info("workers_stopped", exit_status=self.status)
        return self.status

    def _start(self, number: int) -> None:
        ready, ready_end = _FORK.Pipe(duplex=False)
        process = _FORK.Process(target=_worker_main, name=f"integrator-worker-{number}",
                                args=(self.config, Peers(number, self.count, self.sockets),
                                      ready_end, self.alive))
        # a signal that comes during the fork is handled by the parent, not by the new worker
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        ready_end.close()
        self.running.append(_Worker(number, process, ready))
        log.info("worker_started", worker=number, pid=process.pid)

    def _step(self) -> None:
        now = time.monotonic()
        if self.signals:
            self._on_signal(self.signals.pop(0), now)
        if self.stopping_until is not None and now > self.stopping_until:
            for worker in self.running:
                log.error("worker_killed", worker=worker.number, pid=worker.process.pid,
                          hint="still draining when the stop time ran out")
                worker.process.kill()
            self.status = 1
            self.stopping_until = float("inf")
        if self.stopping_until is None:
            for when, number in [d for d in self.due if d[0] <= now]:
                self.due.remove((when, number))
                self._start(number)
        objects: list[Any] = [w.ready for w in self.running if w.ready_open]
        objects += [w.process.sentinel for w in self.running]
        ready = wait(objects, timeout=POLL_S)
        while self.signals:  # one that came during the wait comes before the exits it caused
            self._on_signal(self.signals.pop(0), time.monotonic())
        for worker in list(self.running):
            if worker.ready_open and (worker.ready in ready or worker.ready.poll()):
                self._read_ready(worker)
            if worker.process.sentinel in ready:
                self._on_exit(worker)

    def _on_signal(self, signum: int, now: float) -> None:
        name = signal.Signals(signum).name
        if self.stopping_until is None:
            log.info("stopping", signal=name, workers=len(self.running),
                     timeout_s=SHUTDOWN_TIMEOUT_S + STOP_MARGIN_S)
            self._stop(now)
        else:
            log.warning("stopping_now", signal=name, hint="a second signal: the workers are killed")
            for worker in self.running:
                worker.process.kill()
            self.status = 1

    def _stop(self, now: float) -> None:
        self.stopping_until = now + SHUTDOWN_TIMEOUT_S + STOP_MARGIN_S
        self.due.clear()
        for worker in self.running:
            worker.process.terminate()  # SIGTERM: the worker drains

    def _read_ready(self, worker: _Worker) -> None:
        try:
            worker.ready.recv()
            worker.listening = True
        except EOFError:  # the worker exited without listening
            worker.ready_open = False
            worker.ready.close()

    def _on_exit(self, worker: _Worker) -> None:
        worker.process.join()
        self.running.remove(worker)
        if worker.ready_open:
            worker.ready.close()
        code = worker.process.exitcode
        how = {"exit_code": code} if code is None or code >= 0 else {"signal": -code}
        if self.stopping_until is not None:
            # SIGTERM's default action ends a worker when the signal comes after its drain (or
            # before its loop started): nothing in flight is lost
            if code not in (0, -signal.SIGTERM):
                self.status = 1
            log.info("worker_stopped", worker=worker.number, pid=worker.process.pid, **how)
        elif not worker.listening:
            log.error("worker_failed_to_start", worker=worker.number, pid=worker.process.pid,
                      hint="the service cannot start; stopping the other workers", **how)
            self.status = 1
            self._stop(time.monotonic())
        else:
            log.error("worker_exited", worker=worker.number, pid=worker.process.pid,
                      hint=f"replaced in {RESTART_DELAY_S:g} s", **how)
            self.due.append((time.monotonic() + RESTART_DELAY_S, worker.number))


def _worker_main(config: ServiceConfig, peers: Peers, ready: Connection,
                 alive: tuple[int, int]) -> None:
    """In the forked worker: build the app and serve it on the shared address until stopped."""
    number = peers.number
    alive_read, alive_write = alive
    os.close(alive_write)  # the parent holds the only write end: its exit closes the pipe
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    logs.configure(config.logging.level, config.logging.format,
                   fields={"worker": number, "pid": os.getpid()})
    app = init_app(config, peers)

    async def watch_parent(app: web.Application) -> None:
        loop = asyncio.get_running_loop()

        def parent_gone() -> None:
            loop.remove_reader(alive_read)
            log.warning("parent_gone", hint="the supervising process exited; draining")
            os.kill(os.getpid(), signal.SIGTERM)

        loop.add_reader(alive_read, parent_gone)

    async def ignore_further_signals(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, log.info, "already_draining")

    app.on_startup.append(watch_parent)
    app.on_shutdown.insert(0, ignore_further_signals)
    listen = config.listen
    try:
        run(app, host=listen.host, port=listen.port, reuse_port=True,
            on_listening=lambda: ready.send(number))
    except ListenFailed as exc:
        print(f"error: worker {number}: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
