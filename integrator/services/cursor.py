"""The opaque keyset cursor of a bulk read (F11, F18): the last key, the set, the entity and a
digest of the filters, with an integrity check, so a cursor that was changed, cut, or belongs to
other filters or another set is refused (``VALIDATION``).

The check is an HMAC-SHA-256 tag under keys from the configuration (``cursor_keys``), rotatable
like the store keys: the first key signs, every key verifies. Replicas that share a store serve
each other's cursors, so they need the same keys. Without configured keys, a replica with the
memory store (one process) signs with a random key of its own, and replicas sharing a store sign
with a built-in key (the service warns at start; ``config_warnings``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from typing import cast

from integrator.config import ServiceConfig
from integrator.errors import Detail, ValidationFailed

CURSOR_VERSION = 1
CURSOR_MAX = 512
# the built-in key of replicas sharing a store without cursor_keys: an integrity check only, as a
# cursor only names a position in a list the session may read anyway
BUILT_IN_KEY = b"crm-integrator keyset cursor v1"


def new_cursor_key() -> str:
    """A random key for ``cursor_keys`` (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorSigner:
    """Signs cursors with the first key and accepts a cursor signed with any of the keys."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a cursor signer needs at least one key")
        self._keys = tuple(keys)

    @classmethod
    def for_service(cls, config: ServiceConfig) -> CursorSigner:
        """The configured ``cursor_keys``; else the built-in key when replicas share the store,
        and a random key of this process when it has the store to itself."""
        if config.cursor_keys:
            return cls([k.get_secret_value().encode() for k in config.cursor_keys])
        return cls([BUILT_IN_KEY if config.shared_store else secrets.token_bytes(32)])

    def _mac(self, payload: bytes, key: bytes) -> bytes:
        return hmac.new(key, payload, hashlib.sha256).digest()[:16]

    def encode(self, *, set_code: str, entity: str, digest: str, after: int | str) -> str:
        payload = json.dumps([CURSOR_VERSION, set_code, entity, digest, after], ensure_ascii=False,
                             separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload, self._keys[0]))}"

    def decode(self, cursor: str, *, set_code: str, entity: str, digest: str,
               numeric: bool) -> int | str:
        """The last key of the previous page; ``VALIDATION`` for anything that is not a cursor
        this service issued for the same set, entity and filters."""

        def refuse(why: str) -> ValidationFailed:
            return ValidationFailed(f"the cursor is not valid: {why}; start again without a cursor",
                                    details=[Detail(cursor[:60], "input", path="cursor")])

        if len(cursor) > CURSOR_MAX or cursor.count(".") != 1:
            raise refuse("it is not a cursor of this service")
        body, mac = cursor.split(".")
        try:
            payload, given = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError):
            raise refuse("it is not a cursor of this service") from None
        # every key is compared (no early exit), each in constant time
        verified = [hmac.compare_digest(given, self._mac(payload, key)) for key in self._keys]
        if not any(verified):
            raise refuse("it was changed or cut, or signed with a key this service no longer has")
        try:
            version, cursor_set, cursor_entity, cursor_digest, after = json.loads(payload)
        except (ValueError, TypeError):
            raise refuse("it cannot be read") from None
        if version != CURSOR_VERSION:
            raise refuse("it was issued by another version of the service")
        if cursor_set != set_code or cursor_entity != entity:
            raise refuse(f"it belongs to a {cursor_entity} list of set {cursor_set}")
        if cursor_digest != digest:
            raise refuse("it belongs to other filters; send the filters of the first page")
        if numeric and not (isinstance(after, int) and not isinstance(after, bool)):
            raise refuse("its key is not a LOGICALREF")
        if not numeric and not isinstance(after, str):
            raise refuse("its key is not a code")
        return cast("int | str", after)
