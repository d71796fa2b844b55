"""Request middlewares, outermost first: request id + access log + metrics, errors, auth."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid

import structlog
from aiohttp import web

from integrator.config import ServiceConfig
from integrator.errors import Handler, Unauthenticated
from integrator.keys import CALLER, CONFIG, CONTEXT, METRICS, REQUEST_ID

access_log = structlog.get_logger("integrator.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
OPEN_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id (accepted from X-Request-Id or generated), access log line, request metrics."""
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        route = _template(request)
        metrics = request.app[METRICS]
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.request_latency.labels(request.method, route).observe(elapsed)
        if request.app[CONFIG].logging.access_log:
            context = request.get(CONTEXT)
            access_log.info(
                "request", method=request.method, route=route, status=status,
                duration_ms=round(elapsed * 1000, 2), caller=request.get(CALLER),
                set=context.set_code if context else None,
                user=context.user if context else None,
            )


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


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in OPEN_PATHS or request.path == "/v1/openapi.yaml":
        return await handler(request)
    caller = caller_for(request.app[CONFIG], request.headers.get("Authorization", ""))
    if caller is None:
        raise Unauthenticated("a valid API key is required (Authorization: Bearer <key>)")
    request[CALLER] = caller
    structlog.contextvars.bind_contextvars(caller=caller)
    return await handler(request)
