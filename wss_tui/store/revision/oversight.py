"""Oversight of approved revisions: Director (Commercial) review of large ones, and the divisional
accountant's audit sample.

The sample is reproducible: whether revision N is drawn comes from SHA-256 of the salt and N alone,
so an auditor holding the salt re-derives the whole sample from the revision IDs and amounts, and
staff without it cannot foresee which revision will be drawn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from .. import clock, config, marks, money, offices, timefmt, work_todos
from ..models import BillRevision, Staff
from .rules import AUDIT, REVIEW, audit_salt, own_salt_refusal, rules

_SCALE = 2**64


@dataclass(frozen=True)
class Oversight:
    review_todo_id: str | None
    review_due_at: datetime | None
    audit_sampled: bool
    audit_todo_id: str | None


def audit_draw(revision_id: int, salt: str | None = None) -> float:
    """A number in [0, 1) fixed by the revision ID and the salt."""
    digest = hashlib.sha256(f"{salt if salt is not None else audit_salt()}:{revision_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def audit_rate(amount_paise: int) -> float:
    """The share of revisions of this absolute difference that are audited."""
    amount = abs(amount_paise)
    for band in rules().audit_bands:
        if band.up_to_paise is None or amount <= band.up_to_paise:
            return band.rate
    return 1.0  # unreachable: the last band is open (revision_rules checks it)


def is_sampled(revision_id: int, amount_paise: int, salt: str | None = None) -> bool:
    return audit_draw(revision_id, salt) < audit_rate(amount_paise)


def needs_review(amount_paise: int) -> bool:
    return abs(amount_paise) >= rules().review_from_paise


def salt_for(session: Session) -> str:
    """The audit salt for this database: the shipped one only in the demo's; an office's own otherwise."""
    if marks.is_demo(session.connection()):
        return audit_salt()
    refusal = own_salt_refusal()
    if refusal is not None:
        raise refusal
    return audit_salt()


def check_salt_for_upgrade(engine) -> None:
    """`wss db upgrade` on a database holding an office's data refuses the demo's salt (or none)."""
    if marks.non_demo_data(engine) is None:
        return  # fresh, or the demo's own: nothing real to protect yet
    refusal = own_salt_refusal()
    if refusal is not None:
        raise refusal


def reviewer_role(checker_role: str) -> str:
    """Who reviews a decision of `checker_role`: the review role, or the next authority when the review
    role (or one above it) decided, so a Director never reviews his own approval."""
    r = rules()
    checker_rank, review_rank = config.rank(checker_role), config.rank(r.review_role)
    if checker_rank is not None and review_rank is not None and checker_rank >= review_rank:
        return r.review_next_role
    return r.review_role


def apply(session: Session, revision: BillRevision, checker_id: str) -> Oversight:
    """The review To Do and the audit sample of a revision just approved, in the caller's unit of work."""
    r = rules()
    home = offices.get(session, revision.office_code)
    chars = [("CASE", revision.case_id), ("ACCOUNT", revision.account_id), ("BILL", revision.bill_no),
             ("REVISION", str(revision.revision_id))]
    amount = money.rupees(revision.difference_paise)
    review_todo = review_due = None
    if needs_review(revision.difference_paise):
        review_due = clock.now() + timedelta(days=r.review_due_days)
        review_todo = work_todos.create(
            session,
            todo_type=REVIEW,
            role=reviewer_role(session.get(Staff, checker_id).role),
            office_code=offices.ancestor_at(session, home, "discom").code,
            message=f"Review bill revision {revision.revision_id} of {amount} by {checker_id} "
            f"(A/c {revision.account_id}), due {timefmt.show_date(review_due)}",
            priority=r.review_priority,
            case_id=revision.case_id,
            account_id=revision.account_id,
            chars=chars,
            user_id=checker_id,
        )
    sampled = is_sampled(revision.revision_id, revision.difference_paise, salt_for(session))
    audit_todo = None
    if sampled:
        audit_todo = work_todos.create(
            session,
            todo_type=AUDIT,
            role=r.audit_role,
            office_code=offices.ancestor_at(session, home, "division").code,
            message=f"Audit sampled bill revision {revision.revision_id} of {amount} (A/c {revision.account_id})",
            priority=r.audit_priority,
            case_id=revision.case_id,
            account_id=revision.account_id,
            chars=chars,
            user_id=checker_id,
        )
    return Oversight(review_todo, review_due, sampled, audit_todo)
