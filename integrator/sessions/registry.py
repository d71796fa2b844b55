"""The set registry: every integration set, from files (ops) and from the CRM (HTTP), versioned.

File sets are loaded at start and owned by their files: the API reads them but does not change
them. CRM sets live in the shared store, so a change is visible to every replica at once: each
lookup asks the store for the current version (one small round trip) and re-reads the set only
when the version moved.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, SecretStr

from integrator.config import IntegrationSet
from integrator.errors import Forbidden, NotFound
from integrator.model import StoredSet
from integrator.model.context import Source
from integrator.sessions.seal import Sealer
from integrator.sessions.store import Store

SET_KEY = "sets:"


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return {(info.alias or name): _reveal(getattr(value, name))
                for name, info in type(value).model_fields.items()}
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(v) for v in value]
    return value


def set_to_json(integration_set: IntegrationSet) -> bytes:
    """The stored form of a set: JSON with secrets in clear (the store is trusted, the API is not)."""
    return json.dumps(_reveal(integration_set), ensure_ascii=False, sort_keys=True).encode()


def set_from_json(data: bytes) -> IntegrationSet:
    return IntegrationSet.model_validate_json(data)


class SetRegistry:
    def __init__(self, store: Store, file_sets: list[IntegrationSet],
                 sealer: Sealer | None = None) -> None:
        self._store = store
        self._sealer = sealer or Sealer([])
        self._files = {s.code: StoredSet(s, 1, "file") for s in file_sets}
        self._cache: dict[str, StoredSet] = {}

    async def find(self, code: str) -> StoredSet | None:
        if code in self._files:
            return self._files[code]
        version = await self._store.get_version(SET_KEY + code)
        if version is None:
            self._cache.pop(code, None)
            return None
        cached = self._cache.get(code)
        if cached is not None and cached.version == version:
            return cached
        item = await self._store.get_versioned(SET_KEY + code)
        if item is None:
            self._cache.pop(code, None)
            return None
        stored = StoredSet(set_from_json(self._sealer.open(item[1])), item[0], "api")
        self._cache[code] = stored
        return stored

    def version_key(self, code: str) -> str | None:
        """The store key whose version tells whether the set ``code`` changed (read with a
        session in one round trip: ``Store.get_and_touch_with_version``); None for a set from
        the configuration files, which does not change while the process runs."""
        return None if code in self._files else SET_KEY + code

    def at_version(self, code: str, version: int | None) -> StoredSet | None:
        """The set ``code`` as this process last read it, if the store still holds that version
        (None: ``find`` it)."""
        cached = self._cache.get(code)
        return cached if cached is not None and cached.version == version else None

    async def get(self, code: str) -> StoredSet:
        found = await self.find(code)
        if found is None:
            raise NotFound(f"integration set {code!r} does not exist")
        return found

    def _refuse_file_set(self, code: str) -> None:
        if code in self._files:
            raise Forbidden(
                f"integration set {code!r} is provisioned from the service's configuration files "
                "and cannot be changed over HTTP")

    async def put(self, integration_set: IntegrationSet) -> StoredSet:
        self._refuse_file_set(integration_set.code)
        version = await self._store.put_versioned(
            SET_KEY + integration_set.code, self._sealer.seal(set_to_json(integration_set)))
        stored = StoredSet(integration_set, version, "api")
        self._cache[integration_set.code] = stored
        return stored

    async def delete(self, code: str) -> None:
        self._refuse_file_set(code)
        self._cache.pop(code, None)
        if not await self._store.delete_versioned(SET_KEY + code):
            raise NotFound(f"integration set {code!r} does not exist")

    async def codes(self) -> list[str]:
        api = [k[len(SET_KEY):] for k in await self._store.keys(SET_KEY)]
        return sorted(set(self._files) | set(api))

    async def all(self) -> list[StoredSet]:
        result = []
        for code in await self.codes():
            found = await self.find(code)
            if found is not None:
                result.append(found)
        return result

    async def counts(self) -> dict[Source, int]:
        api = len(await self._store.keys(SET_KEY))
        return {"file": len(self._files), "api": api}
