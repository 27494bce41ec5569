"""The hostile corpus (tests/hostile.py) written straight into a demo database, as old data or another
program may have left it: rows are inserted and updated with SQLAlchemy, past every input check of the
store, so the screens and commands that show them are tested on their own.

Every stored value starts with MARK, so a test can tell data from the app's own markup wherever a
string is handed to a markup parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from wss_tui.store.models import (Account, Attachment, BillRevision, Case, CaseLog, CustomerContact, Office,
                                  SmsOutbox, Staff, ToDo, ToDoLog)

from . import hostile
from ._revision_data import CLERK, DIVISION, SDO, SUB, arrear_by, complaint, demo_complaint, propose
from .conftest import FIXED_NOW, PG_URL

MARK = "⁂"  # in every stored value; never in the app's own text

# Shown in the To Do log, newest first: the two a click would act on come first.
CLICK_SCREENSHOT = hostile.MARKUP[0]  # [@click=app.screenshot('wss.db','.')]see note[/]
CLICK_QUIT = hostile.MARKUP[1]  # [@click=app.quit]close[/]

# Fixed-length fields get short, telling mixtures of markup and control.
PERSON = MARK + "[link=https://evil.example/]refund here[/link] \x1b]0;owned\x07"
PREMISE = MARK + "[@click=app.quit]close[/] [bold red]URGENT[/bold red] \x1b[31mred\x1b[0m \u202e00.001\u202c"
TOWN = MARK + "[/] town\x07"
STAFF_NAME = MARK + "[bold]Ram[/bold] \x1b]52;c;cm0=\x07 Lal"
OFFICE_NAME = MARK + "[reverse]ESD[/] \x1b]8;;https://evil.example/\x1b\\Indira\x1b]8;;\x1b\\ Nagar"
DIVISION_NAME = MARK + "[@click=app.quit]EDD[/] \x9b31m Indira Nagar"
MESSAGE = MARK + "[@click=screen.take]take[/] Rs \u202e00.001\u202c bell\x07"
COMMENT = MARK + "[link=https://evil.example/]see[/link] back\x08\x08"
CONTACT_CLASS = MARK + "[bold]Phone[/bold]\x1b[0m"
CONTACT_TYPE = MARK + "[@click=app.quit]Complaint[/] del\x7f"
FILENAME = MARK + "[link=https://evil.example/]bill[/link]\x1b]0;x\x07.pdf"
REMARK = MARK + "[@click=app.quit]arrear[/] not \x1b[31madjusted\x1b[0m"
REASON = MARK + "[bold]reading[/bold] \x1b]0;owned\x07 lower"
MOBILE = MARK + "\x1b[31m9[/]"  # ten characters, the column's size; shown masked, its last four kept
SMS_ERROR = MARK + "[link=https://evil.example/]gateway[/link] \x1b]52;c;cm0=\x07 down"


def corpus() -> list[str]:
    """The log entries: every corpus string, marked. PostgreSQL cannot hold NUL in text at all."""
    values = hostile.MARKUP + hostile.CONTROLS + hostile.PLAIN
    return [MARK + v for v in values if not (PG_URL and "\x00" in v)]


@dataclass
class Hostile:
    todo_id: str  # the clerk's complaint To Do, its log full of the corpus
    case_id: str
    account_id: str
    approval_todo_id: str  # the SDO's approval of a revision with a hostile remark
    revision_account_id: str
    log: list[str] = field(default_factory=corpus)  # oldest first

    @property
    def click_entries(self) -> list[str]:
        return [MARK + CLICK_SCREENSHOT, MARK + CLICK_QUIT]


def plant(engine) -> Hostile:
    """Store the corpus in the places people's and files' text is shown from; return where it is."""
    c = demo_complaint(engine)  # the clerk's complaint with a bill, Being Worked On
    rev_c = complaint(engine)  # another, with a proposed revision waiting for the SDO
    info = propose(engine, rev_c, arrear_by(engine, rev_c.bill_no, -5000))
    entries = corpus()
    with Session(engine) as s:
        for account_id in (c.account_id, rev_c.account_id):
            s.execute(update(Account).where(Account.account_id == account_id)
                      .values(person_name=PERSON, premise_address=PREMISE, town=TOWN))
        s.execute(update(Account).where(Account.account_id == c.account_id).values(mobile=MOBILE))
        s.execute(update(Staff).where(Staff.user_id == CLERK).values(name=STAFF_NAME))
        s.execute(update(Office).where(Office.code == SUB).values(name=OFFICE_NAME))
        s.execute(update(Office).where(Office.code == DIVISION).values(name=DIVISION_NAME))
        s.execute(update(ToDo).where(ToDo.todo_id == c.todo_id).values(message=MESSAGE, comment=COMMENT))
        s.execute(update(Case).where(Case.case_id == c.case_id).values(reason=REASON, comments=COMMENT))
        s.execute(update(BillRevision).where(BillRevision.revision_id == info.revision_id).values(remark=REMARK))
        # Oldest first, after everything the demo logged, so the click entries are the newest of all.
        base = FIXED_NOW + timedelta(minutes=1)
        ordered = [e for e in entries if e not in (MARK + CLICK_SCREENSHOT, MARK + CLICK_QUIT)]
        ordered += [MARK + CLICK_QUIT, MARK + CLICK_SCREENSHOT]
        for n, details in enumerate(ordered):
            at = base + timedelta(seconds=n)
            s.add(ToDoLog(todo_id=c.todo_id, at=at, log_type="User Details", details=details, user_id=CLERK))
            s.add(CaseLog(case_id=c.case_id, at=at, log_type="Comment", details=details, user_id=CLERK))
        s.add(CustomerContact(account_id=c.account_id, at=base, contact_class=CONTACT_CLASS,
                              contact_type=CONTACT_TYPE, user_id=CLERK))
        s.add(Attachment(case_id=c.case_id, filename=FILENAME, content_type="application/pdf", size=4,
                         sha256="0" * 64, content=b"%PDF", created_at=base))
        s.add(SmsOutbox(case_id=c.case_id, mobile="9000000001", template="REQUEST_RECEIVED", language="hi",
                        text="x", created_at=base, status="FAILED", tries=5, last_error=SMS_ERROR))
        s.commit()
    return Hostile(c.todo_id, c.case_id, c.account_id, info.approval_todo_id, rev_c.account_id, log=ordered)


# For reference by the tests: each field's value and where it comes from.
FIELDS = {
    "person": PERSON, "premise": PREMISE, "town": TOWN, "staff": STAFF_NAME, "office": OFFICE_NAME,
    "division": DIVISION_NAME, "message": MESSAGE, "comment": COMMENT, "contact_class": CONTACT_CLASS,
    "contact_type": CONTACT_TYPE, "filename": FILENAME, "remark": REMARK, "reason": REASON, "sms_error": SMS_ERROR, "mobile": MOBILE,
}
ROLES_USED = (CLERK, SDO)
