"""The demo's complaints in every state, with the To Dos, logs, contacts and SMS they would have; and
the sample accounts and request the README's commands use."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import config, sla, sms
from ..codes import AccountStatus, BillState, BillingSystem, CaseStatus, IntakeChannel, RequestType, SmsStatus
from ..intake import contact_kind
from ..models import BEING_WORKED_ON, COMPLETE, OPEN
from ..offices import office_rows

if TYPE_CHECKING:
    from .build import Generator

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

# The demo's complaint outcomes, with their share: (case status, closed?, To Do status, To Do role)
OUTCOMES = (
    ("initial", "open", OPEN, "TR-SDC", 30),
    ("initial", "open", BEING_WORKED_ON, "TR-SDC", 25),
    ("revision", "open", BEING_WORKED_ON, "TR-SDO", 15),
    ("completed", "closed", COMPLETE, "TR-SDC", 20),
    ("rejected", "closed", COMPLETE, "TR-SDC", 10),
)


def complaints(gen: Generator, accounts: list[dict], subdivisions: list[dict]):
    rtypes = config.request_types()
    staff_by = {(s["office_code"], s["role"]): [] for s in gen.staff}
    for s in gen.staff:
        staff_by[(s["office_code"], s["role"])].append(s["user_id"])
    bills_by_account: dict[str, list[dict]] = {}
    for bill in gen.bills:
        bills_by_account.setdefault(bill["account_id"], []).append(bill)
    active = [a for a in accounts if a["status"] == AccountStatus.ACTIVE] or accounts
    n_cases = max(len(accounts) * 3 // 10, 12 * len(subdivisions))
    weights = [w for *_, w in OUTCOMES]
    type_codes = list(rtypes)
    type_weights = [70 if c == RequestType.BILL_CORRECTION else 30 / (len(type_codes) - 1) for c in type_codes]
    disputed: set[str] = set()
    cases, case_logs, todos, chars, todo_logs, outbox, contacts = [], [], [], [], [], [], []
    for i in range(n_cases):
        acc = active[i % len(active)] if i < len(active) else gen.rng.choice(active)
        rtype = rtypes[gen.rng.choices(type_codes, type_weights)[0]]
        stage, state, todo_status, todo_role, _ = gen.rng.choices(OUTCOMES, weights)[0]
        bill = None
        if rtype.needs_bill:
            candidates = [b for b in bills_by_account[acc["account_id"]][-4:] if b["bill_no"] not in disputed]
            if not candidates:
                continue
            bill = gen.rng.choice(candidates)
            if state == "open":
                disputed.add(bill["bill_no"])
                bill["state"] = BillState.DISPUTED
        elif stage == "revision":
            stage = "initial"
        age_days = gen.rng.randrange(0, 45) if state == "open" else gen.rng.randrange(5, 120)
        created = gen.at(gen.today - timedelta(days=age_days), 7, 22)
        sub = acc["subdivision_code"]
        clerk = gen.rng.choice(staff_by[(sub, "TR-SDC")])
        sdo = staff_by[(sub, "TR-SDO")][0]
        case_id = gen.unique(10, first_nonzero=False)
        todo_id = gen.unique(14)
        channel = gen.rng.choices(tuple(IntakeChannel), (60, 20, 15, 5))[0]
        status = {
            "initial": rtype.initial_status,
            "revision": CaseStatus.REVISION_REQUIRED,
            "completed": CaseStatus.COMPLETED,
            "rejected": CaseStatus.REJECTED,
        }[stage]
        t = created

        def steps(hours: float) -> datetime:
            return t + timedelta(hours=hours * gen.rng.uniform(0.5, 1.5))

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
            t = min(steps(20), gen.now - timedelta(minutes=1))
            todo.update(assigned_to=clerk, last_assigned_at=t, version=todo["version"] + 1)
            todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Assigned", details="Taken from the queue", user_id=clerk, assigned_to=clerk))
        if stage == "revision":
            t = min(steps(30), gen.now - timedelta(minutes=1))
            note = "Reading verified at site; bill to be revised on actual reading."
            todo.update(role="TR-SDO", assigned_to=sdo, sent_by=clerk, last_assigned_at=t, version=todo["version"] + 1)
            todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Forwarded", details=note, user_id=clerk, assigned_to=sdo))
            case_logs.append(dict(case_id=case_id, at=t, log_type="Status Changed", details=CaseStatus.REVISION_REQUIRED, user_id=clerk))
        if state == "open" and gen.rng.random() < 0.15:
            # Some complaints were pushed up the list (a VIP reference, a repeat complainant).
            t = min(steps(6), gen.now - timedelta(minutes=1))
            new = gen.rng.choice((10, 20))
            by = todo["assigned_to"] or sdo
            todo_logs.append(dict(todo_id=todo_id, at=t, log_type="Priority Changed", details=f"Priority {todo['priority']} -> {new}: repeat complaint", user_id=by, assigned_to=todo["assigned_to"]))
            todo.update(priority=new, version=todo["version"] + 1)
        closed_at = None
        if state == "closed":
            t = steps(24 * gen.rng.randrange(2, 12))
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
                reason=gen.rng.choice(REASONS) if rtype.needs_bill else f"{rtype.name} requested by the consumer.",
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
    gen.cases, gen.todos = cases, todos
    return cases, case_logs, todos, chars, todo_logs, outbox, contacts


def pick_samples(gen: Generator, accounts: list[dict]) -> None:
    """Three accounts of each system with a recent bill that is free to complain about, all of one
    sub-division (the first one, in offices.toml's order, that has three), each with the counter
    login that serves it: `wss request new --operator` takes only an operator of the account's
    office. And an open complaint of the CC&B samples' office, for `wss request status`."""
    free: dict[str, dict] = {}
    for bill in gen.bills:  # in month order, so the last one kept is the latest
        if bill["state"] == BillState.ISSUED:
            free[bill["account_id"]] = bill
    counters = {s["office_code"]: s["user_id"] for s in gen.staff if s["role"] == "TR-OPR"}
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
            gen.samples.append(dict(account_id=acc["account_id"], bill_no=bill["bill_no"], system=system,
                                     person=acc["person_name"], office=office, counter=counters.get(office, "")))
    if gen.samples:
        office = gen.samples[0]["office"]
        gen.sample_request = next(
            (c["case_id"] for c in gen.cases if c["office_code"] == office and c["closed_at"] is None), None)
