"""Accounts: the ID rules of the two billing systems, and the account as a counter operator sees it.

CC&B (urban) account IDs have 10 digits, mPower (rural) account numbers 12; the length alone says
which system an account lives in, so a mismatch in the data is refused rather than guessed around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy import case as sql_case
from sqlmodel import Session

from . import clock, ids, offices, sla, tariff, timefmt
from .codes import AccountStatus, BillingSystem, BillState, HoldAction
from .errors import Denied, Invalid, NotFound
from .models import COMPLETE, Account, Bill, BillHold, Case, CustomerContact, Office, Staff, ToDo

SYSTEM_BY_LENGTH = {10: BillingSystem.CCB, 12: BillingSystem.MPOWER}
SYSTEM_LABELS = {s: s.label for s in BillingSystem}
PERMANENTLY_DISCONNECTED = AccountStatus.PD

ACTIVITY_LIMIT = 20
BILL_LIMIT = 12
TODO_LIMIT = 20


def validate_account_id(text: str, *, field_name: str = "account") -> str:
    """The account ID with blanks removed, or Invalid saying what shape it must have."""
    account_id = ids.digits(text)
    if not account_id:
        raise Invalid(field_name, "give the account ID (10 digits for CC&B, 12 for mPower)")
    if not (account_id.isascii() and account_id.isdigit()):
        raise Invalid(field_name, f"{text.strip()!r} is not an account ID; type its 10 (CC&B) or 12 (mPower) digits only")
    if len(account_id) not in SYSTEM_BY_LENGTH:
        raise Invalid(
            field_name,
            f"{account_id} has {len(account_id)} digits; a CC&B account ID has 10 and an mPower account number 12",
        )
    return account_id


def get_account(session: Session, text: str, *, field_name: str = "account") -> Account:
    """The account for what a user typed: well-formed, known, and in the system its length says."""
    account_id = validate_account_id(text, field_name=field_name)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(field_name, f"no account {account_id}; check the number on the consumer's bill")
    expected = SYSTEM_BY_LENGTH[len(account_id)]
    if account.system != expected:
        raise Invalid(
            field_name,
            f"account {account_id} has {len(account_id)} digits but is recorded in "
            f"{SYSTEM_LABELS.get(account.system, account.system)}, not {SYSTEM_LABELS[expected]}; "
            "ask the administrator to correct the account",
        )
    return account


def require_in_scope(session: Session, actor_id: str, account: Account) -> Staff:
    """The acting staff member, if the account's sub-division is theirs to see; otherwise NotFound.

    Out of scope looks exactly like unknown, so account numbers of other offices cannot be probed.
    """
    staff = session.get(Staff, actor_id)
    if staff is None or not staff.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    if not offices.in_scope(session, staff, account.subdivision_code):
        raise NotFound("account", f"no account {account.account_id}; check the number on the consumer's bill")
    return staff


@dataclass(frozen=True)
class Activity:
    """One line of CC&B's Account Activity History: a case or a customer contact."""

    at: datetime
    activity: str  # "Case" | "Customer Contact"
    case_id: str | None = None
    case_type: str | None = None
    status: str | None = None
    is_open: bool | None = None
    contact_class: str | None = None
    contact_type: str | None = None
    person_name: str | None = None
    # A case's SLA (store/sla.py): its due time, the full days it was (or is) late — until it was
    # closed, or now — and the compensation owed for them, with the cap.
    due_at: datetime | None = None
    days_late: int = 0
    compensation_paise: int = 0

    @property
    def description(self) -> str:
        if self.activity == "Case":
            state = "Open" if self.is_open else "Closed"
            return f"{state} - {self.status}, {self.case_type}, Created: {timefmt.show(self.at)}"
        return f"{self.person_name}, {self.contact_class} / {self.contact_type} Contacted: {timefmt.show(self.at)}"


@dataclass(frozen=True)
class BillLine:
    bill_no: str
    bill_month: date
    bill_date: date
    due_date: date
    units: float
    basis: str
    amount_paise: int
    state: str
    open_case_id: str | None  # the open complaint on this bill, if any
    hold_note: str = ""  # a HELD bill: who held it, when and why (store/revision/hold.py)


@dataclass(frozen=True)
class TodoBrief:
    todo_id: str
    todo_type: str
    status: str
    message: str
    created_at: datetime


@dataclass(frozen=True)
class AccountContext:
    """CC&B's Current Context and Account portal, as plain data."""

    account_id: str
    system: str  # CCB | MPOWER
    system_label: str  # CC&B | mPower
    person_name: str
    mobile: str | None
    email: str | None
    language: str
    tariff_category: str
    supply_type: str
    sanctioned_load_kw: float
    current_balance_paise: int
    payoff_balance_paise: int
    premise_address: str
    town: str
    discom: str
    discom_name: str
    office_code: str
    office_name: str
    area: str  # URBAN | RURAL
    smart_meter: bool
    status: str  # ACTIVE | PD
    connected_on: date
    activity: list[Activity] = field(default_factory=list)  # newest first
    bills: list[BillLine] = field(default_factory=list)  # newest first
    open_todo_count: int = 0
    open_todos: list[TodoBrief] = field(default_factory=list)  # oldest first
    tariff_rates: str = ""  # the clause and order of data/tariff.toml its category is billed by today


def account_context(session: Session, account_id: str, actor_id: str | None = None) -> AccountContext:
    account = get_account(session, account_id)
    if actor_id is not None:
        require_in_scope(session, actor_id, account)
    office = offices.get(session, account.subdivision_code)
    discom = session.get(Office, office.discom)
    return AccountContext(
        account_id=account.account_id,
        system=account.system,
        system_label=SYSTEM_LABELS.get(account.system, account.system),
        person_name=account.person_name,
        mobile=account.mobile,
        email=account.email,
        language=account.language,
        tariff_category=account.tariff_category,
        supply_type=account.supply_type,
        sanctioned_load_kw=account.sanctioned_load_kw,
        current_balance_paise=account.current_balance_paise,
        payoff_balance_paise=account.payoff_balance_paise,
        premise_address=account.premise_address,
        town=account.town,
        discom=office.discom,
        discom_name=discom.name if discom else office.discom,
        office_code=office.code,
        office_name=office.name,
        area=account.area,
        smart_meter=account.smart_meter,
        status=account.status,
        connected_on=account.connected_on,
        activity=_activity(session, account),
        bills=_bills(session, account.account_id),
        open_todo_count=session.scalar(
            select(func.count()).select_from(ToDo).where(ToDo.account_id == account.account_id, ToDo.status != COMPLETE)
        )
        or 0,
        open_todos=_open_todos(session, account.account_id),
        tariff_rates=tariff.citation_on(account.tariff_category, account.area,
                                        clock.now().astimezone(clock.IST).date()),
    )


def _activity(session: Session, account: Account, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    # Each source is cut to `limit` in SQL; the newest `limit` of the merge are then exact.
    c = Case.__table__
    until = func.coalesce(c.c.closed_at, bindparam("now", clock.now(), type_=c.c.closed_at.type))
    cases = session.execute(
        select(
            c.c.case_id, c.c.created_at, c.c.case_type, c.c.status, c.c.closed_at, c.c.due_at,
            sql_case((sla.consumer_clock_sql(c), sla.days_late_sql(c.c.due_at, until)), else_=0).label("days_late"),
            sla.compensation_sql(c, until).label("owed"),
        )
        .where(c.c.account_id == account.account_id)
        .order_by(c.c.created_at.desc(), c.c.case_id.desc())
        .limit(limit)
    ).all()
    contacts = session.execute(
        select(CustomerContact.at, CustomerContact.contact_class, CustomerContact.contact_type)
        .where(CustomerContact.account_id == account.account_id)
        .order_by(CustomerContact.at.desc(), CustomerContact.id.desc())
        .limit(limit)
    ).all()
    rows = [
        Activity(
            at=r.created_at, activity="Case", case_id=r.case_id, case_type=r.case_type, status=r.status,
            is_open=r.closed_at is None, due_at=r.due_at, days_late=int(r.days_late), compensation_paise=int(r.owed),
        )
        for r in cases
    ] + [
        Activity(
            at=c.at,
            activity="Customer Contact",
            contact_class=c.contact_class,
            contact_type=c.contact_type,
            person_name=account.person_name,
        )
        for c in contacts
    ]
    rows.sort(key=lambda a: a.at, reverse=True)
    return rows[:limit]


def _bills(session: Session, account_id: str, limit: int = BILL_LIMIT) -> list[BillLine]:
    rows = session.execute(
        select(
            Bill.bill_no,
            Bill.bill_month,
            Bill.bill_date,
            Bill.due_date,
            Bill.units,
            Bill.basis,
            Bill.amount_paise,
            Bill.state,
            Case.case_id,
        )
        .outerjoin(Case, and_(Case.bill_no == Bill.bill_no, Case.closed_at.is_(None)))
        .where(Bill.account_id == account_id)
        .order_by(Bill.bill_month.desc(), Bill.bill_no.desc())
        .limit(limit)
    ).all()
    notes = _hold_notes(session, [r.bill_no for r in rows if r.state == BillState.HELD])
    return [
        BillLine(
            bill_no=r.bill_no,
            bill_month=r.bill_month,
            bill_date=r.bill_date,
            due_date=r.due_date,
            units=r.units,
            basis=r.basis,
            amount_paise=r.amount_paise,
            state=r.state,
            open_case_id=r.case_id,
            hold_note=notes.get(r.bill_no, ""),
        )
        for r in rows
    ]


def _hold_notes(session: Session, held: list[str]) -> dict[str, str]:
    """Each held bill's last hold, as a line: by whom, when, why; or that the billing system held it."""
    notes = dict.fromkeys(held, "on hold in the billing system's extract")
    if held:
        rows = select(BillHold).where(BillHold.bill_no.in_(held), BillHold.action == HoldAction.HOLD).order_by(BillHold.id)
        for h in session.execute(rows).scalars():
            notes[h.bill_no] = f"held by {h.user_id} on {timefmt.show(h.at)}: {h.reason}"
    return notes


def _open_todos(session: Session, account_id: str, limit: int = TODO_LIMIT) -> list[TodoBrief]:
    rows = session.execute(
        select(ToDo.todo_id, ToDo.todo_type, ToDo.status, ToDo.message, ToDo.created_at)
        .where(ToDo.account_id == account_id, ToDo.status != COMPLETE)
        .order_by(ToDo.created_at, ToDo.todo_id)
        .limit(limit)
    ).all()
    return [TodoBrief(todo_id=r.todo_id, todo_type=r.todo_type, status=r.status, message=r.message, created_at=r.created_at) for r in rows]
