"""The Redis store's commands on redis-py's connections, past its client and pool (N6, N7; issue 15).

redis-py's client ran ~270 thousand instructions of Python for one small command (a ``GETEX`` on
loopback Redis: 80-130 µs of the service's time, against ~30 µs for the bare round trip): its
pool (a lock, a check of the connection, observability counters and an event on each release),
its command layer (a retry wrapper, observability, response callbacks) and, on Python 3.11, a
task made by ``asyncio.wait_for`` for every write under a socket timeout. The store needs none of
that on each call, so its calls go to redis-py's connections directly, through their public
methods (``ConnectionPool.make_connection``, ``Connection.connect``, ``send_packed_command``,
``read_response``, ``can_read``, ``disconnect``), with the command's bytes written here
(``pack``): about half the instructions per command (``bench/store.py``).

* A call takes a connection of its own from this object's idle ones (the last one put back
  first), or the pool makes one: the client's pool, so the URL's address, TLS, login and db, or
  its sentinels, whom a sentinel-managed connection asks for the master when it connects.
* A connection connects under redis-py's own timeouts (the socket's connect, each read of the
  handshake, each sentinel asked); the command's write and its whole reply are then under one
  deadline of ``timeout_s`` (the connection's socket timeout is off outside its connect, so its
  write makes no task).
* A connection goes back to the idle ones only after a whole reply was read, an error reply
  included; after anything else (the deadline, a broken connection, a cancelled call) it is
  disconnected, so no call ever reads another's reply.
* Before it is used again, an idle connection with unread data or closed by the server is
  connected anew (the check redis-py's pool makes); one idle for ``health_check_interval`` is
  pinged first (in ``send_packed_command``, under the deadline); behind sentinels, one still
  connected to an earlier master is dropped once any connection has found the new one (the pool
  disconnects its idle connections then), and a demoted master's read-only answer drops it
  (``SentinelManagedConnection``).

Errors are redis-py's (``RedisError``, ``OSError``, ``TimeoutError``); the store turns them into
``StoreUnavailable``. Nothing is retried, as before (the client's connections had no retries).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

Arg = bytes | str | int  # what the store sends: keys, values, numbers
Command = tuple[Arg, ...]


class Script:
    """A Lua script run by its SHA1 (``EVALSHA``); a server that has not cached it (a restart, a
    promoted replica, ``SCRIPT FLUSH``) gets it whole (``EVAL``, which caches it)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class Wire:
    """Commands on connections made by ``pool``, each under a deadline of ``timeout_s``; safe for
    any number of coroutines at once (each call holds a connection of its own)."""

    def __init__(self, pool: ConnectionPool, *, timeout_s: float) -> None:
        self._pool = pool
        self._timeout_s = timeout_s
        self._idle: list[AbstractConnection] = []
        self._closed = False

    async def command(self, *args: Arg) -> Any:
        """One command's reply; an error reply raises its ``ResponseError``."""
        conn = await self._take()
        try:
            async with asyncio.timeout(self._timeout_s):
                await conn.send_packed_command(pack(args))
                try:
                    reply = await conn.read_response()
                except ResponseError as exc:  # the whole error reply was read
                    reply = exc
        except BaseException:
            await _drop(conn)
            raise
        await self._give_back(conn)
        if isinstance(reply, ResponseError):
            raise reply
        return reply

    async def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        """The replies of ``commands`` sent together (one round trip; Redis runs them in order,
        not as a transaction). An error reply raises the first one once every reply was read."""
        conn = await self._take()
        replies: list[Any] = []
        error: ResponseError | None = None
        try:
            async with asyncio.timeout(self._timeout_s):
                await conn.send_packed_command(b"".join(map(pack, commands)))
                for _ in commands:
                    try:
                        replies.append(await conn.read_response())
                    except ResponseError as exc:
                        error = error or exc
                        replies.append(None)
        except BaseException:
            await _drop(conn)
            raise
        await self._give_back(conn)
        if error is not None:
            raise error
        return replies

    async def script(self, script: Script, keys: Sequence[str],
                     args: Sequence[Arg]) -> Any:
        """Run ``script`` (atomic on the server, one round trip; two when it was not cached)."""
        try:
            return await self.command("EVALSHA", script.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self.command("EVAL", script.text, len(keys), *keys, *args)

    async def close(self) -> None:
        """Disconnect the idle connections; those in use are disconnected when their call ends."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await _drop(conn)

    async def _give_back(self, conn: AbstractConnection) -> None:
        """A connection whose every reply was read: kept for the next call (or closed after
        ``close``)."""
        if self._closed:
            await _drop(conn)
        else:
            self._idle.append(conn)

    async def _take(self) -> AbstractConnection:
        if self._idle:
            conn = self._idle.pop()
            if conn.is_connected and not await self._reusable(conn):
                await _drop(conn)
        else:
            conn = self._pool.make_connection()  # type: ignore[no-untyped-call]
        if not conn.is_connected:
            await connect(conn, self._timeout_s)
        return conn

    async def _reusable(self, conn: AbstractConnection) -> bool:
        if not on_current_master(self._pool, conn):
            return False  # a connection has found another master since this one connected
        try:
            return not await conn.can_read()  # unread data, or the server closed it
        except (RedisConnectionError, OSError):
            return False


async def connect(conn: AbstractConnection, timeout_s: float) -> None:
    """Connect ``conn`` under redis-py's own timeouts (the socket's connect, each read of the
    handshake, each sentinel asked), then turn its socket timeout off: its commands run under
    their caller's deadline. A connection that fails to connect is dropped."""
    conn.socket_timeout = timeout_s
    try:
        await conn.connect()  # type: ignore[no-untyped-call]
    except BaseException:
        await _drop(conn)
        raise
    conn.socket_timeout = None


def on_current_master(pool: ConnectionPool, conn: AbstractConnection) -> bool:
    """False for a connection behind sentinels to a master other than the one a connection of
    ``pool`` found last (True when not behind sentinels, or none has been found yet)."""
    if not isinstance(pool, SentinelConnectionPool):
        return True
    return pool.master_address in (
        None, (getattr(conn, "host", None), getattr(conn, "port", None)))


def pack(command: Command) -> bytes:
    """A command in RESP, an array of bulk strings (redis-py's ``pack_command`` does the same for
    more kinds of argument, at about twice the cost: 14 % of a call's instructions)."""
    parts = [b"*%d\r\n" % len(command)]
    for arg in command:
        raw = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(parts)


async def _drop(conn: AbstractConnection) -> None:
    await conn.disconnect(nowait=True)
