"""Who may approve a bill revision: financial powers by role (data/powers.toml), in the right office.

A proposal goes to the lowest role whose power covers the revision's absolute difference, in the
office at that role's level above the account (SDO: the sub-division, EE: the division, ... DIRC: the
discom). A role is passed over when nobody but the maker holds it there, so a proposal never waits for
the one person who may not approve it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from .. import config, money, offices
from ..errors import Denied, Invalid
from ..models import Office, Staff
from .rules import Approver, approvers


@dataclass(frozen=True)
class Route:
    role: str
    role_description: str
    office_code: str
    office_name: str

    @property
    def text(self) -> str:
        return f"{self.role} {self.office_code}"


def power_of(role: str) -> Approver | None:
    for approver in approvers():
        if approver.role == role:
            return approver
    return None


def covers(approver: Approver, amount_paise: int) -> bool:
    return approver.up_to_paise is None or abs(amount_paise) <= approver.up_to_paise


def limit_text(approver: Approver) -> str:
    return "any amount" if approver.up_to_paise is None else f"up to {money.rupees(approver.up_to_paise)}"


def route(session: Session, amount_paise: int, subdivision_code: str, maker_id: str) -> Route:
    """Where a proposal of this difference on an account of `subdivision_code` goes for approval."""
    home = offices.get(session, subdivision_code)
    for approver in approvers():
        if not covers(approver, amount_paise):
            continue
        office = offices.ancestor_at(session, home, approver.level)
        someone_else = session.scalar(
            select(Staff.user_id)
            .where(Staff.role == approver.role, Staff.office_code == office.code, Staff.active, Staff.user_id != maker_id)
            .limit(1)
        )
        if someone_else is not None:
            return Route(approver.role, config.roles()[approver.role].description, office.code, office.name)
    raise Invalid(
        "amount",
        f"no officer other than {maker_id} may approve a revision of {money.rupees(abs(amount_paise))} "
        f"for {subdivision_code}; ask the administrator to post an approver",
    )


def power_refusal(role: str, amount_paise: int) -> Denied | None:
    """Why `role` may not approve a revision of this difference anywhere, or None."""
    approver = power_of(role)
    if approver is None:
        return Denied("approver", f"{role} has no power to approve bill revisions (see powers.toml)")
    if not covers(approver, amount_paise):
        return Denied(
            "approver",
            f"{role} may approve revisions {limit_text(approver)}; this one is {money.rupees(abs(amount_paise))} "
            "and waits for a higher officer",
        )
    return None


def check_checker(session: Session, checker: Staff, *, maker_id: str, amount_paise: int, office_code: str) -> None:
    """Refuse a checker who made the proposal, whose power does not cover it, or whose offices do not
    include the account's."""
    if checker.user_id == maker_id:
        raise Denied("approver", f"{checker.user_id} proposed this revision; another officer must decide it")
    refusal = power_refusal(checker.role, amount_paise)
    if refusal is not None:
        raise refusal
    if not offices.in_scope(session, checker, office_code):
        office = session.get(Office, office_code)
        raise Denied("approver", f"{office_code} {office.name if office else ''} is outside {checker.user_id}'s offices".rstrip())
