"""A revision that covers a run of consecutive bills of one account, the case's bill among them.

Assessed (average) bills usually run for several months before a reading is taken; the office corrects
the whole run in one case and one approval instead of a case per month. The maker names the run (from
bill X through bill Y) and the way:

- EACH: the same correction applied to each month (a wrong category or load for the whole run), or each
  month's own units given in order;
- SPREAD: one actual reading at the run's end; the units since the run's first previous reading
  ((actual - previous) x MF) are apportioned over the months by billing days, in whole units with the
  remainder on the last month, which is put on actual reading.

Each month is recomputed by `calc.recompute` at its own period's rates and slabs. The revision row is
the case's bill (its figures) and carries the run's total difference, so routing, powers, oversight and
the balance posting see one amount; the months are kept in `bill_revision_month`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlmodel import Session

from .. import clock, money, tariff, timefmt
from ..codes import BillState, RunBasis
from ..errors import Invalid, Stale
from ..models import PROPOSED, Account, Bill, BillRevision, BillRevisionMonth, Case
from . import terms
from .rules import rules
from .terms import Lps
from .calc import ACTUAL, BillFigures, Correction, figures_of, number, recompute, with_revised_figures

if TYPE_CHECKING:
    from collections.abc import Callable

OPEN_TO_RUN = (BillState.ISSUED, BillState.PAID)  # a run's other bills: issued (paid or not), never held
MAX_MONTHS = 24  # two years of bills: longer than any assessed run an office revises at once


@dataclass(frozen=True)
class RunRequest:
    """The run the maker names; empty: the case's bill alone."""

    from_bill: str | None = None
    through_bill: str | None = None
    spread: bool = False
    units_each: tuple[float, ...] | None = None  # EACH: each month's own units, in the run's order

    @property
    def is_run(self) -> bool:
        return bool(self.from_bill or self.through_bill or self.spread or self.units_each)


@dataclass(frozen=True)
class Month:
    seq: int
    bill_no: str
    bill_month: date
    before: BillFigures
    after: BillFigures
    new_bill_no: str | None = None

    @property
    def difference_paise(self) -> int:
        return self.after.amount_paise - self.before.amount_paise


@dataclass(frozen=True)
class Plan:
    basis: RunBasis
    months: tuple[Month, ...]
    lead_bill_no: str  # the case's bill
    total_units: float | None = None  # SPREAD: the units the actual reading gives the whole run

    @property
    def lead(self) -> Month:
        return next(m for m in self.months if m.bill_no == self.lead_bill_no)

    @property
    def difference_paise(self) -> int:
        return sum(m.difference_paise for m in self.months)

    def describe(self) -> str:
        first, last = self.months[0], self.months[-1]
        before = sum(m.before.amount_paise for m in self.months)
        after = sum(m.after.amount_paise for m in self.months)
        spread = f", {number(self.total_units)} units spread by days" if self.total_units is not None else ""
        return (f"{len(self.months)} bills {first.bill_no} ({timefmt.show_month(first.bill_month)}) through "
                f"{last.bill_no} ({timefmt.show_month(last.bill_month)}), {self.basis.label}{spread}: "
                f"{money.rupees(before)} → {money.rupees(after)}")


# --- choosing the bills --------------------------------------------------------------------------------


def _end(session: Session, account: Account, bill_no: str | None, lead: Bill, which: str) -> Bill:
    if not bill_no:
        return lead
    bill_no = "".join(bill_no.split())
    bill = session.get(Bill, bill_no)
    if bill is None or bill.account_id != account.account_id:
        raise Invalid(which, f"{bill_no} is not a bill of account {account.account_id}; name one of its bills")
    return bill


def bills_of_run(session: Session, lead: Bill, account: Account, request: RunRequest) -> list[Bill]:
    """The run's bills in period order, or Invalid naming the first that may not be in it."""
    first = _end(session, account, request.from_bill, lead, "from bill")
    last = _end(session, account, request.through_bill, lead, "through bill")
    if not first.bill_month <= lead.bill_month <= last.bill_month:
        raise Invalid("through bill", f"the run must include the case's bill {lead.bill_no} "
                                      f"({timefmt.show_month(lead.bill_month)}); start it at or before that bill "
                                      "and end it at or after")
    bills = list(session.scalars(
        select(Bill).where(Bill.account_id == account.account_id, Bill.bill_month >= first.bill_month,
                           Bill.bill_month <= last.bill_month)
        .order_by(Bill.period_from, Bill.bill_no).limit(MAX_MONTHS + 1)))
    if len(bills) > MAX_MONTHS:
        raise Invalid("through bill", f"a run covers at most {MAX_MONTHS} bills; split it into two cases")
    for bill in bills:
        refusal = _refusal(session, bill, lead)
        if refusal:
            raise Invalid("through bill", refusal)
    for prev, bill in itertools.pairwise(bills):
        if bill.period_from != prev.period_to + timedelta(days=1):
            raise Invalid("through bill", f"bills {prev.bill_no} ({_period(prev)}) and {bill.bill_no} "
                                          f"({_period(bill)}) are not consecutive; a run is of consecutive bills "
                                          "with no gap or overlap")
    return bills


def _period(bill: Bill) -> str:
    return f"{timefmt.show_date(bill.period_from)} to {timefmt.show_date(bill.period_to)}"


def _refusal(session: Session, bill: Bill, lead: Bill) -> str | None:
    name = f"bill {bill.bill_no} ({timefmt.show_month(bill.bill_month)})"
    if bill.state == BillState.REVISED:
        return f"{name} has been revised already; end the run before it or start it after"
    if bill.bill_no != lead.bill_no:
        other = session.scalar(select(Case.case_id).where(Case.bill_no == bill.bill_no, Case.closed_at.is_(None)))
        if other:
            return f"{name} has an open case of its own, request ID {other}; revise it there or close it first"
        if bill.state not in OPEN_TO_RUN:
            return f"{name} is {bill.state}; a run covers issued bills only, end it before that bill or start after"
    pending = session.scalar(
        select(BillRevision.revision_id).join(BillRevisionMonth, BillRevisionMonth.revision_id == BillRevision.revision_id)
        .where(BillRevisionMonth.bill_no == bill.bill_no, BillRevision.status == PROPOSED).limit(1))
    if pending:
        return f"{name} is in revision {pending}, which waits for approval; wait for its decision"
    return None


# --- the figures -------------------------------------------------------------------------------------


def spread_units(total: float, days: list[int]) -> list[float]:
    """`total` units over months of `days` billing days: whole units by each month's share of the days,
    the remainder (and any fraction) on the last month."""
    whole = Decimal(str(total))
    all_days = sum(days)
    shares = [float((whole * d / all_days).to_integral_value(rounding=ROUND_FLOOR)) for d in days[:-1]]
    return [*shares, float(whole - Decimal(str(sum(shares))))]


def _revise(bill: Bill, account: Account, correction: Correction) -> BillFigures:
    """The month recomputed; a month the correction leaves as it was is kept as billed."""
    try:
        return recompute(bill, account, correction)
    except Invalid as exc:
        if exc.field == "correction" and correction.changes_anything:
            return figures_of(bill)
        raise Invalid(exc.field, f"bill {bill.bill_no} ({timefmt.show_month(bill.bill_month)}): {exc.message}") from None


def plan(session: Session, lead: Bill, account: Account, correction: Correction, request: RunRequest) -> Plan | None:
    """The run's months recomputed, or None when the request is the case's bill alone re-billed as
    before (a one-bill revision, unchanged); Invalid naming what is wrong, nothing written."""
    if not request.is_run:
        return None
    if any(v is not None for v in correction.meter_fields) or correction.digits is not None:
        raise Invalid("reading", "a meter change is of one bill: revise the bill the meter was replaced in alone")
    if lead.state == BillState.HELD:
        raise Invalid("through bill", f"bill {lead.bill_no} is on hold: release it alone, then revise the run")
    bills = bills_of_run(session, lead, account, request)
    if request.spread:
        months, basis = _spread(bills, account, correction), RunBasis.SPREAD
        total = sum(m.after.units for m in months)
    else:
        if len(bills) == 1 and not request.units_each:
            return None
        months, basis, total = _each(bills, account, correction, request), RunBasis.EACH, None
    if all(m.after == m.before for m in months):
        raise Invalid("correction", "the revised bills are the same as the old ones; there is nothing to propose")
    return Plan(basis, tuple(months), lead.bill_no, total)


def _month(seq: int, bill: Bill, after: BillFigures) -> Month:
    return Month(seq, bill.bill_no, bill.bill_month, figures_of(bill), after)


def _each(bills: list[Bill], account: Account, correction: Correction, request: RunRequest) -> list[Month]:
    if correction.curr_reading is not None:
        raise Invalid("reading", "a reading is of one month: spread it over the run (spread), or revise the one bill")
    if correction.arrear_paise is not None:
        raise Invalid("arrear", "the arrear is corrected on one bill, not over a run; revise that bill alone")
    units = request.units_each
    if units is not None:
        if correction.units is not None:
            raise Invalid("units", "give the units once for every month or each month's own, not both")
        if len(units) != len(bills):
            raise Invalid("units", f"give {len(bills)} units, one for each bill from {bills[0].bill_no} through "
                                   f"{bills[-1].bill_no} in order; {len(units)} given")
    return [_month(i + 1, bill, _revise(bill, account, correction if units is None else replace(correction, units=units[i])))
            for i, bill in enumerate(bills)]


def _spread(bills: list[Bill], account: Account, correction: Correction) -> list[Month]:
    actual, first, last = correction.curr_reading, bills[0], bills[-1]
    if actual is None:
        raise Invalid("reading", "to spread the units over the run, enter the actual reading taken at its end")
    for value, name, why in ((correction.units, "units", "the units come from the reading"),
                             (correction.basis, "basis", "the last month goes on actual reading, the others keep theirs"),
                             (correction.arrear_paise, "arrear", "the arrear is corrected on one bill, not a run")):
        if value is not None:
            raise Invalid(name, f"leave the {name} out of a spread: {why}")
    if first.prev_reading is None:
        raise Invalid("reading", f"bill {first.bill_no} has no previous reading to count the run from; "
                                 "re-bill each month with its units instead")
    if any(b.multiplying_factor != first.multiplying_factor for b in bills):
        raise Invalid("reading", "the multiplying factor changes within the run (a meter change); revise it in runs "
                                 "of one meter")
    if actual < first.prev_reading:
        raise Invalid("reading", f"the actual reading {number(actual)} is lower than the run's first previous reading "
                                 f"{number(first.prev_reading)} (bill {first.bill_no}); check it")
    total = tariff.units_from_readings(first.prev_reading, actual, first.multiplying_factor)
    shares = spread_units(total, [tariff.billing_days(b.period_from, b.period_to) for b in bills])
    months = []
    for i, (bill, units) in enumerate(zip(bills, shares, strict=True)):
        after = _revise(bill, account, replace(correction, curr_reading=None, units=units))
        if bill is last:  # the month the meter was read: on actual reading (the basis moves no charge)
            after = replace(after, basis=ACTUAL, curr_reading=actual)
        months.append(_month(i + 1, bill, after))
    return months


# --- recording and posting ----------------------------------------------------------------------------


def record(session: Session, rev: BillRevision, run: Plan) -> None:
    rev.run_basis = run.basis
    for m in run.months:
        a = m.after
        session.add(BillRevisionMonth(
            revision_id=rev.revision_id, seq=m.seq, bill_no=m.bill_no, amount_before_paise=m.before.amount_paise,
            basis=a.basis, prev_reading=a.prev_reading, curr_reading=a.curr_reading,
            multiplying_factor=a.multiplying_factor, units=a.units, tariff_category=a.tariff_category,
            sanctioned_load_kw=a.load_kw, days=a.days, fixed_charge_paise=a.fixed_paise,
            energy_charge_paise=a.energy_paise, duty_paise=a.duty_paise, arrear_paise=a.arrear_paise,
            amount_paise=a.amount_paise, difference_paise=m.difference_paise))


def _rows(session: Session, revision_id: int) -> list[BillRevisionMonth]:
    return list(session.scalars(select(BillRevisionMonth).where(BillRevisionMonth.revision_id == revision_id)
                                .order_by(BillRevisionMonth.seq).limit(MAX_MONTHS)))


def _after(row: BillRevisionMonth) -> BillFigures:
    return BillFigures(
        basis=row.basis, prev_reading=row.prev_reading, curr_reading=row.curr_reading,
        multiplying_factor=row.multiplying_factor, units=row.units, tariff_category=row.tariff_category,
        load_kw=row.sanctioned_load_kw, days=row.days, fixed_paise=row.fixed_charge_paise,
        energy_paise=row.energy_charge_paise, duty_paise=row.duty_paise, arrear_paise=row.arrear_paise,
        amount_paise=row.amount_paise)


def months_of(session: Session, rev: BillRevision) -> tuple[Month, ...]:
    """A run's months as proposed (old bill, revised figures, revised bill once approved); () for one bill."""
    if rev.run_basis is None:
        return ()
    months = []
    for row in _rows(session, rev.revision_id):
        bill = session.get(Bill, row.bill_no)
        months.append(Month(row.seq, row.bill_no, bill.bill_month, figures_of(bill), _after(row), row.new_bill_no))
    return tuple(months)


def bills_text(session: Session, rev: BillRevision) -> str:
    """"bill X", or for a run "3 bills X through Y (actual units spread over the run by days)"."""
    if rev.run_basis is None:
        return f"bill {rev.bill_no}"
    rows = _rows(session, rev.revision_id)
    return (f"{len(rows)} bills {rows[0].bill_no} through {rows[-1].bill_no} "
            f"({RunBasis(rev.run_basis).label})")


def lps_of_plan(session: Session, run: Plan) -> Lps:
    """The surcharge on what the run takes off each month, from each month's own due date, summed."""
    return _lps([(session.get(Bill, m.bill_no), m.after.amount_paise) for m in run.months], rules().lps_percent)


def lps_of_run(session: Session, rev: BillRevision, percent: float) -> Lps:
    return _lps([(session.get(Bill, row.bill_no), row.amount_paise) for row in _rows(session, rev.revision_id)],
                percent)


def _lps(bills: list[tuple[Bill, int]], percent: float) -> Lps:
    on = clock.now().astimezone(clock.IST).date()
    parts = [terms.lps(bill.amount_paise, after, bill.due_date, on, percent) for bill, after in bills]
    # `months` is the longest (the run's first month's); the text names it, the paise are each month's own.
    return Lps(percent, max(p.months for p in parts), sum(p.disputed_paise for p in parts), sum(p.paise for p in parts))


def post(session: Session, rev: BillRevision, lead_new_bill_no: str, due_date: date,
         new_bill_no: Callable[[Session, str], str]) -> str:
    """On approval: every other bill of the run marked REVISED with its revised bill beside it (the case's
    bill is the caller's); Stale if any changed since the proposal. The balance is the caller's, by the
    run's total. Returns what was done, for the case log."""
    if rev.run_basis is None:
        return ""
    rows = _rows(session, rev.revision_id)
    others = [row for row in rows if row.bill_no != rev.bill_no]
    bills = {row.bill_no: session.get(Bill, row.bill_no) for row in others}
    for row in others:
        # Conditional, so two decisions at once cannot both revise a bill, nor revise one that moved.
        taken = session.execute(
            update(Bill).where(Bill.bill_no == row.bill_no, Bill.state.in_(OPEN_TO_RUN),
                               Bill.amount_paise == row.amount_before_paise)
            .values(state=BillState.REVISED).execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            raise Stale("bill", f"bill {row.bill_no} changed since revision {rev.revision_id} was proposed; "
                                "reject it so the maker proposes again")
    done = []
    for row in rows:
        if row.bill_no == rev.bill_no:
            row.new_bill_no = lead_new_bill_no
        else:
            bill = bills[row.bill_no]
            row.new_bill_no = new_bill_no(session, bill.bill_no)
            revised = with_revised_figures(bill, _after(row))
            revised["due_date"] = due_date
            session.add(Bill(bill_no=row.new_bill_no, state=BillState.ISSUED, **revised))
            session.flush()
        session.add(row)
        done.append(f"{row.bill_no} as {row.new_bill_no}")
    for bill in bills.values():
        session.refresh(bill)
    return (f"; the run of {len(rows)} bills ({RunBasis(rev.run_basis).label}) revised: " + ", ".join(done)
            + f", total {money.rupees(rev.difference_paise)}")
