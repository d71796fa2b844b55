"""Links: how the ERP identifies a record, and the one way to read a link's ``ref`` (SPEC §2)."""

from __future__ import annotations

from dataclasses import dataclass

from integrator.config import IntegrationSet
from integrator.errors import Detail, ValidationFailed

TIGER_REF_DIGITS = 12   # LOGICALREF is an int; 12 digits is far above any real table
NETSIS_CODE_MAX = 35    # CARI_KOD / STOK_KODU


@dataclass(frozen=True, slots=True)
class ErpKey:
    """How the ERP identifies a record; what ``update``/``read``/``delete`` take back.

    ============  =============================  ===========================================
                  Logo (Tiger/Go)                Netsis
    ============  =============================  ===========================================
    ``ref``       LOGICALREF (dataReference)     CARI_KOD / STOK_KODU; documents: FATIRS_NO
    ``code``      CODE of a card                 CARI_KOD / STOK_KODU (cards)
    ``number``    FICHENO of a slip              FATIRS_NO (documents)
    ``account``   (unused)                       CARI_KOD of a document (third part of its id)
    ============  =============================  ===========================================
    """

    ref: str
    code: str = ""
    number: str = ""
    account: str = ""


def parse_ref(integration_set: IntegrationSet, ref: str, *, path: str = "@ref") -> ErpKey:
    """A link's ref as the ERP key: Tiger/Go LOGICALREF (a positive integer), Netsis the code
    (1-35 characters). ``VALIDATION`` otherwise, naming ``path``."""
    text = ref.strip()
    if integration_set.is_logo:
        if not (text.isascii() and text.isdigit()) or len(text) > TIGER_REF_DIGITS or int(text) <= 0:
            raise ValidationFailed(f"ref {ref!r} is not a LOGICALREF (a positive integer)",
                                   details=[Detail(ref, "input", path=path)])
        return ErpKey(str(int(text)))
    if not text or len(text) > NETSIS_CODE_MAX:
        raise ValidationFailed(f"ref {ref!r} is not a Netsis code (1-{NETSIS_CODE_MAX} characters)",
                               details=[Detail(ref, "input", path=path)])
    return ErpKey(text, code=text)
