"""Turns in a bulk write (F11, F18, N5; docs/sync.md §6): records of one bulk that concern the same
ERP card go one after another, in input order; every other record runs at once, up to the bulk's
window.

Without turns, two records of one body for the same card ran side by side: two updates both read
the card before either wrote it, and the second write put back what the first had changed (each
answered ``ok``); two creates of one CRM record were ordered by whichever took the claim first,
and the second waited at most ``sync.claim_wait_s`` for it; two creates of one code raced for it.
With turns a bulk does what the same records sent one by one, in input order, do.

A record's identities are its CRM id, its link (ref, code) and the code its create would write
(from the set's mappings). Codes are compared in upper case: two codes that differ only in case
share a turn, which costs order, never a record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from integrator.model import CardEntity, Context, CrmRecord
from integrator.translators import MappingContext, translate


def identities(context: Context, entity: CardEntity, record: CrmRecord) -> frozenset[str]:
    """What a record of a bulk shares a turn by: its CRM id, its link, the code it creates."""
    keys: set[str] = set()
    if record.crm_id:
        keys.add(f"crm:{record.crm_id}")
    if record.has_link:
        if record.ref and context.integration_set.is_logo:
            keys.add(f"ref:{record.ref.strip()}")
        code = record.code or ("" if context.integration_set.is_logo else record.ref) or ""
        if code.strip():
            keys.add(f"code:{code.strip().upper()}")
        return frozenset(keys)
    try:
        code = translate(entity, record, MappingContext.from_session(context)).code
    except Exception:  # the record fails on its own when it is saved, and is answered there;
        return frozenset(keys)  # meanwhile it shares a turn by its CRM id only
    if code and code.strip():
        keys.add(f"code:{code.strip().upper()}")
    return frozenset(keys)


class Turn:
    """One record's turn: wait for the records before it that share an identity, then run;
    ``done`` (always, also after a failure) lets the next one go."""

    def __init__(self, turns: Turns, keys: frozenset[str], before: list[asyncio.Future[None]],
                 own: asyncio.Future[None]) -> None:
        self._turns = turns
        self._keys = keys
        self._before = before
        self._own = own

    async def wait(self) -> None:
        if self._before:
            await asyncio.gather(*self._before)

    def done(self) -> None:
        if not self._own.done():
            self._own.set_result(None)
        self._turns._left(self._keys, self._own)


class Turns:
    """The turns of one bulk request. ``take`` is called in input order (synchronously, as the
    records are handed to the runner); the table holds only the latest record per identity that
    has not finished, so it stays as small as the bulk's window."""

    def __init__(self) -> None:
        self._last: dict[str, asyncio.Future[None]] = {}

    def take(self, keys: Iterable[str]) -> Turn:
        own: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        key_set = frozenset(keys)
        before = list({id(f): f for k in key_set if (f := self._last.get(k)) is not None}.values())
        for key in key_set:
            self._last[key] = own
        return Turn(self, key_set, before, own)

    def _left(self, keys: frozenset[str], own: asyncio.Future[None]) -> None:
        for key in keys:
            if self._last.get(key) is own:
                del self._last[key]

    def __len__(self) -> int:
        return len(self._last)
