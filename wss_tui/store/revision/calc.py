"""A disputed bill recomputed from what the clerk says was wrong with it: pure, no database.

The clerk corrects the current reading, or the units, or the basis (assessed / provisional → actual
reading), or the load, the category or the arrear; everything else is the bill's own. The rules that
keep a revision honest are checked here, before anything is written: a reading lower than the
previous one only when the meter was replaced (both meters' readings given, meter.py) or its register
rolled over (flagged for the approver), no negative units or bill, a remark saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import money, numbers, tariff
from .. import text as text_rule
from ..codes import BillBasis
from ..errors import Invalid
from ..models import Account, Bill
from . import meter
from .meter import METER_CHANGE, number
from .rules import rules

__all__ = ["METER_CHANGE", "number"]  # re-exported: the screens read them here
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
    # A revised bill's meter work: the replaced meter's final reading and MF and the new meter's initial
    # reading (its MF is multiplying_factor), or the digits of a register that rolled over. None on a bill.
    old_final_reading: float | None = None
    old_multiplying_factor: float | None = None
    new_initial_reading: float | None = None
    rollover_digits: int | None = None

    @property
    def meter_changed(self) -> bool:
        return self.old_final_reading is not None


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
    # Reason METER-CHANGE: the old meter's final reading and MF, the new meter's initial reading and MF
    # (None: the bill's). `digits`: the meter's register, for a rollover (None: revision.toml [meter]).
    old_final_reading: float | None = None
    old_multiplying_factor: float | None = None
    new_initial_reading: float | None = None
    new_multiplying_factor: float | None = None
    digits: int | None = None

    @property
    def meter_fields(self) -> tuple[float | None, ...]:
        return (self.old_final_reading, self.old_multiplying_factor, self.new_initial_reading,
                self.new_multiplying_factor)

    @property
    def changes_anything(self) -> bool:
        return any(
            v is not None
            for v in (self.curr_reading, self.units, self.basis, self.load_kw, self.category, self.arrear_paise,
                      *self.meter_fields)
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


def check_reason(correction: Correction) -> None:
    reasons = rules().reasons
    if correction.reason_code not in reasons:
        raise Invalid("reason", f"choose the reason code: one of {', '.join(reasons)}")


def check_remark(correction: Correction) -> str:
    """The remark a proposal must carry (not asked of a preview, which runs while it is typed)."""
    r = rules()
    return text_rule.typed("remark", correction.remark, minimum=r.min_remark_chars, maximum=r.max_remark_chars,
                           too_short="write at least {minimum} characters saying what was wrong and how you found it",
                           name="the remark")


def recompute(bill: Bill, account: Account, correction: Correction) -> BillFigures:
    """The revised bill, or Invalid naming the field that is wrong; nothing is written."""
    check_reason(correction)
    c = correction
    for name, value in (("reading", c.curr_reading), ("units", c.units), ("load", c.load_kw),
                        ("old final", c.old_final_reading), ("old MF", c.old_multiplying_factor),
                        ("new initial", c.new_initial_reading), ("new MF", c.new_multiplying_factor)):
        numbers.check_quantity(value, name)  # NaN passes every comparison below, and infinity every bound
    money.check_paise(correction.arrear_paise, "arrear")
    meter.check_digits(c.digits)
    changing_meter = c.reason_code == METER_CHANGE
    if changing_meter and c.units is not None:
        raise Invalid("units", "a meter change is worked out from both meters' readings; clear the units")
    if not changing_meter and any(v is not None for v in c.meter_fields):
        raise Invalid("meter change", f"the old and new meters' readings are for reason {METER_CHANGE}; "
                                      "choose it, or clear them")
    if changing_meter:
        meter.require(c.old_final_reading, c.old_multiplying_factor, c.new_initial_reading)
    if not correction.changes_anything:
        raise Invalid("correction", "nothing to revise: enter the correct reading, units, basis, load, category or arrear")
    if correction.curr_reading is not None and correction.units is not None:
        raise Invalid("units", "give the correct current reading or the units, not both")
    basis = correction.basis or bill.basis
    if basis not in REVISED_BASES:
        raise Invalid("basis", f"a revised bill is on {', '.join(REVISED_BASES)} basis, not {basis}")
    curr, units = bill.curr_reading, bill.units
    mf = bill.multiplying_factor
    change, rollover = None, None

    if changing_meter:
        mf = bill.multiplying_factor if c.new_multiplying_factor is None else c.new_multiplying_factor
        change = meter.changed(bill.bill_no, bill.prev_reading, c.curr_reading if c.curr_reading is not None
                               else bill.curr_reading, mf, c.old_final_reading, c.old_multiplying_factor,
                               c.new_initial_reading)
        curr, units = change.curr, change.units
        if correction.basis is None:
            basis = ACTUAL
        elif basis != ACTUAL:
            raise Invalid("basis", f"a bill worked out from readings is on {ACTUAL} basis; choose {ACTUAL}")
    elif correction.curr_reading is not None:
        curr = correction.curr_reading
        if curr < 0:
            raise Invalid("reading", "a meter reading cannot be negative")
        if bill.prev_reading is None:
            raise Invalid("reading", f"bill {bill.bill_no} has no previous reading to count from; enter the units instead")
        if c.digits is not None:
            meter.fits(c.digits, bill.prev_reading, curr)
        if curr < bill.prev_reading:
            rollover = c.digits or rules().meter_digits
            units = meter.rolled_over(bill.prev_reading, curr, mf, rollover, rules().rollover_max_share)
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
        old_final_reading=change.old_final if change else None,
        old_multiplying_factor=change.old_mf if change else None,
        new_initial_reading=change.new_initial if change else None,
        rollover_digits=rollover,
    )
    if replace(after, old_final_reading=None, old_multiplying_factor=None, new_initial_reading=None,
               rollover_digits=None) == figures_of(bill):
        raise Invalid("correction", "the revised bill is the same as the old one; there is nothing to propose")
    return after


def describe(before: BillFigures, after: BillFigures) -> str:
    """What changed, in a line for the logs: "units 400 → 300, basis ASS → ACT, Rs … → Rs …"."""
    parts = []
    if after.meter_changed:
        parts.append(f"meter changed: old meter {number(after.prev_reading)} → {number(after.old_final_reading)} "
                     f"x MF {number(after.old_multiplying_factor)}, new meter {number(after.new_initial_reading)} → "
                     f"{number(after.curr_reading)} x MF {number(after.multiplying_factor)}")
    if after.rollover_digits:
        parts.append(meter.rollover_text(after.rollover_digits))
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

