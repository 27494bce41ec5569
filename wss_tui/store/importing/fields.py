"""How each field of an extract is read and checked (the layouts that use them: layouts.py).

A field's reader returns the store's value or raises `Bad(reason, detail)`; the reasons are
the codes written to the reject file (`REASONS`).

Readers are on the hot path of a 1,000,000-row import. A batch is read column by column (`many`) with
C-speed string and map operations where every value has the common shape, and only a batch holding a
bad value is read again row by row (`one`) to reject exactly its bad rows. Dates are read by slicing and
remembered (strptime is ten times slower); rupees become paise as integers, never through a float.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date

from .. import money
from ..errors import Invalid
from ..ids import is_mobile
from ..numbers import MAX_DECIMAL_DIGITS

REASONS = {
    "bad-row": "the row has more or fewer fields than the header",
    "control-character": "a field holds a control character (ESC, BEL, NUL, DEL, a line break, a C1 control or a "
    "bidirectional override), which would act on the terminal of whoever reads it",
    "malformed-id": "an account ID or bill number is not the right number of digits for the system",
    "missing-value": "a required field is empty",
    "too-long": "a text is longer than the store keeps",
    "bad-number": "not a number (rupees: digits with at most 2 decimals, no commas)",
    "negative-value": "units, a reading, a load, a charge or an amount is below zero",
    "bad-date": "not a date in the system's format, or dates out of order",
    "bad-mobile": "the mobile is not a 10-digit Indian mobile number",
    "bad-value": "a coded field (language, status, flag, meter type, basis, e-mail) has a value not listed",
    "unknown-state": "a bill's status is not ISSUED, HELD or PAID (CC&B BILL_STAT_CD, mPower BILL_STATUS)",
    "unknown-subdivision": "the sub-division code is not a sub-division in data/offices.toml",
    "wrong-system": "the sub-division is billed in the other system (CC&B urban, mPower rural)",
    "unknown-tariff": "the tariff category has no rates for the account's area in data/tariff.toml",
    "unknown-account": "a bill's account is not in the store (import the accounts first)",
    "other-account": "the bill number is already held by another account",
    "duplicate-key": "the same account ID / bill number appeared earlier in the file (the first one is kept)",
}


class Bad(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# --- readers -------------------------------------------------------------------------------------------
# `one(raw)` reads one value, raising Bad with what is wrong. `many(values)` reads a column of a batch at
# C speed (str.join, map, dict lookups) where the values have the common shape, and otherwise falls back
# to `one` for each value, so the two always agree.


class Reader:
    def one(self, raw: str) -> object:
        raise NotImplementedError

    def many(self, values: list[str]) -> list:
        return list(map(self.one, values))


class Digits(Reader):
    def __init__(self, lengths: tuple[int, ...], what: str) -> None:
        self.lengths = frozenset(lengths)
        shape = " or ".join(map(str, lengths)) if len(lengths) < 3 else f"{lengths[0]} to {lengths[-1]}"
        self.message = f"is not {what} ({shape} digits)"

    def one(self, raw: str) -> str:
        if len(raw) not in self.lengths or not (raw.isascii() and raw.isdigit()):
            raise Bad("malformed-id", self.message)
        return raw

    def many(self, values: list[str]) -> list:
        joined = "".join(values)
        if joined.isascii() and joined.isdigit() and set(map(len, values)) <= self.lengths:
            return values
        return super().many(values)


class Text(Reader):
    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def one(self, raw: str) -> str:
        if len(raw) > self.max_length:
            raise Bad("too-long", f"is {len(raw)} characters; the store keeps at most {self.max_length}")
        return raw

    def many(self, values: list[str]) -> list:
        return values if max(map(len, values)) <= self.max_length else super().many(values)


class Email(Reader):
    def one(self, raw: str) -> str:
        local, at, domain = raw.partition("@")
        if not (local and at and "." in domain) or " " in raw:
            raise Bad("bad-value", "is not an e-mail address")
        return Text(120).one(raw)


class Mobile(Reader):
    """10 digits starting 6-9; a +91, 91 or 0 in front (as extracts often have) is dropped."""

    def one(self, raw: str) -> str:
        number = raw.replace(" ", "").replace("-", "")
        for prefix in ("+91", "091", "91", "0"):
            if len(number) == 10 + len(prefix) and number.startswith(prefix):
                number = number[len(prefix) :]
                break
        if not is_mobile(number):
            raise Bad("bad-mobile", "is not a 10-digit mobile number starting with 6, 7, 8 or 9")
        return number


class Choice(Reader):
    def __init__(self, mapping: dict[str, object], reason: str = "bad-value") -> None:
        self.mapping = mapping
        self.listed = ", ".join(mapping)
        self.reason = reason

    def one(self, raw: str) -> object:
        try:
            return self.mapping[raw.upper()]
        except KeyError:
            raise Bad(self.reason, f"is not one of {self.listed}") from None

    def many(self, values: list[str]) -> list:
        try:
            return list(map(self.mapping.__getitem__, map(str.upper, values)))
        except KeyError:
            return super().many(values)


_RUPEES = re.compile(rf"[0-9]{{1,{MAX_DECIMAL_DIGITS}}}\.[0-9]{{2}}(?:\n[0-9]{{1,{MAX_DECIMAL_DIGITS}}}\.[0-9]{{2}})*")


class Rupees(Reader):
    """Rupees to integer paise by the one rule for money (money.paise: exact, never through a float)."""

    def __init__(self, *, negative: bool = False) -> None:
        self.negative = negative

    def one(self, raw: str) -> int:
        try:
            return money.paise(raw, "amount", negative=self.negative, commas=False)
        except money.Negative:
            raise Bad("negative-value", "cannot be negative") from None
        except Invalid:
            raise Bad("bad-number", "is not an amount in rupees (digits, at most 2 decimals, no commas)") from None

    def many(self, values: list[str]) -> list:
        # The common shape, "1234.56" in every row (and no more whole digits than the rule allows:
        # money.paise refuses those one by one): one regular-expression scan of the column finds it, and
        # the digits without the point are the paise.
        joined = "\n".join(values)
        if _RUPEES.fullmatch(joined):
            paise = joined.replace(".", "").split("\n")
            if len(paise) == len(values):  # no value held the separator itself
                return list(map(int, paise))
        return super().many(values)


class Number(Reader):
    def __init__(self, *, positive: bool = False) -> None:
        self.positive = positive

    def one(self, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise Bad("bad-number", "is not a number") from None
        if not math.isfinite(value) or "_" in raw:
            raise Bad("bad-number", "is not a number")
        if value < 0:
            raise Bad("negative-value", "cannot be negative")
        if self.positive and value == 0:
            raise Bad("bad-number", "must be more than 0")
        return value

    def many(self, values: list[str]) -> list:
        joined = "".join(values)
        # No "nan", "inf" or "1_000" anywhere (1e999 is caught by isfinite below).
        if joined.isascii() and "_" not in joined and "n" not in joined and "N" not in joined:
            try:
                numbers = list(map(float, values))
            except ValueError:
                numbers = None
            if numbers is not None and min(numbers) >= 0 and math.isfinite(max(numbers)) and not (self.positive and 0.0 in numbers):
                return numbers
        return super().many(values)


class CachedDate(Reader):
    """Dates read by slicing (strptime is ten times slower) and remembered: an extract holds few
    distinct dates. The cache maps text to date, the same for every run, so readers are shared."""

    def __init__(self, parse: Callable[[str], date], form: str) -> None:
        self.parse = parse
        self.message = f"is not a date ({form})"
        self.cache: dict[str, date] = {}

    def one(self, raw: str) -> date:
        value = self.cache.get(raw)
        if value is not None:
            return value
        try:
            value = self.parse(raw) if raw.isascii() else None
        except (ValueError, IndexError, KeyError):
            value = None
        if value is None or not 1900 <= value.year <= 2100:
            raise Bad("bad-date", self.message)
        if len(self.cache) < 100_000:
            self.cache[raw] = value
        return value

    def many(self, values: list[str]) -> list:
        try:
            return list(map(self.cache.__getitem__, values))
        except KeyError:
            return super().many(values)


def _iso(raw: str) -> date:
    if len(raw) != 10 or raw[4] != "-" or raw[7] != "-" or not raw.replace("-", "").isdigit():
        raise ValueError(raw)
    return date(int(raw[0:4]), int(raw[5:7]), int(raw[8:10]))


def _dmy(raw: str) -> date:
    if len(raw) != 10 or raw[2] not in "-/" or raw[5] != raw[2] or not (raw[:2] + raw[3:5] + raw[6:]).isdigit():
        raise ValueError(raw)
    return date(int(raw[6:10]), int(raw[3:5]), int(raw[0:2]))


def _ym(raw: str) -> date:
    if len(raw) != 7 or raw[4] != "-" or not (raw[:4] + raw[5:]).isdigit():
        raise ValueError(raw)
    return date(int(raw[0:4]), int(raw[5:7]), 1)


MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}


def _mon_y(raw: str) -> date:
    if len(raw) != 8 or raw[3] != "-" or not raw[4:].isdigit():
        raise ValueError(raw)
    return date(int(raw[4:8]), MONTHS[raw[:3].upper()], 1)


class Category(Reader):
    """`LMV-1`, `LMV1` and `lmv 1` are one category; the store spells it `LMV-1`."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def one(self, raw: str) -> str:
        compact = raw.upper().replace(" ", "").replace("-", "")
        head = compact.rstrip("0123456789")
        tail = compact[len(head) :]
        if not head or not tail or len(compact) > 9:
            raise Bad("unknown-tariff", "is not a tariff category such as LMV-1")
        if len(self.cache) < 1000:
            self.cache[raw] = f"{head}-{tail}"
        return f"{head}-{tail}"

    def many(self, values: list[str]) -> list:
        try:
            return list(map(self.cache.__getitem__, values))
        except KeyError:
            return super().many(values)


email, mobile, category = Email(), Mobile(), Category()
iso_date = CachedDate(_iso, "YYYY-MM-DD")
dmy_date = CachedDate(_dmy, "DD-MM-YYYY")
year_month = CachedDate(_ym, "YYYY-MM")
mon_year = CachedDate(_mon_y, "MON-YYYY, e.g. OCT-2026")
