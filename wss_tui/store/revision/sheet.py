"""What the revision screen reads: a bill line by line, a proposal and where it stands, a preview of
the recomputed bill, and whether the user may propose or decide here. Nothing in this module writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from .. import accounts, clock, config, money, offices, tariff, timefmt, todos
from ..codes import BillState
from ..errors import Denied, Invalid, NotFound, WssError
from ..models import APPROVED, COMPLETE, PROPOSED, Account, Bill, BillRevision, Case, Staff
from . import hold, powers, run
from .calc import BillFigures, Correction, figures_of
from .meter import rollover_text
from .powers import Route
from .rules import APPROVAL, AUDIT, LATE, REVIEW, rules
from .terms import Lps, balance_change, lps

REVISION_TODO_TYPES = (APPROVAL, REVIEW, AUDIT, LATE)  # To Dos about a revision, not the case's own work
REVISED = BillState.REVISED
PROPOSE, DECIDE, VIEW = "propose", "decide", "view"


@dataclass(frozen=True)
class RevisionInfo:
    revision_id: int
    status: str
    case_id: str
    bill_no: str
    account_id: str
    reason_code: str
    reason_text: str
    remark: str
    amount_before_paise: int
    after: BillFigures
    difference_paise: int
    maker_id: str
    maker_name: str
    proposed_at: datetime
    route: Route
    approval_todo_id: str | None
    checker_id: str | None
    checker_name: str | None
    decided_at: datetime | None
    decision_note: str
    new_bill_no: str | None
    review_todo_id: str | None
    review_due_at: datetime | None
    audit_sampled: bool | None
    audit_todo_id: str | None
    # The revised bill's terms: the late payment surcharge reversed (as of today while proposed, as
    # posted once approved), what the approval posts to the account, the old and the new due dates.
    lps: Lps
    balance_change_paise: int
    due_date_before: date
    due_date_after: date | None  # None until approved: revised_due_days after the approval
    revised_due_days: int
    flags: tuple[str, ...]  # what the approver must look at twice (a register rollover)
    # A run of bills (store/revision/run.py): how it was revised and each month; None and () for one bill.
    run_basis: str | None = None
    months: tuple[run.Month, ...] = ()


@dataclass(frozen=True)
class Preview:
    before: BillFigures
    after: BillFigures
    difference_paise: int
    route: Route
    lps: Lps
    balance_change_paise: int
    due_date_before: date
    revised_due_days: int
    flags: tuple[str, ...]
    months: tuple[run.Month, ...] = ()  # a run of bills: each month; () for the one bill
    run_basis: str | None = None


def today() -> date:
    return clock.now().astimezone(clock.IST).date()


def revised_due_date(approved_on: date) -> date:
    """The revised bill falls due revision.toml [proposal] revised_due_days after its approval."""
    return approved_on + timedelta(days=rules().revised_due_days)


def flags_of(after: BillFigures) -> tuple[str, ...]:
    if after.rollover_digits:
        return (rollover_text(after.rollover_digits) + ": check the reading",)
    return ()


def lps_of(bill: Bill, after_amount_paise: int, percent: float | None = None, on: date | None = None) -> Lps:
    """The surcharge on what the revision takes off `bill`, charged up to `on` (today)."""
    if bill.state == hold.HELD:
        return Lps(rules().lps_percent if percent is None else percent, 0, 0, 0, held=True)
    return lps(bill.amount_paise, after_amount_paise, bill.due_date, on or today(),
               rules().lps_percent if percent is None else percent)


@dataclass(frozen=True)
class Worksheet:
    """Everything the revision screen shows of one bill, and what the user may do there."""

    mode: str  # propose | decide | view
    note: str  # why the user may not propose or decide, or where the revision stands
    todo_id: str | None
    todo_version: int | None
    case_id: str | None
    case_status: str | None
    channel: str | None
    account_id: str
    person_name: str
    area: str
    office_code: str
    bill_no: str
    bill_month: date
    bill_state: str
    before: BillFigures
    revision: RevisionInfo | None
    reasons: list[tuple[str, str]]
    categories: list[str]
    officer_cases: list[tuple[str, str]]


# --- reading ------------------------------------------------------------------------------------


def active_staff(session: Session, actor_id: str) -> Staff:
    staff = session.get(Staff, actor_id)
    if staff is None or not staff.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    return staff


def case_of(session: Session, detail: todos.TodoDetail) -> Case | None:
    """The case a To Do is about (its Case ID key), if any."""
    case_id = dict(detail.keys).get("Case ID")
    return session.get(Case, case_id) if case_id else None


def latest_of_case(session: Session, case_id: str) -> BillRevision | None:
    """The case's newest revision, whatever its status."""
    return session.scalar(
        select(BillRevision).where(BillRevision.case_id == case_id).order_by(BillRevision.revision_id.desc()).limit(1)
    )


def revision_of_todo(session: Session, detail: todos.TodoDetail) -> BillRevision:
    value = dict(detail.characteristics).get("REVISION")
    revision = session.get(BillRevision, int(value)) if value and value.isdigit() else None
    if revision is None:
        raise NotFound("revision", f"To Do {detail.todo_id} names no bill revision")
    return revision


def after_of(rev: BillRevision) -> BillFigures:
    return BillFigures(
        basis=rev.basis,
        prev_reading=rev.prev_reading,
        curr_reading=rev.curr_reading,
        multiplying_factor=rev.multiplying_factor,
        units=rev.units,
        tariff_category=rev.tariff_category,
        load_kw=rev.sanctioned_load_kw,
        days=rev.days,
        fixed_paise=rev.fixed_charge_paise,
        energy_paise=rev.energy_charge_paise,
        duty_paise=rev.duty_paise,
        arrear_paise=rev.arrear_paise,
        amount_paise=rev.amount_paise,
        old_final_reading=rev.old_final_reading,
        old_multiplying_factor=rev.old_multiplying_factor,
        new_initial_reading=rev.new_initial_reading,
        rollover_digits=rev.rollover_digits,
    )


def lps_of_revision(session: Session, rev: BillRevision) -> Lps:
    """As posted once decided (none on a revision from before the surcharge was reversed); as of today
    while it waits, at the percent it was proposed with: what approving it now would reverse."""
    if rev.run_basis is not None and rev.lps_percent is not None:  # each month's, summed
        now = run.lps_of_run(session, rev, rev.lps_percent)
        return now if rev.status == PROPOSED else replace(now, months=rev.lps_months or 0, paise=rev.lps_paise or 0)
    if rev.status == PROPOSED and rev.lps_percent is not None:
        return lps_of(session.get(Bill, rev.bill_no), rev.amount_paise, rev.lps_percent)
    return Lps(rev.lps_percent or 0.0, rev.lps_months or 0,
               max(rev.amount_before_paise - rev.amount_paise, 0) if rev.lps_paise is not None else 0,
               rev.lps_paise or 0)


def info(session: Session, rev: BillRevision) -> RevisionInfo:
    maker = session.get(Staff, rev.maker_id)
    checker = session.get(Staff, rev.checker_id) if rev.checker_id else None
    reversed_lps = lps_of_revision(session, rev)
    after = after_of(rev)
    new_bill = session.get(Bill, rev.new_bill_no) if rev.new_bill_no else None
    return RevisionInfo(
        revision_id=rev.revision_id,
        status=rev.status,
        case_id=rev.case_id,
        bill_no=rev.bill_no,
        account_id=rev.account_id,
        reason_code=rev.reason_code,
        reason_text=rules().reasons.get(rev.reason_code, rev.reason_code),
        remark=rev.remark,
        amount_before_paise=rev.amount_before_paise,
        after=after,
        difference_paise=rev.difference_paise,
        maker_id=rev.maker_id,
        maker_name=maker.name if maker else rev.maker_id,
        proposed_at=rev.proposed_at,
        route=Route(rev.approver_role, config.roles()[rev.approver_role].description, rev.approver_office,
                    offices.get(session, rev.approver_office).name),
        approval_todo_id=rev.approval_todo_id,
        checker_id=rev.checker_id,
        checker_name=checker.name if checker else None,
        decided_at=rev.decided_at,
        decision_note=rev.decision_note,
        new_bill_no=rev.new_bill_no,
        review_todo_id=rev.review_todo_id,
        review_due_at=rev.review_due_at,
        audit_sampled=rev.audit_sampled,
        audit_todo_id=rev.audit_todo_id,
        lps=reversed_lps,
        balance_change_paise=balance_change(rev.difference_paise, reversed_lps),
        due_date_before=session.get(Bill, rev.bill_no).due_date,
        due_date_after=new_bill.due_date if new_bill else None,
        revised_due_days=rules().revised_due_days,
        flags=flags_of(after),
        run_basis=rev.run_basis,
        months=run.months_of(session, rev),
    )


def standing(rev: BillRevision) -> str:
    amount = money.rupees(rev.difference_paise)
    if rev.status == PROPOSED:
        return f"revision {rev.revision_id} ({amount}) waits for approval by {rev.approver_role} {rev.approver_office}"
    when = timefmt.show(rev.decided_at)
    return f"revision {rev.revision_id} ({amount}) was {rev.status.lower()} by {rev.checker_id} on {when}"


def proposal_refusal(session: Session, actor: Staff, detail: todos.TodoDetail, case: Case, bill: Bill) -> WssError | None:
    """Why `actor` may not propose a revision on this To Do now, or None."""
    if actor.role not in rules().makers:
        return Denied("role", f"{actor.role} does not propose bill revisions; a clerk, SDO or EE does")
    if case.closed_at is not None:
        return Invalid("case", f"case {case.case_id} is closed ({case.status}); nothing more can be revised on it")
    refusal = todos.holder_refusal(detail, actor.user_id, "proposes a revision")
    if refusal is not None:
        return refusal
    latest = latest_of_case(session, case.case_id)
    if latest is not None and latest.status == PROPOSED:
        return Invalid("revision", standing(latest) + "; wait for the decision")
    if latest is not None and latest.status == APPROVED:
        return Invalid("revision", standing(latest) + "; close the case with the consumer's OTP (c)")
    if bill.state == REVISED:
        return Invalid("bill", f"bill {bill.bill_no} has been revised already; its revised bill is on the account")
    return hold.complaint_refusal(bill)


def case_and_bill(session: Session, detail: todos.TodoDetail) -> tuple[Case, Bill, Account]:
    case = case_of(session, detail)
    if case is None or case.bill_no is None:
        raise Invalid("To Do", f"To Do {detail.todo_id} is not about a bill; there is nothing to revise")
    bill = session.get(Bill, case.bill_no)
    return case, bill, session.get(Account, bill.account_id)


def _worksheet(session, mode, note, detail, case, bill, account, rev) -> Worksheet:
    return Worksheet(
        mode=mode,
        note=note,
        todo_id=detail.todo_id if detail else None,
        todo_version=detail.version if detail else None,
        case_id=case.case_id if case else None,
        case_status=case.status if case else None,
        channel=case.channel if case else None,
        account_id=account.account_id,
        person_name=account.person_name,
        area=account.area,
        office_code=account.subdivision_code,
        bill_no=bill.bill_no,
        bill_month=bill.bill_month,
        bill_state=bill.state,
        before=figures_of(bill),
        revision=info(session, rev) if rev else None,
        reasons=list(rules().reasons.items()),
        categories=sorted({k.rsplit("-", 1)[0] for k in tariff.schedule(bill.period_to) if k.endswith("-" + account.area)}),
        officer_cases=[(code, c.case_type) for code, c in rules().officer_cases.items()],
    )


def worksheet(session: Session, actor_id: str, todo_id: str) -> Worksheet:
    """The revision screen opened from a To Do: the complaint's own (propose) or an approval (decide)."""
    detail = todos.get(session, actor_id, todo_id)
    actor = active_staff(session, actor_id)
    if detail.todo_type in REVISION_TODO_TYPES:
        rev = revision_of_todo(session, detail)
        case, bill = session.get(Case, rev.case_id), session.get(Bill, rev.bill_no)
        account = session.get(Account, rev.account_id)
        mode, note = VIEW, standing(rev)
        if detail.todo_type == APPROVAL and rev.status == PROPOSED and detail.status != COMPLETE:
            try:
                powers.check_checker(session, actor, maker_id=rev.maker_id, amount_paise=rev.difference_paise,
                                     office_code=rev.office_code)
                mode = DECIDE
            except WssError as exc:
                note = exc.message
        return _worksheet(session, mode, note, detail, case, bill, account, rev)
    case, bill, account = case_and_bill(session, detail)
    refusal = proposal_refusal(session, actor, detail, case, bill)
    rev = latest_of_case(session, case.case_id)
    return _worksheet(session, VIEW if refusal else PROPOSE, refusal.message if refusal else "", detail, case, bill,
                      account, rev)


def bill_of_account(session: Session, actor_id: str, account_id: str, bill_no: str) -> tuple[Bill, Account]:
    account = accounts.get_account(session, account_id)
    accounts.require_in_scope(session, actor_id, account)
    bill_no = "".join((bill_no or "").split())
    bill = session.get(Bill, bill_no) if bill_no else None
    if bill is None or bill.account_id != account.account_id:
        raise Invalid("bill", f"{bill_no or 'no bill'} is not a bill of account {account.account_id}; pick one of its bills")
    return bill, account


def open_case_on(session: Session, bill_no: str) -> str | None:
    return session.scalar(select(Case.case_id).where(Case.bill_no == bill_no, Case.closed_at.is_(None)))


def bill_worksheet(session: Session, actor_id: str, account_id: str, bill_no: str) -> Worksheet:
    """The revision screen opened from an account for an officer's own revision case."""
    actor = active_staff(session, actor_id)
    bill, account = bill_of_account(session, actor_id, account_id, bill_no)
    note = ""
    open_case = open_case_on(session, bill.bill_no)
    if actor.role not in rules().makers:
        note = f"{actor.role} does not open revision cases; a clerk, SDO or EE does"
    elif open_case:
        note = f"bill {bill.bill_no} has an open case, request ID {open_case}; revise it from that case's To Do"
    elif bill.state == REVISED:
        note = f"bill {bill.bill_no} has been revised already; its revised bill is on the account"
    return _worksheet(session, VIEW if note else PROPOSE, note, None, None, bill, account, None)


def preview(session: Session, actor_id: str, account_id: str, bill_no: str, correction: Correction,
            bills: run.RunRequest | None = None) -> Preview:
    """The recomputed bill beside the old one (or each month of a run of bills around it), and where the
    proposal would go; nothing is written."""
    active_staff(session, actor_id)
    bill, account = bill_of_account(session, actor_id, account_id, bill_no)
    plan = run.plan(session, bill, account, correction, bills) if bills else None
    if plan is None:
        after = hold.figures(bill, account, correction)
        difference = after.amount_paise - bill.amount_paise
        reversed_lps = lps_of(bill, after.amount_paise)
    else:
        after, difference, reversed_lps = plan.lead.after, plan.difference_paise, run.lps_of_plan(session, plan)
    return Preview(figures_of(bill), after, difference,
                   powers.route(session, difference, account.subdivision_code, actor_id), reversed_lps,
                   balance_change(difference, reversed_lps), bill.due_date, rules().revised_due_days,
                   flags_of(after), plan.months if plan else (), plan.basis if plan else None)
