"""The To Do store: the search a clerk's day starts from, and every action on one To Do.

Expected results come from the demo data read back whole and filtered in plain Python, so the
store's SQL is checked against an independent reading of the same rules.
"""

from __future__ import annotations

import re

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select, update

from wss_tui.store import clock, config, db, escalation, todos
from wss_tui.store.errors import Denied, Invalid, NotFound, Stale
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE, OPEN, Case, Office, Staff, ToDo, ToDoLog
from wss_tui.store.todos import SearchFilter

from .conftest import FIXED_NOW, PG_URL

CLERK, CLERK2, SDO, EE, DIRC = "INR1-SDC1", "INR1-SDC2", "INR1-SDO", "INR-EE", "MVVNL-DIRC"
INR1 = "/MVVNL/LKO/LKO-C1/EDD-INR/ESD-INR-1/"
INR = "/MVVNL/LKO/LKO-C1/EDD-INR/"
MVVNL = "/MVVNL/"


# --- helpers -------------------------------------------------------------------------------------


def all_todos(engine):
    """Every To Do with its office path: the oracle the search is checked against."""
    with db.read(engine) as s:
        return s.execute(
            select(
                ToDo.todo_id, ToDo.todo_type, ToDo.role, ToDo.office_code, ToDo.status, ToDo.priority,
                ToDo.created_at, ToDo.assigned_to, ToDo.case_id, ToDo.account_id, Office.path,
            ).join(Office, Office.code == ToDo.office_code)
        ).all()


def in_page_order(rows) -> list[str]:
    return [r.todo_id for r in sorted(rows, key=lambda r: (r.priority, r.created_at, r.todo_id))]


def expect(engine, prefix, *, user=None, role=None, statuses=(OPEN, BEING_WORKED_ON), todo_type=None, start=None, end=None):
    return in_page_order(
        r
        for r in all_todos(engine)
        if r.path.startswith(prefix)
        and (user is None or r.assigned_to == user)
        and (role is None or r.role == role)
        and r.status in statuses
        and (todo_type is None or r.todo_type == todo_type)
        and (start is None or r.created_at >= start)
        and (end is None or r.created_at <= end)
    )


def walk(engine, actor, flt, limit):
    """Every page of a filter, first to last, by following `after` cursors."""
    pages = []
    with db.read(engine) as s:
        page = todos.search(s, actor, flt, limit=limit)
        pages.append(page)
        while page.has_next:
            page = todos.search(s, actor, flt, after=page.rows[-1].cursor, limit=limit)
            pages.append(page)
    return pages


def walk_back(engine, actor, flt, limit, last):
    pages = [last]
    with db.read(engine) as s:
        while pages[0].has_prev:
            pages.insert(0, todos.search(s, actor, flt, before=pages[0].rows[0].cursor, limit=limit))
    return pages


def ids(pages) -> list[str]:
    return [r.todo_id for p in pages for r in p.rows]


def search(engine, actor, flt=SearchFilter(), **kw):
    with db.read(engine) as s:
        return todos.search(s, actor, flt, **kw)


def detail(engine, actor, todo_id):
    with db.read(engine) as s:
        return todos.get(s, actor, todo_id)


def act(engine, action, actor, *args, **kw):
    with db.write(engine) as s:
        return action(s, actor, *args, **kw)


def first_todo(engine, *, office="ESD-INR-1", role="TR-SDC", status=OPEN, assigned_to=None):
    """The first To Do (page order) matching, as a fresh detail seen by a clerk of INR1's division."""
    with db.read(engine) as s:
        stmt = select(ToDo.todo_id).where(ToDo.office_code == office, ToDo.role == role, ToDo.status == status)
        if assigned_to is not None:
            stmt = stmt.where(ToDo.assigned_to == assigned_to)
        todo_id = s.scalars(stmt.order_by(ToDo.priority, ToDo.created_at, ToDo.todo_id)).first()
    assert todo_id, f"the demo has no {status} {role} To Do in {office}"
    return detail(engine, EE, todo_id)


def stored(engine, todo_id):
    """What the database holds now: (version, status, assigned_to, number of log rows)."""
    with db.read(engine) as s:
        todo = s.get(ToDo, todo_id)
        logs = s.scalar(select(func.count()).select_from(ToDoLog).where(ToDoLog.todo_id == todo_id))
        return todo.version, todo.status, todo.assigned_to, logs


def name_of(engine, user_id):
    with db.read(engine) as s:
        return s.get(Staff, user_id).name


# --- search: paging ------------------------------------------------------------------------------

PAGING = [
    pytest.param(CLERK, SearchFilter(user_filter="role", status=None), INR1, dict(role="TR-SDC", statuses=todos.TODO_STATUSES), 2, id="clerk-role-all-by-2"),
    pytest.param(CLERK, SearchFilter(status=None), INR1, dict(user=CLERK, statuses=todos.TODO_STATUSES), 1, id="clerk-mine-all-by-1"),
    pytest.param(EE, SearchFilter(user_filter="role", role="TR-SDO"), INR, dict(role="TR-SDO"), 2, id="ee-sdo-role-open-by-2"),
    pytest.param(DIRC, SearchFilter(user_filter="role", role="TR-SDC", status=None), MVVNL, dict(role="TR-SDC", statuses=todos.TODO_STATUSES), 7, id="dirc-clerk-role-all-by-7"),
    pytest.param(DIRC, SearchFilter(user_filter="role", role="TR-SDC", status=COMPLETE), MVVNL, dict(role="TR-SDC", statuses=(COMPLETE,)), 5, id="dirc-complete-by-5"),
]


@pytest.mark.parametrize("actor, flt, prefix, oracle, limit", PAGING)
def test_walking_every_page_forward_and_back_misses_and_repeats_nothing(engine, actor, flt, prefix, oracle, limit):
    expected = expect(engine, prefix, **oracle)
    assert len(expected) > 2 * limit, "the filter must span several pages to test paging"
    pages = walk(engine, actor, flt, limit)
    assert ids(pages) == expected
    assert [p.first for p in pages] == list(range(1, len(expected) + 1, limit))
    assert all(p.total == len(expected) for p in pages)
    assert all(len(p.rows) == limit for p in pages[:-1]) and 1 <= len(pages[-1].rows) <= limit
    assert [p.has_prev for p in pages] == [False] + [True] * (len(pages) - 1)
    assert [p.has_next for p in pages] == [True] * (len(pages) - 1) + [False]

    back = walk_back(engine, actor, flt, limit, pages[-1])
    assert [[r.todo_id for r in p.rows] for p in back] == [[r.todo_id for r in p.rows] for p in pages]
    assert [p.first for p in back] == [p.first for p in pages]
    assert [(p.has_prev, p.has_next) for p in back] == [(p.has_prev, p.has_next) for p in pages]


@pytest.fixture
def tied(engine):
    """Nine Open clerk To Dos with the same priority and creation time: only the ID orders them."""
    at = FIXED_NOW - timedelta(days=3)
    rows = [
        dict(todo_id=f"9000000000000{k}", todo_type="IMITCASE", role="TR-SDC", office_code="ESD-INR-1",
             message=f"tied {k}", status=OPEN, priority=20, created_at=at, version=1)
        for k in range(9, 0, -1)
    ]
    with db.write(engine) as s:
        s.connection().execute(insert(ToDo.__table__), rows)
    return sorted(r["todo_id"] for r in rows)


@pytest.mark.parametrize("limit", [2, 4, 5])
def test_rows_tied_on_priority_and_time_page_by_id(engine, tied, limit):
    flt = SearchFilter(user_filter="role", status=OPEN)
    pages = walk(engine, CLERK, flt, limit)
    got = ids(pages)
    assert got == expect(engine, INR1, role="TR-SDC", statuses=(OPEN,))
    assert [t for t in got if t in tied] == tied
    assert ids(walk_back(engine, CLERK, flt, limit, pages[-1])) == got


def test_a_row_added_between_pages_is_neither_lost_nor_shown_twice(engine, tied):
    flt = SearchFilter(user_filter="role", status=OPEN)
    page1 = search(engine, CLERK, flt, limit=4)
    with db.write(engine) as s:  # sorts first: priority 10
        s.connection().execute(
            insert(ToDo.__table__),
            [dict(todo_id="90000000000099", todo_type="IMITCASE", role="TR-SDC", office_code="ESD-INR-1",
                  message="urgent", status=OPEN, priority=10, created_at=FIXED_NOW, version=1)],
        )
    page2 = search(engine, CLERK, flt, after=page1.rows[-1].cursor, limit=4)
    assert not {r.todo_id for r in page1.rows} & {r.todo_id for r in page2.rows}
    assert page2.total == page1.total + 1
    assert page2.first == 6  # the new row sits before page 1's rows now
    # Back from page 2: the four rows just before it (positions 2-5), then the first page, full.
    back = search(engine, CLERK, flt, before=page2.rows[0].cursor, limit=4)
    assert back.first == 2 and [r.todo_id for r in back.rows] == [r.todo_id for r in page1.rows]
    start = search(engine, CLERK, flt, before=back.rows[0].cursor, limit=4)
    assert (start.first, start.has_prev, start.rows[0].todo_id) == (1, False, "90000000000099")
    assert len(start.rows) == 4


def test_past_the_last_row_is_an_empty_page_and_before_the_first_is_the_first_page(engine):
    flt = SearchFilter(user_filter="role", status=None)
    pages = walk(engine, CLERK, flt, 3)
    after_end = search(engine, CLERK, flt, after=pages[-1].rows[-1].cursor, limit=3)
    assert (after_end.rows, after_end.first, after_end.has_next, after_end.has_prev) == ([], 0, False, True)
    assert after_end.total == pages[0].total
    before_start = search(engine, CLERK, flt, before=pages[0].rows[0].cursor, limit=3)
    assert [r.todo_id for r in before_start.rows] == [r.todo_id for r in pages[0].rows]
    assert (before_start.first, before_start.has_prev) == (1, False)


def test_a_filter_with_nothing_in_it(engine):
    page = search(engine, CLERK, SearchFilter(user_filter="role", role="TR-DIRC"))
    assert (page.rows, page.total, page.first, page.has_next, page.has_prev) == ([], 0, 0, False, False)


def test_page_size_and_direction_are_checked(engine):
    page = search(engine, DIRC, SearchFilter(user_filter="role", role="TR-SDC"), limit=2)
    with pytest.raises(Invalid, match="not both"):
        search(engine, DIRC, SearchFilter(), after=page.rows[0].cursor, before=page.rows[1].cursor)
    for bad in (0, todos.MAX_PAGE + 1):
        with pytest.raises(Invalid, match="limit: a page holds"):
            search(engine, CLERK, limit=bad)


# --- search: filters -----------------------------------------------------------------------------


def test_default_filter_is_my_open_to_dos(engine):
    page = search(engine, CLERK)
    assert [r.todo_id for r in page.rows] == expect(engine, INR1, user=CLERK)
    assert page.rows and {r.status for r in page.rows} <= {OPEN, BEING_WORKED_ON}


@pytest.mark.parametrize(
    "status, statuses",
    [("open", (OPEN, BEING_WORKED_ON)), (OPEN, (OPEN,)), (BEING_WORKED_ON, (BEING_WORKED_ON,)), (COMPLETE, (COMPLETE,)), (None, todos.TODO_STATUSES)],
)
def test_status_filter(engine, status, statuses):
    flt = SearchFilter(user_filter="role", role="TR-SDC", status=status)
    got = ids(walk(engine, DIRC, flt, 50))
    assert got and got == expect(engine, MVVNL, role="TR-SDC", statuses=statuses)


def test_unknown_status_is_refused(engine):
    with pytest.raises(Invalid, match="status: unknown status 'Closed'"):
        search(engine, CLERK, SearchFilter(status="Closed"))


def test_role_filter_defaults_to_my_role_and_takes_another(engine):
    mine = ids(walk(engine, SDO, SearchFilter(user_filter="role"), 50))
    assert mine and mine == expect(engine, INR1, role="TR-SDO")
    clerks = ids(walk(engine, SDO, SearchFilter(user_filter="role", role="tr-sdc"), 50))
    assert clerks and clerks == expect(engine, INR1, role="TR-SDC")
    with pytest.raises(Invalid, match="role: unknown role TR-NOPE"):
        search(engine, SDO, SearchFilter(user_filter="role", role="TR-NOPE"))


def test_user_filter_finds_a_colleagues_to_dos(engine):
    got = ids(walk(engine, SDO, SearchFilter(user_id=CLERK2, status=None), 50))
    assert got and got == expect(engine, INR1, user=CLERK2, statuses=todos.TODO_STATUSES)
    with pytest.raises(NotFound, match="user ID: no staff member NO-ONE"):
        search(engine, SDO, SearchFilter(user_id="no-one"))
    with pytest.raises(Invalid, match="user filter"):
        search(engine, SDO, SearchFilter(user_filter="office"))


def test_date_range_includes_both_ends(engine):
    every = sorted(r.created_at for r in all_todos(engine) if r.role == "TR-SDC" and r.path.startswith(MVVNL))
    start, end = every[len(every) // 4], every[len(every) // 2]
    flt = SearchFilter(user_filter="role", role="TR-SDC", status=None, start=start, end=end)
    got = ids(walk(engine, DIRC, flt, 10))
    expected = expect(engine, MVVNL, role="TR-SDC", statuses=todos.TODO_STATUSES, start=start, end=end)
    assert got == expected and 0 < len(got) < len(every)
    with db.read(engine) as s:
        created = {s.get(ToDo, t).created_at for t in got}
    assert min(created) == start and max(created) == end
    only_start = ids(walk(engine, DIRC, SearchFilter(user_filter="role", role="TR-SDC", status=None, start=start), 50))
    assert only_start == expect(engine, MVVNL, role="TR-SDC", statuses=todos.TODO_STATUSES, start=start)
    with pytest.raises(Invalid, match="end: the end date is before the start date"):
        search(engine, DIRC, SearchFilter(start=end, end=start))
    with pytest.raises(Invalid, match="start: give the time with its zone"):
        search(engine, DIRC, SearchFilter(start=start.replace(tzinfo=None)))


def test_type_filter_and_the_types_offered(engine):
    offered = dict(todos.todo_types())
    present = {r.todo_type for r in all_todos(engine)}
    assert present <= offered.keys()  # every type a To Do has can be picked
    assert {"IMITCASE", "BRAPPROV", "BRREVIEW", "BRAUDIT", "IMOFCASE", "ESCLCASE"} <= offered.keys()
    described = {rt.todo_type: rt.todo_description for rt in config.request_types().values()}
    assert all(offered[code] == desc for code, desc in described.items())
    assert offered["BRAPPROV"] == "Approve Bill Revision" and all(desc != code for code, desc in offered.items())
    flt = SearchFilter(user_filter="role", role="TR-SDC", status=None, todo_type="IMDCCASE")
    got = ids(walk(engine, DIRC, flt, 50))
    assert got and got == expect(engine, MVVNL, role="TR-SDC", statuses=todos.TODO_STATUSES, todo_type="IMDCCASE")


def test_related_counts_other_to_dos_on_the_same_case_or_account(engine):
    rows = all_todos(engine)
    page = search(engine, DIRC, SearchFilter(user_filter="role", role="TR-SDC", status=None), limit=60)
    for got in page.rows:
        me = next(r for r in rows if r.todo_id == got.todo_id)
        others = [
            r for r in rows
            if r.todo_id != me.todo_id
            and ((me.case_id and r.case_id == me.case_id) or (me.account_id and r.account_id == me.account_id))
        ]
        assert got.related == len(others), got.todo_id
    assert any(r.related for r in page.rows)


def test_rows_carry_what_the_columns_show(engine):
    page = search(engine, CLERK, SearchFilter(status=None))
    with db.read(engine) as s:
        for row in page.rows:
            todo = s.get(ToDo, row.todo_id)
            assert (row.priority, row.created_at, row.last_assigned_at, row.message, row.status, row.completed_at) == (
                todo.priority, todo.created_at, todo.last_assigned_at, todo.message, todo.status, todo.completed_at
            )
            assert row.created_at.utcoffset() == timedelta(0)
            assert row.cursor == todos.Cursor(todo.priority, todo.created_at, todo.todo_id)


def _second_page_plan(engine, actor, flt):
    """EXPLAIN QUERY PLAN of the page statement a second-page search sends: {node: (parent, detail)}."""
    first = search(engine, actor, flt, limit=1)
    assert first.has_next, "the filter needs two rows to have a second page"
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        search(engine, actor, flt, after=first.rows[-1].cursor, limit=1)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    [(sql, params)] = [(q, p) for q, p in sent if "LIMIT" in q]
    raw = engine.raw_connection()
    try:
        plan = raw.cursor().execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    finally:
        raw.close()
    return {node: (parent, detail) for node, parent, _, detail in plan}


def _under_a_count(plan, node) -> bool:
    while node:
        parent, detail = plan[node]
        if detail.startswith("SCALAR SUBQUERY"):
            return True
        node = parent
    return False


@pytest.mark.skipif(bool(PG_URL), reason="EXPLAIN QUERY PLAN is SQLite's")
@pytest.mark.parametrize(
    "actor, flt, index, arms",
    [
        (CLERK, SearchFilter(status=COMPLETE), "ix_todo_assigned_page", 1),
        (CLERK, SearchFilter(user_filter="role", status=COMPLETE), "ix_todo_role_page", 1),
        (CLERK, SearchFilter(status=None), "ix_todo_assigned_page", 3),
        (EE, SearchFilter(user_filter="role", role="TR-SDC"), "ix_todo_role_page", 6),
    ],
)
def test_a_page_is_an_index_range_scan_not_a_sort_of_the_result(engine, actor, flt, index, arms):
    plan = _second_page_plan(engine, actor, flt)
    lines = [d for _, d in plan.values()]
    assert not [d for d in lines if d.startswith("SCAN todo")], lines
    searches = {n: d for n, (_, d) in plan.items() if d.startswith("SEARCH todo")}
    page = [d for n, d in searches.items() if not _under_a_count(plan, n)]
    counts = [d for n, d in searches.items() if _under_a_count(plan, n)]
    assert len(page) == arms, lines
    assert all(f"INDEX {index} (" in d and "(priority,created_at,todo_id)>(?,?,?)" in d for d in page), lines
    # Counted once each, whatever the arms: the total over the filter's index range, and the rows up
    # to the cursor over the range before it (page 2 counts 1 row, not the whole filter).
    assert len(counts) == 2 and all(f"INDEX {index} (" in d for d in counts), lines
    assert counts[1].endswith("(priority,created_at,todo_id)<=(?,?,?))") or counts[1].endswith("<(?,?,?))"), counts
    sorts = [parent for parent, d in plan.values() if "TEMP B-TREE" in d]
    if arms == 1:
        assert not sorts, lines
    else:
        # Each arm's few rows are ordered for the merge, and the merged page once more under its
        # counts; never the arms' index scans themselves.
        assert "MERGE (UNION ALL)" in lines
        for parent in sorts:
            siblings = [d for p, d in plan.values() if p == parent]
            assert any(d.startswith("SCAN ") and not d.startswith("SCAN todo") for d in siblings), lines


@pytest.mark.skipif(bool(PG_URL), reason="EXPLAIN QUERY PLAN is SQLite's")
def test_an_sdos_date_range_counts_the_range_of_its_own_index_not_the_office(engine):
    """The SDO's month of the sub-division's To Dos, every status (issue 13): both counts seek
    ix_todo_role_created on (role, office, created_at), so they read the range's entries, not every
    To Do of the office (the page itself walks ix_todo_role_page in page order)."""
    start = clock.now() - timedelta(days=30)
    plan = _second_page_plan(engine, SDO, SearchFilter(user_filter="role", role="TR-SDC", status=None, start=start))
    lines = [d for _, d in plan.values()]
    counts = [d for n, (_, d) in plan.items() if d.startswith("SEARCH todo") and _under_a_count(plan, n)]
    assert len(counts) == 2, lines
    # The total from the index alone; the count up to the cursor reads each row's priority too.
    assert all(d.endswith("INDEX ix_todo_role_created (role=? AND office_code=? AND created_at>?)") for d in counts), counts
    assert "COVERING INDEX" in counts[0], counts


@pytest.mark.skipif(bool(PG_URL), reason="EXPLAIN QUERY PLAN is SQLite's")
@pytest.mark.parametrize("actor", [CLERK, EE, DIRC])
def test_next_to_do_is_sought_in_my_role_queue_only(engine, actor):
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with db.read(engine) as s:  # read: nothing is taken
            todos.assign_next(s, actor)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    sql, params = next((q, p) for q, p in sent if "IS NULL" in q and "ORDER BY" in q)
    raw = engine.raw_connection()
    try:
        plan = [row[3] for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        raw.close()
    assert [d for d in plan if d.startswith("SEARCH todo")] == [
        "SEARCH todo USING INDEX ix_todo_role_page (role=? AND office_code=? AND status=?)"
    ], plan


# --- one To Do -----------------------------------------------------------------------------------


def test_detail_has_characteristics_log_with_names_and_keys(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON)
    assert todo.todo_type_description == "Start Investigation for Bill Revision Request through WSS" or todo.todo_type != "IMITCASE"
    assert todo.role_description == "To Do Role for Sub Divisional Clerk"
    assert todo.office_name == "Electricity Distribution Sub-Division Indira Nagar I"
    assert todo.assigned_to_name == name_of(engine, todo.assigned_to)
    kinds = [k for k, _ in todo.characteristics]
    assert kinds[:2] == ["CASE", "ACCOUNT"]
    assert [e.log_type for e in todo.log][:2] == ["Created", "Assigned"]
    assert [e.at for e in todo.log] == sorted(e.at for e in todo.log)
    assigned = todo.log[1]
    assert (assigned.user_id, assigned.user_name) == (todo.assigned_to, todo.assigned_to_name)
    keys = dict(todo.keys)
    chars = dict(todo.characteristics)
    assert keys["Account ID"] == chars["ACCOUNT"] and keys["Case ID"] == chars["CASE"]
    assert list(keys)[:2] == ["Account ID", "Case ID"] and list(keys)[-2:] == ["Person", "Premise"]
    with db.read(engine) as s:
        from wss_tui.store.models import Account

        account = s.get(Account, keys["Account ID"])
        assert (keys["Person"], keys["Premise"]) == (account.person_name, account.premise_address)
    if "BILL" in chars:
        assert keys["Bill Number"] == chars["BILL"]


def test_unknown_to_do(engine):
    with pytest.raises(NotFound, match="no To Do 12345678901234 in your offices"):
        detail(engine, CLERK, "12345678901234")


# --- actions -------------------------------------------------------------------------------------


def test_take_assigns_an_open_to_do_to_me(engine):
    todo = first_todo(engine)
    assert todo.assigned_to is None
    taken = act(engine, todos.take, CLERK, todo.todo_id, todo.version)
    assert (taken.status, taken.assigned_to, taken.assigned_to_name) == (BEING_WORKED_ON, CLERK, name_of(engine, CLERK))
    assert taken.last_assigned_at == FIXED_NOW
    assert taken.version == todo.version + 1
    last = taken.log[-1]
    assert (last.log_type, last.user_id, last.assigned_to, last.at) == ("Assigned", CLERK, CLERK, FIXED_NOW)
    assert detail(engine, CLERK, todo.todo_id) == taken
    assert stored(engine, todo.todo_id)[3] == len(todo.log) + 1


def test_take_of_my_own_to_do_changes_nothing(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    before = stored(engine, todo.todo_id)
    again = act(engine, todos.take, CLERK, todo.todo_id, todo.version)
    assert again == todo and stored(engine, todo.todo_id) == before


def test_take_of_someone_elses_to_do_is_refused(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK2)
    before = stored(engine, todo.todo_id)
    with pytest.raises(Denied, match=re.escape(f"being worked on by {name_of(engine, CLERK2)} ({CLERK2}); ask them to forward it")):
        act(engine, todos.take, CLERK, todo.todo_id, todo.version)
    assert stored(engine, todo.todo_id) == before


def test_forward_to_a_user(engine):
    todo = act(engine, todos.take, CLERK, first_todo(engine).todo_id, first_todo(engine).version)
    sent = act(engine, todos.forward, CLERK, todo.todo_id, todo.version, to_user="inr1-sdo", note="  Site visit done; please approve.  ")
    assert (sent.status, sent.assigned_to, sent.sent_by, sent.role) == (BEING_WORKED_ON, SDO, CLERK, "TR-SDO")
    assert sent.sent_by_name == name_of(engine, CLERK) and sent.last_assigned_at == FIXED_NOW
    last = sent.log[-1]
    assert (last.log_type, last.user_id, last.assigned_to) == ("Forwarded", CLERK, SDO)
    assert last.details == f"To {SDO} ({name_of(engine, SDO)}): Site visit done; please approve."
    assert sent.todo_id in ids(walk(engine, SDO, SearchFilter(), 50))


def test_forward_to_a_role_puts_it_back_in_the_queue(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    sent = act(engine, todos.forward, CLERK, todo.todo_id, todo.version, to_role="TR-EE", note="Needs the EE's approval")
    assert (sent.status, sent.assigned_to, sent.role, sent.sent_by) == (OPEN, None, "TR-EE", CLERK)
    assert (sent.log[-1].log_type, sent.log[-1].details) == ("Forwarded", "To role TR-EE: Needs the EE's approval")
    assert ids(walk(engine, EE, SearchFilter(user_filter="role"), 50)) == [sent.todo_id]


FORWARD_REFUSALS = [
    (dict(to_user=SDO, note="   "), Invalid, "note: say why you forward it; it cannot be empty"),
    (dict(to_user=SDO, note="x" * (todos.MAX_TEXT + 1)), Invalid, f"note: keep it to {todos.MAX_TEXT} characters"),
    (dict(note="who?"), Invalid, "to: forward to a user ID or to a role"),
    (dict(to_user=SDO, to_role="TR-SDO", note="both"), Invalid, "to: forward to a user ID or to a role"),
    (dict(to_user="NOBODY-1", note="n"), NotFound, "to user: no staff member NOBODY-1"),
    (dict(to_user="INR2-SDO", note="n"), Invalid, "does not cover ESD-INR-1"),
    (dict(to_user="INR1-OPR", note="n"), Invalid, "is TR-OPR and does not work To Dos"),
    (dict(to_user=CLERK, note="n"), Invalid, "cannot forward a To Do to yourself"),
    (dict(to_role="TR-XYZ", note="n"), Invalid, "to role: TR-XYZ is not a role that works To Dos"),
    (dict(to_role="TR-OPR", note="n"), Invalid, "to role: TR-OPR is not a role that works To Dos"),
]


@pytest.mark.parametrize("kw, error, message", FORWARD_REFUSALS)
def test_forward_refusals_write_nothing(engine, kw, error, message):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    before = stored(engine, todo.todo_id)
    with pytest.raises(error, match=message):
        act(engine, todos.forward, CLERK, todo.todo_id, todo.version, **kw)
    assert stored(engine, todo.todo_id) == before


def test_forward_to_an_inactive_colleague_is_refused(engine):
    with db.write(engine) as s:
        s.get(Staff, SDO).active = False
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    with pytest.raises(Invalid, match="is no longer active"):
        act(engine, todos.forward, CLERK, todo.todo_id, todo.version, to_user=SDO, note="n")


def test_only_the_assignee_forwards_a_to_do_being_worked_on(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK2)
    with pytest.raises(Denied, match="only they can forward it"):
        act(engine, todos.forward, CLERK, todo.todo_id, todo.version, to_user=SDO, note="n")


def test_only_the_assignee_sends_it_back_in_plain_words(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    sent = act(engine, todos.forward, CLERK, todo.todo_id, todo.version, to_user=SDO, note="please approve")
    with pytest.raises(Denied) as refused:
        act(engine, todos.send_back, CLERK2, sent.todo_id, sent.version, "not mine")
    assert str(refused.value) == (
        f"assigned to: To Do {sent.todo_id} is being worked on by {name_of(engine, SDO)} ({SDO}); only they can send it back"
    )


def test_send_back_returns_it_to_whoever_forwarded_it(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    sent = act(engine, todos.forward, CLERK, todo.todo_id, todo.version, to_user=SDO, note="please approve")
    back = act(engine, todos.send_back, SDO, sent.todo_id, sent.version, "Reading photo missing")
    assert (back.status, back.assigned_to, back.sent_by, back.role) == (BEING_WORKED_ON, CLERK, SDO, "TR-SDC")
    last = back.log[-1]
    assert (last.log_type, last.user_id, last.assigned_to) == ("Sent Back", SDO, CLERK)
    assert last.details == f"To {CLERK} ({name_of(engine, CLERK)}): Reading photo missing"
    # ... and the clerk can send it back again to the SDO who returned it.
    again = act(engine, todos.send_back, CLERK, back.todo_id, back.version, "Photo attached")
    assert (again.assigned_to, again.sent_by) == (SDO, CLERK)


def test_send_back_refusals(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    assert todo.sent_by is None
    with pytest.raises(Invalid, match="sent by: nobody forwarded To Do"):
        act(engine, todos.send_back, CLERK, todo.todo_id, todo.version, "back")
    with pytest.raises(Invalid, match="note: say why you send it back"):
        act(engine, todos.send_back, CLERK, todo.todo_id, todo.version, "")
    sent = act(engine, todos.forward, CLERK, todo.todo_id, todo.version, to_role="TR-SDO", note="for the SDO")
    with pytest.raises(Invalid, match="you forwarded To Do .* last"):
        act(engine, todos.send_back, CLERK, sent.todo_id, sent.version, "oops")


def test_add_log_writes_user_details(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    logged = act(engine, todos.add_log, CLERK, todo.todo_id, todo.version, "Called the consumer; meter photo asked for.")
    last = logged.log[-1]
    assert (last.log_type, last.details, last.user_id, last.user_name, last.at) == (
        "User Details", "Called the consumer; meter photo asked for.", CLERK, name_of(engine, CLERK), FIXED_NOW
    )
    assert (logged.version, logged.status, logged.assigned_to) == (todo.version + 1, todo.status, todo.assigned_to)
    for bad, message in (("  ", "details: type what you found or did; it cannot be empty"), ("y" * 1001, "keep it to 1000")):
        with pytest.raises(Invalid, match=message):
            act(engine, todos.add_log, CLERK, todo.todo_id, logged.version, bad)
    assert stored(engine, todo.todo_id)[3] == len(logged.log)


def test_change_priority_is_logged_old_to_new(engine):
    todo = first_todo(engine)
    assert todo.priority != 10
    changed = act(engine, todos.change_priority, SDO, todo.todo_id, todo.version, 10, note="VIP reference")
    assert changed.priority == 10 and changed.version == todo.version + 1
    assert (changed.log[-1].log_type, changed.log[-1].details) == ("Priority Changed", f"Priority {todo.priority} -> 10: VIP reference")
    again = act(engine, todos.change_priority, SDO, todo.todo_id, changed.version, 50)
    assert again.log[-1].details == "Priority 10 -> 50"
    page = search(engine, CLERK, SearchFilter(user_filter="role", status=OPEN), limit=500)
    assert page.rows[-1].todo_id == todo.todo_id or page.rows[-1].priority == 50


@pytest.mark.parametrize("priority", [0, 5, 15, 60, -10, "10", True, None])
def test_priority_out_of_range_is_refused(engine, priority):
    todo = first_todo(engine)
    before = stored(engine, todo.todo_id)
    with pytest.raises(Invalid, match="priority: .* is not a priority; use 10 \\(highest\\), 20, 30, 40 or 50"):
        act(engine, todos.change_priority, SDO, todo.todo_id, todo.version, priority)
    assert stored(engine, todo.todo_id) == before


def test_same_priority_is_refused(engine):
    todo = first_todo(engine)
    with pytest.raises(Invalid, match=f"already priority {todo.priority}"):
        act(engine, todos.change_priority, SDO, todo.todo_id, todo.version, todo.priority)


def test_complete_by_the_assignee_with_a_comment(engine):
    todo = first_todo(engine, status=BEING_WORKED_ON, assigned_to=CLERK)
    with pytest.raises(Invalid, match="comment: say what was done; it cannot be empty"):
        act(engine, todos.complete, CLERK, todo.todo_id, todo.version, " ")
    with pytest.raises(Denied, match="only they can complete it"):
        act(engine, todos.complete, CLERK2, todo.todo_id, todo.version, "done")
    # A complaint's To Do completes once its case is closed (tests/test_secrets.py: not before).
    with engine.begin() as conn:
        conn.execute(update(Case).where(Case.case_id == dict(todo.characteristics)["CASE"]).values(closed_at=FIXED_NOW))
    done = act(engine, todos.complete, CLERK, todo.todo_id, todo.version, "Bill revised on actual reading.")
    assert (done.status, done.completed_at, done.comment) == (COMPLETE, FIXED_NOW, "Bill revised on actual reading.")
    assert (done.log[-1].log_type, done.log[-1].details) == ("Completed", "Bill revised on actual reading.")
    assert done.todo_id not in ids(walk(engine, CLERK, SearchFilter(), 50))
    assert done.todo_id in ids(walk(engine, CLERK, SearchFilter(status=COMPLETE), 50))


def test_an_open_to_do_is_taken_before_it_is_completed(engine):
    todo = first_todo(engine)
    with pytest.raises(Denied, match="is Open; take it before completing it"):
        act(engine, todos.complete, CLERK, todo.todo_id, todo.version, "done")


@pytest.mark.parametrize(
    "action, args, kw",
    [
        (todos.take, (), {}),
        (todos.forward, (), dict(to_user=SDO, note="n")),
        (todos.forward, (), dict(to_role="TR-SDO", note="n")),
        (todos.send_back, ("n",), {}),
        (todos.add_log, ("n",), {}),
        (todos.change_priority, (10,), {}),
        (todos.complete, ("again",), {}),
    ],
)
def test_a_complete_to_do_refuses_every_action(engine, action, args, kw):
    todo = first_todo(engine, status=COMPLETE)
    before = stored(engine, todo.todo_id)
    with pytest.raises(Invalid, match=f"status: To Do {todo.todo_id} was completed on .*; a Complete To Do cannot be changed"):
        act(engine, action, todo.assigned_to or CLERK, todo.todo_id, todo.version, *args, **kw)
    assert stored(engine, todo.todo_id) == before


def test_assign_next_takes_the_highest_priority_oldest_open_to_do_of_my_role(engine):
    _open_queue(engine, 4)
    queue = expect(engine, INR1, role="TR-SDC", statuses=(OPEN,))
    with db.read(engine) as s:
        queue = [t for t in queue if s.get(ToDo, t).assigned_to is None]
    assert len(queue) >= 2
    got = []
    while (todo := act(engine, todos.assign_next, CLERK)) is not None:
        assert (todo.status, todo.assigned_to, todo.log[-1].log_type) == (BEING_WORKED_ON, CLERK, "Assigned")
        got.append(todo.todo_id)
    assert got == queue
    assert act(engine, todos.assign_next, CLERK2) is None


# --- two people on one To Do ---------------------------------------------------------------------


def test_the_second_of_two_people_gets_stale_and_nothing_is_lost(engine):
    todo = first_todo(engine)
    seen_by_clerk2 = detail(engine, CLERK2, todo.todo_id)
    act(engine, todos.take, CLERK, todo.todo_id, todo.version)
    after_first = stored(engine, todo.todo_id)
    for action, args in ((todos.take, ()), (todos.add_log, ("mine?",)), (todos.change_priority, (10,))):
        with pytest.raises(Stale) as err:
            act(engine, action, CLERK2, todo.todo_id, seen_by_clerk2.version, *args)
        assert str(err.value) == (
            f"To Do {todo.todo_id} was changed by {name_of(engine, CLERK)} ({CLERK}) at 28-11-2026 11:00:00AM; "
            "reloaded — look again and retry"
        )
    assert stored(engine, todo.todo_id) == after_first
    assert detail(engine, CLERK2, todo.todo_id).assigned_to == CLERK


def test_a_write_racing_another_open_transaction_gets_stale(engine):
    """Both read version v; the first is still writing when the second tries. On PostgreSQL the
    second's UPDATE waits on the row and then matches no row; on SQLite it waits at BEGIN IMMEDIATE
    and then sees the new version. Either way: Stale, and only the first change is kept."""
    todo = first_todo(engine)
    first_wrote, results = threading.Event(), {}

    def first():
        with db.write(engine) as s:
            todos.take(s, CLERK, todo.todo_id, todo.version)
            first_wrote.set()
            threading.Event().wait(0.5)  # hold the transaction open while the second one tries

    def second():
        first_wrote.wait(5)
        try:
            with db.write(engine) as s:
                todos.add_log(s, CLERK2, todo.todo_id, todo.version, "was it mine?")
        except Stale as err:
            results["error"] = err

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert "changed by" in str(results["error"])
    version, status, assigned_to, _ = stored(engine, todo.todo_id)
    assert (version, status, assigned_to) == (todo.version + 1, BEING_WORKED_ON, CLERK)
    assert [e.log_type for e in detail(engine, CLERK, todo.todo_id).log][-1] == "Assigned"


def _open_queue(engine, n):
    """At least `n` unassigned Open clerk To Dos in INR1 (adds some to the demo's)."""
    with db.write(engine) as s:
        s.connection().execute(
            insert(ToDo.__table__),
            [dict(todo_id=f"8000000000{k:04d}", todo_type="IMITCASE", role="TR-SDC", office_code="ESD-INR-1",
                  message=f"queued {k}", status=OPEN, priority=40, created_at=FIXED_NOW - timedelta(hours=k), version=1)
             for k in range(n)],
        )


def test_clerks_asking_for_the_next_to_do_at_once_never_get_the_same_one(engine):
    _open_queue(engine, 12)
    got, errors = [], []

    def clerk(user_id):
        try:
            for _ in range(3):
                with db.write(engine) as s:
                    todo = todos.assign_next(s, user_id)
                got.append((user_id, todo.todo_id))
        except Exception as err:  # surfaced by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=clerk, args=(u,)) for u in (CLERK, CLERK2, CLERK, CLERK2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(got) == 12 and len({t for _, t in got}) == 12
    with db.read(engine) as s:
        for user_id, todo_id in got:
            assert s.get(ToDo, todo_id).assigned_to == user_id


@pytest.mark.skipif(not PG_URL, reason="SKIP LOCKED is PostgreSQL's; SQLite runs one writer at a time")
def test_on_postgresql_a_clerk_skips_the_to_do_another_is_taking(engine):
    _open_queue(engine, 3)
    holding, done, results = threading.Event(), threading.Event(), {}

    def first():
        with db.write(engine) as s:
            results["first"] = todos.assign_next(s, CLERK).todo_id
            holding.set()
            done.wait(10)  # still uncommitted while the second clerk asks

    def second():
        holding.wait(10)
        with db.write(engine) as s:
            results["second"] = todos.assign_next(s, CLERK2).todo_id
        done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert done.is_set(), "the second clerk waited for the first instead of skipping the locked row"
    assert results["first"] != results["second"]
    queue = expect(engine, INR1, role="TR-SDC", statuses=(OPEN, BEING_WORKED_ON))
    assert queue.index(results["first"]) < queue.index(results["second"])


# --- each To Do's due time, escalation level and warnings (its case's) ---------------------------


def _a_pending_complaint(engine):
    """One of the clerk's open bill-complaint To Dos, and its case's due time."""
    with db.read(engine) as s:
        row = next(r for r in todos.search(s, CLERK, SearchFilter(), limit=500).rows if r.todo_type == "IMITCASE")
        return row.todo_id, s.get(Case, row.case_id).due_at


def _seen_at(engine, todo_id: str, at):
    """The search row and the To Do Entry of `todo_id` as they read at `at`."""
    clock.freeze(at)
    try:
        with db.read(engine) as s:
            row = next(r for r in todos.search(s, CLERK, SearchFilter(), limit=500).rows if r.todo_id == todo_id)
            return row, todos.get(s, CLERK, todo_id)
    finally:
        clock.set_clock(None)


@pytest.mark.parametrize(
    "offset, short, urgency, warning",
    [
        (-timedelta(days=3), "3d left", "", ""),  # outside the 48 hours' warning (escalation.toml)
        (-timedelta(hours=47), "1d left", "soon", "breaches in 1 day"),
        (-timedelta(hours=5), "5h left", "soon", "breaches in 5 hours"),
        (timedelta(hours=5), "5h late", "late", "breached 5 hours ago"),
        (timedelta(days=3, seconds=1), "3d late", "late", "breached 3 days ago"),
    ],
)
def test_search_rows_and_the_entry_carry_the_due_time_and_its_warning(engine, offset, short, urgency, warning):
    todo_id, due = _a_pending_complaint(engine)
    row, detail = _seen_at(engine, todo_id, due + offset)
    for info in (row.due, detail.due):
        assert (info.due_at, info.short, info.urgency, info.level) == (due, short, urgency, 0)
        assert info.warning.split(";")[0] == warning
    # Compensation, by hand: Rs 50 for each full day past the due time (the cap is far above 3 days').
    comp = detail.compensation
    days = 3 if offset >= timedelta(days=3) else 0
    assert comp.cap_paise > 3 * 5000
    assert (comp.days_late, comp.owed_paise, comp.closed) == (days, days * 5000, False)


def test_a_to_do_naming_its_case_and_account_only_by_characteristics_shows_the_same_entry(engine):
    """The Entry reads a To Do's own case and account with it, and one named only by its CASE and
    ACCOUNT characteristics on their own: the clerk sees the same keys, due time and compensation."""
    from wss_tui.services import todos as service
    from wss_tui.store.models import ToDoCharacteristic

    todo_id, due = _a_pending_complaint(engine)
    clock.freeze(due + timedelta(days=2, hours=1))
    try:
        with db.write(engine) as s:
            original = s.get(ToDo, todo_id)
            twin = ToDo(**{**original.model_dump(), "todo_id": "99999999999999", "case_id": None, "account_id": None})
            s.add(twin)
            s.flush()
            s.add_all(ToDoCharacteristic(todo_id=twin.todo_id, char_type=c.char_type, value=c.value)
                      for c in s.scalars(select(ToDoCharacteristic).where(ToDoCharacteristic.todo_id == todo_id)))
        seen, named = service.get(engine, CLERK, todo_id), service.get(engine, CLERK, "99999999999999")
    finally:
        clock.set_clock(None)
    assert dict(seen.keys)["Person"] and seen.due.short == "2d late" and seen.compensation.days_late == 2
    assert (named.keys, named.due, named.compensation) == (seen.keys, seen.due, seen.compensation)


def test_the_due_shows_the_level_the_sweep_reached(engine):
    todo_id, due = _a_pending_complaint(engine)
    with db.write(engine) as s:
        escalation.sweep(s, due + timedelta(seconds=1))  # level 1: after 7 calendar days, the SLA
    row, detail = _seen_at(engine, todo_id, due + timedelta(hours=1))
    assert (row.due.level, row.due.level_role) == (1, "TR-EE") == (detail.due.level, detail.due.level_role)
    with db.read(engine) as s:
        mine = todos.search(s, EE, SearchFilter(user_filter="role", todo_type="ESCLCASE"), limit=500).rows
        escalated = next(r for r in mine if r.case_id == detail.keys[1][1])
        assert escalated.due.level == 1
        assert todos.get(s, EE, escalated.todo_id).todo_type_description == "Escalated Bill Revision Complaint"
        assert ("ESCLCASE", "Escalated Bill Revision Complaint") in todos.todo_types()


def test_nothing_falls_due_without_a_case_on_a_closed_case_or_once_complete(engine):
    with db.read(engine) as s:
        rows = todos.search(s, CLERK, SearchFilter(user_filter="role", status=None), limit=500).rows
        closed = {c for c in s.scalars(select(Case.case_id).where(Case.closed_at.is_not(None)))}
    assert any(r.case_id in closed for r in rows) and any(r.status == COMPLETE for r in rows)
    for r in rows:
        if r.case_id is None or r.case_id in closed or r.status == COMPLETE:
            assert r.due is None
        else:
            assert r.due.short


def test_the_due_costs_the_page_one_statement_however_many_rows(engine):
    statements = []

    def count(*_args):
        statements.append(1)

    flt = SearchFilter(user_filter="role", status=None)
    seen = []
    for limit in (5, 50):
        statements.clear()
        with db.read(engine) as s:
            event.listen(s.connection(), "before_cursor_execute", count)
            page = todos.search(s, CLERK, flt, limit=limit)
            event.remove(s.connection(), "before_cursor_execute", count)
        assert sum(1 for r in page.rows if r.due) > 1
        seen.append(len(statements))
    assert seen[0] == seen[1]
