"""Runs of bills to revise (store/revision/run.py): an account of its own with the bills a test gives,
figures as the billing system printed them, and the complaint on one of them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from wss_tui.store import db, intake, revision, todos
from wss_tui.store.models import Account, Bill
from wss_tui.store.revision.calc import Correction
from wss_tui.store.revision.run import RunRequest

from ._revision_data import CLERK, SUB, Complaint, version

ACCOUNT = "3399000017"


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def make_run(engine, months: list[dict], *, account_id: str = ACCOUNT, category: str = "LMV-1", load: float = 2):
    """An urban account of SUB with one bill per month given (consecutive, from `first`), each dict the
    bill's own figures: units, basis, readings, charges and amount as the billing system printed them."""
    with db.write(engine) as s:
        like = s.scalar(select(Account).where(Account.subdivision_code == SUB, Account.area == "URBAN",
                                              Account.mobile.is_not(None)).order_by(Account.account_id).limit(1))
        s.add(Account(**{**like.model_dump(), "account_id": account_id, "tariff_category": category,
                         "sanctioned_load_kw": load, "language": "en", "current_balance_paise": 0,
                         "payoff_balance_paise": 0}))
        s.flush()
        bill_nos = []
        for i, m in enumerate(months):
            first = date(2026, 7 + i, 1) if "first" not in m else m["first"]
            bill_no = f"{account_id}{i + 1:02d}"
            s.add(Bill(bill_no=bill_no, account_id=account_id, bill_month=first, period_from=first,
                       period_to=_month_end(first), bill_date=_month_end(first) + timedelta(days=3),
                       due_date=_month_end(first) + timedelta(days=18), prev_reading=m.get("prev"),
                       curr_reading=m.get("curr"), units=m["units"], basis=m.get("basis", "ACT"),
                       tariff_category=m.get("category", category), sanctioned_load_kw=load,
                       fixed_charge_paise=m["fixed"], energy_charge_paise=m["energy"], duty_paise=m["duty"],
                       arrear_paise=0, amount_paise=m["amount"]))
            bill_nos.append(bill_no)
    return bill_nos


def complain(engine, account_id: str, bill_no: str, clerk: str = CLERK) -> Complaint:
    with db.write(engine) as s:
        receipt = intake.submit_request(s, account_id=account_id, bill_no=bill_no,
                                        reason="Average bills for months although the meter works")
    with db.write(engine) as s:
        d = todos.take(s, clerk, receipt.todo_id, 1)
    return Complaint(receipt.todo_id, d.version, receipt.request_id, bill_no, account_id)


def propose_run(engine, c: Complaint, correction: Correction, bills: RunRequest, actor: str = CLERK):
    with db.write(engine) as s:
        return revision.propose(s, actor, c.todo_id, version(engine, actor, c.todo_id), correction, bills)


def decide(engine, verb: str, actor: str, info, *args):
    with db.write(engine) as s:
        act = revision.approve if verb == "approve" else revision.reject
        return act(s, actor, info.approval_todo_id, version(engine, actor, info.approval_todo_id), *args)


# Three assessed bills of 300 units (LMV-1, 2 kW), Aug (31 days), Sep (30), Oct (31) 2026, the meter
# last read at 1,000. Aug and Oct: fixed 110 x 2 x 31/30 = 227.33; 155 @ 5.50 + 145 @ 6.00 = 1,722.50;
# duty 5% of 1,949.83 = 97.49; Rs 2,047.32. Sep: 220 + 150 @ 5.50 + 150 @ 6.00 = 1,725; duty 97.25;
# Rs 2,042.25.
ASSESSED = [
    {"first": date(2026, 8, 1), "prev": 1000, "units": 300, "basis": "ASS", "fixed": 22733, "energy": 172250,
     "duty": 9749, "amount": 204732},
    {"first": date(2026, 9, 1), "prev": 1000, "units": 300, "basis": "ASS", "fixed": 22000, "energy": 172500,
     "duty": 9725, "amount": 204225},
    {"first": date(2026, 10, 1), "prev": 1000, "units": 300, "basis": "ASS", "fixed": 22733, "energy": 172250,
     "duty": 9749, "amount": 204732},
]
SPREAD_REMARK = "Meter read 1461 on 31-10; the three average bills re-billed on it"


