"""NetOpenX REST simulator under ``/api/v2/`` over the Netsis demo database.

* ``POST token`` (form: grant_type=password, branchcode, username, password, dbname, dbuser,
  dbpassword, dbtype) -> ``access_token`` valid for ``token_lifetime_s``; afterwards (or after a
  revoke) every call is HTTP 401 ``Authorization has been denied for this request.``
* ARPs and Items (GET/POST/PUT/DELETE by code), ItemSlips (POST, GET/PUT/DELETE by
  ``{type};{FATIRS_NO};{CARI_KOD}``, POST Delete, Calculate, NewNumber), ARPs/Risk,
  public/Ping and public/Version;
* every answer is the ``{IsSuccessful, ErrorCode, ErrorDesc, Message, Data}`` envelope, business
  errors with HTTP 200 (research/netsis.md §1.2-§1.10).

Faults can be injected per route name (``ItemSlips.post``, ``ARPs.get``, ``token``, ...).

Test hook (not part of NetOpenX): ``POST /_sim/ship`` delivers part of an order with a dispatch,
see simulators.netsis.shipping for the request and answer; 200 with the answer, 404 when the
order or a line does not exist, 409 with ``{"error": ...}`` when the ERP would refuse, 400 for a
bad body.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from simulators import db
from simulators.faults import Counters, Fault, Faults, control_routes, fault_middleware
from simulators.netsis.model import NetsisError, NetsisModel, fatura_tip, prop
from simulators.netsis.shipping import OrderNotFound, ship_order
from simulators.shipping import ship_route

DENIED = "Authorization has been denied for this request."
PREFIX = "/api/v2/"


@dataclass
class NetsisSimConfig:
    db_path: Path
    dbname: str = "DEMONETSIS"
    dbuser: str = "TEMELSET"
    dbpassword: str = ""
    users: dict[str, str] = field(default_factory=lambda: {"NETSIS": "net1234"})
    branches: tuple[int, ...] = (0,)
    token_lifetime_s: float = 1200.0
    version: str = "2.0.4.3"
    card_put: str = "replace"  # PUT ARPs/Items: "replace" the whole record, or "merge" (older)


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    branch: int
    expires_at: float


def envelope(data: Any = None, *, ok: bool = True, error: str | None = None,
             code: str | None = None, status: int = 200) -> web.Response:
    body = {"IsSuccessful": ok, "ErrorCode": code, "ErrorDesc": error, "Message": None,
            "Data": data}
    return web.Response(text=json.dumps(body, ensure_ascii=False, default=_default), status=status,
                        content_type="application/json", charset="utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


class NetsisSimulator:
    def __init__(self, config: NetsisSimConfig) -> None:
        self.config = config
        self.faults = Faults()
        self.counters = Counters()
        self.sessions: dict[str, Session] = {}
        self._model: NetsisModel | None = None

    @property
    def model(self) -> NetsisModel:
        if self._model is None:
            conn = db.connect(self.config.db_path)
            db.ensure_additions(conn, "netsis")
            self._model = NetsisModel(conn, card_put=self.config.card_put)
        return self._model

    def close(self) -> None:
        if self._model is not None:
            self._model.conn.close()
            self._model = None

    def revoke_tokens(self) -> None:
        """Forget every issued token (as a service restart does): the next calls get 401."""
        self.sessions.clear()

    def expire_tokens(self) -> None:
        for token, session in list(self.sessions.items()):
            self.sessions[token] = Session(session.user, session.branch, 0.0)

    # -- plumbing ---------------------------------------------------------------------------
    def route_of(self, request: web.Request) -> str | None:
        route = request.match_info.route
        name = route.name if route is not None else None
        return name if name and not name.startswith("sim_") else None

    async def render_fault(self, request: web.Request, route: str, fault: Fault) \
            -> web.StreamResponse:
        if fault.kind == "http_500":
            return web.Response(status=500, content_type="text/html",
                                text="<html><body><h1>500 Internal Server Error</h1></body></html>")
        if fault.kind == "soap_fault":  # the Web API's own exception answer
            return web.json_response({"Message": "An error has occurred.",
                                      "ExceptionMessage": fault.message,
                                      "ExceptionType": "System.Runtime.InteropServices.COMException",
                                      "StackTrace": None}, status=500)
        return envelope(ok=False, error=fault.message, code="SIM")

    def session(self, request: web.Request) -> Session | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        found = self.sessions.get(token.strip())
        if found is None or time.monotonic() >= found.expires_at:
            return None
        return found

    def authorized(self, handler: Callable[[web.Request, Session], Awaitable[web.Response]]) \
            -> Callable[[web.Request], Awaitable[web.Response]]:
        async def wrapped(request: web.Request) -> web.Response:
            session = self.session(request)
            if session is None:
                return web.json_response({"Message": DENIED}, status=401,
                                         headers={"WWW-Authenticate": "Bearer"})
            try:
                return await handler(request, session)
            except NetsisError as exc:
                return envelope(ok=False, error=str(exc), code=exc.code)
        return wrapped

    async def _json(self, request: web.Request) -> Any:
        try:
            return json.loads((await request.read()).decode("utf-8-sig") or "null")
        except (UnicodeDecodeError, ValueError):
            raise NetsisError("İstek gövdesi geçerli JSON değil") from None

    # -- token -----------------------------------------------------------------------------
    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()

        def refuse(description: str) -> web.Response:
            return web.json_response({"error": "invalid_grant",
                                      "error_description": description}, status=400)

        if form.get("grant_type") != "password":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        user, password = str(form.get("username", "")), str(form.get("password", ""))
        if str(form.get("dbname", "")) != self.config.dbname:
            return refuse(f"\r\nSQL : Cannot open database \"{form.get('dbname', '')}\" requested "
                          "by the login.(NetsisMS-42000,4060)\r\n | NetOpenX50.Kernel")
        if str(form.get("dbuser", "")) != self.config.dbuser or \
                str(form.get("dbpassword", "")) != self.config.dbpassword:
            return refuse(f"\r\nSQL : Login failed for user '{form.get('dbuser', '')}'."
                          "(NetsisMS-42000,18456)\r\n | NetOpenX50.Kernel")
        if str(form.get("dbtype", "0")) != "0":
            return refuse("Veritabanı tipi desteklenmiyor (dbtype)")
        if self.config.users.get(user) != password:
            return refuse("Kullanıcı adı veya şifre hatalı | NetOpenX50.Kernel")
        branch_text = str(form.get("branchcode", ""))
        if not branch_text.lstrip("-").isdigit() or int(branch_text) not in self.config.branches:
            return refuse(f"Şube bulunamadı: {branch_text} | NetOpenX50.Kernel")
        self.counters.logins += 1
        token = secrets.token_urlsafe(32)
        lifetime = self.config.token_lifetime_s
        self.sessions[token] = Session(user, int(branch_text), time.monotonic() + lifetime)
        issued = datetime.now(UTC)
        return web.json_response({
            "access_token": token, "token_type": "bearer", "expires_in": int(lifetime),
            "refresh_token": secrets.token_urlsafe(16), "as:client_id": "", "username": user,
            "branchcode": branch_text, "dbname": self.config.dbname, "jlogin": "",
            ".issued": issued.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            ".expires": (issued + timedelta(seconds=lifetime)).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        })

    # -- public ------------------------------------------------------------------------------
    async def ping(self, request: web.Request) -> web.Response:
        return envelope("Pong")

    async def version(self, request: web.Request) -> web.Response:
        return envelope(self.config.version)

    # -- cards -------------------------------------------------------------------------------
    def _code(self, request: web.Request) -> str:
        raw = request.raw_path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return unquote(raw)

    def card_routes(self, resource: str) -> list[web.RouteDef]:
        async def post(request: web.Request, session: Session) -> web.Response:
            body = await self._json(request)
            if not isinstance(body, dict):
                raise NetsisError("İstek gövdesi boş")
            return envelope(self.model.card_post(resource, body, session.branch))

        async def get(request: web.Request, session: Session) -> web.Response:
            return envelope(self.model.card_get(resource, self._code(request)))

        async def put(request: web.Request, session: Session) -> web.Response:
            body = await self._json(request)
            if not isinstance(body, dict):
                raise NetsisError("İstek gövdesi boş")
            return envelope(self.model.card_put(resource, self._code(request), body))

        async def delete(request: web.Request, session: Session) -> web.Response:
            self.model.card_delete(resource, self._code(request))
            return envelope(True)

        base = PREFIX + resource
        return [
            web.post(base, self.authorized(post), name=f"{resource}.post"),
            web.get(base + "/{code}", self.authorized(get), name=f"{resource}.get"),
            web.put(base + "/{code}", self.authorized(put), name=f"{resource}.put"),
            web.delete(base + "/{code}", self.authorized(delete), name=f"{resource}.delete"),
        ]

    # -- item slips ---------------------------------------------------------------------------
    def _slip_id(self, request: web.Request) -> tuple[int, str, str]:
        raw = request.raw_path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        parts = [unquote(part) for part in raw.split(";")]
        if len(parts) not in (2, 3):
            raise NetsisError("Belge kimliği {tip};{FATIRS_NO};{CARI_KOD} biçiminde olmalı")
        account = parts[2] if len(parts) == 3 else ""
        return fatura_tip(parts[0]), parts[1], account

    async def slip_post(self, request: web.Request, session: Session) -> web.Response:
        body = await self._json(request)
        if not isinstance(body, dict):
            raise NetsisError("İstek gövdesi boş")
        return envelope(self.model.slip_post(body, session.branch))

    async def slip_get(self, request: web.Request, session: Session) -> web.Response:
        tip, number, account = self._slip_id(request)
        return envelope(self.model.slip_get(tip, number, account, session.branch))

    async def slip_put(self, request: web.Request, session: Session) -> web.Response:
        tip, number, account = self._slip_id(request)
        body = await self._json(request)
        if not isinstance(body, dict):
            raise NetsisError("İstek gövdesi boş")
        return envelope(self.model.slip_put(tip, number, account, body, session.branch))

    async def slip_delete(self, request: web.Request, session: Session) -> web.Response:
        tip, number, account = self._slip_id(request)
        self.model.slip_delete(tip, number, account, session.branch)
        return web.Response(status=204)

    async def slip_delete_post(self, request: web.Request, session: Session) -> web.Response:
        body = await self._json(request)
        if not isinstance(body, dict):
            raise NetsisError("İstek gövdesi boş")
        self.model.slip_delete(fatura_tip(prop(body, "DocumentType")),
                               str(prop(body, "DocumentNumber") or ""),
                               str(prop(body, "CustomerCode") or ""), session.branch)
        return envelope(True)

    async def calculate(self, request: web.Request, session: Session) -> web.Response:
        body = await self._json(request)
        if not isinstance(body, dict):
            raise NetsisError("İstek gövdesi boş")
        return envelope(self.model.calculate(body, session.branch))

    async def new_number(self, request: web.Request, session: Session) -> web.Response:
        body = await self._json(request)
        if not isinstance(body, dict):
            raise NetsisError("İstek gövdesi boş")
        return envelope(self.model.new_number(body, session.branch))

    async def risk(self, request: web.Request, session: Session) -> web.Response:
        body = await self._json(request)
        if not isinstance(body, dict):
            raise NetsisError("İstek gövdesi boş")
        figure = self.model.risk(body, session.branch)
        return envelope(f"{figure:.2f}".replace(".", ","))  # a number in a string, Turkish style

    def routes(self) -> list[web.RouteDef]:
        auth = self.authorized
        return [
            web.post(PREFIX + "token", self.token, name="token"),
            web.get(PREFIX + "public/Ping", self.ping, name="public.Ping"),
            web.get(PREFIX + "public/Version", self.version, name="public.Version"),
            web.post(PREFIX + "ARPs/Risk", auth(self.risk), name="ARPs.Risk"),
            *self.card_routes("ARPs"),
            *self.card_routes("Items"),
            web.post(PREFIX + "ItemSlips", auth(self.slip_post), name="ItemSlips.post"),
            web.post(PREFIX + "ItemSlips/Calculate", auth(self.calculate),
                     name="ItemSlips.Calculate"),
            web.post(PREFIX + "ItemSlips/NewNumber", auth(self.new_number),
                     name="ItemSlips.NewNumber"),
            web.post(PREFIX + "ItemSlips/Delete", auth(self.slip_delete_post),
                     name="ItemSlips.Delete"),
            web.get(PREFIX + "ItemSlips/{id}", auth(self.slip_get), name="ItemSlips.get"),
            web.put(PREFIX + "ItemSlips/{id}", auth(self.slip_put), name="ItemSlips.put"),
            web.delete(PREFIX + "ItemSlips/{id}", auth(self.slip_delete),
                       name="ItemSlips.delete"),
        ]


NETSIS_SIM: web.AppKey[NetsisSimulator] = web.AppKey("netsis_simulator")


def create_netsis_app(config: NetsisSimConfig) -> web.Application:
    simulator = NetsisSimulator(config)
    app = web.Application(middlewares=[fault_middleware(
        simulator.faults, simulator.counters, simulator.route_of, simulator.render_fault)],
        client_max_size=64 * 1024 * 1024)
    app[NETSIS_SIM] = simulator
    app.add_routes(simulator.routes())
    app.add_routes(control_routes(simulator.faults, simulator.counters))

    async def revoke(request: web.Request) -> web.Response:
        simulator.revoke_tokens()
        return web.json_response({})

    async def expire(request: web.Request) -> web.Response:
        simulator.expire_tokens()
        return web.json_response({})

    app.router.add_post("/_sim/tokens/revoke", revoke, name="sim_revoke")
    app.router.add_post("/_sim/tokens/expire", expire, name="sim_expire")
    app.router.add_post("/_sim/ship", ship_route(lambda body: ship_order(simulator.model, body),
                                                 refused=NetsisError, not_found=OrderNotFound),
                        name="sim_ship")

    async def close(_app: web.Application) -> None:
        simulator.close()

    app.on_cleanup.append(close)
    return app
