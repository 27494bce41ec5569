"""A disputed bill recomputed from what the clerk says was wrong with it: pure, no database.

The clerk corrects the current reading, or the units, or the basis (assessed / provisional → actual
reading), or the load, the category or the arrear; everything else is the bill's own. The rules that
keep a revision honest are checked here, before anything is written: a reading lower than the
previous one only when the meter was replaced, no negative units or bill, a remark saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import money, numbers, tariff
from .. import text as text_rule
from ..codes import BillBasis
from ..errors import Invalid
from ..models import Account, Bill
from .rules import rules

METER_CHANGE = "METER-CHANGE"
ACTUAL = BillBasis.ACT
BASES = {basis: basis.label for basis in BillBasis}
# The bases a revised bill may be put on; "meter unread" is the billing system's, never a decision.
REVISED_BASES = (BillBasis.ACT, BillBasis.ASS, BillBasis.PROV)


@dataclass(frozen=True)
class BillFigures:
    """A bill line by line, as the revision screen lays the old beside the new."""

    basis: str
    prev_reading: float | None
    curr_reading: float | None
    multiplying_factor: float
    units: float
    tariff_category: str
    load_kw: float
    days: int
    fixed_paise: int
    energy_paise: int
    duty_paise: int
    arrear_paise: int
    amount_paise: int


@dataclass(frozen=True)
class Correction:
    """What the maker says was wrong; None: as billed."""

    reason_code: str
    remark: str
    curr_reading: float | None = None
    units: float | None = None
    basis: str | None = None
    load_kw: float | None = None
    category: str | None = None
    arrear_paise: int | None = None

    @property
    def changes_anything(self) -> bool:
        return any(
            v is not None
            for v in (self.curr_reading, self.units, self.basis, self.load_kw, self.category, self.arrear_paise)
        )


def figures_of(bill: Bill) -> BillFigures:
    return BillFigures(
        basis=bill.basis,
        prev_reading=bill.prev_reading,
        curr_reading=bill.curr_reading,
        multiplying_factor=bill.multiplying_factor,
        units=bill.units,
        tariff_category=bill.tariff_category,
        load_kw=bill.sanctioned_load_kw,
        days=tariff.billing_days(bill.period_from, bill.period_to),
        fixed_paise=bill.fixed_charge_paise,
        energy_paise=bill.energy_charge_paise,
        duty_paise=bill.duty_paise,
        arrear_paise=bill.arrear_paise,
        amount_paise=bill.amount_paise,
    )


def number(value: float | None) -> str:
    """4,512 or 4,512.5: readings and units as a meter shows them."""
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def check_reason(correction: Correction) -> None:
    reasons = rules().reasons
    if correction.reason_code not in reasons:
        raise Invalid("reason", f"choose the reason code: one of {', '.join(reasons)}")


def check_remark(correction: Correction) -> str:
    """The remark a proposal must carry (not asked of a preview, which runs while it is typed)."""
    r = rules()
    remark = (correction.remark or "").strip()
    if len(remark) < r.min_remark_chars:
        raise Invalid("remark", f"write at least {r.min_remark_chars} characters saying what was wrong and how you found it")
    if len(remark) > r.max_remark_chars:
        raise Invalid("remark", f"keep the remark to {r.max_remark_chars} characters; it has {len(remark)}")
    return text_rule.check("remark", remark)


def recompute(bill: Bill, account: Account, correction: Correction) -> BillFigures:
    """The revised bill, or Invalid naming the field that is wrong; nothing is written."""
    check_reason(correction)
    for name, value in (("reading", correction.curr_reading), ("units", correction.units), ("load", correction.load_kw)):
        numbers.check_quantity(value, name)  # NaN passes every comparison below, and infinity every bound
    money.check_paise(correction.arrear_paise, "arrear")
    if not correction.changes_anything:
        raise Invalid("correction", "nothing to revise: enter the correct reading, units, basis, load, category or arrear")
    if correction.curr_reading is not None and correction.units is not None:
        raise Invalid("units", "give the correct current reading or the units, not both")
    basis = correction.basis or bill.basis
    if basis not in REVISED_BASES:
        raise Invalid("basis", f"a revised bill is on {', '.join(REVISED_BASES)} basis, not {basis}")
    curr, units = bill.curr_reading, bill.units
    mf = bill.multiplying_factor

    if correction.curr_reading is not None:
        curr = correction.curr_reading
        if curr < 0:
            raise Invalid("reading", "a meter reading cannot be negative")
        if bill.prev_reading is None:
            raise Invalid("reading", f"bill {bill.bill_no} has no previous reading to count from; enter the units instead")
        if curr < bill.prev_reading:
            if correction.reason_code != METER_CHANGE:
                raise Invalid(
                    "reading",
                    f"current reading {number(curr)} is lower than the previous reading {number(bill.prev_reading)}; "
                    f"check it, or choose reason {METER_CHANGE} if the meter was replaced",
                )
            units = tariff.units_from_readings(0, curr, mf)  # the new meter, read from zero
        else:
            units = tariff.units_from_readings(bill.prev_reading, curr, mf)
        if correction.basis is None:
            basis = ACTUAL  # a reading taken makes it a bill on actual reading
        elif basis != ACTUAL:
            raise Invalid("basis", f"a bill worked out from a reading is on {ACTUAL} basis; choose {ACTUAL} or clear the reading")
    elif correction.units is not None:
        if correction.units < 0:
            raise Invalid("units", "units cannot be negative")
        units = correction.units
    if basis == ACTUAL and curr is None:
        raise Invalid("reading", "a bill on actual reading needs the current reading from the meter; enter it")
    if basis != ACTUAL:
        curr = None  # an assessed or provisional bill has no reading of its own

    load = bill.sanctioned_load_kw if correction.load_kw is None else correction.load_kw
    if load <= 0:
        raise Invalid("load", "the sanctioned load must be more than 0 kW")
    category = (correction.category or bill.tariff_category).strip().upper()
    arrear = bill.arrear_paise if correction.arrear_paise is None else correction.arrear_paise
    days = tariff.billing_days(bill.period_from, bill.period_to)
    charges = tariff.compute(category, account.area, load, units, days, on=bill.period_to, period_from=bill.period_from,
                             arrear_paise=arrear)
    if charges.amount_paise < 0:
        raise Invalid(
            "amount",
            f"the revised bill comes to {money.rupees(charges.amount_paise)}; a bill cannot be negative — "
            "leave the arrear as billed and the credit reaches the next bill",
        )
    after = BillFigures(
        basis=basis,
        prev_reading=bill.prev_reading,
        curr_reading=curr,
        multiplying_factor=mf,
        units=units,
        tariff_category=category,
        load_kw=load,
        days=days,
        fixed_paise=charges.fixed_paise,
        energy_paise=charges.energy_paise,
        duty_paise=charges.duty_paise,
        arrear_paise=arrear,
        amount_paise=charges.amount_paise,
    )
    if after == figures_of(bill):
        raise Invalid("correction", "the revised bill is the same as the old one; there is nothing to propose")
    return after


def describe(before: BillFigures, after: BillFigures) -> str:
    """What changed, in a line for the logs: "units 400 → 300, basis ASS → ACT, Rs … → Rs …"."""
    parts = []
    for label, old, new in (
        ("basis", before.basis, after.basis),
        ("reading", number(before.curr_reading) or "none", number(after.curr_reading) or "none"),
        ("units", number(before.units), number(after.units)),
        ("category", before.tariff_category, after.tariff_category),
        ("load", *(tariff.load_text(f.tariff_category, f.load_kw) for f in (before, after))),
        ("arrear", money.rupees(before.arrear_paise), money.rupees(after.arrear_paise)),
    ):
        if old != new:
            parts.append(f"{label} {old} → {new}")
    parts.append(f"amount {money.rupees(before.amount_paise)} → {money.rupees(after.amount_paise)}")
    return ", ".join(parts)


def with_revised_figures(bill: Bill, after: BillFigures) -> dict:
    """Column values of the revised bill: the old bill's dates and number series, the new figures."""
    return dict(
        account_id=bill.account_id,
        bill_month=bill.bill_month,
        period_from=bill.period_from,
        period_to=bill.period_to,
        bill_date=bill.bill_date,
        due_date=bill.due_date,
        prev_reading=after.prev_reading,
        curr_reading=after.curr_reading,
        multiplying_factor=after.multiplying_factor,
        units=after.units,
        basis=after.basis,
        tariff_category=after.tariff_category,
        sanctioned_load_kw=after.load_kw,
        fixed_charge_paise=after.fixed_paise,
        energy_charge_paise=after.energy_paise,
        duty_paise=after.duty_paise,
        arrear_paise=after.arrear_paise,
        amount_paise=after.amount_paise,
    )

