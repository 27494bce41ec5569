"""What the processes of test_concurrency.py do: each is one `wss` user's session, with its own engine,
doing one store action per `db.write` unit of work, as the TUI does. Kept free of pytest so a spawned
process starts quickly."""

from __future__ import annotations

import time
import traceback

from wss_tui.store import db, todos
from wss_tui.store.errors import Stale


def run(target, barrier, results, index: int, args: tuple) -> None:
    """Process entry: wait until every process is ready, act, report (index, outcome, value)."""
    try:
        barrier.wait(60)
        results.put((index, "ok", target(*args)))
    except Stale as exc:
        results.put((index, "stale", str(exc)))
    except BaseException as exc:  # reported to the parent, which fails the test with it
        results.put((index, "error", f"{exc.__class__.__name__}: {exc}\n{traceback.format_exc()}"))


def next_until_empty(url: str, actor: str) -> list[str]:
    """Ask for the next To Do until the queue is empty; the IDs got, in order."""
    engine = db.make_engine(url)
    got = []
    try:
        while True:
            with db.write(engine) as s:
                todo = todos.assign_next(s, actor)
            if todo is None:
                return got
            got.append(todo.todo_id)
    finally:
        engine.dispose()


def take(url: str, actor: str, todo_id: str, version: int) -> str:
    engine = db.make_engine(url)
    try:
        with db.write(engine) as s:
            return todos.take(s, actor, todo_id, version).assigned_to
    finally:
        engine.dispose()


def clerk(url: str, actor: str, to_role: str, finished) -> dict[str, list[str]]:
    """Work the clerk queue dry: each To Do taken is forwarded to `to_role` (even IDs) or completed."""
    engine = db.make_engine(url)
    done: dict[str, list[str]] = {"forwarded": [], "completed": []}
    try:
        while True:
            with db.write(engine) as s:
                todo = todos.assign_next(s, actor)
            if todo is None:
                return done
            with db.write(engine) as s:
                if int(todo.todo_id) % 2 == 0:
                    todos.forward(s, actor, todo.todo_id, todo.version, to_role=to_role, note="reading checked; for approval")
                    done["forwarded"].append(todo.todo_id)
                else:
                    todos.complete(s, actor, todo.todo_id, todo.version, comment="bill correct as issued")
                    done["completed"].append(todo.todo_id)
    finally:
        with finished.get_lock():
            finished.value += 1
        engine.dispose()


def approver(url: str, actor: str, clerks: int, finished) -> list[str]:
    """Complete what the clerks forward, as it arrives, until they have all stopped and none is left."""
    engine = db.make_engine(url)
    completed = []
    try:
        while True:
            clerks_done = finished.value == clerks  # read before asking: a forward after this is still seen
            with db.write(engine) as s:
                todo = todos.assign_next(s, actor)
            if todo is None:
                if clerks_done:
                    return completed
                time.sleep(0.01)
                continue
            with db.write(engine) as s:
                todos.complete(s, actor, todo.todo_id, todo.version, comment="approved")
            completed.append(todo.todo_id)
    finally:
        engine.dispose()


def take_and_hang(url: str, actor: str, todo_id: str, version: int, ready) -> None:
    """Take a To Do inside a unit of work and never commit: the parent kills this process mid-way."""
    engine = db.make_engine(url)
    with db.write(engine) as s:
        todos.take(s, actor, todo_id, version)
        s.flush()
        ready.set()
        time.sleep(120)


def sweep(url: str, at_iso: str, batch: int = 3) -> int:
    """`wss escalate` as another host's timer runs it (in batches of a few cases, so the hosts' batches
    interleave); cases escalated."""
    from datetime import datetime

    from wss_tui.services import escalation as sweeping

    engine = db.make_engine(url)
    try:
        return sweeping.sweep(engine, datetime.fromisoformat(at_iso), batch=batch).cases
    finally:
        engine.dispose()


def hold(url: str, actor: str, bill_no: str, reason: str) -> str:
    """Put a bill on hold; "held", or the store's one line refusing it."""
    from wss_tui.store.errors import WssError
    from wss_tui.store.revision import hold as holding

    engine = db.make_engine(url)
    try:
        with db.write(engine) as s:
            holding.hold(s, actor, bill_no, reason)
        return "held"
    except WssError as exc:
        return str(exc)
    finally:
        engine.dispose()


def intakes(url: str, account_bills: list[tuple[str, str]]) -> list[str]:
    """`wss request new` for each (account, bill) in turn, one unit of work each; the request IDs."""
    from wss_tui.store import intake

    engine = db.make_engine(url)
    try:
        out = []
        for account_id, bill_no in account_bills:
            with db.write(engine) as s:
                out.append(intake.submit_request(s, account_id=account_id, bill_no=bill_no,
                                                 reason="Meter reads 4512 but the bill charges for 5120 units").request_id)
        return out
    finally:
        engine.dispose()


def sweeps(url: str, at_isos: list[str], finished, started, acting, batch: int) -> int:
    """`wss escalate` at each moment in turn; cases escalated in all. `started` is set once a batch
    has locked its cases, so the officers' processes act while the sweep holds them; the first batch
    then gives them up to a second and a half (`acting`: one holds a row of its own) before it writes — the
    moment that real timing hits now and then, made to happen on every run."""
    import importlib

    module = importlib.import_module("wss_tui.store.escalation.sweep")
    decide = module._decide
    first = [True]

    def deciding(*args):
        started.set()
        if first[0]:
            first[0] = False
            acting.wait(1.5)
        return decide(*args)

    module._decide = deciding
    try:
        return sum(sweep(url, at, batch) for at in at_isos)
    finally:
        with finished.get_lock():
            finished.value += 1


def _acting(engine, actor: str, todo_id: str, act) -> int:
    """Run `act(session, version)` in one unit of work on the To Do as it is now, again with a fresh
    version for as long as someone else (a sweep raising its priority) got there first; the retries."""
    stale = 0
    while True:
        with db.read(engine) as s:
            version = todos.get(s, actor, todo_id).version
        try:
            with db.write(engine) as s:
                act(s, version)
            return stale
        except Stale:
            stale += 1


def churn(url: str, actor: str, todo_ids: list[str], sweepers: int, finished, started) -> int:
    """A clerk working their To Dos over and over while the sweeps run: a note, a new priority each;
    the stale retries."""
    started.wait(60)
    engine = db.make_engine(url)
    stale = 0
    try:
        k = 0
        while finished.value < sweepers:
            k += 1
            for todo_id in todo_ids:
                stale += _acting(engine, actor, todo_id, lambda s, v: todos.add_log(s, actor, todo_id, v, f"round {k}"))
                stale += _acting(engine, actor, todo_id, lambda s, v: todos.change_priority(
                    s, actor, todo_id, v, 40 if todos.get(s, actor, todo_id).priority == 30 else 30, note="reordered"))
        return stale
    finally:
        engine.dispose()


def close_cases(url: str, actor: str, todo_ids: list[str], started) -> list[str]:
    """An Executive Engineer closing each To Do's complaint without the OTP, once a sweep is under way;
    the cases closed."""
    from wss_tui.store import otp

    started.wait(60)
    engine = db.make_engine(url)
    closed = []
    try:
        for todo_id in todo_ids:
            def act(s, v, todo_id=todo_id):
                closed.append(otp.close_without_otp(s, actor, todo_id, v, "Reject the Case", "Bill found correct on site",
                                                    "Consumer's phone is out of service").case_id)
            _acting(engine, actor, todo_id, act)
        return closed
    finally:
        engine.dispose()


def decide(url: str, actor: str, todo_ids: list[str], started, acting) -> list[str]:
    """A checker approving the revisions of even-numbered approval To Dos and rejecting the others,
    once a sweep is under way; `acting` is set once a decision has written its approval To Do."""
    from wss_tui.store import revision
    from wss_tui.store.revision import proposals

    finish = proposals._finish_approval_todo

    def finishing(*args):
        finish(*args)
        acting.set()

    proposals._finish_approval_todo = finishing
    engine = db.make_engine(url)
    with db.read(engine) as s:  # connected and warm, as a screen showing the To Do is
        revision.worksheet(s, actor, todo_ids[0])
    started.wait(60)
    decided = []
    try:
        for todo_id in todo_ids:
            def act(s, v, todo_id=todo_id):
                if int(todo_id) % 2 == 0:
                    decided.append(revision.approve(s, actor, todo_id, v).status)
                else:
                    decided.append(revision.reject(s, actor, todo_id, v, "The arrear was adjusted last month").status)
            _acting(engine, actor, todo_id, act)
        return decided
    finally:
        engine.dispose()
