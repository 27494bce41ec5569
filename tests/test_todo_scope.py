"""Who sees which To Dos: a clerk and an SDO their sub-division, an EE the division, an SE the circle,
a CE the zone, the Director (Commercial) the discom, a counter operator none. Held by the store, so no
filter, user ID or To Do ID typed anywhere reaches outside it.

The expected offices are written out here as paths, independently of offices.scope_path.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from wss_tui.store import db, todos
from wss_tui.store.errors import Denied, NotFound
from wss_tui.store.models import BEING_WORKED_ON, OPEN, Office, Staff, ToDo, ToDoLog
from wss_tui.store.todos import SearchFilter

ALL = None  # every status

SCOPES = {
    "INR1-SDC1": "/MVVNL/LKO/LKO-C1/EDD-INR/ESD-INR-1/",  # clerk: sub-division
    "INR1-SDO": "/MVVNL/LKO/LKO-C1/EDD-INR/ESD-INR-1/",  # SDO: sub-division
    "INR-EE": "/MVVNL/LKO/LKO-C1/EDD-INR/",  # EE: division
    "INR-ACC": "/MVVNL/LKO/LKO-C1/EDD-INR/",  # divisional accountant: division
    "LKOC1-SE": "/MVVNL/LKO/LKO-C1/",  # SE: circle
    "LKO-CE": "/MVVNL/LKO/",  # CE: zone
    "MVVNL-DIRC": "/MVVNL/",  # Director (Commercial): discom
    "MRT1-SDC1": "/PVVNL/MRT/MRT-C/EDD-MRT/ESD-MRT-1/",  # a clerk of another discom
}


def _todos(engine):
    with db.read(engine) as s:
        return s.execute(
            select(ToDo.todo_id, ToDo.role, ToDo.status, ToDo.assigned_to, ToDo.office_code, ToDo.version, Office.path)
            .join(Office, Office.code == ToDo.office_code)
        ).all()


def _every_row(engine, actor, flt):
    found = []
    with db.read(engine) as s:
        page = todos.search(s, actor, flt, limit=40)
        found += page.rows
        while page.has_next:
            page = todos.search(s, actor, flt, after=page.rows[-1].cursor, limit=40)
            found += page.rows
    return [r.todo_id for r in found]


def _stored(engine, todo_id):
    with db.read(engine) as s:
        todo = s.get(ToDo, todo_id)
        logs = s.scalar(select(func.count()).select_from(ToDoLog).where(ToDoLog.todo_id == todo_id))
        return todo.version, todo.status, todo.assigned_to, todo.priority, logs


@pytest.mark.parametrize("actor, prefix", SCOPES.items())
def test_role_searches_show_exactly_the_to_dos_of_my_offices(engine, actor, prefix):
    rows = _todos(engine)
    seen = set()
    for role in sorted({r.role for r in rows}):
        seen |= set(_every_row(engine, actor, SearchFilter(user_filter="role", role=role, status=ALL)))
    expected = {r.todo_id for r in rows if r.path.startswith(prefix)}
    assert expected, f"the demo has no To Dos under {prefix}"
    assert seen == expected
    assert len(expected) < len(rows)


@pytest.mark.parametrize("actor, prefix", SCOPES.items())
def test_any_user_id_searched_shows_only_to_dos_of_my_offices(engine, actor, prefix):
    rows = _todos(engine)
    for user in sorted({r.assigned_to for r in rows if r.assigned_to})[::7]:
        got = set(_every_row(engine, actor, SearchFilter(user_id=user, status=ALL)))
        assert got == {r.todo_id for r in rows if r.assigned_to == user and r.path.startswith(prefix)}, user


def test_a_clerk_searching_another_discoms_clerk_sees_nothing(engine):
    theirs = [r for r in _todos(engine) if r.assigned_to == "MRT1-SDC1"]
    assert theirs
    with db.read(engine) as s:
        page = todos.search(s, "INR1-SDC1", SearchFilter(user_id="MRT1-SDC1", status=ALL))
    assert (page.rows, page.total) == ([], 0)


@pytest.fixture
def clerk_holds_one_outside(engine):
    """One To Do of the neighbouring sub-division (INR-2) assigned to the INR-1 clerk, as a transfer
    between sub-divisions leaves it."""
    with db.write(engine) as s:
        todo_id = s.scalars(
            select(ToDo.todo_id).where(ToDo.office_code == "ESD-INR-2", ToDo.status == OPEN).order_by(ToDo.todo_id)
        ).first()
        s.execute(update(ToDo).where(ToDo.todo_id == todo_id).values(assigned_to="INR1-SDC1", status=BEING_WORKED_ON))
    return todo_id


def test_scope_is_the_searchers_not_the_assignees(engine, clerk_holds_one_outside):
    todo_id = clerk_holds_one_outside
    assert todo_id not in _every_row(engine, "INR1-SDC1", SearchFilter(status=ALL))
    assert todo_id in _every_row(engine, "INR-EE", SearchFilter(user_id="INR1-SDC1", status=ALL))
    assert _every_row(engine, "INR2-SDC1", SearchFilter(user_id="INR1-SDC1", status=ALL)) == [todo_id]
    with db.read(engine) as s:
        with pytest.raises(NotFound):
            todos.get(s, "INR1-SDC1", todo_id)


def _outside(engine, actor):
    rows = _todos(engine)
    return next(r for r in rows if r.status == BEING_WORKED_ON and not r.path.startswith(SCOPES[actor]))


def test_a_to_do_outside_my_offices_looks_like_no_to_do_at_all(engine):
    todo = _outside(engine, "INR1-SDC1")
    with db.read(engine) as s:
        with pytest.raises(NotFound) as outside:
            todos.get(s, "INR1-SDC1", todo.todo_id)
        with pytest.raises(NotFound) as missing:
            todos.get(s, "INR1-SDC1", "99999999999999")
    assert str(outside.value).replace(todo.todo_id, "ID") == str(missing.value).replace("99999999999999", "ID")


@pytest.mark.parametrize(
    "action, args, kw",
    [
        (todos.take, (), {}),
        (todos.forward, (), dict(to_user="INR1-SDO", note="n")),
        (todos.forward, (), dict(to_role="TR-SDC", note="n")),
        (todos.send_back, ("n",), {}),
        (todos.add_log, ("looked at it",), {}),
        (todos.change_priority, (10,), {}),
        (todos.complete, ("done",), {}),
    ],
)
def test_no_action_reaches_outside_my_offices(engine, action, args, kw):
    todo = _outside(engine, "INR1-SDC1")
    before = _stored(engine, todo.todo_id)
    with db.write(engine) as s:
        with pytest.raises(NotFound, match=f"no To Do {todo.todo_id} in your offices"):
            action(s, "INR1-SDC1", todo.todo_id, todo.version, *args, **kw)
    assert _stored(engine, todo.todo_id) == before


@pytest.mark.parametrize("actor", ["INR-EE", "LKOC1-SE", "LKO-CE", "MVVNL-DIRC"])
def test_officers_above_reach_the_sub_divisions_below(engine, actor):
    todo = next(r for r in _todos(engine) if r.office_code == "ESD-INR-1" and r.status != "Complete")
    with db.write(engine) as s:
        logged = todos.add_log(s, actor, todo.todo_id, todo.version, "Seen at the review meeting")
    assert logged.log[-1].user_id == actor


@pytest.mark.parametrize("actor", ["LKOC2-SE", "MLH-EE", "INR2-SDO", "PVVNL-DIRC"])
def test_officers_elsewhere_do_not(engine, actor):
    todo = next(r for r in _todos(engine) if r.office_code == "ESD-INR-1")
    with db.read(engine) as s:
        assert s.get(Staff, actor) is not None
        with pytest.raises(NotFound):
            todos.get(s, actor, todo.todo_id)


def test_a_counter_operator_works_no_to_dos(engine):
    todo = next(r for r in _todos(engine) if r.office_code == "ESD-INR-1" and r.status == OPEN)
    refusal = re.escape("role: TR-OPR (Counter Operator (request entry only)) does not work To Dos")
    with db.read(engine) as s:
        for flt in (SearchFilter(), SearchFilter(user_filter="role", role="TR-SDC"), SearchFilter(user_id="INR1-SDC1")):
            with pytest.raises(Denied, match=refusal):
                todos.search(s, "INR1-OPR", flt)
        with pytest.raises(Denied, match=refusal):
            todos.get(s, "INR1-OPR", todo.todo_id)
    before = _stored(engine, todo.todo_id)
    for action, args in ((todos.take, ()), (todos.add_log, ("x",))):
        with db.write(engine) as s:
            with pytest.raises(Denied, match=refusal):
                action(s, "INR1-OPR", todo.todo_id, todo.version, *args)
    with db.write(engine) as s:
        with pytest.raises(Denied, match=refusal):
            todos.assign_next(s, "INR1-OPR")
    assert _stored(engine, todo.todo_id) == before


def test_an_inactive_or_unknown_actor_is_refused(engine):
    with db.write(engine) as s:
        s.get(Staff, "INR1-SDC2").active = False
    with db.read(engine) as s:
        for actor in ("INR1-SDC2", "NOBODY"):
            with pytest.raises(Denied, match=f"user: {actor} is not an active staff member"):
                todos.search(s, actor, SearchFilter())


def test_next_to_do_comes_from_my_role_and_my_offices_only(engine):
    taken = []
    while True:
        with db.write(engine) as s:
            todo = todos.assign_next(s, "INR2-SDC1")
        if todo is None:
            break
        taken.append(todo)
    assert taken and all(t.office_code == "ESD-INR-2" and t.role == "TR-SDC" for t in taken)
    expected = {r.todo_id for r in _todos(engine) if r.office_code == "ESD-INR-2" and r.role == "TR-SDC" and r.assigned_to == "INR2-SDC1"}
    assert {t.todo_id for t in taken} <= expected

    # A To Do sent up to the EE's role is the EE's next, and not another division's EE's.
    with db.write(engine) as s:
        assert todos.assign_next(s, "INR-EE") is None
        sent = todos.forward(s, "INR2-SDC1", taken[0].todo_id, taken[0].version, to_role="TR-EE", note="for approval")
    with db.write(engine) as s:
        assert todos.assign_next(s, "MLH-EE") is None
        got = todos.assign_next(s, "INR-EE")
    assert (got.todo_id, got.assigned_to, got.status) == (sent.todo_id, "INR-EE", BEING_WORKED_ON)


def test_the_search_scope_is_offices_scope_path_for_every_office_and_role(engine):
    """todos reads the scope from the office path in one query; offices.scope_path is the rule. Every
    role at every office, including a role placed above its scope level (its own office then)."""
    from wss_tui.store import config, offices
    from wss_tui.store.todos import scope_prefix

    with db.read(engine) as s:
        for office in s.scalars(select(Office)).all():
            for code, role in config.roles().items():
                staff = Staff(user_id="X", name="X", office_code=office.code, role=code, password_hash="-")
                assert scope_prefix(office.path, role.scope) == offices.scope_path(s, staff), (office.code, code)
