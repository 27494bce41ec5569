"""The escalation matrix on a calendar with holidays: a complaint reaches each level at the moment
worked out by hand below, the sweep is idempotent and set-based, and the warnings say what is coming.

The test's own data/escalation.toml (so the hand-worked dates do not move when the shipped default
does): Sundays off, the second Saturday off, holidays on 09-11, 11-11 and 24-11-2026, and

    level 1: 7 calendar days  -> TR-EE   of the division, priority 20
    level 2: 12 working days  -> TR-SE   of the circle,   priority 20
    level 3: 20 working days  -> TR-CE   of the zone,     priority 10
    level 4: 30 working days  -> TR-DIRC of the discom,   priority 10

A complaint registered on Monday 02-11-2026 at 10:00 IST reaches them at 10:00 on:
    level 1: Mon 09-11 (calendar days: the holiday on the 9th does not matter)
    level 2: Thu 19-11 — working days 3,4,5,6,7 | 10 | 12,13 | 16,17,18,19 (8 Sun, 9 and 11 holidays,
             14 the second Saturday, 15 Sun)
    level 3: Mon 30-11 — 20,21 | 23 | 25,26,27,28 | 30 (22 and 29 Sun, 24 holiday)
    level 4: Fri 11-12 — 1,2,3,4,5 | 7,8,9,10,11 (6 Sun; the 5th is the first Saturday, worked)
"""

from __future__ import annotations

import random
import shutil
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from wss_tui.store import calendar, clock, config, db, escalation, intake, sla
from wss_tui.store.calendar import BusinessCalendar
from wss_tui.store.clock import IST
from wss_tui.store.errors import Invalid
from wss_tui.store.models import Case, CaseLog, Office, ToDo, ToDoCharacteristic, ToDoLog

from ._intake_data import free_bill

TEST_MATRIX = """
[calendar]
weekly_off = ["Sunday"]
second_saturday_off = true

[calendar.holidays]
"2026-11-09" = "Govardhan Puja"
"2026-11-11" = "Bhai Dooj"
"2026-11-24" = "Guru Nanak Jayanti"

[sla]
warn_before_hours = 48

[compensation]
rupees_per_day = 50
cap_percent_of_fixed_charges = 30
cap_bills = 12

[matrix]
applies_to = ["bill-correction"]
todo_type = "ESCLCASE"
todo_description = "Escalated Bill Revision Complaint"
warn_before_hours = 24

[[matrix.level]]
after_days = 7
counting = "calendar"
office = "division"
role = "TR-EE"
priority = 20

[[matrix.level]]
after_days = 12
counting = "working"
office = "circle"
role = "TR-SE"
priority = 20

[[matrix.level]]
after_days = 20
counting = "working"
office = "zone"
role = "TR-CE"
priority = 10

[[matrix.level]]
after_days = 30
counting = "working"
office = "discom"
role = "TR-DIRC"
priority = 10
warn_before_hours = 48
"""

REGISTERED = datetime(2026, 11, 2, 10, 0, tzinfo=IST)
LEVEL_AT = {
    1: datetime(2026, 11, 9, 10, 0, tzinfo=IST),
    2: datetime(2026, 11, 19, 10, 0, tzinfo=IST),
    3: datetime(2026, 11, 30, 10, 0, tzinfo=IST),
    4: datetime(2026, 12, 11, 10, 0, tzinfo=IST),
}
LEVEL_OFFICE = {1: "division", 2: "circle", 3: "zone", 4: "discom"}
LEVEL_ROLE = {1: "TR-EE", 2: "TR-SE", 3: "TR-CE", 4: "TR-DIRC"}
LEVEL_PRIORITY = {1: 20, 2: 20, 3: 10, 4: 10}
SECOND = timedelta(seconds=1)


def _clear_caches() -> None:
    for fn in (calendar.load_settings, calendar.business_calendar, escalation.matrix, sla.rule, sla.warn_before):
        fn.cache_clear()


@pytest.fixture
def matrix_file(tmp_path, monkeypatch):
    """The test's escalation.toml, in a copy of data/ that WSS_DATA_DIR points at."""
    data = tmp_path / "data"
    shutil.copytree(config.data_dir(), data)
    (data / "escalation.toml").write_text(TEST_MATRIX, encoding="utf-8")
    monkeypatch.setenv("WSS_DATA_DIR", str(data))
    _clear_caches()
    yield data
    monkeypatch.delenv("WSS_DATA_DIR")
    _clear_caches()


def register(engine, at: datetime, request_type: str = "bill-correction", skip: int = 0) -> tuple[str, str, str]:
    """A complaint registered through intake at `at`: (case ID, its To Do, the sub-division)."""
    account_id, bill_no, sub = free_bill(engine, skip=skip)
    clock.freeze(at)
    try:
        with db.write(engine) as session:
            receipt = intake.submit_request(
                session, account_id=account_id, bill_no=bill_no if request_type == "bill-correction" else None,
                reason="Reading in bill is higher than on the meter.", request_type=request_type,
            )
    finally:
        clock.set_clock(None)
    return receipt.request_id, receipt.todo_id, sub


def sweep(engine, at: datetime) -> escalation.SweepReport:
    with db.write(engine) as session:
        return escalation.sweep(session, at)


def state_of(engine, case_id: str) -> dict:
    """Everything the sweep may write about one case."""
    with engine.connect() as conn:
        todos = conn.execute(
            select(ToDo.todo_id, ToDo.todo_type, ToDo.role, ToDo.office_code, ToDo.priority, ToDo.version, ToDo.status)
            .where(ToDo.case_id == case_id).order_by(ToDo.created_at, ToDo.todo_id)
        ).all()
        ids = [t.todo_id for t in todos]
        return dict(
            level=conn.scalar(select(Case.escalation_level).where(Case.case_id == case_id)),
            todos=[tuple(t) for t in todos],
            todo_logs=conn.execute(
                select(ToDoLog.todo_id, ToDoLog.log_type, ToDoLog.details).where(ToDoLog.todo_id.in_(ids)).order_by(ToDoLog.id)
            ).all(),
            case_logs=conn.execute(
                select(CaseLog.log_type, CaseLog.details).where(CaseLog.case_id == case_id).order_by(CaseLog.id)
            ).all(),
            chars=conn.execute(
                select(ToDoCharacteristic.todo_id, ToDoCharacteristic.char_type, ToDoCharacteristic.value)
                .where(ToDoCharacteristic.todo_id.in_(ids)).order_by(ToDoCharacteristic.todo_id, ToDoCharacteristic.char_type)
            ).all(),
        )


def ancestor(engine, sub: str, level: str) -> str:
    with engine.connect() as conn:
        path = conn.scalar(select(Office.path).where(Office.code == sub))
    return path.strip("/").split("/")[("discom", "zone", "circle", "division", "subdivision").index(level)]


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                  for t in ("case", "case_log", "todo", "todo_log", "todo_characteristic")}
        counts["levels"] = conn.execute(text('SELECT sum(escalation_level) FROM "case"')).scalar_one()
        counts["versions"] = conn.execute(text("SELECT sum(version) FROM todo")).scalar_one()
        counts["priorities"] = conn.execute(text("SELECT sum(priority) FROM todo")).scalar_one()
    return counts


# --- the calendar ------------------------------------------------------------------------------


def test_the_hand_worked_moments_follow_from_the_calendar(matrix_file):
    mx = escalation.matrix()
    assert [mx.reached_at(REGISTERED, lv) for lv in mx.levels] == list(LEVEL_AT.values())


def test_working_days_skip_sundays_holidays_and_the_second_saturday(matrix_file):
    cal = escalation.matrix().calendar
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=IST)
    assert cal.add(friday, 1, "working") == datetime(2026, 11, 21, 15, 0, tzinfo=IST)  # Saturday 21st: worked
    assert cal.add(friday + timedelta(days=1), 1, "working") == datetime(2026, 11, 23, 15, 0, tzinfo=IST)  # over Sunday
    assert cal.add(datetime(2026, 11, 23, 10, 0, tzinfo=IST), 1, "working") == datetime(2026, 11, 25, 10, 0, tzinfo=IST)
    assert cal.add(datetime(2026, 11, 13, 9, 0, tzinfo=IST), 1, "working") == datetime(2026, 11, 16, 9, 0, tzinfo=IST)
    # Registered on a Sunday: the clock starts at Monday 00:00.
    assert cal.add(datetime(2026, 11, 22, 18, 0, tzinfo=IST), 1, "working") == datetime(2026, 11, 24, 0, 0, tzinfo=IST)
    assert cal.add(datetime(2026, 11, 22, 18, 0, tzinfo=IST), 2, "working") == datetime(2026, 11, 26, 0, 0, tzinfo=IST)
    assert cal.why_off(date(2026, 11, 14)) == "second Saturday"
    assert cal.why_off(date(2026, 11, 24)) == "Guru Nanak Jayanti"
    assert cal.why_off(date(2026, 11, 7)) is None
    assert cal.working_days_between(date(2026, 11, 2), date(2026, 11, 15)) == 9


def test_latest_start_is_the_exact_inverse_of_add():
    """add(c, n) <= at exactly when c <= latest_start(at, n): what lets the sweep select by a bound on
    created_at. Checked over random instants, many on midnights and around the off days."""
    cal = BusinessCalendar(
        holidays={date(2026, 11, 9): "a", date(2026, 11, 10): "b", date(2026, 11, 24): "c"},
        weekly_off=frozenset({6}),
        second_saturday_off=True,
    )
    rng = random.Random(11)
    base = datetime(2026, 10, 25, tzinfo=IST)

    def instant() -> datetime:
        at = base + timedelta(minutes=rng.randrange(60 * 24 * 60))
        return at.replace(hour=0, minute=0) if rng.random() < 0.25 else at

    for _ in range(5000):
        start, at, n = instant(), instant(), rng.randrange(1, 15)
        for counting in ("calendar", "working"):
            assert (cal.add(start, n, counting) <= at) == (start <= cal.latest_start(at, n, counting)), (start, at, n)
        edge = cal.latest_start(at, n, "working")
        assert cal.add(edge, n, "working") <= at < cal.add(edge + timedelta(microseconds=1), n, "working")


# --- the walk through every level ---------------------------------------------------------------


def test_a_complaint_reaches_every_level_at_its_moment(engine, matrix_file):
    case_id, first_todo, sub = register(engine, REGISTERED)
    for level, moment in LEVEL_AT.items():
        before = state_of(engine, case_id)
        sweep(engine, moment - SECOND)
        assert state_of(engine, case_id) == before, f"level {level} came a second early"
        assert before["level"] == level - 1

        report = sweep(engine, moment)
        assert report.escalated[level] >= 1
        now = state_of(engine, case_id)
        assert now["level"] == level
        # The escalation To Do, for the level's role at the sub-division's ancestor at the level.
        new = [t for t in now["todos"] if t not in before["todos"] and t[0] not in {b[0] for b in before["todos"]}]
        assert len(new) == 1
        todo_id, todo_type, role, office, priority, version, status = new[0]
        assert (todo_type, role, office, priority, version, status) == (
            "ESCLCASE", LEVEL_ROLE[level], ancestor(engine, sub, LEVEL_OFFICE[level]), LEVEL_PRIORITY[level], 1, "Being Worked On"
        )  # routed to the level's officer (store/routing.py)
        assert {(c.char_type, c.value) for c in now["chars"] if c.todo_id == todo_id} >= {("CASE", case_id)}
        assert {c.char_type for c in now["chars"] if c.todo_id == todo_id} == {"CASE", "ACCOUNT", "BILL"}
        # Every earlier To Do of the case: raised to the level's priority at least, logged "Escalated".
        for old in before["todos"]:
            after = next(t for t in now["todos"] if t[0] == old[0])
            assert after[4] == min(old[4], LEVEL_PRIORITY[level])
            assert after[5] == old[5] + (1 if old[4] > LEVEL_PRIORITY[level] else 0)
            logged = [entry for entry in now["todo_logs"] if entry.todo_id == old[0] and entry not in before["todo_logs"]]
            assert [entry.log_type for entry in logged] == ["Escalated"]
            assert f"Level {level}" in logged[0].details
        assert [entry.log_type for entry in now["case_logs"][len(before["case_logs"]):]] == ["Escalated"]
        assert f"escalated to {LEVEL_ROLE[level]}" in now["case_logs"][-1].details
        assert todo_id in now["case_logs"][-1].details

        # The same moment again: nothing more.
        assert sweep(engine, moment).cases == 0
        assert state_of(engine, case_id) == now
    # The original To Do went 30 -> 20 (level 1) -> 10 (level 3): two raises, two version bumps.
    final = state_of(engine, case_id)
    original = next(t for t in final["todos"] if t[0] == first_todo)
    assert original[4] == 10
    assert [entry.details.rsplit("; ", 1)[-1] for entry in final["todo_logs"]
            if entry.todo_id == first_todo and "priority" in entry.details] == ["priority 30 -> 20", "priority 20 -> 10"]


def test_a_sweep_after_days_without_one_takes_a_case_straight_to_its_level(engine, matrix_file):
    case_id, _, sub = register(engine, REGISTERED)
    sweep(engine, LEVEL_AT[3])
    state = state_of(engine, case_id)
    assert state["level"] == 3
    escalations = [t for t in state["todos"] if t[1] == "ESCLCASE"]
    assert [(t[2], t[3]) for t in escalations] == [("TR-CE", ancestor(engine, sub, "zone"))]
    assert "levels 1, 2 passed while no sweep ran" in state["case_logs"][-1].details


def test_closed_cases_and_other_request_types_never_escalate(engine, matrix_file):
    data_case, _, _ = register(engine, REGISTERED, request_type="mobile-email", skip=1)
    closed_case, _, _ = register(engine, REGISTERED, skip=2)
    with engine.begin() as conn:
        conn.execute(Case.__table__.update().where(Case.case_id == closed_case).values(closed_at=LEVEL_AT[1] - SECOND))
    sweep(engine, LEVEL_AT[4])
    assert state_of(engine, data_case)["level"] == 0
    assert state_of(engine, closed_case)["level"] == 0
    assert not [t for t in state_of(engine, closed_case)["todos"] if t[1] == "ESCLCASE"]


def test_a_second_sweep_at_the_same_time_changes_nothing(engine):
    """On the demo data with the shipped matrix: the first sweep escalates many, the second none."""
    at = clock.now()
    first = sweep(engine, at)
    assert first.cases > 10 and first.todos_created == first.cases
    after_first = table_counts(engine)
    second = sweep(engine, at)
    assert (second.cases, second.todos_created, second.priorities_raised, second.offices_filled, second.caps_recorded) == (0, 0, 0, 0, 0)
    assert table_counts(engine) == after_first


def test_the_sweep_is_set_based(engine):
    """The same statements whether 1 or 100 cases are due: one pass, never a query per case."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        now = clock.now()
        few = sweep(engine, now - timedelta(days=30))
        few_statements = len(sent)
        sent.clear()
        many = sweep(engine, now)
        many_statements = len(sent)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert 0 < few.cases < many.cases
    assert few_statements == many_statements


def test_wss_escalate_in_batches_escalates_each_due_case_once_a_batch_per_unit_of_work(engine):
    """`wss escalate` (services.escalation) commits every few cases: each due case escalated once,
    with its To Do, logs and level, exactly as the one-transaction sweep does; then nothing left."""
    from wss_tui.services import escalation as sweeping

    at = clock.now()
    with db.write(engine) as s:
        escalation.prepare(s, at)
    with db.read(engine) as s:
        listed = escalation.due_case_ids(s, at)
    before = table_counts(engine)
    commits: list[int] = []

    def count(conn):
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        report = sweeping.sweep(engine, at, batch=4)
    finally:
        event.remove(engine, "commit", count)
    assert report.cases == report.todos_created == len(listed) > 8
    assert len(commits) >= 1 + -(-len(listed) // 4)  # the prepare step, then one per batch of 4
    after = table_counts(engine)
    assert after["todo"] - before["todo"] == after["case_log"] - before["case_log"] == len(listed)
    with db.read(engine) as s:
        made = s.execute(select(ToDo.case_id).where(ToDo.todo_type == "ESCLCASE", ToDo.case_id.in_(listed))).scalars().all()
        levels = s.execute(select(Case.escalation_level).where(Case.case_id.in_(listed))).scalars().all()
    assert sorted(made) == listed and all(level >= 1 for level in levels)
    assert sweeping.sweep(engine, at).cases == 0 and table_counts(engine) == after


# --- what screens show --------------------------------------------------------------------------


def test_due_info_warns_before_breach_and_before_each_level(engine, matrix_file):
    case_id, _, _ = register(engine, REGISTERED)
    with db.read(engine) as session:
        case = session.get(Case, case_id)
        info = escalation.due_info(case, REGISTERED + timedelta(days=1))
        assert (info.level, info.next_level, info.next_level_at, info.warning) == (0, 1, LEVEL_AT[1], "")
        assert escalation.due_info(case, REGISTERED + timedelta(days=5)).warning == "breaches in 2 days"
        info = escalation.due_info(case, LEVEL_AT[1] - timedelta(hours=5))
        assert info.warning == "breaches in 5 hours; escalates to TR-EE in 5 hours"
        assert escalation.due_info(case, LEVEL_AT[1] + SECOND).warning == (
            "breached under a minute ago; escalation to TR-EE due at the next sweep"
        )
    sweep(engine, LEVEL_AT[1])
    with db.read(engine) as session:
        case = session.get(Case, case_id)
        info = escalation.due_info(case, LEVEL_AT[2] - timedelta(hours=3))
        assert (info.level, info.level_role, info.next_level, info.next_level_role, info.breached) == (1, "TR-EE", 2, "TR-SE", True)
        assert info.warning == "breached 9 days ago; escalates to TR-SE in 3 hours"
        assert escalation.due_info(case, REGISTERED + timedelta(days=10)).warning == "breached 3 days ago"


# --- the file -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        # The file's shape is its model's (store/settings/): "escalation.toml: key: rule (got …)".
        ('office = "division"', "escalation.toml: matrix.level[1].office: must be 'discom', 'zone', 'circle', 'division' or 'subdivision' (got 'ward')"),
        ('role = "TR-EE"', "matrix.level[1].role: 'TR-XX' is not a role that works To Dos"),
        ('counting = "calendar"', "escalation.toml: matrix.level[1].counting: must be 'calendar' or 'working' (got 'weekdays')"),
        ("priority = 20", "escalation.toml: matrix.level[1].priority: must be at least 10 (got 5)"),
        ("after_days = 12", "matrix.level[2].after_days: 5 is not after level 1's 7 days"),
        ('applies_to = ["bill-correction"]', "matrix.applies_to: unknown request type 'refund'"),
    ],
)
def test_a_wrong_setting_is_named(matrix_file, change, message):
    wrong = {
        'office = "division"': 'office = "ward"',
        'role = "TR-EE"': 'role = "TR-XX"',
        'counting = "calendar"': 'counting = "weekdays"',
        "priority = 20": "priority = 5",
        "after_days = 12": "after_days = 5",
        'applies_to = ["bill-correction"]': 'applies_to = ["refund"]',
    }[change]
    if change == "after_days = 12":
        text_ = TEST_MATRIX.replace("after_days = 12\ncounting = \"working\"", "after_days = 5\ncounting = \"calendar\"")
    else:
        text_ = TEST_MATRIX.replace(change, wrong, 1)
    (matrix_file / "escalation.toml").write_text(text_, encoding="utf-8")
    _clear_caches()
    with pytest.raises(Invalid) as err:
        escalation.matrix()
    assert (message if message.startswith("escalation.toml:") else f"escalation.toml {message}") in str(err.value)


def test_a_bad_holiday_date_is_named(matrix_file):
    (matrix_file / "escalation.toml").write_text(TEST_MATRIX.replace('"2026-11-24"', '"2026-11-31"'), encoding="utf-8")
    _clear_caches()
    with pytest.raises(Invalid, match=r"calendar.holidays: '2026-11-31' is not a date"):
        calendar.business_calendar()


def test_the_shipped_file_is_valid():
    _clear_caches()
    mx = escalation.matrix()
    assert [lv.role for lv in mx.levels] == ["TR-EE", "TR-SE", "TR-CE", "TR-DIRC"]
    assert len(mx.calendar.holidays) > 40
    assert {d.year for d in mx.calendar.holidays} == {2026, 2027}


# --- wss escalate -------------------------------------------------------------------------------


def wss(demo_url, *args):
    """Through the command's entry point, in this process (tests/_cli.py)."""
    from ._cli import wss as run_wss

    return run_wss("--db", demo_url, *args)


def test_wss_escalate_prints_counts_and_a_second_run_finds_nothing(engine, demo_url):
    import json

    first = wss(demo_url, "escalate", "--json")
    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert counts["at"] == "2026-11-28T05:30:00+00:00"  # the tests' clock, 11:00 IST
    assert counts["cases"] == sum(counts["escalated"].values()) == counts["todos_created"] > 0
    assert 0 < counts["sms_queued"] <= counts["cases"]
    assert (counts["reviews_escalated"], counts["audits_escalated"], counts["reviews_at_top"]) == (0, 0, 0)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM todo WHERE todo_type = 'ESCLCASE'")) == counts["cases"]
    again = wss(demo_url, "escalate")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        "Escalation sweep at 28-11-2026 11:00:00AM",
        "  level 1 (TR-EE of the division): 0 cases",
        "  level 2 (TR-SE of the circle): 0 cases",
        "  level 3 (TR-CE of the zone): 0 cases",
        "  level 4 (TR-DIRC of the discom): 0 cases",
        "  0 cases escalated, 0 To Dos created, 0 priorities raised",
        "  0 consumers told by SMS",
        "  overdue oversight: 0 reviews and 0 audits of approved revisions escalated",
    ]


@pytest.mark.parametrize("typed", ["30-11-2026 10:00", "2026-11-30T10:00:00+05:30", "2026-11-30T04:30:00+00:00"])
def test_wss_escalate_at_a_time(engine, demo_url, typed):
    import json

    out = wss(demo_url, "escalate", "--at", typed, "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["at"] == "2026-11-30T04:30:00+00:00"


def test_wss_escalate_refuses_a_time_it_cannot_read(engine, demo_url):
    out = wss(demo_url, "escalate", "--at", "next tuesday")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "error: at: cannot read 'next tuesday'; type DD-MM-YYYY HH:MM (IST), -1d, or ISO 8601\n"


def test_wss_escalate_check_prints_the_matrix(demo_url):
    out = wss(demo_url, "escalate", "--check")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1] == "  level 1: after 7 days pending, TR-EE of the division (priority 20); warning 24 h before"
    assert lines[4].startswith("  level 4: after 30 working days pending, TR-DIRC of the discom")
    assert "weekly off Sunday" in lines[5] and "holidays, 26-01-2026 to 25-12-2027" in lines[5]
