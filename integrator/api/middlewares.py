"""The request middleware (``edge``), in this order: the request id, the access log line and the
request metrics; every exception made the XML error body; API-key authentication. One middleware
rather than three: each layer is a coroutine per request, and a one-row query's own work is
counted in microseconds (issue 15)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from integrator.api.keys import CALLER, CONFIG, CONTEXT, METRICS, REQUEST_ID
from integrator.api.render import error_element, to_bytes
from integrator.config import ServiceConfig
from integrator.errors import (
    BadXml,
    Forbidden,
    IntegratorError,
    Internal,
    MethodNotAllowed,
    NotFound,
    SessionExpired,
    Unauthenticated,
    UnsupportedMediaType,
)
from integrator.logs import begin_request, bind_request
from integrator.model.xml import parse_xml

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

access_log = structlog.get_logger("integrator.access")
log = structlog.get_logger("integrator.errors")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# request ids the service makes: 32 hex digits, a random prefix of this process and a counter
# (unique without a call to the system's random source per request; not a secret). A forked
# process (serve --workers N forks after importing this) draws its own prefix.
_ids: tuple[str, itertools.count[int]] = ("", itertools.count())


def _new_id_source() -> None:
    global _ids
    _ids = (secrets.token_hex(8), itertools.count(secrets.randbelow(2**32)))


_new_id_source()
os.register_at_fork(after_in_child=_new_id_source)


def new_request_id() -> str:
    prefix, counter = _ids
    return f"{prefix}{next(counter) & 0xFFFFFFFFFFFFFFFF:016x}"


# paths answered without an API key
OPEN_PATHS = frozenset({"/health/live", "/health/ready", "/metrics", "/v1/openapi.yaml"})


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id (accepted from X-Request-Id or generated), access log line and request metrics
    around the error handling around the authentication."""
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if incoming and _REQUEST_ID.match(incoming) else new_request_id()
    request[REQUEST_ID] = request_id
    begin_request(request_id=request_id)
    started = time.perf_counter()
    status = 500
    response: web.StreamResponse | None = None
    try:
        response = await _answer(request, handler, request_id)
        status = response.status
        response.headers["X-Request-Id"] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        route = _template(request)
        request.app[METRICS].observe_request(request.method, route, status, elapsed)
        if request.app[CONFIG].logging.access_log:
            set_code, user = _acting(request, route, response)
            # probes and scrapes come every few seconds: debug while they succeed
            write = access_log.debug if route in QUIET_ROUTES and status < 400 else access_log.info
            write("request", method=request.method, route=route, status=status,
                  duration_ms=round(elapsed * 1000, 2), caller=request.get(CALLER),
                  set=set_code, user=user)


async def _answer(request: web.Request, handler: Handler, request_id: str) -> web.StreamResponse:
    """The handler's answer for an authenticated caller; every exception as the XML error body
    (never a traceback)."""
    try:
        if request.path not in OPEN_PATHS:
            authenticate(request)
        return await handler(request)
    except IntegratorError as exc:
        if exc.status >= 500:
            log.warning("request_failed", code=exc.code, error=exc.message)
        return error_response(exc, request_id)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_error(request, exc, request_id)
    except Exception:
        log.exception("unhandled_exception")
        return error_response(Internal("internal error; see the service log"), request_id)


# the access lines of these routes are at debug level while they answer 2xx/3xx
QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})
# routes that answer a <Session user set> without resolving X-Session
_SESSION_ROUTES = frozenset({"/v1/sessions", "/v1/sessions/{id}/set"})


def _acting(request: web.Request, route: str,
            response: web.StreamResponse | None) -> tuple[str | None, str | None]:
    """The set and user a request acted for: its resolved session, or the session a session
    route opened or switched (read from its answer, which names both)."""
    context = request.get(CONTEXT)
    if context is not None:
        return context.set_code, context.user
    if (route in _SESSION_ROUTES and isinstance(response, web.Response)
            and response.status < 300 and isinstance(response.body, bytes)):
        with contextlib.suppress(IntegratorError):
            answer = parse_xml(response.body, max_depth=2)
            if answer.tag == "Session":
                return answer.get("set"), answer.get("user")
    return None, None


def _template(request: web.Request) -> str:
    info = request.match_info
    if info.http_exception is not None:
        return "unmatched"
    resource = info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def caller_for(config: ServiceConfig, authorization: str) -> str | None:
    """The name of the API key in ``Authorization: Bearer <key>``, compared in constant time."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = hash_key(token.strip()).encode()
    found: str | None = None
    for key in config.api_keys:  # no early exit: every key is compared
        if hmac.compare_digest(digest, key.sha256.encode()):
            found = key.name
    return found


def authenticate(request: web.Request) -> None:
    """The caller (the API key's name) of ``request``, or ``Unauthenticated``."""
    caller = caller_for(request.app[CONFIG], request.headers.get("Authorization", ""))
    if caller is None:
        raise Unauthenticated("a valid API key is required (Authorization: Bearer <key>)")
    request[CALLER] = caller
    bind_request(caller=caller)


# -- errors ---------------------------------------------------------------------------------------
# the body when even the error cannot be rendered: a constant, valid error body
_LAST_RESORT = (b"<?xml version='1.0' encoding='UTF-8'?>\n<Error code=\"INTERNAL\" status=\"500\" "
                b"retryable=\"false\" requestId=\"%s\"><Message>internal error; see the service "
                b"log</Message></Error>")


def error_response(error: IntegratorError, request_id: str,
                   headers: dict[str, str] | None = None) -> web.Response:
    """The XML error body of ``error``; never raises (an error that cannot be rendered becomes a
    constant ``INTERNAL`` body, with the request id when it is a safe one)."""
    if not _REQUEST_ID.match(request_id):
        request_id = new_request_id()
    headers = {**(headers or {}), "X-Request-Id": request_id}
    status = error.status
    try:
        body = to_bytes(error_element(error, request_id))
    except Exception:
        log.exception("error_not_rendered", code=error.code)
        body, status = _LAST_RESORT % request_id.encode(), 500
    if isinstance(error, Unauthenticated | SessionExpired):
        headers["WWW-Authenticate"] = 'Bearer realm="crm-integrator"'
    return web.Response(
        body=body, status=status, content_type="application/xml", charset="utf-8",
        headers=headers,
    )


_HTTP_TO_ERROR: dict[int, type[IntegratorError]] = {
    400: BadXml,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: BadXml,
    415: UnsupportedMediaType,
}

def _http_error(request: web.Request, exc: web.HTTPException, request_id: str) -> web.Response:
    """aiohttp's own 4xx/5xx (no route, method not allowed, body too large) as the XML error."""
    cls = _HTTP_TO_ERROR.get(exc.status, Internal)
    if exc.status == 413:
        message = "request body exceeds the configured size limit"
    elif exc.status == 404:
        message = f"no route for {request.method} {request.path}"
    elif exc.status == 405:
        message = f"method {request.method} is not allowed on {request.path}"
    else:
        message = exc.reason
    allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    return error_response(cls(message), request_id, allow)
