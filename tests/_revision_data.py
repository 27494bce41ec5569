"""Complaints to revise and close, made through the same store calls staff use (intake, take), so the
revision tests do not lean on which complaints the demo happened to generate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from wss_tui.store import db, intake, revision, todos, work_todos
from wss_tui.store.models import Bill, Case
from wss_tui.store.revision.calc import Correction

CLERK, CLERK2, SDO, EE, ACC = "INR1-SDC1", "INR1-SDC2", "INR1-SDO", "INR-EE", "INR-ACC"
SE, CE, DIRC, ADMIN = "LKOC1-SE", "LKO-CE", "MVVNL-DIRC", "MVVNL-ADM"
OTHER_SDO, OTHER_EE = "INR2-SDO", "AMS-EE"
SUB, DIVISION, CIRCLE, ZONE, DISCOM = "ESD-INR-1", "EDD-INR", "LKO-C1", "LKO", "MVVNL"

# Every table a revision or a closure writes to; a refusal must leave all of them as they were.
TABLES = ("bill", "bill_revision", "case", "case_log", "todo", "todo_log", "sms_outbox", "case_otp", "case_closure",
          "customer_contact")


@dataclass(frozen=True)
class Complaint:
    todo_id: str
    version: int
    case_id: str
    bill_no: str
    account_id: str


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in TABLES}


def one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def execute(engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def free_bill(engine, *, sub: str = SUB, basis: str = "ACT") -> tuple[str, str]:
    """(account_id, bill_no) of an active account's bill in `sub` on `basis` with no open case."""
    row = one(
        engine,
        """SELECT a.account_id, b.bill_no FROM account a JOIN bill b ON b.account_id = a.account_id
           WHERE a.subdivision_code = :sub AND a.status = 'ACTIVE' AND a.mobile IS NOT NULL AND b.basis = :basis
             AND b.state = 'ISSUED' AND b.prev_reading IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM "case" c WHERE c.bill_no = b.bill_no AND c.closed_at IS NULL)
           ORDER BY b.bill_month DESC, b.bill_no LIMIT 1""",
        sub=sub,
        basis=basis,
    )
    return row.account_id, row.bill_no


def complaint(engine, *, clerk: str = CLERK, sub: str = SUB, basis: str = "ACT") -> Complaint:
    """A consumer's bill complaint registered now, its To Do taken by `clerk`."""
    account_id, bill_no = free_bill(engine, sub=sub, basis=basis)
    with db.write(engine) as s:
        receipt = intake.submit_request(s, account_id=account_id, bill_no=bill_no,
                                        reason="The units billed are more than the meter shows")
    with db.write(engine) as s:
        detail = todos.take(s, clerk, receipt.todo_id, 1)
    return Complaint(receipt.todo_id, detail.version, receipt.request_id, bill_no, account_id)


def version(engine, actor: str, todo_id: str) -> int:
    with db.read(engine) as s:
        return todos.get(s, actor, todo_id).version


def detail(engine, actor: str, todo_id: str) -> todos.TodoDetail:
    with db.read(engine) as s:
        return todos.get(s, actor, todo_id)


def bill_of(engine, bill_no: str):
    return one(engine, "SELECT * FROM bill WHERE bill_no = :b", b=bill_no)


def arrear_by(engine, bill_no: str, delta_paise: int, remark: str = "Payment of last month not adjusted") -> Correction:
    """A correction whose difference is exactly `delta_paise`: only the arrear moves."""
    return Correction("ARREAR", remark, arrear_paise=bill_of(engine, bill_no).arrear_paise + delta_paise)


def propose(engine, c: Complaint, correction: Correction, actor: str = CLERK) -> revision.RevisionInfo:
    with db.write(engine) as s:
        return revision.propose(s, actor, c.todo_id, version(engine, actor, c.todo_id), correction)


def approve(engine, actor: str, info: revision.RevisionInfo, note: str = "") -> revision.RevisionInfo:
    with db.write(engine) as s:
        return revision.approve(s, actor, info.approval_todo_id, version(engine, actor, info.approval_todo_id), note)


def forward_to(engine, c: Complaint, to_user: str, actor: str = CLERK) -> Complaint:
    with db.write(engine) as s:
        d = todos.forward(s, actor, c.todo_id, version(engine, actor, c.todo_id), to_user=to_user,
                          note="Please look at this one yourself")
    return Complaint(c.todo_id, d.version, c.case_id, c.bill_no, c.account_id)


def caseless_todo(engine, clerk: str = CLERK) -> str:
    """A To Do of `clerk`'s, Being Worked On, that carries no case: its Complete is the plain one
    (a To Do carrying an open case completes by closing the case, with the consumer's OTP)."""
    with db.write(engine) as s:
        return work_todos.create(s, todo_type="IMDCCASE", role="TR-SDC", office_code=SUB,
                                 message="Check the meter register of the feeder", priority=40, case_id=None,
                                 account_id=None, chars=[], user_id=clerk, assigned_to=clerk)


def demo_complaint(engine) -> Complaint:
    """The clerk's first complaint in the demo whose bill was read (and not yet worked on)."""
    with db.read(engine) as s:
        for row in todos.search(s, CLERK, todos.SearchFilter(status="Being Worked On")).rows:
            case = s.get(Case, row.case_id) if row.case_id else None
            if case and case.bill_no and case.status == "Initiate Bill Complaint":
                if s.get(Bill, case.bill_no).curr_reading is not None:
                    return Complaint(row.todo_id, version(engine, CLERK, row.todo_id), case.case_id, case.bill_no,
                                     case.account_id)
    raise AssertionError("the demo gives INR1-SDC1 a complaint on a bill with a reading")
