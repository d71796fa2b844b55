"""Serving the application: aiohttp's server, with the service's XML error body also for the
requests aiohttp refuses before the application sees them.

aiohttp answers a request it cannot read (a request line or header over its limits, a malformed
request line or header) itself, from its protocol handler (``RequestHandler.handle_error``): a
``text/plain`` 400 and an error log line with a traceback per request. ``ServiceRunner`` serves the
application with a protocol handler whose ``handle_error`` answers those with the XML error body
(``VALIDATION``, with a request id) and logs them as client errors, one warning line without a
traceback. Server errors (5xx) keep aiohttp's handling (the error middleware turns every exception
of a handler into an XML body before it gets there).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable

import structlog
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from integrator.api.middlewares import error_response
from integrator.api.render import clean
from integrator.config.service import EventLoopName
from integrator.errors import ValidationFailed

log = structlog.get_logger("integrator.http")


class XmlErrorRequestHandler(RequestHandler):
    """aiohttp's protocol handler, answering unreadable requests with the XML error body."""

    def handle_error(self, request: BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if status >= 500:
            return super().handle_error(request, status, exc, message)
        request_id = uuid.uuid4().hex
        # aiohttp's reason up to its quote of the request bytes, which are not echoed or logged
        text = message or (str(exc) if exc is not None else "")
        reason = clean(text.split(":", 1)[0].strip().rstrip(".")) or "malformed request"
        log.warning("http_request_refused", status=status, reason=reason, remote=request.remote,
                    request_id=request_id)
        if request.writer.output_size > 0:  # as aiohttp: nothing can be answered any more
            raise ConnectionError("the answer was already being sent")
        response = error_response(
            ValidationFailed(f"the HTTP request could not be read: {reason}"), request_id)
        response.set_status(status)
        response.force_close()
        return response


class _XmlErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return XmlErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class ServiceRunner(web.AppRunner):
    """``web.AppRunner`` whose connections use ``XmlErrorRequestHandler``."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # the same server object (state, handler, factory); only its protocol factory differs
        server.__class__ = _XmlErrorServer
        return server


def loop_factory(name: EventLoopName) -> Callable[[], asyncio.AbstractEventLoop]:
    """A new event loop of the kind ``listen.event_loop`` names: uvloop (libuv's loop, written in
    C) or Python's own."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def serve(app: web.Application, *, host: str, port: int, shutdown_timeout_s: float,
          listening: Callable[[], None], reuse_port: bool = False,
          event_loop: EventLoopName = "uvloop") -> None:
    """Serve ``app`` until SIGINT or SIGTERM, then drain for at most ``shutdown_timeout_s``
    seconds (no new connections; the requests in flight go on), close the resources, and only
    then cancel what is left — what ``web.run_app`` does, with ``ServiceRunner``, on a loop of
    the kind ``event_loop`` names. ``listening`` is called once the socket is bound; an address that cannot
    be bound raises ``OSError``. ``reuse_port``: several worker processes share the address
    (SO_REUSEPORT, ``integrator serve --workers``)."""

    async def main() -> None:
        runner = ServiceRunner(app, handle_signals=True, access_log=None,
                               shutdown_timeout=shutdown_timeout_s)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
            listening()
            await asyncio.Event().wait()  # until a signal raises GracefulExit
        finally:
            await runner.cleanup()

    with asyncio.Runner(loop_factory=loop_factory(event_loop)) as loop_runner:
        loop = loop_runner.get_loop()
        service = loop.create_task(main())
        try:
            loop.run_until_complete(service)
        except (web.GracefulExit, KeyboardInterrupt):
            pass
        finally:
            # The signal leaves ``main`` waiting: it alone is cancelled first, so that its cleanup
            # drains the requests in flight — still running — before the resources close. The
            # runner's close would cancel every task at once, the requests with it: cut off with
            # their ERP writes in flight (as aiohttp's own run_app, which does the same).
            if not service.done():
                service.cancel()
                with contextlib.suppress(asyncio.CancelledError, web.GracefulExit,
                                         KeyboardInterrupt):
                    loop.run_until_complete(service)
