"""Bill revision, maker and checker: the maker proposes a recomputed bill from the complaint's To Do
(or opens an officer's own revision case from an account); the proposal goes to the lowest officer
whose financial power covers it (store/revision/powers.py); that checker, never the maker, approves or rejects.

Approving posts everything in the caller's one unit of work: the old bill marked REVISED and kept,
the revised bill recorded beside it, the difference posted to the account's balances, the To Dos and
logs, the oversight (store/revision/oversight.py). A failure anywhere leaves none of it.

A bill on hold (store/revision/hold.py) is released the same way, by a bill-on-hold case: its approval
issues the released bill and posts the released amount less the held bill's arrear, since a held
bill's own charges were never on the balance (hold.py says why, with the figures).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import cases, clock, config, ids, locking, money, pending_days, routing, sms, timefmt, todos, work_todos
from .. import text as text_rule
from ..codes import BillState
from ..errors import Denied, Invalid, Stale
from ..models import (
    APPROVED,
    BEING_WORKED_ON,
    COMPLETE,
    OPEN,
    PROPOSED,
    REJECTED,
    Account,
    Bill,
    BillRevision,
    Case,
    CaseLog,
    Staff,
    ToDo,
)
from . import hold, oversight, powers, run
from .calc import Correction, check_remark, describe, figures_of, with_revised_figures

# The screens read and act through this one module.
from .rules import APPROVAL, OFFICER_CASE, rules
from .sheet import (
    REVISED,
    REVISION_TODO_TYPES,
    RevisionInfo,
    active_staff,
    after_of,
    bill_of_account,
    case_and_bill,
    flags_of,
    info,
    lps_of,
    open_case_on,
    proposal_refusal,
    revised_due_date,
    revision_of_todo,
    standing,
    today,
)
from .terms import balance_change

ISSUED = BillState.ISSUED
BILL_NO_CHARS = 14
MAX_NOTE = 500

# --- the maker ------------------------------------------------------------------------------------


def _same_version(detail: todos.TodoDetail, version: int) -> None:
    if detail.version != version:
        raise Stale("", f"To Do {detail.todo_id} was changed since you opened it; reloaded — look again and retry")


def propose(session: Session, actor_id: str, todo_id: str, version: int, correction: Correction,
            bills: run.RunRequest | None = None) -> RevisionInfo:
    """The maker's proposal on the complaint's To Do they are working: of the case's bill, or of a run of
    consecutive bills around it (`bills`, store/revision/run.py) for one approval."""
    actor = active_staff(session, actor_id)
    detail = todos.get(session, actor_id, todo_id)
    _same_version(detail, version)
    if detail.todo_type in REVISION_TODO_TYPES:
        raise Invalid("To Do", f"To Do {detail.todo_id} is about a revision itself; propose from the case's own To Do")
    locking.cases(session.connection(), [dict(detail.keys).get("Case ID")])  # before its To Dos: store/locking.py
    case, bill, account = case_and_bill(session, detail)
    refusal = proposal_refusal(session, actor, detail, case, bill)
    if refusal is not None:
        raise refusal
    plan = run.plan(session, bill, account, correction, bills or run.RunRequest())
    return _propose(session, actor, detail.todo_id, version, case, bill, account, correction, plan)


def _propose(session, actor: Staff, todo_id: str, version: int, case: Case, bill: Bill, account: Account,
             correction: Correction, plan: run.Plan | None = None) -> RevisionInfo:
    after = hold.figures(bill, account, correction) if plan is None else plan.lead.after
    check_remark(correction)
    before = figures_of(bill)
    # A run goes for approval, and is posted, at its total.
    difference = after.amount_paise - before.amount_paise if plan is None else plan.difference_paise
    route = powers.route(session, difference, account.subdivision_code, actor.user_id)
    now = clock.now()
    reversed_lps = lps_of(bill, after.amount_paise, on=today()) if plan is None else run.lps_of_plan(session, plan)
    rev = BillRevision(
        case_id=case.case_id, bill_no=bill.bill_no, account_id=account.account_id,
        office_code=account.subdivision_code, status=PROPOSED, reason_code=correction.reason_code,
        remark=correction.remark.strip(), amount_before_paise=before.amount_paise, basis=after.basis,
        prev_reading=after.prev_reading, curr_reading=after.curr_reading,
        multiplying_factor=after.multiplying_factor, units=after.units, tariff_category=after.tariff_category,
        sanctioned_load_kw=after.load_kw, days=after.days, fixed_charge_paise=after.fixed_paise,
        energy_charge_paise=after.energy_paise, duty_paise=after.duty_paise, arrear_paise=after.arrear_paise,
        amount_paise=after.amount_paise, difference_paise=difference, maker_id=actor.user_id, proposed_at=now,
        source_todo_id=todo_id, approver_role=route.role, approver_office=route.office_code,
        old_final_reading=after.old_final_reading, old_multiplying_factor=after.old_multiplying_factor,
        new_initial_reading=after.new_initial_reading, rollover_digits=after.rollover_digits,
        lps_percent=reversed_lps.percent, lps_months=reversed_lps.months, lps_paise=reversed_lps.paise,
    )
    # In a savepoint: if another maker's proposal on this case committed since our check, the partial
    # unique index refuses this one and we can say so in a line.
    try:
        with session.begin_nested():
            session.add(rev)
            if plan is not None:
                session.flush()
                run.record(session, rev, plan)
    except IntegrityError as exc:
        if "uq_bill_revision_pending_case" not in str(exc.orig) and "bill_revision.case_id" not in str(exc.orig):
            raise
        raise Invalid("revision", f"another revision of case {case.case_id} was proposed just now; reload and look") from None
    amount = money.rupees(difference)
    bills_text = f"bill {bill.bill_no}" if plan is None else f"{len(plan.months)} bills from {plan.months[0].bill_no}"
    flags = flags_of(after)
    lps_part = f", LPS {money.rupees(-reversed_lps.paise)}" if reversed_lps.paise else ""
    rev.approval_todo_id = work_todos.create(
        session,
        todo_type=APPROVAL,
        role=route.role,
        office_code=route.office_code,
        message=f"Approve bill revision {rev.revision_id} of {amount}{lps_part} on {bills_text} "
        f"(A/c {account.account_id}), proposed by {actor.user_id}" + "".join(f"; {f}" for f in flags),
        priority=rules().approval_priority,
        case_id=case.case_id,
        account_id=account.account_id,
        chars=[("CASE", case.case_id), ("ACCOUNT", account.account_id), ("BILL", bill.bill_no),
               ("REVISION", str(rev.revision_id))],
        user_id=actor.user_id,
        approval=routing.Approval(actor.user_id, difference, account.subdivision_code),
    )
    session.add(rev)
    changes = describe(before, after) if plan is None else plan.describe()
    session.add(
        CaseLog(
            case_id=case.case_id, at=now, log_type="Revision Proposed", user_id=actor.user_id,
            details=f"Revision {rev.revision_id} proposed by {actor.user_id} ({correction.reason_code} "
            f"{rules().reasons[correction.reason_code]}): {changes}; difference {amount}; {reversed_lps.text}"
            f" as of today; balance change {money.rupees(balance_change(difference, reversed_lps))}; "
            f"sent to {route.text} for approval" + "".join(f"; {f}" for f in flags) + f". Remark: {rev.remark}",
        )
    )
    cases.change_status(session, case, cases.REVISION_REQUIRED, user_id=actor.user_id,
                        details=f"revision {rev.revision_id} proposed")
    todos.add_log(session, actor.user_id, todo_id, version,
                  f"Revision {rev.revision_id} proposed ({amount}): {changes}; sent to {route.text} for approval")
    session.flush()
    return info(session, rev)


def open_officer_case(session: Session, actor_id: str, account_id: str, bill_no: str, kind: str,
                      correction: Correction, bills: run.RunRequest | None = None) -> RevisionInfo:
    """An officer's own revision case (meter replacement, bill on hold) on an account with no consumer
    complaint, with its first proposal: the case, the officer's To Do and the proposal in one go; of the
    bill, or of a run of consecutive bills around it (`bills`), as a complaint's proposal may be."""
    actor = active_staff(session, actor_id)
    if actor.role not in rules().makers:
        raise Denied("role", f"{actor.role} does not open revision cases; a clerk, SDO or EE does")
    kinds = rules().officer_cases
    if kind not in kinds:
        raise Invalid("case", f"choose the kind of case: {', '.join(kinds)}")
    bill, account = bill_of_account(session, actor_id, account_id, bill_no)
    open_case = open_case_on(session, bill.bill_no)
    if open_case:
        raise Invalid("bill", f"bill {bill.bill_no} has an open case, request ID {open_case}; revise it from that case's To Do")
    if bill.state == REVISED:
        raise Invalid("bill", f"bill {bill.bill_no} has been revised already; its revised bill is on the account")
    refusal = hold.case_kind_refusal(bill, kind)
    if refusal is not None:
        raise refusal
    # Bad input refused before any row is written.
    plan = run.plan(session, bill, account, correction, bills or run.RunRequest())
    after = hold.figures(bill, account, correction) if plan is None else plan.lead.after
    check_remark(correction)
    difference = after.amount_paise - bill.amount_paise if plan is None else plan.difference_paise
    powers.route(session, difference, account.subdivision_code, actor.user_id)

    spec = kinds[kind]
    now = clock.now()
    case_id = ids.new_case_id(session)
    case = Case(
        case_id=case_id, request_type=kind, case_type=spec.case_type, channel=cases.OFFICER_CHANNEL,
        account_id=account.account_id, bill_no=bill.bill_no, reason=correction.remark.strip(),
        status=cases.REVISION_REQUIRED, created_at=now, created_by=actor.user_id,
        # No consumer waits on it: due_at holds the office's own target (revision.toml target_days), which
        # no SLA figure, compensation, escalation or SMS counts (sla.consumer_clock).
        due_at=now + timedelta(days=spec.target_days),
        office_code=account.subdivision_code,
    )
    try:
        with session.begin_nested():
            session.add(case)
    except IntegrityError:
        raise Invalid("bill", f"bill {bill.bill_no} got an open case just now; revise it from that case's To Do") from None
    pending_days.opened(session.connection(), case)
    session.add(
        CaseLog(case_id=case_id, at=now, log_type="Created", user_id=actor.user_id,
                details=f"{spec.case_type} opened by {actor.user_id} ({actor.role}) from the account; no consumer complaint")
    )
    todo_id = work_todos.create(
        session,
        todo_type=OFFICER_CASE,
        role=actor.role,
        office_code=account.subdivision_code,
        message=f"{spec.case_type} ({account.account_id}, {bill.bill_no})",
        priority=rules().approval_priority,
        case_id=case_id,
        account_id=account.account_id,
        chars=[("CASE", case_id), ("ACCOUNT", account.account_id), ("BILL", bill.bill_no)],
        user_id=actor.user_id,
        assigned_to=actor.user_id,
    )
    return _propose(session, actor, todo_id, 1, case, bill, account, correction, plan)


# --- the checker ------------------------------------------------------------------------------------


def _decision_start(session: Session, actor_id: str, todo_id: str, version: int):
    detail = todos.get(session, actor_id, todo_id)
    if detail.todo_type != APPROVAL:
        raise Invalid("To Do", f"To Do {detail.todo_id} is not a revision approval; open the approval To Do")
    # The case, then the approval and the maker's To Do in ID order (store/locking.py): a decision
    # writes both, and the sweep raising them takes the same locks in the same order.
    conn = session.connection()
    locking.cases(conn, [dict(detail.keys).get("Case ID")])
    rev = revision_of_todo(session, detail)
    locking.todos(conn, [detail.todo_id, rev.source_todo_id])
    _same_version(detail, version)
    if rev.status != PROPOSED:
        raise Invalid("revision", standing(rev))
    actor = active_staff(session, actor_id)
    powers.check_checker(session, actor, maker_id=rev.maker_id, amount_paise=rev.difference_paise, office_code=rev.office_code)
    case = session.get(Case, rev.case_id)
    if case.closed_at is not None:
        raise Invalid("case", f"case {case.case_id} was closed on {timefmt.show(case.closed_at)}; reject the revision")
    return actor, detail, rev, case


def _finish_approval_todo(session: Session, actor_id: str, detail: todos.TodoDetail, comment: str) -> None:
    version = detail.version
    if detail.status == OPEN:
        version = todos.take(session, actor_id, detail.todo_id, version).version
    todos.complete(session, actor_id, detail.todo_id, version, comment)


def _new_bill_no(session: Session, bill_no: str) -> str:
    """The revised bill's number: the old one with R1, R2 … where it fits, else a fresh 12 digits."""
    base = bill_no.split("R")[0]
    k = 1
    while len(candidate := f"{base}R{k}") <= BILL_NO_CHARS:
        if session.get(Bill, candidate) is None:
            return candidate
        k += 1
    while True:
        candidate = f"{secrets.randbelow(9 * 10**11) + 10**11}"
        if session.get(Bill, candidate) is None:
            return candidate


def approve(session: Session, actor_id: str, todo_id: str, version: int, note: str = "") -> RevisionInfo:
    """The checker approves: revised bill recorded, old one kept as REVISED, balance adjusted, oversight."""
    note = text_rule.typed("note", note, maximum=MAX_NOTE, name="the note")
    actor, detail, rev, case = _decision_start(session, actor_id, todo_id, version)
    bill = session.get(Bill, rev.bill_no)
    if bill.state == REVISED or bill.amount_paise != rev.amount_before_paise:
        raise Stale("bill", f"bill {bill.bill_no} changed since revision {rev.revision_id} was proposed; reject it so the maker proposes again")
    now = clock.now()
    amount = money.rupees(rev.difference_paise)
    _finish_approval_todo(session, actor.user_id, detail, f"Approved revision {rev.revision_id} ({amount})" + (f": {note}" if note else ""))

    new_bill_no = _new_bill_no(session, bill.bill_no)
    revised = with_revised_figures(bill, after_of(rev))
    # The consumer gets time to pay the corrected amount: a new due date counted from the approval.
    revised["due_date"] = revised_due_date(today())
    # The surcharge charged on what the revision takes off, up to today, at the percent proposed with.
    percent = rev.lps_percent if rev.lps_percent is not None else 0.0
    reversed_lps = lps_of(bill, rev.amount_paise, percent) if rev.run_basis is None else run.lps_of_run(session, rev, percent)
    rev.lps_percent, rev.lps_months, rev.lps_paise = reversed_lps.percent, reversed_lps.months, reversed_lps.paise
    session.add(Bill(bill_no=new_bill_no, state=ISSUED, **revised))
    was_held = bill.state == hold.HELD
    bill.state = REVISED
    session.add(bill)
    session.flush()
    ran = run.post(session, rev, new_bill_no, revised["due_date"], _new_bill_no)  # the run's other bills, if any
    if was_held:  # its own charges were never on the balance: the released bill's go on now
        posted = hold.release(session, bill, rev, actor.user_id, new_bill_no, now)
    else:
        posted = balance_change(rev.difference_paise, reversed_lps)
        # Added in SQL, not read-and-written here, so a payment posted at the same moment is not lost.
        session.execute(
            update(Account)
            .where(Account.account_id == rev.account_id)
            .values(
                current_balance_paise=Account.current_balance_paise + posted,
                payoff_balance_paise=Account.payoff_balance_paise + posted,
            )
        )
    rev.status, rev.checker_id, rev.decided_at, rev.decision_note = APPROVED, actor.user_id, now, note
    rev.new_bill_no = new_bill_no
    seen = oversight.apply(session, rev, actor.user_id)
    rev.review_todo_id, rev.review_due_at = seen.review_todo_id, seen.review_due_at
    rev.audit_sampled, rev.audit_todo_id = seen.audit_sampled, seen.audit_todo_id
    session.add(rev)
    extra = []
    if seen.review_todo_id:
        reviewer = config.role_title(oversight.reviewer_role(actor.role))
        extra.append(f"sent for {reviewer} review by {timefmt.show_date(seen.review_due_at)}")
    if seen.audit_sampled:
        extra.append("drawn for audit")
    session.add(
        CaseLog(
            case_id=case.case_id, at=now, log_type="Revision Approved", user_id=actor.user_id,
            details=f"Revision {rev.revision_id} approved by {actor.user_id}: bill {bill.bill_no} revised as "
            f"{new_bill_no} ({money.rupees(rev.amount_paise)}, due {timefmt.show_date(revised['due_date'])}){ran}"
            + (" released from hold" if was_held else f"; difference {amount}; {reversed_lps.text}")
            + f"; {money.rupees(posted)} posted to the account"
            + ("; " + ", ".join(extra) if extra else "") + (f". Note: {note}" if note else ""),
        )
    )
    _tell_approved(session, case, rev, timefmt.show_date(revised["due_date"]))
    work_todos.note(
        session, rev.source_todo_id, "User Details",
        f"Revision {rev.revision_id} approved by {actor.user_id}; revised bill {new_bill_no}. "
        "Close the case with the consumer's OTP (c)",
        actor.user_id,
    )
    session.flush()
    return info(session, rev)


def _tell_approved(session: Session, case: Case, rev: BillRevision, due_date: str) -> None:
    """What to pay by when and the surcharge taken off: the revised bill's amount, or a run's total
    over its revised bills (as the screen's run summary adds them)."""
    waived = _rupees(rev.lps_paise or 0)
    months = run.months_of(session, rev)
    if not months:
        _tell_consumer(session, case, "revision_approved", bill_no=rev.new_bill_no, amount=_rupees(rev.amount_paise),
                       lps=waived, due_date=due_date)
        return
    _tell_consumer(session, case, "revision_approved_run", bills=len(months),
                   first_month=timefmt.show_month(months[0].bill_month),
                   last_month=timefmt.show_month(months[-1].bill_month),
                   amount=_rupees(sum(m.after.amount_paise for m in months)), lps=waived, due_date=due_date)


def _rupees(paise: int) -> str:
    return money.rupees(paise).removesuffix("INR")


def _tell_consumer(session: Session, case: Case, template: str, **fields) -> None:
    """An SMS to the complainant about the decision, in the caller's unit of work; an officer's own
    case has nobody to tell, and an account without a registered mobile gets none."""
    if case.channel == cases.OFFICER_CHANNEL:
        return
    account = session.get(Account, case.account_id)
    if not account.mobile:
        return
    sms.queue(session, case_id=case.case_id, mobile=account.mobile, template=template, language=account.language,
              request_id=case.case_id, account_id=account.account_id, **fields)


def reject(session: Session, actor_id: str, todo_id: str, version: int, reason: str) -> RevisionInfo:
    """The checker rejects: the proposal goes back to its maker's To Do with the reason."""
    reason = text_rule.typed(
        "reason", reason, minimum=rules().min_remark_chars, maximum=MAX_NOTE, name="the reason",
        too_short="say why it is rejected, in at least {minimum} characters, so the maker can put it right")
    actor, detail, rev, case = _decision_start(session, actor_id, todo_id, version)
    now = clock.now()
    _finish_approval_todo(session, actor.user_id, detail, f"Rejected revision {rev.revision_id}: {reason}")
    rev.status, rev.checker_id, rev.decided_at, rev.decision_note = REJECTED, actor.user_id, now, reason
    session.add(rev)
    session.add(
        CaseLog(case_id=case.case_id, at=now, log_type="Revision Rejected", user_id=actor.user_id,
                details=f"Revision {rev.revision_id} rejected by {actor.user_id}: {reason}")
    )
    _tell_consumer(session, case, "revision_rejected", reason=reason)
    back = f"Revision {rev.revision_id} rejected by {actor.user_id}: {reason}"
    source_status = session.scalar(select(ToDo.status).where(ToDo.todo_id == rev.source_todo_id))
    if source_status == COMPLETE:
        work_todos.note(session, rev.source_todo_id, "User Details", back, actor.user_id)
    else:
        maker = session.get(Staff, rev.maker_id)
        work_todos.note(session, rev.source_todo_id, "Sent Back", back, actor.user_id, status=BEING_WORKED_ON,
                        assigned_to=maker.user_id, role=maker.role, sent_by=actor.user_id, last_assigned_at=now)
    session.flush()
    return info(session, rev)
