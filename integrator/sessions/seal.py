"""Encryption at rest for what the store holds that must stay secret: integration sets pushed by
the CRM carry ERP passwords and connection strings.

With ``store_encryption_keys`` configured (Fernet keys: AES-128-CBC + HMAC-SHA256), every set is
sealed before it is written and opened after it is read. The first key seals; every key opens,
so keys rotate by prepending a new one, letting sets be re-saved, then dropping the old one.
Without keys, values are stored as they are (acceptable for the in-process store and for a Redis
reachable only by the service; the service logs a warning at start otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from integrator.errors import Internal

_SEALED = b"fernet:"


class SealBroken(Internal):
    """A stored value cannot be opened with the configured keys (wrong or rotated-out key)."""


class Sealer:
    def __init__(self, keys: Sequence[SecretStr]) -> None:
        self._fernet = MultiFernet([Fernet(k.get_secret_value()) for k in keys]) if keys else None

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def seal(self, data: bytes) -> bytes:
        if self._fernet is None:
            return data
        return _SEALED + self._fernet.encrypt(data)

    def open(self, data: bytes) -> bytes:
        if not data.startswith(_SEALED):
            return data  # written before encryption was enabled; re-saved sealed on next change
        if self._fernet is None:
            raise SealBroken("a stored value is encrypted but no store_encryption_keys are configured")
        try:
            return self._fernet.decrypt(data[len(_SEALED):])
        except InvalidToken:
            raise SealBroken("a stored value cannot be decrypted with the configured "
                             "store_encryption_keys") from None


def new_key() -> str:
    return Fernet.generate_key().decode()
