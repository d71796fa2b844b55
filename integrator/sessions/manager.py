"""Sessions (F2) and the resolver that turns ``X-Session`` into who acts on which set (F3).

A session is a CRM user working with an active integration set. It lives in the shared store
under the SHA-256 of its id (a store dump holds no usable session ids) with an idle time to live
that every use restarts (at most ``touch_slack_s`` late, so that a replica may answer a session
it holds from its own copy: ``sessions.replica_cache``). Permission is checked when a session is
opened or switched *and* on every request, so removing a user from a set takes effect at once.

A session belongs to the API caller (the name of the API key) that opened it: any other caller
gets exactly the answer an unknown session gets. A session stored without a caller (opened before
sessions were bound) is bound to the first caller that uses it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from integrator.config import SetUser
from integrator.errors import (
    Detail,
    Forbidden,
    NotFound,
    SessionExpired,
    ValidationFailed,
)
from integrator.model import Context, StoredSet, credentials_for
from integrator.sessions.registry import SetRegistry
from integrator.sessions.store import Store

SESSION_KEY = "sessions:"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_EXPIRED = "the session has expired or was closed; open a new session"
_NO_SUCH = "no such session (it may have expired)"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _key(session_id: str) -> str:
    return SESSION_KEY + _digest(session_id)


def _ref(session_id: str) -> str:
    return _digest(session_id)[:12]


# contexts kept per session record (see SessionManager.resolve); at most this many
_CONTEXTS_KEPT = 4096


def touch_slack_s(idle_ttl_s: float) -> float:
    """How late a session's idle time may be restarted (issue 15 item 2): a replica that restarted
    it less than this ago may answer the session from its own copy without a round trip
    (``Store.get_and_touch``'s ``defer_s``). A session is stored for its idle time plus this, so
    it lives at least ``idle_ttl_s`` after its last use and at most this much longer."""
    return min(1.0, idle_ttl_s / 100)


def _member(stored: StoredSet, user: str) -> SetUser:
    member = stored.integration_set.user(user)
    if member is None:
        raise Forbidden(f"user {user!r} is not permitted on integration set {stored.code!r}")
    return member


@dataclass(frozen=True, slots=True)
class OpenedSession:
    session_id: str
    user: str
    stored_set: StoredSet
    idle_ttl_s: int


class SessionManager:
    def __init__(self, store: Store, registry: SetRegistry, *, idle_ttl_s: int) -> None:
        self._store = store
        self._registry = registry
        self.idle_ttl_s = idle_ttl_s
        self._slack_s = touch_slack_s(idle_ttl_s)
        self._stored_ttl_s = idle_ttl_s + self._slack_s
        # session id -> (caller, stored record, the Context built from them)
        self._contexts: dict[str, tuple[str, bytes, Context]] = {}

    async def default_set(self, user: str) -> StoredSet:
        permitted: list[StoredSet] = []
        defaults: list[StoredSet] = []
        for stored in await self._registry.all():
            member = stored.integration_set.user(user)
            if member is not None:
                permitted.append(stored)
                if member.default:
                    defaults.append(stored)
        if not permitted:
            raise Forbidden(f"user {user!r} is not permitted on any integration set")
        if len(defaults) == 1:
            return defaults[0]
        if not defaults:
            raise ValidationFailed(
                f"user {user!r} has no default integration set; name one with set=\"...\"",
                details=[Detail("permitted: " + ", ".join(s.code for s in permitted))])
        raise ValidationFailed(
            f"user {user!r} has more than one default integration set; name one with set=\"...\"",
            details=[Detail("defaults: " + ", ".join(s.code for s in defaults))])

    async def open(self, user: str, set_code: str | None, caller: str) -> OpenedSession:
        """A new session of ``user``, bound to ``caller`` (the API key's name)."""
        stored = await self._registry.get(set_code) if set_code else await self.default_set(user)
        _member(stored, user)
        session_id = secrets.token_urlsafe(32)
        record = {"user": user, "set": stored.code, "caller": caller,
                  "opened": datetime.now(UTC).isoformat(timespec="seconds")}
        await self._store.set(_key(session_id), json.dumps(record).encode(),
                              ttl_s=self._stored_ttl_s)
        return OpenedSession(session_id, user, stored, self.idle_ttl_s)

    async def _load(self, session_id: str, caller: str) -> dict[str, str]:
        return await self._record(session_id, caller, (await self._raw(session_id))[0])

    async def _raw(self, session_id: str, version_key: str | None = None
                   ) -> tuple[bytes, int | None]:
        """The stored record of a session, its idle time restarted; with ``version_key``, the
        version of that key read in the same round trip (else None)."""
        if not _SESSION_ID.match(session_id):
            raise SessionExpired("the session id is not valid; open a new session")
        version = None
        if version_key is None:
            raw = await self._store.get_and_touch(_key(session_id), self._stored_ttl_s,
                                                  defer_s=self._slack_s)
        else:
            raw, version = await self._store.get_and_touch_with_version(
                _key(session_id), self._stored_ttl_s, version_key, defer_s=self._slack_s)
        if raw is None:
            self._contexts.pop(session_id, None)  # its ERP login is not kept past its session
            raise SessionExpired(_EXPIRED)
        return raw, version

    async def _record(self, session_id: str, caller: str, raw: bytes) -> dict[str, str]:
        """The record of ``caller``'s session (``SessionExpired`` for another caller's)."""
        record: dict[str, str] = json.loads(raw)
        owner = record.get("caller")
        if owner is None:  # stored before sessions were bound to their caller
            record["caller"] = caller
            await self._store.set(_key(session_id), json.dumps(record).encode(),
                                  ttl_s=self._stored_ttl_s)
        elif not hmac.compare_digest(owner.encode(), caller.encode()):
            raise SessionExpired(_EXPIRED)  # exactly what an unknown session gets
        return record

    async def switch(self, session_id: str, set_code: str, caller: str) -> OpenedSession:
        record = await self._load(session_id, caller)
        stored = await self._registry.get(set_code)
        _member(stored, record["user"])
        record["set"] = stored.code
        await self._store.set(_key(session_id), json.dumps(record).encode(),
                              ttl_s=self._stored_ttl_s)
        return OpenedSession(session_id, record["user"], stored, self.idle_ttl_s)

    async def close(self, session_id: str, caller: str) -> None:
        try:
            await self._load(session_id, caller)
        except SessionExpired:
            raise NotFound(_NO_SUCH) from None
        self._contexts.pop(session_id, None)
        if not await self._store.delete(_key(session_id)):
            raise NotFound(_NO_SUCH)

    async def resolve(self, session_id: str, caller: str) -> Context:
        """Who acts on which set: the session ``session_id`` of ``caller``.

        Every call reads the session from the store (restarting its idle time) and finds its set
        in the registry; the ``Context`` built from them is kept for the same stored record, caller
        and set version (it is plain data), so a request pays no JSON reading, membership lookup or
        credentials for a session it has seen. For a set pushed into the store, the set's version
        is read in the same round trip as the session (one store round trip per request, not
        two)."""
        kept = self._contexts.get(session_id)
        version_key = self._registry.version_key(kept[2].set_code) if kept is not None else None
        raw, version = await self._raw(session_id, version_key)
        if kept is not None and kept[0] == caller and kept[1] == raw:
            context = kept[2]
            current = (self._registry.at_version(context.set_code, version)
                       if version_key is not None else await self._registry.find(context.set_code))
            if current is context.stored_set:
                return context
        record = await self._record(session_id, caller, raw)
        user, set_code = record["user"], record["set"]
        stored = await self._registry.find(set_code)
        if stored is None:
            raise SessionExpired(
                f"integration set {set_code!r} of this session was removed; open a new session")
        member = _member(stored, user)
        context = Context(_ref(session_id), user, stored, member,
                          credentials_for(stored.integration_set, member))
        if len(self._contexts) >= _CONTEXTS_KEPT and session_id not in self._contexts:
            self._contexts.clear()
        self._contexts[session_id] = (caller, raw, context)
        return context

    async def count(self) -> int:
        return len(await self._store.keys(SESSION_KEY))
