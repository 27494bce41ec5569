"""Which cases the MIS counts, and the oversight it watches beside them.

Bill-revision complaints by default, as the memorandum asks the MIS to watch; or the other service
requests, or officers' own revision cases (no complainant, so no clock running for a consumer), or
all of them; optionally through one channel. The pending count of each kind is given beside the
chosen one, so the three are always seen apart. Late oversight — a Director's review or an
accountant's audit To Do still open past its due time — is counted per office of the revision,
whatever the kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, literal, or_, select

from .. import config, offices
from ..codes import Channel, TodoStatus
from ..errors import Invalid
from ..models import APPROVED, BillRevision, Case, ToDo
from ..revision.rules import rules as revision_rules
from .scope import OFFICER, Place

BILL_REVISION, SERVICE, OFFICER_CASES, ALL_KINDS = "bill-revision", "service", "officer-case", "all"
KINDS = {
    BILL_REVISION: "Bill-revision complaints",
    SERVICE: "Other service requests",
    OFFICER_CASES: "Officer cases",
    ALL_KINDS: "All cases",
}
SEPARATE = (BILL_REVISION, SERVICE, OFFICER_CASES)  # the kinds that partition the cases
CHANNELS = tuple(Channel)

_case = Case.__table__
_revision = BillRevision.__table__
_todo = ToDo.__table__


def condition(kind: str, table=None):
    """SQL: a case of `kind` (one of SEPARATE), on `table`'s request_type and channel (default: the
    cases; also the MIS's summary, mis_day)."""
    c = (_case if table is None else table).c
    bill_types = [code for code, rt in config.request_types().items() if rt.needs_bill]
    consumer = c.channel != Channel.OFFICER
    if kind == BILL_REVISION:
        return and_(consumer, c.request_type.in_(bill_types))
    if kind == SERVICE:
        return and_(consumer, c.request_type.not_in(bill_types))
    return c.channel == Channel.OFFICER


def which(kind: str, channel: str | None, table=None) -> list:
    """The conditions on a case of `kind` through `channel`, or Invalid naming the choices (on
    `table`'s columns, as condition())."""
    if kind not in KINDS:
        raise Invalid("kind", f"{kind!r} is not a kind of case; use one of: {', '.join(KINDS)}")
    if channel is not None and channel not in CHANNELS:
        raise Invalid("channel", f"{channel!r} is not a channel; use one of: {', '.join(CHANNELS)}")
    conds = [] if kind == ALL_KINDS else [condition(kind, table)]
    if channel is not None:
        conds.append((_case if table is None else table).c.channel == channel)
    return conds


def of_case_kind(which_conds: list):
    """For a bill revision: its case is of the kind asked (None: any)."""
    if not which_conds:
        return None
    return exists().where(_case.c.case_id == _revision.c.case_id, *which_conds)


def late_oversight(place: Place, row_level: str, now: datetime, rolled_up) -> Select:
    """Approved revisions whose Director's review is still open past its due time, and those drawn for
    audit whose audit is still open `audit.due_days` after approval: per office of the revision (by
    the approving officer at the officer level)."""
    r = _revision.c
    when = r.decided_at.type
    audit_due = literal(now - timedelta(days=revision_rules().audit_due_days), when)

    def still_open(todo_id):
        return exists().where(_todo.c.todo_id == todo_id, _todo.c.status != TodoStatus.COMPLETE)

    def count(*conds):
        return func.count().filter(and_(*conds))

    metrics = [
        ("reviews_overdue", count(r.review_todo_id.is_not(None), r.review_due_at < literal(now, when),
                                  still_open(r.review_todo_id))),
        ("audits_overdue", count(r.audit_todo_id.is_not(None), r.decided_at < audit_due, still_open(r.audit_todo_id))),
    ]
    where = [r.status == APPROVED, or_(r.review_todo_id.is_not(None), r.audit_todo_id.is_not(None))]
    if place.path != "/":
        where.append(r.office_code.in_(offices.subtree_codes(place.path)))
    key = r.checker_id if row_level == OFFICER else r.office_code
    per_key = select(key.label("key"), *(expr.label(name) for name, expr in metrics)).where(*where).group_by(key)
    if row_level == OFFICER:
        return per_key
    return rolled_up(per_key.subquery("late_oversight"), [name for name, _ in metrics], row_level)
