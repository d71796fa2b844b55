"""Values as NetOpenX REST binds them: property names case-insensitively (Newtonsoft), enums by
number or by name (research/netsis.md §1.3, §1.5), dates, numbers, and the kernel's refusal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from simulators.db import dec, stored_date

KERNEL = " | NetOpenX50.Kernel"
NUMBER_LENGTH = 15

# JTFaturaTip (FaturaTip, FatUst.Tip, DocumentType) and JTFaturaTipi (FatUst.TIPI)
FATURA_TIP = ("ftSFat", "ftAFat", "ftSIrs", "ftAIrs", "ftDepo", "ftLokalDepo", "ftASip", "ftSSip",
              "ftAmbarG", "ftAmbarC", "ftSSIrs", "ftSAIrs", "ftAlTalep", "ftAlTeklif",
              "ftSatTalep", "ftSatTeklif", "ftSPSIrs", "ftSPAIrs", "ftSProforma")
FATURA_TIPI = ("ft_Bos", "ft_Kapali", "ft_Acik", "ft_Muhtelif", "ft_Iade", "ft_ZIade",
               "ft_Ihracat", "ft_YurtIci", "ft_YurtDisi")


class NetsisError(Exception):
    """A business error of the kernel: HTTP 200, ``IsSuccessful: false``, this ``ErrorDesc``."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def duplicate(table: str, value: str) -> NetsisError:
    return NetsisError(
        f"Violation of PRIMARY KEY constraint 'PK_{table}'. Cannot insert duplicate key in object "
        f"'dbo.{table}'. The duplicate key value is ({value}). (NetsisMS-23000,2627){KERNEL}")


def truncated(name: str, length: int) -> NetsisError:
    return NetsisError(f"{name}: String or binary data would be truncated (en fazla {length} "
                       f"karakter). (NetsisMS-22001,8152){KERNEL}")


def prop(data: Mapping[str, Any] | None, name: str) -> Any:
    if not data:
        return None
    if name in data:
        return data[name]
    lowered = name.lower()
    for key, value in data.items():
        if key.lower() == lowered:
            return value
    return None


def flag(data: Mapping[str, Any], name: str) -> bool:
    value = prop(data, name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "evet")
    return bool(value)


def _enum(value: Any, names: tuple[str, ...], what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _enum(int(text), names, what)
        lowered = [n.lower() for n in names]
        if text.lower() in lowered:
            return lowered.index(text.lower())
    raise NetsisError(f"Geçersiz {what}: {value!r}")


def fatura_tip(value: Any) -> int:
    """A document type (JTFaturaTip) by number (7, "7") or name ("ftSSip")."""
    return _enum(value, FATURA_TIP, "belge tipi (FaturaTip)")


def fatura_tipi(value: Any) -> int:
    """A document's TIPI (JTFaturaTipi) by number (2) or name ("ft_Acik"); missing (or 0,
    ft_Bos): 2 ft_Acik."""
    if value in (None, "", 0, "0"):
        return 2
    return _enum(value, FATURA_TIPI, "fatura tipi (TIPI)")


def parse_day(value: Any, name: str) -> date:
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return datetime.strptime(text[:19] if "T" in text or " " in text else text,
                                     pattern).date()
        except ValueError:
            continue
    raise NetsisError(f"{name}: '{text}' geçerli bir tarih değil")


def optional_day(value: Any, name: str) -> date | None:
    return parse_day(value, name) if value not in (None, "") else None


def json_day(value: Any) -> str | None:
    day = stored_date(value)
    return f"{day.isoformat()}T00:00:00" if day else None


def number(value: Any, name: str) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise NetsisError(f"{name}: sayı bekleniyor")
    try:
        return Decimal(str(value))
    except Exception:
        raise NetsisError(f"{name}: '{value}' geçerli bir sayı değil") from None


def num_out(value: Any) -> float | int:
    amount = dec(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def bind(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value
