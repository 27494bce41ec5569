"""Bills on hold (memorandum point 7): a bill held back before the consumer is asked to pay it, then
corrected, or released as billed, through the same maker-checker path as any revision.

How a bill comes to be HELD:
- the billing system's extract says so (store/importing/: CC&B `BILL_STAT_FLG` H, mPower `BILL_STATUS`
  HELD), or
- an officer of a role in data/revision.toml `[hold] roles` puts an ISSUED bill of their own offices
  on hold with a reason (`hold()`: `wss bill hold`, `H` on the account screen). Only the account's
  latest bill (an earlier one is carried in a later bill's arrear), and not one that is paid, revised,
  already held, or has an open case (a complaint is revised from its own To Do).

How it is released: an officer opens a `bill-on-hold` case on it from the account (`v`; the only kind of
case a held bill takes, and a held bill takes no complaint). The proposal corrects its figures (e.g. an
assessed bill to the actual reading) or, under reason HOLD alone, changes nothing ("release as billed").
Its approval (proposals.approve) issues the released bill under a new number (`…R1`, due
`revised_due_days` after approval, as every revised bill) and marks the held bill REVISED: superseded by
the bill beside it, as every revised bill is, so every rule that refuses to revise a superseded bill
holds for it unchanged; the revision (reason HOLD, or the correction's) and this module's RELEASE
record say it was a release. An officer's case has no complainant: no consumer clock, compensation or
SMS (sla.py, proposals._tell_consumer).

The balance. A held bill was never issued, so its own charges (fixed + energy + duty: the amount less
the arrear, which is earlier bills' and on the balance already) are NOT on the account's balances:
- the billing system's balance in the accounts extract leaves an imported held bill out;
- putting an issued bill on hold takes its own charges off both balances (`hold()`);
- releasing posts the released bill's own charges plus any change in its arrear, which is the released
  amount less the held bill's arrear (`posted_on_release`).
So a held bill released as billed leaves the balance as it was before the hold, a corrected one moves
it by the difference, exactly as a revision of an issued bill would, and after the release the
balance is what the consumer owes: the earlier arrear plus the released bill's own charges.

Worked by hand (tests/test_hold.py): balance Rs 2,000.00 of which Rs 800.00 is the arrear; an issued
bill of Rs 1,200.00 (arrear 800.00, own charges 400.00) put on hold: balance 1,600.00. Released as
billed: balance 2,000.00. Corrected instead to own charges of 250.00: balance 1,600.00 + 250.00 =
1,850.00 (= 2,000.00 + the difference, -150.00).

Each hold and release is a row of `bill_hold` (who, when, why, what was posted), append-only, shown
with the bill (`wss account show`) and in the history of the release's case (`wss request history`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from .. import accounts, clock, money, timefmt
from .. import text as text_rule
from ..codes import BillState, HoldAction
from ..errors import Denied, Invalid, NotFound
from ..models import Account, Bill, BillHold, BillRevision, Case, Staff
from .calc import BillFigures, Correction, check_reason, figures_of, recompute
from .rules import HOLD_REASON, rules

HELD, ISSUED, PAID, REVISED = BillState.HELD, BillState.ISSUED, BillState.PAID, BillState.REVISED
HOLD_CASE = "bill-on-hold"  # data/revision.toml [officer_case.bill-on-hold]
MAX_REASON = 500


@dataclass(frozen=True)
class HoldEntry:
    """One step of a bill's hold record."""

    bill_no: str
    account_id: str
    action: str  # codes.HoldAction
    at: datetime
    user_id: str
    reason: str
    balance_paise: int  # posted to the account's balances by this step
    case_id: str | None
    revision_id: int | None
    new_bill_no: str | None


def own_charges(bill: Bill | BillFigures) -> int:
    """What a bill adds to the balance by itself: its amount less the arrear (earlier bills')."""
    return bill.amount_paise - bill.arrear_paise


def _entry(row: BillHold) -> HoldEntry:
    return HoldEntry(row.bill_no, row.account_id, row.action, row.at, row.user_id, row.reason, row.balance_paise,
                     row.case_id, row.revision_id, row.new_bill_no)


def _post(session: Session, account_id: str, paise: int) -> None:
    # Added in SQL, not read-and-written here, so a payment posted at the same moment is not lost.
    session.execute(
        update(Account)
        .where(Account.account_id == account_id)
        .values(current_balance_paise=Account.current_balance_paise + paise,
                payoff_balance_paise=Account.payoff_balance_paise + paise)
    )


def _bill_in_scope(session: Session, actor_id: str, bill_no: str) -> tuple[Bill, Account, Staff]:
    bill_no = "".join((bill_no or "").split())
    if not bill_no:
        raise Invalid("bill", "give the bill number to hold")
    bill = session.get(Bill, bill_no)
    if bill is None:
        raise NotFound("bill", f"no bill {bill_no}; check the bill number")
    account = session.get(Account, bill.account_id)
    try:
        actor = accounts.require_in_scope(session, actor_id, account)
    except NotFound:  # out of scope looks exactly like unknown
        raise NotFound("bill", f"no bill {bill_no}; check the bill number") from None
    return bill, account, actor


def _last_hold(session: Session, bill_no: str) -> BillHold | None:
    return session.scalar(select(BillHold).where(BillHold.bill_no == bill_no, BillHold.action == HoldAction.HOLD)
                          .order_by(BillHold.id.desc()).limit(1))


def held_line(session: Session, bill: Bill) -> str:
    last = _last_hold(session, bill.bill_no)
    if last is None:
        return f"bill {bill.bill_no} is on hold in the billing system's extract"
    return f"bill {bill.bill_no} was put on hold by {last.user_id} on {timefmt.show(last.at)}"


def may_hold(role: str) -> bool:
    """Whether `role` puts bills on hold at all (data/revision.toml): the account screen offers the key
    to those roles only."""
    return role in rules().hold_roles


def hold_refusal(session: Session, actor: Staff, bill: Bill) -> Invalid | Denied | None:
    """Why `actor` may not put this bill on hold now, or None."""
    from .sheet import open_case_on  # sheet imports the revision package's reading side; this stays light

    if not may_hold(actor.role):
        return Denied("role", f"{actor.role} does not put bills on hold; {' or '.join(rules().hold_roles)} does")
    if bill.state == HELD:
        return Invalid("bill", held_line(session, bill) + "; release it through a bill-on-hold case")
    if bill.state == REVISED:
        return Invalid("bill", f"bill {bill.bill_no} has been revised already; its revised bill is on the account")
    if bill.state == PAID:
        return Invalid("bill", f"bill {bill.bill_no} is paid; a paid bill is not held — revise it if it is wrong")
    open_case = open_case_on(session, bill.bill_no)
    if open_case:
        return Invalid("bill", f"bill {bill.bill_no} has an open case, request ID {open_case}; "
                               "revise it from that case's To Do")
    if bill.state != ISSUED:
        return Invalid("bill", f"bill {bill.bill_no} is {bill.state}; only an issued bill is put on hold")
    later = session.execute(
        select(Bill.bill_no, Bill.bill_month)
        .where(Bill.account_id == bill.account_id, Bill.bill_month > bill.bill_month)
        .order_by(Bill.bill_month).limit(1)
    ).first()
    if later is not None:  # its amount is in that bill's arrear: the consumer has been asked for it since
        return Invalid("bill", f"bill {bill.bill_no} is followed by bill {later.bill_no} of "
                               f"{timefmt.show_month(later.bill_month)}, which carries it; only the latest bill is "
                               "held — revise this one instead")
    return None


@dataclass(frozen=True)
class HoldCheck:
    """Whether the actor may hold the bill now (the account screen asks before it asks for a reason)."""

    bill_no: str
    refusal: str  # the one line saying why not, or ""
    own_charges_paise: int  # what the hold would take off the balance


def check(session: Session, actor_id: str, bill_no: str) -> HoldCheck:
    try:
        bill, _, actor = _bill_in_scope(session, actor_id, bill_no)
    except (NotFound, Denied, Invalid) as exc:
        return HoldCheck(bill_no, str(exc), 0)
    refusal = hold_refusal(session, actor, bill)
    return HoldCheck(bill.bill_no, str(refusal) if refusal else "", own_charges(bill))


def hold(session: Session, actor_id: str, bill_no: str, reason: str) -> HoldEntry:
    """An officer puts an issued, unpaid bill on hold with a reason: the bill HELD, its own charges
    taken off the account's balances, the step recorded; all in the caller's unit of work."""
    reason = text_rule.typed("reason", reason, minimum=rules().hold_min_reason_chars, maximum=MAX_REASON,
                             too_short="say why the bill is held, in at least {minimum} characters", name="the reason")
    bill, account, actor = _bill_in_scope(session, actor_id, bill_no)
    refusal = hold_refusal(session, actor, bill)
    if refusal is not None:
        raise refusal
    # Conditional, so two officers (or a complaint registered at the same moment) cannot both act on it.
    held = session.execute(
        update(Bill).where(Bill.bill_no == bill.bill_no, Bill.state == ISSUED).values(state=HELD)
        .returning(Bill.bill_no)
    ).first()
    if held is None:
        raise Invalid("bill", f"bill {bill.bill_no} changed just now; look at it again")
    session.expire(bill)
    charges = own_charges(bill)
    _post(session, account.account_id, -charges)
    row = BillHold(bill_no=bill.bill_no, account_id=account.account_id, office_code=account.subdivision_code,
                   action=HoldAction.HOLD, at=clock.now(), user_id=actor.user_id, reason=reason,
                   balance_paise=-charges)
    session.add(row)
    session.flush()
    return _entry(row)


def record(session: Session, bill_nos: list[str]) -> dict[str, list[HoldEntry]]:
    """The hold record of these bills (a page of an account's bills), oldest step first."""
    if not bill_nos:
        return {}
    found: dict[str, list[HoldEntry]] = {}
    rows = select(BillHold).where(BillHold.bill_no.in_(bill_nos)).order_by(BillHold.id)
    for row in session.execute(rows).scalars():
        found.setdefault(row.bill_no, []).append(_entry(row))
    return found


def of_case(session: Session, case: Case) -> list[HoldEntry]:
    """The hold record of a case's bill: its hold (before the case) and its release (by it)."""
    return record(session, [case.bill_no]).get(case.bill_no, []) if case.bill_no else []


# --- the release (proposals.py calls these) -------------------------------------------------------


def case_kind_refusal(bill: Bill, kind: str) -> Invalid | None:
    """A held bill takes a bill-on-hold case and nothing else; a bill-on-hold case takes a held bill."""
    if bill.state == HELD and kind != HOLD_CASE:
        return Invalid("case", f"bill {bill.bill_no} is on hold; open a {HOLD_CASE} case to correct and release it")
    if bill.state != HELD and kind == HOLD_CASE:
        return Invalid("case", f"bill {bill.bill_no} is not on hold ({bill.state}); put it on hold first, or choose "
                               "another kind of case")
    return None


def complaint_refusal(bill: Bill) -> Invalid | None:
    """A consumer's complaint does not revise a held bill (it takes none; this guards older data)."""
    if bill.state == HELD:
        return Invalid("bill", f"bill {bill.bill_no} is on hold; correct and release it through a {HOLD_CASE} case "
                               "(from the account, v), not a complaint")
    return None


def releases_as_billed(bill_state: str, correction: Correction) -> bool:
    """A held bill under reason HOLD with nothing corrected: released as billed (the one proposal that
    may change nothing; the revision screen previews it too)."""
    return bill_state == HELD and correction.reason_code == HOLD_REASON and not correction.changes_anything


def figures(bill: Bill, account: Account, correction: Correction) -> BillFigures:
    """The proposed bill: recomputed as any revision, except that a held bill under reason HOLD may be
    released as billed (no correction at all)."""
    if releases_as_billed(bill.state, correction):
        check_reason(correction)
        return figures_of(bill)
    if correction.reason_code == HOLD_REASON and bill.state != HELD:
        raise Invalid("reason", f"reason {HOLD_REASON} is for a bill on hold; bill {bill.bill_no} is {bill.state}")
    return recompute(bill, account, correction)


def posted_on_release(held: Bill | BillFigures, released: BillRevision | BillFigures) -> int:
    """What the release posts to the balances: the released amount less the held bill's arrear."""
    return released.amount_paise - held.arrear_paise


def release(session: Session, held: Bill, rev: BillRevision, actor_id: str, new_bill_no: str, at: datetime) -> int:
    """Post the release of a held bill and record it; returns what was posted. The caller has issued
    the released bill and marked the held one REVISED (proposals.approve)."""
    posted = posted_on_release(held, rev)
    _post(session, rev.account_id, posted)
    how = "as billed" if rev.reason_code == HOLD_REASON and rev.difference_paise == 0 else "corrected"
    session.add(BillHold(bill_no=held.bill_no, account_id=rev.account_id, office_code=rev.office_code,
                         action=HoldAction.RELEASE, at=at, user_id=actor_id,
                         reason=f"released {how} as bill {new_bill_no} ({money.rupees(rev.amount_paise)}), "
                                f"revision {rev.revision_id}",
                         balance_paise=posted, case_id=rev.case_id, revision_id=rev.revision_id,
                         new_bill_no=new_bill_no))
    return posted
