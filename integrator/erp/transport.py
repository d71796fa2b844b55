"""The one place where ERP requests meet aiohttp: send a request on the shared ``ClientSession``
with explicit timeouts and turn every transport failure into the error taxonomy.

Whether a failure is safe to retry depends on whether the request left:

* connect errors, DNS failures and connect timeouts happen before a byte was written:
  ``RequestNotSent`` (the gateways retry it);
* a timeout or a lost connection after the request was written may follow a commit on the ERP:
  for a write that is ``ErpCommitUncertain`` (never retried), for a read ``ErpTimeout`` /
  ``ErpUnavailable`` (retryable by the caller).

aiohttp itself re-sends an idempotent method (PUT, DELETE) once when the connection drops; for a
write that is exactly the silent duplicate this module exists to prevent, so writes go through a
request middleware that makes a lost answer final.
"""

from __future__ import annotations

import aiohttp
from yarl import URL

from integrator.erp.resilience import RequestNotSent
from integrator.erp.wire import Reply, Request
from integrator.errors import ErpCommitUncertain, ErpTimeout, ErpUnavailable


class AnswerLost(aiohttp.ClientConnectionError):
    """The connection dropped after a write was sent (raised instead of aiohttp's own errors so
    that aiohttp does not re-send the request)."""


async def _answer_is_final(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    try:
        return await handler(request)
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
        raise  # not sent: aiohttp does not retry these either
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
        raise AnswerLost(str(exc) or type(exc).__name__) from exc


def _where(url: URL) -> str:
    return f"{url.host}:{url.port}" if url.port else str(url.host)


async def exchange(session: aiohttp.ClientSession, request: Request, *, write: bool,
                   connect_timeout_s: float, timeout_s: float) -> Reply:
    """Send ``request``; return the ERP's answer (any status) or raise the classified error."""
    timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(connect_timeout_s, timeout_s))
    where = _where(request.url)
    what = request.what or "ERP call"
    try:
        async with session.request(
            request.method, request.url, headers=dict(request.headers), data=request.body,
            timeout=timeout, allow_redirects=False,
            middlewares=(_answer_is_final,) if write else None,
        ) as response:
            body = await response.read()
            return Reply(response.status, body, dict(response.headers))
    except aiohttp.ConnectionTimeoutError:
        raise RequestNotSent(f"{what}: could not connect to {where} within "
                             f"{min(connect_timeout_s, timeout_s):g}s; nothing was sent") from None
    except aiohttp.ClientConnectorDNSError as exc:
        raise RequestNotSent(f"{what}: cannot resolve {request.url.host} ({exc.os_error}); "
                             "nothing was sent") from None
    except aiohttp.ClientConnectorError as exc:
        raise RequestNotSent(f"{what}: cannot connect to {where} ({exc.os_error}); "
                             "nothing was sent") from None
    except TimeoutError:
        if write:
            raise ErpCommitUncertain(
                f"{what}: {where} did not answer within {timeout_s:g}s after the request was "
                "sent; the ERP may have saved it") from None
        raise ErpTimeout(f"{what}: {where} did not answer within {timeout_s:g}s") from None
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
        reason = str(exc) or type(exc).__name__
        if write:
            raise ErpCommitUncertain(
                f"{what}: the connection to {where} was lost after the request was sent "
                f"({reason}); the ERP may have saved it") from None
        raise ErpUnavailable(f"{what}: the connection to {where} was lost ({reason})") from None
