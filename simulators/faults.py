"""Fault injection and call counters shared by the ERP simulators.

A fault is set per route (a LogoObjectService operation such as ``AppendDataObject``, a NetOpenX
route name such as ``ItemSlips.post``, or ``*`` for every route) from a test, either on the Python
object (``sim.faults.set(...)``) or over HTTP through the control API every simulator serves:

    GET    /_sim/stats                 calls per route, logins, calls in progress and their peak
    PUT    /_sim/faults/{route}        {"kind": "latency", "seconds": 2, "times": 1}
    DELETE /_sim/faults                clear every fault
    POST   /_sim/reset                 clear faults and counters

Kinds: ``latency`` (sleep, then answer normally), ``http_500`` (a bare 500 from a proxy or the
web server; nothing ran), ``soap_fault`` (the platform's own error answer: a WCF SOAP fault for
Logo, the Web API exception JSON for Netsis; nothing ran), ``business_error`` (the ERP's refusal:
Logo status 4 / Netsis HTTP 200 ``IsSuccessful: false``), ``reset`` (the connection is closed
without an answer before anything ran) and ``commit_drop`` (the request is processed and
committed, then the connection is closed without an answer).

Two selectors make a fault hit only some calls, deterministically: ``every=n`` hits the calls of the
route whose number (the route's call counter, 1-based) is a multiple of n — 5 % of the calls with
``every=20`` — and ``match`` (a regular expression) hits only calls whose request body contains a
match (e.g. one record's code). ``times`` counts hits, not calls.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Literal, get_args

from aiohttp import web
from aiohttp.typedefs import Middleware

FaultKind = Literal["latency", "http_500", "soap_fault", "business_error", "reset", "commit_drop"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ANY_ROUTE = "*"


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    seconds: float = 0.0  # latency
    message: str = "simulated failure"  # business_error / soap_fault text
    times: int | None = None  # how many calls it hits; None = until cleared
    every: int | None = None  # hit only call numbers that are multiples of this
    match: str | None = None  # hit only calls whose body matches this regular expression

    def selects(self, call: int, body: bytes | None) -> bool:
        if self.every is not None and (call <= 0 or call % self.every):
            return False
        if self.match is not None:
            text = (body or b"").decode("utf-8", errors="replace")
            return re.search(self.match, text) is not None
        return True


class Faults:
    """The faults set per route; ``take`` hands out one hit."""

    def __init__(self) -> None:
        self._faults: dict[str, Fault] = {}

    def set(self, route: str, kind: FaultKind, *, seconds: float = 0.0,
            message: str = "simulated failure", times: int | None = None,
            every: int | None = None, match: str | None = None) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
        if every is not None and every < 1:
            raise ValueError("every must be at least 1")
        if match is not None:
            re.compile(match)  # a bad expression is refused when the fault is set
        fault = Fault(kind, seconds, message, times, every, match)
        self._faults[route] = fault
        return fault

    def clear(self, route: str | None = None) -> None:
        if route is None:
            self._faults.clear()
        else:
            self._faults.pop(route, None)

    def peek(self, route: str) -> Fault | None:
        """The fault set for a route (or for every route), without taking a hit."""
        key = route if route in self._faults else ANY_ROUTE if ANY_ROUTE in self._faults else None
        return self._faults[key] if key is not None else None

    def take(self, route: str, *, call: int = 0, body: bytes | None = None) -> Fault | None:
        key = route if route in self._faults else ANY_ROUTE if ANY_ROUTE in self._faults else None
        if key is None:
            return None
        fault = self._faults[key]
        if (fault.every is not None or fault.match is not None) and not fault.selects(call, body):
            return None
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                del self._faults[key]
        return fault

    def snapshot(self) -> dict[str, dict[str, object]]:
        return {route: asdict(fault) for route, fault in self._faults.items()}


class Counters:
    """Calls per route and logins, and per route the calls in progress and their peak (the most
    at once since the last reset: a write limit is seen from the ERP's side), for tests and
    benchmarks."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.active: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.logins = 0

    def reset(self) -> None:
        self.calls.clear()
        self.peak.clear()
        self.peak.update(+self.active)
        self.logins = 0

    def started(self, route: str) -> None:
        self.active[route] += 1
        self.peak[route] = max(self.peak[route], self.active[route])

    def ended(self, route: str) -> None:
        self.active[route] -= 1

    def snapshot(self) -> dict[str, object]:
        return {"calls": dict(self.calls), "logins": self.logins,
                "active": dict(+self.active), "peak": dict(self.peak)}


def drop_connection(request: web.Request) -> None:
    """Close the client's connection at once, without an answer."""
    transport = request.transport
    if transport is not None:
        transport.abort()


RouteOf = Callable[[web.Request], str | None]
Render = Callable[[web.Request, str, Fault], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fault_middleware(faults: Faults, counters: Counters, route_of: RouteOf,
                     render: Render) -> Middleware:
    """Count every simulated call and apply the fault set for its route."""

    @web.middleware
    async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = route_of(request)
        if route is None:
            return await handler(request)
        counters.calls[route] += 1
        counters.started(route)
        try:
            return await apply(request, handler, route, counters.calls[route])
        finally:
            counters.ended(route)

    async def apply(request: web.Request, handler: Handler, route: str,
                    call: int) -> web.StreamResponse:
        pending = faults.peek(route)
        body = await request.read() if pending is not None and pending.match is not None else None
        fault = faults.take(route, call=call, body=body)
        if fault is None:
            return await handler(request)
        if fault.kind == "latency":
            # the request has arrived: like a real ERP, the work goes on (and commits) even when
            # the client gives up waiting and the server is told to cancel the handler
            await request.read()

            async def slow() -> web.StreamResponse:
                await asyncio.sleep(fault.seconds)
                return await handler(request)

            return await asyncio.shield(asyncio.ensure_future(slow()))
        if fault.kind == "reset":
            await request.read()
            drop_connection(request)
            return web.Response(status=500)  # never reaches the client
        if fault.kind == "commit_drop":
            response = await handler(request)
            drop_connection(request)
            return response  # committed, but never reaches the client
        return await render(request, route, fault)

    return inject


def control_routes(faults: Faults, counters: Counters,
                   extra: Callable[[], None] | None = None) -> web.RouteTableDef:
    """The ``/_sim`` control API (not counted, never faulted)."""
    routes = web.RouteTableDef()

    @routes.get("/_sim/stats")
    async def stats(request: web.Request) -> web.Response:
        return web.json_response({**counters.snapshot(), "faults": faults.snapshot()})

    @routes.put("/_sim/faults/{route}")
    async def put_fault(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            fault = faults.set(request.match_info["route"], body["kind"],
                               seconds=float(body.get("seconds", 0)),
                               message=str(body.get("message", "simulated failure")),
                               times=int(body["times"]) if body.get("times") is not None else None,
                               every=int(body["every"]) if body.get("every") is not None else None,
                               match=str(body["match"]) if body.get("match") is not None else None)
        except (KeyError, ValueError, TypeError, re.error) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(asdict(fault))

    @routes.delete("/_sim/faults")
    async def clear_faults(request: web.Request) -> web.Response:
        faults.clear()
        return web.json_response({})

    @routes.post("/_sim/reset")
    async def reset(request: web.Request) -> web.Response:
        faults.clear()
        counters.reset()
        if extra is not None:
            extra()
        return web.json_response({})

    return routes
