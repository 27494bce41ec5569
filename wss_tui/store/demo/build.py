"""A realistic, reproducible demo database: offices, staff, accounts with a year of bills, and
complaints in every state with the logs they would have.

Everything random comes from one `random.Random(seed)`, and times are measured back from
`clock.now()`, so a seed and a clock give the same database every time. Rows go in through SQLAlchemy
Core executemany: ORM objects one at a time are 25x slower at this size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, func, insert, select

from .. import clock, db, marks, pending_days
from ..clock import IST
from ..errors import Invalid
from ..models import (
    Account,
    Bill,
    Case,
    CaseLog,
    CustomerContact,
    Office,
    SmsOutbox,
    Staff,
    ToDo,
    ToDoCharacteristic,
    ToDoLog,
)
from ..offices import office_rows
from . import bills, complaints, people
from .people import FIRST, LAST

BATCH = 5_000


@dataclass
class DemoSummary:
    db: str
    accounts: int = 0
    bills: int = 0
    cases: int = 0
    todos: int = 0
    staff: int = 0
    logins: list[dict] = field(default_factory=list)  # user_id, password, role, office
    sample_accounts: list[dict] = field(default_factory=list)  # account_id, bill_no, system, person, office, counter
    sample_request: str | None = None  # an open complaint's request ID in the first sample's office


def build(engine: Engine, *, seed: int = 1, accounts: int = 5000, reset: bool = False, force: bool = False) -> DemoSummary:
    """Create the demo database in `engine` (migrating it first). Refuses a database holding data
    unless `reset`, and `reset` refuses one holding data the demo did not make (marks.non_demo_data)
    unless `force`, so a real office database is never overwritten by mistake."""
    if accounts < 1:
        raise Invalid("accounts", "give at least 1 account")
    if reset:
        why = None if force else marks.non_demo_data(engine)
        if why:
            where = engine.url.render_as_string(hide_password=True)
            raise Invalid("db", f"{where} is not a demo database: {why}; --reset would delete it all — add --force to wipe it anyway")
        db.drop_all(engine)
    db.upgrade(engine)
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Office)):
            raise Invalid("db", "the database already holds data; add --reset to replace it with demo data")
    gen = Generator(random.Random(seed), clock.now())
    with engine.begin() as conn:
        for table, rows in gen.tables(accounts):
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(table), rows[start : start + BATCH])
        pending_days.rebuild(conn)
        marks.mark_demo(conn, seed=seed, accounts=accounts)
    summary = DemoSummary(db=engine.url.render_as_string(hide_password=True))
    summary.accounts, summary.bills = accounts, len(gen.bills)
    summary.cases, summary.todos, summary.staff = len(gen.cases), len(gen.todos), len(gen.staff)
    summary.logins = gen.logins
    summary.sample_accounts = gen.samples
    summary.sample_request = gen.sample_request
    return summary


class Generator:
    """Every random choice, from one rng in one order: the same seed and clock, the same database."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.today = now.astimezone(IST).date()
        self.used_ids: set[str] = set()
        self.staff: list[dict] = []
        self.bills: list[dict] = []
        self.cases: list[dict] = []
        self.todos: list[dict] = []
        self.logins: list[dict] = []
        self.samples: list[dict] = []
        self.sample_request: str | None = None

    # -- ids and names ------------------------------------------------------------------------
    def unique(self, digits: int, first_nonzero: bool = True) -> str:
        while True:
            low = 10 ** (digits - 1) if first_nonzero else 0
            candidate = f"{self.rng.randrange(low, 10**digits):0{digits}d}"
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def at(self, day: date, hour_from: int = 9, hour_to: int = 18) -> datetime:
        seconds = self.rng.randrange(hour_from * 3600, hour_to * 3600)
        local = datetime.combine(day, time(), tzinfo=IST) + timedelta(seconds=seconds)
        return min(local.astimezone(UTC), self.now - timedelta(minutes=5))

    # -- tables in foreign-key order ------------------------------------------------------------
    def tables(self, n_accounts: int):
        offices = office_rows()
        yield Office, offices
        yield Staff, people.staff(self, offices)
        subdivisions = [o for o in offices if o["level"] == "subdivision"]
        accounts = people.accounts(self, subdivisions, n_accounts)
        yield Account, accounts
        self.bills = bills.bills(self, accounts)
        # Complaints mark their bills DISPUTED, so they are made before the bills are written.
        cases, case_logs, todos, chars, todo_logs, outbox, contacts = complaints.complaints(self, accounts, subdivisions)
        yield Bill, self.bills
        yield Case, cases
        yield CaseLog, case_logs
        yield ToDo, todos
        yield ToDoCharacteristic, chars
        yield ToDoLog, todo_logs
        yield SmsOutbox, outbox
        yield CustomerContact, contacts
        complaints.pick_samples(self, accounts)
