"""Money, read and shown by one rule: rupees typed on a screen, given on the command line or read from
a billing extract become exact integer paise (never through a float); paise are shown in rupees with
Indian digit grouping (1,23,45,678.90INR), or rounded to the rupee for tables of figures.

The rule for reading: an optional sign, digits 0-9, and at most 2 decimals (paise: "1.005" is a slip,
not half a paisa); at most numbers.MAX_DECIMAL_DIGITS whole digits; never NaN, infinity or an exponent.
People may group thousands with commas as they write them (1,200 and 1,23,456 alike); an extract from
a billing system may not (`commas=False`): a comma there means a figure exported for display, not data.
"""

from __future__ import annotations

import re

from .errors import Invalid
from .numbers import MAX_DECIMAL_DIGITS, foreign_digit

_AMOUNT = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?", re.ASCII)
HINT = "type rupees, e.g. -250.50"


class Negative(Invalid):
    """An amount below zero where none may be (a charge, a bill's total)."""


def paise(value: str | None, field: str, *, negative: bool = True, commas: bool = True) -> int | None:
    """Rupees as typed or imported, in exact paise; None for empty. Invalid (Negative for a sign
    where `negative` is False) names `field` and what to type."""
    raw = (value or "").strip()
    text = raw.replace(",", "") if commas else raw
    if not text:
        return None
    shown = repr(raw if len(raw) <= 24 else raw[:23] + "…")
    ch = foreign_digit(text)
    if ch is not None:
        raise Invalid(field, f"{ch!r} (U+{ord(ch):04X}) is not one of the digits 0-9; type the amount with 0-9")
    m = _AMOUNT.fullmatch(text)
    if m is None or not (m.group(2) or m.group(3)):
        raise Invalid(field, f"{shown} is not an amount; {HINT}")
    sign, whole, frac = m.group(1), m.group(2) or "0", m.group(3) or ""
    if len(frac) > 2:
        raise Invalid(field, f"{shown} has {len(frac)} decimals; an amount has at most 2 (paise)")
    if len(whole.lstrip("0")) > MAX_DECIMAL_DIGITS:
        raise Invalid(field, f"{shown} is too large; give at most {MAX_DECIMAL_DIGITS} digits before the point")
    amount = int(whole) * 100 + int(frac.ljust(2, "0"))
    if sign == "-" and amount:
        if not negative:
            raise Negative(field, "cannot be negative")
        amount = -amount
    return amount


def check_paise(value: int | None, field: str) -> None:
    """An amount in paise from any caller: within what `paise` reads."""
    if value is not None and abs(value) >= 10 ** (MAX_DECIMAL_DIGITS + 2):
        raise Invalid(field, f"the amount is out of range; give at most {MAX_DECIMAL_DIGITS} digits of rupees")


def rupees(paise: int) -> str:
    """Indian grouping: 1,23,45,678.90INR."""
    sign = "-" if paise < 0 else ""
    whole, frac = divmod(abs(paise), 100)
    return f"{sign}{_grouped(whole)}.{frac:02d}INR"


def whole_rupees(paise: int) -> str:
    """Rounded to the rupee, half away from zero, Indian grouping: 2,202.99 is 2,203, never 2,202.
    For tables of figures, where paise would not fit; `rounding_gap` says when rows no longer add up."""
    sign = "-" if paise < 0 else ""
    return f"{sign}{_grouped(round_rupees(abs(paise)))}"


def round_rupees(paise: int) -> int:
    """Whole rupees as `whole_rupees` shows them."""
    rupees_, rest = divmod(abs(paise), 100)
    rupees_ += rest >= 50
    return rupees_ if paise >= 0 else -rupees_


def rounding_gap(rows_paise: list[int], total_paise: int) -> int:
    """Rupees by which the rounded rows, added up, miss the rounded total (0: they add up as shown)."""
    return round_rupees(total_paise) - sum(round_rupees(p) for p in rows_paise)


def _grouped(whole: int) -> str:
    digits = str(whole)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join(groups) + "," + tail
    return digits
