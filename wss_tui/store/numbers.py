"""Numbers as staff type them: the digits 0-9 only, within bounds, or one Invalid naming the field.

Python reads far more than a clerk means as a number: `int("५")` is 5, `int("１２")` is 12, `int("1_000")`
is 1000, `Decimal("nan")`, `Decimal("1e999999")` and `float("inf")` are numbers too. Each of these reached
a query or a calculation and ended in a traceback (an SQLite INTEGER overflow, `int(NaN)`), or was stored
as something no one typed. Every number typed into a screen or given on the command line goes through
here, so the rule is written once: ASCII digits, an optional sign and point, and a range that the
columns and the arithmetic behind them hold with room to spare.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from .errors import Invalid

# An SQL BIGINT: the most any count may be, so nothing past it reaches a driver.
MAX_ID = 2**63 - 1
# An SQL INTEGER, as a serial row ID (the SMS outbox's) is on PostgreSQL: a bound past it is refused
# there with "integer out of range", so it is refused here first, on both engines alike.
MAX_ROW_ID = 2**31 - 1
# Whole digits of a decimal we read: past this a value is a slip of the finger, not a reading or a sum
# (the paise of 10^12 rupees still fit a BIGINT a thousand times over).
MAX_DECIMAL_DIGITS = 12

_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def foreign_digit(text: str) -> str | None:
    """The first digit of `text` that is not 0-9 (Devanagari ५, full-width １, Arabic-Indic ٥), or None."""
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            return ch
    return None


def _no_foreign_digits(field: str, text: str) -> None:
    ch = foreign_digit(text)
    if ch is not None:
        raise Invalid(field, f"{ch!r} (U+{ord(ch):04X}) is not one of the digits 0-9; type the number with 0-9")


def whole(value: str | int, field: str, *, lo: int = 0, hi: int = MAX_ID) -> int:
    """A whole number from lo to hi typed with the digits 0-9 (and a sign), or Invalid."""
    if isinstance(value, bool):  # a bool is an int to Python, never a count
        raise Invalid(field, "give a whole number")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        _no_foreign_digits(field, text)
        if not _WHOLE.fullmatch(text):
            shown = text if len(text) <= 24 else text[:23] + "…"
            raise Invalid(field, f"{shown!r} is not a whole number; type digits 0-9 only")
        if len(text.lstrip("+-")) > 30:  # int() of a million digits is slow; no bound here needs 30
            raise Invalid(field, f"a number of {len(text)} digits is out of range; give one from {lo:,} to {hi:,}")
        number = int(text)
    if not lo <= number <= hi:
        raise Invalid(field, f"{number if abs(number) < 10**24 else 'the number'} is out of range; give one from {lo:,} to {hi:,}")
    return number


def decimal(value: str, field: str, *, what: str = "a number", hint: str = "type digits, e.g. 4512") -> Decimal | None:
    """A decimal typed with 0-9, an optional sign and point, and thousands commas; None for empty.

    At most MAX_DECIMAL_DIGITS whole digits; never NaN, infinity or an exponent."""
    text = (value or "").replace(",", "").strip()
    if not text:
        return None
    _no_foreign_digits(field, text)
    shown = value.strip() if len(value.strip()) <= 24 else value.strip()[:23] + "…"
    if not _DECIMAL.fullmatch(text):
        raise Invalid(field, f"{shown!r} is not {what}; {hint}")
    whole_digits = text.lstrip("+-").split(".")[0].lstrip("0")
    if len(whole_digits) > MAX_DECIMAL_DIGITS:
        raise Invalid(field, f"{shown!r} is too large; give at most {MAX_DECIMAL_DIGITS} digits before the point")
    try:
        return Decimal(text)
    except InvalidOperation:  # the pattern above admits only what Decimal reads; kept for safety
        raise Invalid(field, f"{shown!r} is not {what}; {hint}") from None


def quantity(value: str, field: str) -> float | None:
    """A reading, units or load as typed (commas allowed); None for empty."""
    number = decimal(value, field)
    return None if number is None else float(number)


def check_quantity(value: float | None, field: str) -> None:
    """A reading, units or load from any caller: finite, and within what `quantity` reads."""
    if value is None:
        return
    if not math.isfinite(value) or abs(value) >= 10**MAX_DECIMAL_DIGITS:
        raise Invalid(field, f"{value!r} is out of range; give at most {MAX_DECIMAL_DIGITS} digits before the point")


# --- sizes as shown ------------------------------------------------------------------------------


def size_text(n: int) -> str:
    """A size in bytes as every screen, message and command shows it: 900 bytes, 3 KB, 5.0 MB, 1.2 GB
    (binary units: 1 KB = 1,024 bytes)."""
    if n < 1 << 10:
        return f"{n:,} bytes"
    if n < 1 << 20:
        return f"{n / (1 << 10):,.0f} KB"
    if n < 1 << 30:
        return f"{n / (1 << 20):.1f} MB"
    return f"{n / (1 << 30):,.1f} GB"
