"""A realistic, reproducible demo database: offices, staff, accounts with a year of bills, and
complaints in every state with the logs they would have.

Everything random comes from one `random.Random(seed)`, and times are measured back from
`clock.now()`, so a seed and a clock give the same database every time. Rows go in through SQLAlchemy
Core executemany: ORM objects one at a time are 25x slower at this size.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, func, insert, select

from . import auth, clock, config, db, marks, sla, sms, tariff
from .intake import contact_kind
from .clock import IST
from .codes import AccountStatus, Area, BillBasis, BillState, BillingSystem, CaseStatus, IntakeChannel, RequestType, SmsStatus
from .errors import Invalid
from .models import (
    BEING_WORKED_ON,
    COMPLETE,
    OPEN,
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
from .offices import office_rows

# role -> (office level it sits at, how many per office, password)
STAFF_PLAN: dict[str, tuple[str, int, str]] = {
    "TR-SDC": ("subdivision", 2, "clerk@123"),
    "TR-SDO": ("subdivision", 1, "sdo@123"),
    "TR-OPR": ("subdivision", 1, "counter@123"),
    "TR-EE": ("division", 1, "ee@123"),
    "TR-ACC": ("division", 1, "acc@123"),
    "TR-SE": ("circle", 1, "se@123"),
    "TR-CE": ("zone", 1, "ce@123"),
    "TR-DIRC": ("discom", 1, "dirc@123"),
    "TR-ADM": ("discom", 1, "admin@123"),
}

FIRST = ("Ram", "Shyam", "Sita", "Geeta", "Mohan", "Rakesh", "Sunita", "Anil", "Pooja", "Vijay", "Kavita",
         "Suresh", "Neha", "Arvind", "Rekha", "Manoj", "Anita", "Deepak", "Priya", "Rajesh", "Meena",
         "Sanjay", "Usha", "Alok", "Shabnam", "Imran", "Farida", "Harish", "Lalita", "Naresh", "Savitri",
         "Mukesh", "Kamla", "Dinesh", "Poonam", "Ashok", "Shalini", "Pankaj", "Ritu", "Yusuf")
LAST = ("Sharma", "Verma", "Yadav", "Gupta", "Singh", "Mishra", "Srivastava", "Tiwari", "Pandey", "Khan",
        "Maurya", "Kushwaha", "Chaudhary", "Saxena", "Agarwal", "Dubey", "Rawat", "Nigam", "Qureshi",
        "Pal", "Prajapati", "Rastogi", "Shukla", "Tripathi", "Ansari", "Kashyap", "Bajpai", "Awasthi")
LOCALITIES = ("Gandhi Nagar", "Civil Lines", "Rajendra Nagar", "Azad Nagar", "Station Road", "Nehru Colony",
              "Shivaji Marg", "Ram Nagar", "Subhash Nagar", "Kamla Nagar", "Patel Chowk", "Mahavir Ganj",
              "Naya Gaon", "Purana Bazar", "Ambedkar Puram", "Tilak Nagar")
REASONS = (
    "Meter reading in bill is higher than the actual reading on the meter.",
    "Bill raised on assessed basis although the meter is working; please bill on actual reading.",
    "Provisional bill for three months together; units charged are far more than my use.",
    "House was locked for two months but full units have been billed.",
    "Tariff charged as commercial although the connection is domestic.",
    "Previous payment not adjusted in this bill, arrear shown wrongly.",
    "Sanctioned load in bill is 5 kW but my connection is 2 kW.",
    "Meter was replaced last month and the old meter reading has been billed again.",
)
BASES = (BillBasis.ACT,) * 17 + (BillBasis.ASS, BillBasis.PROV, BillBasis.MU)
CATEGORIES = {Area.URBAN: ("LMV-1",) * 8 + ("LMV-2",) * 2, Area.RURAL: ("LMV-1",) * 7 + ("LMV-2",) + ("LMV-5",) * 2}
SUPPLY = {"LMV-1": "Residential / Domestic", "LMV-2": "Non-Domestic", "LMV-5": "Private Tube-well"}

# The demo's complaint outcomes, with their share: (case status, closed?, To Do status, To Do role)
OUTCOMES = (
    ("initial", "open", OPEN, "TR-SDC", 30),
    ("initial", "open", BEING_WORKED_ON, "TR-SDC", 25),
    ("revision", "open", BEING_WORKED_ON, "TR-SDO", 15),
    ("completed", "closed", COMPLETE, "TR-SDC", 20),
    ("rejected", "closed", COMPLETE, "TR-SDC", 10),
)
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
    gen = _Generator(random.Random(seed), clock.now())
    with engine.begin() as conn:
        for table, rows in gen.tables(accounts):
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(table), rows[start : start + BATCH])
        marks.mark_demo(conn, seed=seed, accounts=accounts)
    summary = DemoSummary(db=engine.url.render_as_string(hide_password=True))
    summary.accounts, summary.bills = accounts, len(gen.bills)
    summary.cases, summary.todos, summary.staff = len(gen.cases), len(gen.todos), len(gen.staff)
    summary.logins = gen.logins
    summary.sample_accounts = gen.samples
    summary.sample_request = gen.sample_request
    return summary


class _Generator:
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
    def _unique(self, digits: int, first_nonzero: bool = True) -> str:
        while True:
            low = 10 ** (digits - 1) if first_nonzero else 0
            candidate = f"{self.rng.randrange(low, 10**digits):0{digits}d}"
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def _name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def _at(self, day: date, hour_from: int = 9, hour_to: int = 18) -> datetime:
        seconds = self.rng.randrange(hour_from * 3600, hour_to * 3600)
        local = datetime.combine(day, time(), tzinfo=IST) + timedelta(seconds=seconds)
        return min(local.astimezone(UTC), self.now - timedelta(minutes=5))

    # -- tables in foreign-key order ------------------------------------------------------------
    def tables(self, n_accounts: int):
        offices = office_rows()
        yield Office, offices
        yield Staff, self._staff(offices)
        subdivisions = [o for o in offices if o["level"] == "subdivision"]
        accounts = self._accounts(subdivisions, n_accounts)
        yield Account, accounts
        self.bills = self._bills(accounts)
        # Complaints mark their bills DISPUTED, so they are made before the bills are written.
        cases, case_logs, todos, chars, todo_logs, outbox, contacts = self._complaints(accounts, subdivisions)
        yield Bill, self.bills
        yield Case, cases
        yield CaseLog, case_logs
        yield ToDo, todos
        yield ToDoCharacteristic, chars
        yield ToDoLog, todo_logs
        yield SmsOutbox, outbox
        yield CustomerContact, contacts
        self._pick_samples(accounts)

    def _staff(self, offices: list[dict]) -> list[dict]:
        hashes = {role: auth.hash_password(pw) for role, (_, _, pw) in STAFF_PLAN.items()}
        rows = []
        for office in offices:
            short = office["code"].removeprefix("ESD-").removeprefix("EDD-").replace("-", "")
            for role, (level, count, password) in STAFF_PLAN.items():
                if office["level"] != level:
                    continue
                for k in range(1, count + 1):
                    suffix = role.removeprefix("TR-") + (str(k) if count > 1 else "")
                    user_id = f"{short}-{suffix}"
                    rows.append(
                        dict(
                            user_id=user_id,
                            name=",".join(reversed(self._name().upper().split())),
                            office_code=office["code"],
                            role=role,
                            mobile=f"9{self.rng.randrange(10**8, 10**9)}",
                            password_hash=hashes[role],
                            active=True,
                            failed_logins=0,
                        )
                    )
                    self.logins.append(dict(user_id=user_id, password=password, role=role, office=office["code"]))
        self.staff = rows
        return rows

    def _accounts(self, subdivisions: list[dict], n: int) -> list[dict]:
        rows = []
        for i in range(n):
            sub = subdivisions[i % len(subdivisions)]
            area = sub["area"]
            system, digits = (BillingSystem.CCB, 10) if area == Area.URBAN else (BillingSystem.MPOWER, 12)
            category = self.rng.choice(CATEGORIES[area])
            load = self.rng.choice((1, 1, 2, 2, 2, 3, 4, 5)) if category == "LMV-1" else self.rng.choice((2, 3, 5, 7.5, 10))
            person = self._name().upper()
            rows.append(
                dict(
                    account_id=self._unique(digits),
                    system=system,
                    person_name=person,
                    mobile=f"{self.rng.choice('6789')}{self.rng.randrange(10**8, 10**9)}" if self.rng.random() < 0.93 else None,
                    email=f"{person.split()[0].lower()}{self.rng.randrange(100)}@example.in" if self.rng.random() < 0.3 else None,
                    language="en" if self.rng.random() < 0.2 else "hi",
                    premise_address=f"{self.rng.randrange(1, 999)}/{self.rng.choice('ABCDEFGH')} "
                    f"{self.rng.choice(LOCALITIES)}, {sub['town']}",
                    town=sub["town"],
                    tariff_category=category,
                    supply_type=SUPPLY[category],
                    sanctioned_load_kw=float(load),
                    subdivision_code=sub["code"],
                    area=area,
                    smart_meter=area == Area.URBAN and self.rng.random() < 0.3,
                    status=AccountStatus.PD if i % 97 == 5 else AccountStatus.ACTIVE,  # about 1%, and one even in a small demo
                    connected_on=self.today - timedelta(days=self.rng.randrange(400, 9000)),
                    current_balance_paise=0,
                    payoff_balance_paise=0,
                )
            )
        return rows

    def _bills(self, accounts: list[dict]) -> list[dict]:
        rows = []
        first_of_month = self.today.replace(day=1)
        months = [_add_months(first_of_month, -k) for k in range(12, 0, -1)]
        for acc in accounts:
            reading = float(self.rng.randrange(1000, 40000))
            base_units = {"LMV-1": 180, "LMV-2": 450, "LMV-5": 600}[acc["tariff_category"]] * acc["sanctioned_load_kw"] / 2
            arrear = 0
            for month in months:
                period_to = _add_months(month, 1) - timedelta(days=1)
                days = (period_to - month).days + 1
                season = 1.35 if month.month in (5, 6, 7, 8) else (0.8 if month.month in (12, 1, 2) else 1.0)
                units = max(0, round(base_units * season * self.rng.uniform(0.6, 1.4)))
                basis = self.rng.choice(BASES)
                prev = reading
                if basis == BillBasis.ACT:
                    reading += units
                    curr = reading
                else:  # assessed, provisional or unread: no reading taken this month
                    curr = None
                charges = tariff.compute(acc["tariff_category"], acc["area"], acc["sanctioned_load_kw"], units, days)
                amount = charges.total_paise + arrear
                bill_date = period_to + timedelta(days=self.rng.randrange(2, 8))
                rows.append(
                    dict(
                        bill_no=self._unique(12),
                        account_id=acc["account_id"],
                        bill_month=month,
                        period_from=month,
                        period_to=period_to,
                        bill_date=bill_date,
                        due_date=bill_date + timedelta(days=15),
                        prev_reading=prev,
                        curr_reading=curr,
                        multiplying_factor=1.0,
                        units=float(units),
                        basis=basis,
                        tariff_category=acc["tariff_category"],
                        sanctioned_load_kw=acc["sanctioned_load_kw"],
                        fixed_charge_paise=charges.fixed_paise,
                        energy_charge_paise=charges.energy_paise,
                        duty_paise=charges.duty_paise,
                        arrear_paise=arrear,
                        amount_paise=amount,
                        state=BillState.ISSUED,
                    )
                )
                # Most consumers pay in full; some pay part and carry an arrear.
                paid = amount if self.rng.random() < 0.8 else round(amount * self.rng.uniform(0, 0.7))
                arrear = amount - paid
            acc["current_balance_paise"] = rows[-1]["amount_paise"]
            acc["payoff_balance_paise"] = rows[-1]["amount_paise"] - rows[-1]["energy_charge_paise"] // 3
        return rows

    def _complaints(self, accounts: list[dict], subdivisions: list[dict]):
        rtypes = config.request_types()
        staff_by = {(s["office_code"], s["role"]): [] for s in self.staff}
        for s in self.staff:
            staff_by[(s["office_code"], s["role"])].append(s["user_id"])
        bills_by_account: dict[str, list[dict]] = {}
        for bill in self.bills:
            bills_by_account.setdefault(bill["account_id"], []).append(bill)
        active = [a for a in accounts if a["status"] == AccountStatus.ACTIVE] or accounts
        n_cases = max(len(accounts) * 3 // 10, 12 * len(subdivisions))
        weights = [w for *_, w in OUTCOMES]
        type_codes = list(rtypes)
        type_weights = [70 if c == RequestType.BILL_CORRECTION else 30 / (len(type_codes) - 1) for c in type_codes]
        disputed: set[str] = set()
        cases, case_logs, todos, chars, todo_logs, outbox, contacts = [], [], [], [], [], [], []
        for i in range(n_cases):
            acc = active[i % len(active)] if i < len(active) else self.rng.choice(active)
            rtype = rtypes[self.rng.choices(type_codes, type_weights)[0]]
            stage, state, todo_status, todo_role, _ = self.rng.choices(OUTCOMES, weights)[0]
            bill = None
            if rtype.needs_bill:
                candidates = [b for b in bills_by_account[acc["account_id"]][-4:] if b["bill_no"] not in disputed]
                if not candidates:
                    continue
                bill = self.rng.choice(candidates)
                if state == "open":
                    disputed.add(bill["bill_no"])
                    bill["state"] = BillState.DISPUTED
            elif stage == "revision":
                stage = "initial"
            age_days = self.rng.randrange(0, 45) if state == "open" else self.rng.randrange(5, 120)
            created = self._at(self.today - timedelta(days=age_days), 7, 22)
            sub = acc["subdivision_code"]
            clerk = self.rng.choice(staff_by[(sub, "TR-SDC")])
            sdo = staff_by[(sub, "TR-SDO")][0]
            case_id = self._unique(10, first_nonzero=False)
            todo_id = self._unique(14)
            channel = self.rng.choices(tuple(IntakeChannel), (60, 20, 15, 5))[0]
            status = {
                "initial": rtype.initial_status,
                "revision": CaseStatus.REVISION_REQUIRED,
                "completed": CaseStatus.COMPLETED,
                "rejected": CaseStatus.REJECTED,
            }[stage]
            t = created

            def steps(hours: float) -> datetime:
                return t + timedelta(hours=hours * self.rng.uniform(0.5, 1.5))

            case_logs.append(dict(case_id=case_id, at=t, log_type="Created", details=f"{rtype.case_type} registered through {channel.upper()}", user_id=None))
            todo = dict(
                todo_id=todo_id, todo_type=rtype.todo_type, role=rtype.role, office_code=sub,
                message=f"{rtype.message} ({acc['account_id']}{', ' + bill['bill_no'] if bill else ''})",
                status=todo_status, priority=rtype.priority, assigned_to=None, sent_by=None, comment="",
                created_at=t, last_assigned_at=None, completed_at=None,
                case_id=case_id, account_id=acc["account_id"], version=1,
            )
            todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Created", details="", user_id=None, assigned_to=None))
            if todo_status != OPEN:
                t = min(steps(20), self.now - timedelta(minutes=1))
                todo.update(assigned_to=clerk, last_assigned_at=t, version=todo["version"] + 1)
                todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Assigned", details="Taken from the queue", user_id=clerk, assigned_to=clerk))
            if stage == "revision":
                t = min(steps(30), self.now - timedelta(minutes=1))
                note = "Reading verified at site; bill to be revised on actual reading."
                todo.update(role="TR-SDO", assigned_to=sdo, sent_by=clerk, last_assigned_at=t, version=todo["version"] + 1)
                todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Forwarded", details=note, user_id=clerk, assigned_to=sdo))
                case_logs.append(dict(case_id=case_id, at=t, log_type="Status Changed", details=CaseStatus.REVISION_REQUIRED, user_id=clerk))
            if state == "open" and self.rng.random() < 0.15:
                # Some complaints were pushed up the list (a VIP reference, a repeat complainant).
                t = min(steps(6), self.now - timedelta(minutes=1))
                new = self.rng.choice((10, 20))
                by = todo["assigned_to"] or sdo
                todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Priority Changed", details=f"Priority {todo['priority']} -> {new}: repeat complaint", user_id=by, assigned_to=todo["assigned_to"]))
                todo.update(priority=new, version=todo["version"] + 1)
            closed_at = None
            if state == "closed":
                t = steps(24 * self.rng.randrange(2, 12))
                closed_at = t
                comment = "Bill revised on actual reading; consumer confirmed by OTP." if stage == "completed" else "Bill found correct on site verification; complaint rejected."
                todo.update(completed_at=t, comment=comment, version=todo["version"] + 1)
                todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Completed", details=comment, user_id=clerk, assigned_to=clerk))
                case_logs.append(dict(case_id=case_id, at=t, log_type="Status Changed", details=status, user_id=clerk))
                kind = contact_kind(rtype, "Complete" if stage == "completed" else "Rejected")
                contacts.append(dict(account_id=acc["account_id"], at=t, contact_class=kind[0], contact_type=kind[1], user_id=clerk))
            cases.append(
                dict(
                    case_id=case_id, request_type=rtype.code, case_type=rtype.case_type, channel=channel,
                    account_id=acc["account_id"], bill_no=bill["bill_no"] if bill else None,
                    reason=self.rng.choice(REASONS) if rtype.needs_bill else f"{rtype.name} requested by the consumer.",
                    status=status, comments=todo["comment"], created_at=created,
                    created_by=staff_by[(sub, "TR-OPR")][0] if channel == IntakeChannel.WALK_IN else None,
                    due_at=sla.due_at(created, rtype.code), closed_at=closed_at, escalation_level=0,
                    office_code=sub,
                )
            )
            todos.append(todo)
            chars.append(dict(todo_id=todo_id, char_type="CASE", value=case_id))
            chars.append(dict(todo_id=todo_id, char_type="ACCOUNT", value=acc["account_id"]))
            if bill:
                chars.append(dict(todo_id=todo_id, char_type="BILL", value=bill["bill_no"]))
            kind = contact_kind(rtype, "Initiate")
            contacts.append(dict(account_id=acc["account_id"], at=created, contact_class=kind[0], contact_type=kind[1], user_id=None))
            if acc["mobile"]:
                language, text = sms.render(
                    "registered", acc["language"], request_name=rtype.name, account_id=acc["account_id"], request_id=case_id
                )
                sent = dict(status=SmsStatus.SENT, tries=1, sent_at=created + timedelta(seconds=20),
                            gateway_id=hashlib.sha1(case_id.encode()).hexdigest()[:16], last_error=None)
                if int(case_id) % 53 == 0:  # a few the gateway never took, for `wss sms list --failed` and the MIS
                    sent = dict(status=SmsStatus.FAILED, tries=5, sent_at=None, gateway_id=None,
                                last_error="gave up after 5 tries: gateway answered HTTP 400: number is on the DND register")
                outbox.append(
                    dict(case_id=case_id, mobile=acc["mobile"], template="registered", language=language,
                         text=text, created_at=created, next_try_at=None, **sent)
                )
        self.cases, self.todos = cases, todos
        return cases, case_logs, todos, chars, todo_logs, outbox, contacts

    def _pick_samples(self, accounts: list[dict]) -> None:
        """Three accounts of each system with a recent bill that is free to complain about, all of one
        sub-division (the first one, in offices.toml's order, that has three), each with the counter
        login that serves it: `wss request new --operator` takes only an operator of the account's
        office. And an open complaint of the CC&B samples' office, for `wss request status`."""
        free: dict[str, dict] = {}
        for bill in self.bills:  # in month order, so the last one kept is the latest
            if bill["state"] == BillState.ISSUED:
                free[bill["account_id"]] = bill
        counters = {s["office_code"]: s["user_id"] for s in self.staff if s["role"] == "TR-OPR"}
        order = {o["code"]: i for i, o in enumerate(office_rows())}
        for system in BillingSystem:
            ready = [
                acc for acc in accounts
                if acc["system"] == system and acc["status"] == AccountStatus.ACTIVE and acc["mobile"] and acc["account_id"] in free
            ]
            by_office: dict[str, list[dict]] = {}
            for acc in ready:
                by_office.setdefault(acc["subdivision_code"], []).append(acc)
            full = [code for code, found in by_office.items() if len(found) >= 3] or list(by_office)
            if not full:
                continue
            office = min(full, key=lambda code: order.get(code, len(order)))
            for acc in by_office[office][:3]:
                bill = free[acc["account_id"]]
                self.samples.append(dict(account_id=acc["account_id"], bill_no=bill["bill_no"], system=system,
                                         person=acc["person_name"], office=office, counter=counters.get(office, "")))
        if self.samples:
            office = self.samples[0]["office"]
            self.sample_request = next(
                (c["case_id"] for c in self.cases if c["office_code"] == office and c["closed_at"] is None), None)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)

