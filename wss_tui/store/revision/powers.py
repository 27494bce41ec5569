"""Who may approve a bill revision: financial powers by role (data/powers.toml), in the right office,
and always above the maker (roles.toml `seniority`).

A proposal goes to the lowest role that is senior to the maker's and whose power covers the revision's
absolute difference, in the office at that role's level above the account (SDO: the sub-division, EE:
the division, ... DIRC: the discom) — the maker's own line of offices, since a maker works only accounts
in their scope. A role is passed over when nobody holds it there, so a proposal never waits in an empty
queue. Checkers sit above makers: an EE's own revision never goes to the SDO who reports to him, and an
SDO's never to a peer SDO.
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


def senior_to(role: str, maker_role: str | None) -> bool:
    """`role` stands above `maker_role` in roles.toml's seniority order (a role outside it never does)."""
    mine, theirs = config.rank(role), config.rank(maker_role) if maker_role else None
    return mine is not None and (theirs is None or mine > theirs)


def maker_role(session: Session, maker_id: str) -> str | None:
    maker = session.get(Staff, maker_id)
    return maker.role if maker is not None else None


def route(session: Session, amount_paise: int, subdivision_code: str, maker_id: str) -> Route:
    """Where a proposal of this difference on an account of `subdivision_code` goes for approval."""
    home = offices.get(session, subdivision_code)
    below = maker_role(session, maker_id)
    for approver in approvers():
        if not covers(approver, amount_paise) or not senior_to(approver.role, below):
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
        f"no officer senior to {maker_id} may approve a revision of {money.rupees(abs(amount_paise))} "
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


def seniority_refusal(role: str, maker_id: str, maker_role_: str | None) -> Denied | None:
    """Why `role` may not check a revision its maker made as `maker_role_` (not senior to it), or None."""
    if senior_to(role, maker_role_):
        return None
    return Denied("approver", f"{role} is not senior to {maker_role_ or 'the maker'} ({maker_id}), who proposed this "
                              "revision; an officer above the maker decides it")


def check_checker(session: Session, checker: Staff, *, maker_id: str, amount_paise: int, office_code: str) -> None:
    """Refuse a checker who made the proposal, who is not senior to its maker, whose power does not
    cover it, or whose offices do not include the account's."""
    if checker.user_id == maker_id:
        raise Denied("approver", f"{checker.user_id} proposed this revision; another officer must decide it")
    refusal = power_refusal(checker.role, amount_paise) or seniority_refusal(
        checker.role, maker_id, maker_role(session, maker_id))
    if refusal is not None:
        raise refusal
    if not offices.in_scope(session, checker, office_code):
        office = session.get(Office, office_code)
        raise Denied("approver", f"{office_code} {office.name if office else ''} is outside {checker.user_id}'s offices".rstrip())
