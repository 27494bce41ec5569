"""The MIS from its summaries (mis_day, mis_closed_day, mis_capped_day, mis_accruing) equals the MIS counted from every case, after random runs of
intakes, closings, sweeps and officers' own cases through the store's writers, at random moments
(times of day near the ageing and due bounds too), for every level, kind and channel."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from wss_tui.store import clock, db, escalation, intake, mis, pending_days, sla, todos
from wss_tui.store.errors import WssError
from wss_tui.store.models import Bill, Case, MisAccruing, MisCappedDay, MisClosedDay, MisDay, Staff, ToDo
from wss_tui.store.revision import closure

LEVELS = ("discom", "zone", "circle", "division", "subdivision")


def same_reports(engine, now, rng) -> None:
    kinds = list(mis.KINDS)
    with db.read(engine) as s:
        for level in rng.sample(LEVELS, 2):
            kind = rng.choice(kinds)
            channel = rng.choice((None, None, *mis.CHANNELS))
            for k, ch in ((kind, None), ("all", channel)):
                a = mis.report(s, None, level=level, kind=k, channel=ch, now=now)
                b = mis.report(s, None, level=level, kind=k, channel=ch, now=now, summary=False)
                assert [(r.key, r.figures) for r in a.rows] == [(r.key, r.figures) for r in b.rows], (level, k, ch, now)
                assert a.pending_by_kind == b.pending_by_kind
        # A period of any length, from and to any time of day.
        start = now - timedelta(days=rng.randrange(40), seconds=rng.randrange(86400))
        end = min(now, start + timedelta(days=rng.randrange(30), seconds=rng.randrange(86400)))
        named = mis.period(rng.choice(mis.PERIODS), now)  # whole IST days, or up to now
        for k, (start, end) in (("all", (start, end)), (rng.choice(kinds), named)):
            a = mis.report(s, None, kind=k, start=start, end=end, now=now)
            b = mis.report(s, None, kind=k, start=start, end=end, now=now, summary=False)
            assert [(r.key, r.figures) for r in a.rows] == [(r.key, r.figures) for r in b.rows], (k, start, end)
        # One office's subtree, to the sub-divisions.
        office = s.scalar(select(Case.office_code).where(Case.closed_at.is_(None)).limit(1))
        if office:
            a = mis.report(s, None, office=office, now=now)
            b = mis.report(s, None, office=office, now=now, summary=False)
            assert a.rows == b.rows


def summary_matches_cases(engine) -> None:
    """Every count of mis_day, mis_closed_day and mis_capped_day, and each open case's day of reaching
    its cap, equals a recount from the cases (rows at 0 aside)."""

    def both(conn):
        return (
            {tuple(r) for r in conn.execute(select(MisDay.__table__)) if r.cases},
            {tuple(r) for r in conn.execute(select(MisClosedDay.__table__)) if r.closed},
            {tuple(r) for r in conn.execute(select(MisCappedDay.__table__)) if r.cases},
            # The bounds only ever widen (a closing leaves them): the counts and sums must be exact.
            {tuple(r)[:7] for r in conn.execute(select(MisAccruing.__table__)) if r.cases},
            set(conn.execute(select(Case.case_id, Case.compensation_capped_day).where(Case.closed_at.is_(None))).all()),
        )

    with engine.connect() as conn:
        kept = both(conn)
        pending_days.rebuild(conn)
        fresh = both(conn)
        conn.rollback()
    assert kept == fresh


def _intake(engine, rng) -> None:
    with engine.connect() as conn:
        b = conn.execute(
            select(Bill.bill_no, Bill.account_id)
            .where(~select(Case.case_id).where(Case.bill_no == Bill.bill_no, Case.closed_at.is_(None)).exists())
            .order_by(Bill.bill_no)
            .offset(rng.randrange(200))
            .limit(1)
        ).first()
    service = rng.random() < 0.3
    try:
        with db.write(engine) as s:
            intake.submit_request(
                s,
                account_id=b.account_id,
                bill_no=None if service else b.bill_no,
                request_type="mobile-email" if service else "bill-correction",
                reason="Meter reads 4512 but the bill charges for 5120 units",
            )
    except WssError:
        pass  # a disconnected account, say: nothing written, nothing counted


def _close(engine, rng) -> bool:
    with engine.connect() as conn:
        row = conn.execute(
            select(ToDo.todo_id, ToDo.assigned_to, ToDo.case_id)
            .join(Case, Case.case_id == ToDo.case_id)
            .where(
                Case.closed_at.is_(None),
                ToDo.assigned_to.is_not(None),
                ToDo.status != "Complete",
                Case.channel != "officer",
            )
            .order_by(ToDo.todo_id)
            .offset(rng.randrange(50))
            .limit(1)
        ).first()
    if row is None:
        return False
    with db.write(engine) as s:
        detail = todos.get(s, row.assigned_to, row.todo_id)
        case = s.get(Case, row.case_id)
        actor = s.get(Staff, row.assigned_to)
        closure.close(
            s,
            actor=actor,
            detail=detail,
            case=case,
            outcome="Reject the Case",
            comment="Bill found correct",
            method="NO-OTP",
            reason="Consumer confirmed in person at the office",
        )
    return True


def _sweep(engine, now) -> None:
    with db.write(engine) as s:
        escalation.sweep(s, now)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_summary_gives_the_figures_of_every_case(engine, seed):
    rng = random.Random(seed)
    now = clock.now()
    same_reports(engine, now, rng)
    done = {"intake": 0, "close": 0, "sweep": 0}
    for step in range(10):
        # Hours to days later, at any time of day: bounds fall mid-day and at midnight IST.
        now += timedelta(hours=rng.choice((1, 5, 13, 24, 31, 70)), minutes=rng.randrange(60), seconds=rng.randrange(60))
        clock.freeze(now)
        for _ in range(rng.randrange(1, 4)):
            action = rng.choice(("intake", "intake", "close", "sweep"))
            if action == "intake":
                _intake(engine, rng)
            elif action == "close":
                if not _close(engine, rng):
                    continue
            else:
                _sweep(engine, now)
            done[action] += 1
        same_reports(engine, now, rng)
        # And at moments on either side of midnight IST, when "due today" and the ages turn over.
        midnight = (now + timedelta(hours=5, minutes=30)).replace(
            hour=0, minute=0, second=0, microsecond=0
        ) - timedelta(hours=5, minutes=30)
        for at in (midnight - timedelta(seconds=1), midnight):
            if at <= now and step % 3 == 0:
                same_reports(engine, at, rng)
    assert min(done.values()) > 0, done
    summary_matches_cases(engine)
    # The compensation came from each of its sources: caps summed per day, and cases still accruing.
    today = pending_days.day_number(now)
    with engine.connect() as conn:
        assert conn.scalar(select(func.sum(MisCappedDay.owed_paise)).where(MisCappedDay.capped_day < today)) > 0
        assert conn.scalar(select(func.count()).select_from(Case).where(
            Case.closed_at.is_(None), Case.compensation_capped_day >= today, Case.due_at <= now - timedelta(days=1))) > 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.sum(MisDay.pending))) == conn.scalar(
            select(func.count()).select_from(Case).where(Case.closed_at.is_(None))
        )


def test_intakes_and_sweeps_at_once_lose_no_count(engine, demo_url):
    """Several processes registering complaints on the same offices and days at once, then sweeps by
    several hosts at once: every count of the summary still equals a recount of the cases."""
    from . import _concurrency_workers as work
    from .test_concurrency import in_processes

    with engine.connect() as conn:
        free = conn.execute(
            select(Bill.bill_no, Bill.account_id)
            .where(~select(Case.case_id).where(Case.bill_no == Bill.bill_no, Case.closed_at.is_(None)).exists())
            .order_by(Bill.account_id, Bill.bill_no)
        ).all()
    # One bill per account (an account may have one open complaint per bill), the same office's accounts
    # spread over the processes so their upserts meet on the same rows.
    seen, picked = set(), []
    for b in free:
        if b.account_id not in seen:
            seen.add(b.account_id)
            picked.append((b.account_id, b.bill_no))
    picked = picked[:24]
    done = in_processes([(work.intakes, demo_url, picked[k::4]) for k in range(4)])
    assert sum(len(ids) for _, ids in done) == len(picked)
    done = in_processes([(work.sweep, demo_url, (clock.now() + timedelta(days=9)).isoformat()) for _ in range(3)])
    assert sum(cases for _, cases in done) > 0
    summary_matches_cases(engine)


def test_the_day_recorded_is_the_day_the_case_reaches_its_cap(engine):
    """Each open case's cap day, as the sweep records it, is the rule's (sla.for_case): from the next
    day's start it owes its cap (nothing at a rate of 0), at the end of the day before it owed less."""
    with db.write(engine) as s:
        escalation.sweep(s, clock.now() + timedelta(days=20))
    with db.read(engine) as s:
        rows = s.execute(
            select(Case.case_id, Case.compensation_capped_day, Case.compensation_cap_paise, Case.request_type, Case.channel)
            .where(Case.closed_at.is_(None), Case.compensation_capped_day.is_not(None))
        ).all()
        assert len({r.compensation_capped_day for r in rows}) > 3
        for r in rows:
            def at(day):
                return datetime.fromtimestamp(pending_days.day_start(day), UTC)

            full = r.compensation_cap_paise if sla.rate_paise(r.request_type, r.channel) else 0
            assert sla.for_case(s, r.case_id, at(r.compensation_capped_day + 1)).owed_paise == full, r
            if full:
                assert sla.for_case(s, r.case_id, at(r.compensation_capped_day) - timedelta(seconds=1)).owed_paise < full, r


def test_the_cases_still_accruing_owe_the_same_at_any_second_of_their_due_hour(engine):
    """mis_accruing's hour rows give the days late of every hour but now's: at a second before and
    after a still-accruing case's due time of day, and at its due second itself, the report from the
    summaries equals the one counted from every case; and as of a moment before some of those cases
    fell due (counting below 0 days), too."""
    from wss_tui.store.mis import summed

    swept = clock.now() + timedelta(days=20)
    with db.write(engine) as s:
        escalation.sweep(s, swept)
    with db.read(engine) as s:
        due = s.scalars(
            select(Case.due_at).where(Case.closed_at.is_(None), Case.compensation_capped_day > pending_days.day_number(swept) + 1,
                                      Case.request_type == "bill-correction").order_by(Case.due_at.desc()).limit(1)
        ).one()
        day_of_due = swept.replace(hour=due.hour, minute=due.minute, second=due.second, microsecond=0)
        if day_of_due < swept:
            day_of_due += timedelta(days=1)
        for at in (day_of_due - timedelta(seconds=1), day_of_due, day_of_due + timedelta(seconds=1),
                   day_of_due + timedelta(microseconds=999_999)):
            bounds = s.connection().execute(summed.accruing_bounds(at)).one()
            assert summed.accruing_summable(at, bounds)
            a, b = mis.report(s, None, now=at), mis.report(s, None, now=at, summary=False)
            assert a.rows == b.rows, at
            assert a.total.compensation_paise > 0
        before = due - timedelta(hours=1)
        assert not summed.accruing_summable(before, s.connection().execute(summed.accruing_bounds(before)).one())
        assert mis.report(s, None, now=before).rows == mis.report(s, None, now=before, summary=False).rows
