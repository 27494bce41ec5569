"""Many `wss` processes on one database at once: none lost, none done twice, a killed one leaves nothing.

Each process is a separate Python with its own engine, acting through the store as the TUI
does: one action per `db.write` unit of work. On PostgreSQL (WSS_TEST_DATABASE_URL) this is the office
deployment; on SQLite, BEGIN IMMEDIATE runs the writers one at a time, and the same holds.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from wss_tui.store import db, todos
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE, OPEN, Case, ToDo, ToDoLog

from . import _concurrency_workers as work
from .conftest import FIXED_NOW

CLERKS = ("INR1-SDC1", "INR1-SDC2")
SDO = "INR1-SDO"
# A process of its own each, with its own engine and connections, as separate `wss` runs are. They are
# forked from a fork server: a clean interpreter started once per test worker (it never runs a test and
# holds no engine) with the workers' modules imported, so each starts in milliseconds, not the second a
# new interpreter takes to import SQLAlchemy and the store. `spawn` makes the same processes slowly.
SPAWN = multiprocessing.get_context("forkserver")
SPAWN.set_forkserver_preload(["tests._concurrency_workers", "tests._counter_workers"])


def in_processes(calls: list[tuple], timeout: float = 120) -> list[tuple[str, object]]:
    """Run each (function, *args) in its own process, all released at once; (outcome, value) each."""
    barrier, results = SPAWN.Barrier(len(calls)), SPAWN.Queue()
    procs = [SPAWN.Process(target=work.run, args=(fn, barrier, results, i, tuple(args))) for i, (fn, *args) in enumerate(calls)]
    for p in procs:
        p.start()
    got = {}
    try:
        for _ in procs:
            index, outcome, value = results.get(timeout=timeout)
            got[index] = (outcome, value)
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    errors = [v for o, v in got.values() if o == "error"]
    assert not errors, errors[0]
    return [got[i] for i in range(len(calls))]


def queue_of(engine, role: str) -> set[str]:
    """The unassigned Open To Dos of `role` in ESD-INR-1: what assign_next hands out."""
    with db.read(engine) as s:
        return set(s.scalars(select(ToDo.todo_id).where(
            ToDo.office_code == "ESD-INR-1", ToDo.role == role, ToDo.status == OPEN, ToDo.assigned_to.is_(None))))


def add_queue(engine, n: int) -> None:
    with db.write(engine) as s:
        s.connection().execute(
            insert(ToDo.__table__),
            [dict(todo_id=f"8100000000{k:04d}", todo_type="IMITCASE", role="TR-SDC", office_code="ESD-INR-1",
                  message=f"queued {k}", status=OPEN, priority=(10, 20, 40)[k % 3],
                  created_at=FIXED_NOW - timedelta(minutes=k), version=1)
             for k in range(n)],
        )


def log_types(engine, todo_ids) -> dict[str, list[str]]:
    with db.read(engine) as s:
        rows = s.execute(select(ToDoLog.todo_id, ToDoLog.log_type).where(ToDoLog.todo_id.in_(list(todo_ids)))
                         .order_by(ToDoLog.todo_id, ToDoLog.id)).all()
    out: dict[str, list[str]] = {t: [] for t in todo_ids}
    for todo_id, log_type in rows:
        out[todo_id].append(log_type)
    return out


def test_next_to_do_asked_by_many_processes_at_once_hands_each_out_once(engine, demo_url):
    add_queue(engine, 60)
    queue = queue_of(engine, "TR-SDC")
    logs_before = log_types(engine, queue)
    results = in_processes([(work.next_until_empty, demo_url, CLERKS[i % 2]) for i in range(6)])
    handed = [todo_id for _, got in results for todo_id in got]
    assert len(handed) == len(set(handed)), f"given twice: {[t for t, n in Counter(handed).items() if n > 1]}"
    assert set(handed) == queue  # none lost
    assert queue_of(engine, "TR-SDC") == set()
    owner = {todo_id: CLERKS[i % 2] for i, (_, got) in enumerate(results) for todo_id in got}
    with db.read(engine) as s:
        for todo in s.scalars(select(ToDo).where(ToDo.todo_id.in_(list(queue)))):
            assert (todo.status, todo.assigned_to, todo.version) == (BEING_WORKED_ON, owner[todo.todo_id], 2)
    after = log_types(engine, queue)
    assert all(after[t] == logs_before[t] + ["Assigned"] for t in queue)


def test_one_to_do_taken_by_many_processes_at_once_goes_to_exactly_one(engine, demo_url):
    todo_id = sorted(queue_of(engine, "TR-SDC"))[0]
    with db.read(engine) as s:
        version = todos.get(s, CLERKS[0], todo_id).version
        logs_before = len(todos.get(s, CLERKS[0], todo_id).log)
    results = in_processes([(work.take, demo_url, CLERKS[i % 2], todo_id, version) for i in range(6)])
    outcomes = Counter(outcome for outcome, _ in results)
    assert outcomes == {"ok": 1, "stale": 5}
    winner = next(value for outcome, value in results if outcome == "ok")
    assert all("was changed by" in value for outcome, value in results if outcome == "stale")
    with db.read(engine) as s:
        detail = todos.get(s, CLERKS[0], todo_id)
    assert (detail.status, detail.assigned_to, detail.version) == (BEING_WORKED_ON, winner, version + 1)
    assert len(detail.log) == logs_before + 1


def test_clerks_forward_and_approvers_complete_at_once_each_to_do_once(engine, demo_url):
    add_queue(engine, 40)
    # A complaint's To Do completes only once its case is closed (todos.complete): the demo's are, here.
    with engine.begin() as conn:
        open_work = select(ToDo.case_id).where(ToDo.office_code == "ESD-INR-1", ToDo.status != COMPLETE, ToDo.case_id.is_not(None))
        conn.execute(update(Case).where(Case.case_id.in_(open_work)).values(closed_at=FIXED_NOW))
    queue = queue_of(engine, "TR-SDC")
    already_for_sdo = queue_of(engine, "TR-SDO")
    logs_before = log_types(engine, queue)
    finished = SPAWN.Value("i", 0)
    n_clerks = 4
    calls = [(work.clerk, demo_url, CLERKS[i % 2], "TR-SDO", finished) for i in range(n_clerks)]
    calls += [(work.approver, demo_url, SDO, n_clerks, finished) for _ in range(2)]
    results = in_processes(calls)
    forwarded = [t for _, r in results[:n_clerks] for t in r["forwarded"]]
    completed_by_clerks = [t for _, r in results[:n_clerks] for t in r["completed"]]
    approved = [t for _, r in results[n_clerks:] for t in r]
    assert forwarded and completed_by_clerks and approved
    worked = forwarded + completed_by_clerks
    assert len(worked) == len(set(worked)) and set(worked) == queue  # every clerk To Do once
    assert len(approved) == len(set(approved))  # no approval twice
    assert set(approved) == set(forwarded) | already_for_sdo  # every forward reached an approver
    with db.read(engine) as s:
        statuses = dict(s.execute(select(ToDo.todo_id, ToDo.status).where(ToDo.todo_id.in_(list(queue)))).all())
        completions = s.scalar(select(func.count()).select_from(ToDoLog).where(
            ToDoLog.todo_id.in_(list(queue)), ToDoLog.log_type == "Completed"))
    assert set(statuses.values()) == {COMPLETE} and completions == len(queue)
    after = log_types(engine, queue)
    for t in forwarded:
        assert after[t] == logs_before[t] + ["Assigned", "Forwarded", "Assigned", "Completed"]
    for t in completed_by_clerks:
        assert after[t] == logs_before[t] + ["Assigned", "Completed"]


def test_a_process_killed_inside_its_unit_of_work_leaves_nothing_and_holds_nothing(engine, demo_url):
    """The session dies mid-write (kill -9: a crashed process, a closed laptop's SSH session): the
    database keeps none of it, and the next person can act at once."""
    todo_id = sorted(queue_of(engine, "TR-SDC"))[0]
    with db.read(engine) as s:
        before = todos.get(s, CLERKS[0], todo_id)
    ready = SPAWN.Event()
    proc = SPAWN.Process(target=work.take_and_hang, args=(demo_url, CLERKS[0], todo_id, before.version, ready))
    proc.start()
    try:
        assert ready.wait(60), "the process did not get as far as its write"
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
    finally:
        if proc.is_alive():
            proc.kill()
    assert proc.exitcode == -signal.SIGKILL
    with db.read(engine) as s:
        after = todos.get(s, CLERKS[0], todo_id)
    assert (after.status, after.assigned_to, after.version, after.log) == (OPEN, None, before.version, before.log)
    started = time.monotonic()
    with db.write(engine) as s:
        taken = todos.take(s, CLERKS[1], todo_id, before.version)
    # A lock left behind would make this wait out the busy timeout (SQLite, 10 s) or hang (PostgreSQL).
    assert time.monotonic() - started < 2
    assert (taken.assigned_to, taken.version) == (CLERKS[1], before.version + 1)


def test_the_sweep_run_by_several_hosts_at_once_escalates_each_case_once(engine, demo_url):
    """Every app host may run the escalation timer (docs/deployment.md, "Several app hosts"): sweeps
    at the same moment share the due cases between them, and none is escalated twice."""
    from wss_tui.store import escalation

    at = FIXED_NOW.isoformat()
    done = in_processes([(work.sweep, demo_url, at) for _ in range(3)])
    assert all(outcome == "ok" for outcome, _ in done)
    escalated = sum(cases for _, cases in done)
    assert escalated > 10
    with db.read(engine) as s:
        made = s.execute(select(ToDo.case_id, func.count()).where(ToDo.todo_type == "ESCLCASE")
                         .group_by(ToDo.case_id)).all()
        logged = s.scalar(select(func.count()).select_from(ToDo).where(ToDo.todo_type == "ESCLCASE"))
    assert logged == escalated and all(n == 1 for _, n in made)  # one escalation To Do per case, not two
    with db.write(engine) as s:
        assert escalation.sweep(s, FIXED_NOW).cases == 0  # nothing left that a sweep missed
