"""The column layouts of the CC&B and mPower extracts, and how each field is read and checked.

docs/import-formats.md describes the same layouts for the people who produce the files; change both
together. A field's reader returns the store's value or raises `Bad(reason, detail)`; the reasons are
the codes written to the reject file (`REASONS`).

Readers are on the hot path of a 1,000,000-row import. A batch is read column by column (`many`) with
C-speed string and map operations where every value has the common shape, and only a batch holding a
bad value is read again row by row (`one`) to reject exactly its bad rows. Dates are read by slicing and
remembered (strptime is ten times slower); rupees become paise as integers, never through a float.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..ids import is_mobile

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
    def __init__(self, mapping: dict[str, object]) -> None:
        self.mapping = mapping
        self.listed = ", ".join(mapping)

    def one(self, raw: str) -> object:
        try:
            return self.mapping[raw.upper()]
        except KeyError:
            raise Bad("bad-value", f"is not one of {self.listed}") from None

    def many(self, values: list[str]) -> list:
        try:
            return list(map(self.mapping.__getitem__, map(str.upper, values)))
        except KeyError:
            return super().many(values)


_third_last = operator.itemgetter(-3)
_without_point = operator.methodcaller("replace", ".", "")


class Rupees(Reader):
    """Rupees with at most 2 decimals, to integer paise (exact: never through a float)."""

    def __init__(self, *, negative: bool = False) -> None:
        self.negative = negative

    def one(self, raw: str) -> int:
        body = raw[1:] if raw[0] == "-" else raw
        whole, dot, frac = body.partition(".")
        if not (whole.isascii() and whole.isdigit()) or (dot and not (frac.isascii() and frac.isdigit() and len(frac) <= 2)):
            raise Bad("bad-number", "is not an amount in rupees (digits, at most 2 decimals, no commas)")
        paise = int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if frac else 0)
        if body is not raw:
            if not self.negative:
                raise Bad("negative-value", "cannot be negative")
            paise = -paise
        return paise

    def many(self, values: list[str]) -> list:
        # The common shape, "1234.56" in every row: the digits without the point are the paise.
        n = len(values)
        points = min(map(len, values)) > 3 and "".join(map(_third_last, values)) == "." * n and "".join(values).count(".") == n
        if points:
            paise = list(map(_without_point, values))
            joined = "".join(paise)
            if joined.isascii() and joined.isdigit():
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
        if joined.isascii() and "_" not in joined and "n" not in joined.lower():
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


@dataclass(frozen=True)
class Column:
    field: str  # the store's column
    header: str  # the extract's column
    read: Reader
    required: bool = True
    default: object = None  # used when the extract leaves an optional field empty

    def read_all(self, values: list[str]) -> list:
        """A whole column of a batch (stripped). Raises Bad at the first bad value; the importer then
        reads that batch row by row to reject exactly the bad rows."""
        if "" in values:
            if self.required:
                raise Bad("missing-value", "is empty")
            one, default = self.read.one, self.default
            return [one(v) if v else default for v in values]
        return self.read.many(values)


@dataclass(frozen=True)
class Layout:
    kind: str  # accounts | bills
    system: str  # ccb | mpower
    key: str  # the store column the upsert is keyed on
    columns: tuple[Column, ...]


email, mobile, category = Email(), Mobile(), Category()
iso_date = CachedDate(_iso, "YYYY-MM-DD")
dmy_date = CachedDate(_dmy, "DD-MM-YYYY")
year_month = CachedDate(_ym, "YYYY-MM")
mon_year = CachedDate(_mon_y, "MON-YYYY, e.g. OCT-2026")


# --- the layouts ---------------------------------------------------------------------------------------

CCB_ACCOUNTS = Layout(
    "accounts",
    "ccb",
    "account_id",
    (
        Column("account_id", "ACCT_ID", Digits((10,), "a CC&B account ID")),
        Column("person_name", "ENTITY_NAME", Text(80)),
        Column("mobile", "MOBILE_NBR", mobile, required=False),
        Column("email", "EMAIL_ADDR", email, required=False),
        Column("language", "LANGUAGE_CD", Choice({"HIN": "hi", "ENG": "en"}), required=False, default="hi"),
        Column("premise_address", "PREM_ADDRESS", Text(200)),
        Column("town", "CITY", Text(60)),
        Column("tariff_category", "RATE_SCHED_CD", category),
        Column("supply_type", "SA_TYPE_DESCR", Text(40)),
        Column("sanctioned_load_kw", "CONTRACT_LOAD_KW", Number(positive=True)),
        Column("subdivision_code", "SUB_DIVISION_CD", Text(16)),
        Column("smart_meter", "SMART_METER_FLG", Choice({"Y": True, "N": False}), required=False, default=False),
        Column("status", "ACCT_STATUS", Choice({"ACTIVE": "ACTIVE", "PD": "PD"})),
        Column("connected_on", "SETUP_DT", iso_date),
        Column("current_balance_paise", "CUR_BAL", Rupees(negative=True)),
        Column("payoff_balance_paise", "PAYOFF_BAL", Rupees(negative=True)),
    ),
)

MPOWER_ACCOUNTS = Layout(
    "accounts",
    "mpower",
    "account_id",
    (
        Column("account_id", "CONSUMER_NO", Digits((12,), "an mPower account number")),
        Column("subdivision_code", "SUBDIV_CODE", Text(16)),
        Column("person_name", "CONSUMER_NAME", Text(80)),
        Column("premise_address", "ADDRESS", Text(200)),
        Column("town", "VILLAGE_TOWN", Text(60)),
        Column("tariff_category", "CATEGORY", category),
        Column("supply_type", "PURPOSE", Text(40)),
        Column("sanctioned_load_kw", "LOAD_KW", Number(positive=True)),
        Column("smart_meter", "METER_TYPE", Choice({"SMART": True, "STATIC": False, "MECHANICAL": False})),
        Column("connected_on", "CONNECTION_DATE", dmy_date),
        Column("mobile", "MOBILE_NO", mobile, required=False),
        Column("email", "EMAIL_ID", email, required=False),
        Column("language", "LANG", Choice({"H": "hi", "E": "en"}), required=False, default="hi"),
        # mPower's temporary disconnection is still an account a consumer may complain about.
        Column("status", "CONN_STATUS", Choice({"LIVE": "ACTIVE", "TDISC": "ACTIVE", "PDISC": "PD"})),
        # mPower keeps one outstanding figure; it stands for both the store's balances.
        Column("current_balance_paise", "OUTSTANDING_AMT", Rupees(negative=True)),
    ),
)

CCB_BILLS = Layout(
    "bills",
    "ccb",
    "bill_no",
    (
        Column("bill_no", "BILL_ID", Digits((12,), "a CC&B bill ID")),
        Column("account_id", "ACCT_ID", Digits((10,), "a CC&B account ID")),
        Column("bill_month", "BILL_MONTH", year_month),
        Column("period_from", "BILL_START_DT", iso_date),
        Column("period_to", "BILL_END_DT", iso_date),
        Column("bill_date", "BILL_DT", iso_date),
        Column("due_date", "DUE_DT", iso_date),
        Column("prev_reading", "PREV_READ", Number(), required=False),
        Column("curr_reading", "CURR_READ", Number(), required=False),
        Column("multiplying_factor", "MULT_FACTOR", Number(positive=True), required=False, default=1.0),
        Column("units", "BILLED_KWH", Number()),
        Column("basis", "READ_TYPE", Choice({"ACT": "ACT", "ASS": "ASS", "PROV": "PROV", "MU": "MU"})),
        Column("tariff_category", "RATE_SCHED_CD", category),
        Column("sanctioned_load_kw", "CONTRACT_LOAD_KW", Number(positive=True)),
        Column("fixed_charge_paise", "FIXED_CHG", Rupees()),
        Column("energy_charge_paise", "ENERGY_CHG", Rupees()),
        Column("duty_paise", "ED_AMT", Rupees()),
        # An arrear below zero is a credit carried forward (an advance payment), not an error.
        Column("arrear_paise", "ARREAR_AMT", Rupees(negative=True)),
        Column("amount_paise", "BILL_AMT", Rupees()),
    ),
)

MPOWER_BILLS = Layout(
    "bills",
    "mpower",
    "bill_no",
    (
        Column("account_id", "CONSUMER_NO", Digits((12,), "an mPower account number")),
        Column("bill_no", "BILL_NO", Digits(tuple(range(10, 15)), "an mPower bill number")),
        Column("bill_month", "BILL_MONTH", mon_year),
        Column("bill_date", "BILL_DATE", dmy_date),
        Column("due_date", "DUE_DATE", dmy_date),
        Column("period_from", "PREV_READ_DATE", dmy_date),
        Column("period_to", "CURR_READ_DATE", dmy_date),
        Column("prev_reading", "OLD_READING", Number(), required=False),
        Column("curr_reading", "NEW_READING", Number(), required=False),
        Column("multiplying_factor", "MF", Number(positive=True), required=False, default=1.0),
        Column("units", "CONSUMPTION", Number()),
        Column("basis", "BILL_BASIS", Choice({"N": "ACT", "A": "ASS", "P": "PROV", "U": "MU"})),
        Column("tariff_category", "CATEGORY", category),
        Column("sanctioned_load_kw", "LOAD_KW", Number(positive=True)),
        Column("fixed_charge_paise", "FIXED_CHARGES", Rupees()),
        Column("energy_charge_paise", "ENERGY_CHARGES", Rupees()),
        Column("duty_paise", "ELECTRICITY_DUTY", Rupees()),
        Column("arrear_paise", "PREV_ARREARS", Rupees(negative=True)),
        Column("amount_paise", "NET_PAYABLE", Rupees()),
    ),
)

LAYOUTS = {(layout.kind, layout.system): layout for layout in (CCB_ACCOUNTS, MPOWER_ACCOUNTS, CCB_BILLS, MPOWER_BILLS)}
SYSTEM_OF = {"ccb": "CCB", "mpower": "MPOWER"}
AREA_OF = {"ccb": "URBAN", "mpower": "RURAL"}
