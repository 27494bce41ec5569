"""The column layouts of the CC&B and mPower extracts: which column of the file holds which field of
the store, and how each is read (fields.py).

docs/import-formats.md describes the same layouts for the people who produce the files; change both
together.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codes import Area, BillingSystem, BillState
from .fields import (
    Bad,
    Choice,
    Digits,
    Number,
    Reader,
    Rupees,
    Text,
    category,
    dmy_date,
    email,
    iso_date,
    mobile,
    mon_year,
    year_month,
)


@dataclass(frozen=True)
class Column:
    field: str  # the store's column
    header: str  # the extract's column
    read: Reader
    required: bool = True
    default: object = None  # used when the extract leaves an optional field empty
    # The extract may leave the column out altogether (every row then takes `default`): a column added
    # after extracts were first made, so the older ones still import.
    may_be_absent: bool = False

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


# A bill's status in the billing system: issued, held back before issue (store/revision/hold.py), or
# paid. Empty, or the column absent: issued.
BILL_STATES = Choice({s: s for s in (BillState.ISSUED, BillState.HELD, BillState.PAID)}, reason="unknown-state")

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
        Column("state", "BILL_STAT_CD", BILL_STATES, required=False, default=BillState.ISSUED, may_be_absent=True),
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
        Column("state", "BILL_STATUS", BILL_STATES, required=False, default=BillState.ISSUED, may_be_absent=True),
    ),
)

LAYOUTS = {(layout.kind, layout.system): layout for layout in (CCB_ACCOUNTS, MPOWER_ACCOUNTS, CCB_BILLS, MPOWER_BILLS)}
SYSTEM_OF = {"ccb": BillingSystem.CCB, "mpower": BillingSystem.MPOWER}
AREA_OF = {"ccb": Area.URBAN, "mpower": Area.RURAL}
