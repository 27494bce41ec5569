"""Who may work a To Do, and who may be handed it.

A To Do type is worked by the roles `data/` configures for it (`roles` in request_types.toml,
revision.toml, escalation.toml): only they take, forward, send back, reprioritise or complete it, and
it is forwarded only to them, in its office's scope, where someone holds the role. An approval To Do is
worked only by an officer who may approve its revision (powers.check_checker: power covers the amount,
the office is theirs) and never by its maker, so a maker cannot hold, hide or delay their own approval.

Adding a log entry is anyone's in scope: a note obstructs nobody. todos.py asks these before it writes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from . import config, escalation
from .revision import powers
from .errors import Denied, Invalid
from .models import BillRevision, Office, Staff, ToDoCharacteristic
from .revision.rules import APPROVAL, approvers, rules, todo_type_description


def roles_working(todo_type: str) -> tuple[str, ...]:
    """The roles configured to work `todo_type`, in roles.toml order; () for a type data/ does not know."""
    if todo_type == APPROVAL:
        return tuple(a.role for a in approvers())
    configured = rules().todo_roles
    if todo_type in configured:
        return configured[todo_type]
    matrix = escalation.matrix()
    if todo_type == matrix.todo_type:
        return matrix.roles
    wanted = {r for rt in config.request_types().values() if rt.todo_type == todo_type for r in rt.roles}
    return tuple(code for code in config.roles() if code in wanted)


def types_worked_by(role: str) -> list[str]:
    """Every To Do type `role` works (for "assign me the next To Do")."""
    codes = {rt.todo_type for rt in config.request_types().values()}
    codes |= rules().todo_types.keys()
    codes.add(escalation.matrix().todo_type)
    return sorted(code for code in codes if role in roles_working(code))


def describe_type(code: str) -> str:
    for rtype in config.request_types().values():
        if rtype.todo_type == code:
            return rtype.todo_description
    matrix = escalation.matrix()
    if code == matrix.todo_type:
        return matrix.todo_description  # the sweep's escalation To Do (data/escalation.toml)
    return todo_type_description(code) or code  # the revision work's own types (data/revision.toml)


# --- the rules ---------------------------------------------------------------------------------------
# `row` is a To Do row as todos._load reads it: its columns and its office's `path`.


def work_refusal(session: Session, user_id: str, role: str, row) -> Denied | None:
    """Why this person may not take, forward, send back, reprioritise or complete the To Do, or None."""
    if row.todo_type == APPROVAL:
        rev = _revision(session, row)
        try:
            powers.check_checker(session, session.get(Staff, user_id), maker_id=rev.maker_id,
                                 amount_paise=rev.difference_paise, office_code=rev.office_code)
        except Denied as exc:
            return Denied("approver", f"revision {rev.revision_id} waits for {row.role} {row.office_code}; {exc.message}")
        return None
    roles = _roles(row)
    if role not in roles:
        return Denied("role", f"{role} does not work {_type_text(row.todo_type)}; {_either(roles)} "
                              f"{'does' if len(roles) == 1 else 'do'}")
    return None


def handover_refusal(session: Session, staff: Staff, row, field: str) -> Invalid | None:
    """Why the To Do may not be handed to `staff` (forwarded by name, or sent back), or None."""
    who = f"{staff.user_id} ({staff.name})"
    if row.todo_type == APPROVAL:
        rev = _revision(session, row)
        if staff.user_id == rev.maker_id and field == "sent by":
            return Invalid(field, f"{staff.user_id} proposed revision {rev.revision_id} and may not decide it; "
                                  "to return it to them, reject the revision (v, then x)")
        try:
            powers.check_checker(session, staff, maker_id=rev.maker_id, amount_paise=rev.difference_paise,
                                 office_code=rev.office_code)
        except Denied as exc:
            return Invalid(field, f"{who} may not decide revision {rev.revision_id}: {exc.message}; "
                                  "choose an officer who may")
        return None
    roles = _roles(row)
    if staff.role not in roles:
        return Invalid(field, f"{who} is {staff.role}, which does not work {row.todo_type} To Dos; "
                              f"choose someone who is {_either(roles)}")
    return None


def role_refusal(session: Session, role: str, row) -> Invalid | None:
    """Why the To Do may not be forwarded to `role` (Open, for anyone holding it), or None."""
    rev = _revision(session, row) if row.todo_type == APPROVAL else None
    why = _role_reason(session, role, row, rev)
    if why is None:
        return None
    allowed = [r for r in roles_working(row.todo_type) if r != role and _role_reason(session, r, row, rev) is None]
    head = f"forward it to {_either(allowed)}" if allowed else "no role may be sent it from here; ask the administrator"
    return Invalid("to role", f"{head}; {why}")


def _role_reason(session: Session, role: str, row, rev: BillRevision | None) -> str | None:
    if rev is not None:
        refusal = powers.power_refusal(role, rev.difference_paise)
        if refusal is not None:
            return refusal.message
    elif role not in _roles(row):
        return f"{role} does not work {_type_text(row.todo_type)}"
    return _coverage(session, role, row, excluding=rev.maker_id if rev is not None else None)


def _coverage(session: Session, role: str, row, excluding: str | None) -> str | None:
    """Whether someone holding `role` (other than `excluding`) sees the To Do's office: the role's scope
    reaches down to it, and an active staff member holds the role there."""
    codes = row.path.strip("/").split("/")
    depth = config.OFFICE_LEVELS.index(config.roles()[role].scope) + 1
    if depth > len(codes):
        return f"{role} does not cover {row.office_code}, the To Do's office"
    prefix = "/" + "/".join(codes[:depth]) + "/"
    holder = (
        select(Staff.user_id)
        .join(Office, Office.code == Staff.office_code)
        .where(Staff.role == role, Staff.active, Office.path.startswith(prefix, autoescape=True))
    )
    if excluding is not None:
        holder = holder.where(Staff.user_id != excluding)
    if session.scalar(holder.limit(1)) is None:
        but = f" but {excluding}, its maker," if excluding else ""
        return f"nobody{but} holds {role} over {row.office_code}"
    return None


def _roles(row) -> tuple[str, ...]:
    # A type data/ no longer names (an older To Do): its own role still works it, and no other.
    return roles_working(row.todo_type) or (row.role,)


def _revision(session: Session, row) -> BillRevision:
    value = session.scalar(
        select(ToDoCharacteristic.value).where(ToDoCharacteristic.todo_id == row.todo_id,
                                               ToDoCharacteristic.char_type == "REVISION")
    )
    rev = session.get(BillRevision, int(value)) if value and value.isdigit() else None
    if rev is None:
        raise Invalid("To Do", f"approval To Do {row.todo_id} names no bill revision; tell the administrator")
    return rev


def _type_text(code: str) -> str:
    return f"{code} To Dos ({describe_type(code)})"


def _either(roles) -> str:
    roles = list(roles)
    return roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " or " + roles[-1]
