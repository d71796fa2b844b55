"""The opaque keyset cursor of a bulk read (F11, F18): the last key, the set, the entity and a
digest of the filters, with an integrity check, so a cursor that was changed, cut, or belongs to
other filters or another set is refused (``VALIDATION``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import cast

from integrator.errors import Detail, ValidationFailed

CURSOR_VERSION = 1
CURSOR_MAX = 512
# an integrity check, not a secret: a cursor only names a position the session may read anyway
_CURSOR_KEY = b"crm-integrator keyset cursor v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: bytes) -> bytes:
    return hmac.new(_CURSOR_KEY, payload, hashlib.sha256).digest()[:16]


def encode_cursor(*, set_code: str, entity: str, digest: str, after: int | str) -> str:
    payload = json.dumps([CURSOR_VERSION, set_code, entity, digest, after], ensure_ascii=False,
                         separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(payload))}"


def decode_cursor(cursor: str, *, set_code: str, entity: str, digest: str,
                  numeric: bool) -> int | str:
    """The last key of the previous page; ``VALIDATION`` for anything that is not a cursor this
    service issued for the same set, entity and filters."""

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
    if not hmac.compare_digest(given, _mac(payload)):
        raise refuse("it was changed or cut")
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
