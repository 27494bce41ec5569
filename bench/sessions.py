"""Many clerks at once on one PostgreSQL through PgBouncer: N sessions, each the real app headless at
80x24 (Textual's run_test) in a process of its own, driven as a person would: log in, then again and
again search (F5), open the first To Do (Enter), take it (t), add a log entry (u), forward it to the
SDO (f), back (Escape), with a random think time between actions and at most M acting at once.
`--working W` makes only the first W sessions work; the others log in and stay at their To Do Search,
idle (a clerk reading a paper file), until the working ones are done: "200 logged in, 20 working".

    .venv/bin/python bench/sessions.py --url postgresql+psycopg://postgres@127.0.0.1:6432/DB \\
        --admin-url postgresql+psycopg://postgres@127.0.0.1:5432/DB --sessions 20 --active 5 --rounds 4

`--admin-url` (straight to PostgreSQL) builds the demo data in a database of its own (dropped at the
end) and samples pg_stat_activity; `--url` is how the sessions connect (PgBouncer). Reported:
errors (anything but a rule's refusal; must be 0), p50/p95 of each action's store calls (the units of
work it ran) and of key → painted, the most PostgreSQL connections seen (all, and running a
statement), each session's resident memory logged in, and how far the machine's available memory
fell. Every session logs in, then waits until all have, so all N are logged in while they work; the
work is bounded in count (`--rounds`) and in time (`--work-for` seconds after the last login).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

CLERK_PASSWORD = "clerk@123"
SPAWN = multiprocessing.get_context("spawn")
ALL_IN_WAIT = 1800


def _proc_mb(path: str, field: str) -> float:
    """A figure in kB of a /proc file (meminfo, self/status), in MB."""
    with open(path) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def mem_available_mb() -> float:
    """The machine's MemAvailable: what all the sessions together took is how far it fell."""
    return _proc_mb("/proc/meminfo", "MemAvailable")


def rss_mb() -> float:
    return _proc_mb("/proc/self/status", "VmRSS")


# --- one session (a child process) ------------------------------------------------------------------


def session(url: str, user_id: str, sdo: str, rounds: int, think: tuple[float, float], gate, all_in, results,
            seed: int, work_for: float, idle_until=None) -> None:
    try:
        got = asyncio.run(_session(url, user_id, sdo, rounds, think, gate, all_in, random.Random(seed), work_for,
                                   idle_until))
    except BaseException as exc:  # reported, never lost
        _arrive(all_in)
        got = {"user": user_id, "errors": [f"session died: {exc.__class__.__name__}: {exc}"],
               "store": {}, "painted": {}, "rss_login": 0.0, "rss_end": 0.0}
    results.put({**got, "working": idle_until is None})


def _arrive(all_in) -> None:
    """Wait until every session has logged in (or failed to), so that all are logged in at once while
    they work; a session that never arrives holds the others up for ALL_IN_WAIT seconds at most."""
    try:
        all_in.wait(ALL_IN_WAIT)
    except threading.BrokenBarrierError:
        pass


async def _session(url, user_id, sdo, rounds, think, gate, all_in, rng, work_for: float, idle_until) -> dict:
    from textual.pilot import WaitForScreenTimeout

    from wss_tui.app import make_app
    from wss_tui.screens import base
    from wss_tui.store import db
    from wss_tui.store.errors import Unavailable, WssError

    action = {"now": "login"}
    store: dict[str, list[float]] = defaultdict(list)
    store_cpu: dict[str, list[float]] = defaultdict(list)  # the unit's own thread on a CPU, of that wall time
    painted: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    stalls: list[str] = []
    lock = threading.Lock()

    def timed(unit):
        @contextmanager
        def wrapper(engine):
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                with unit(engine) as s:
                    yield s
            finally:
                with lock:
                    store[action["now"]].append((time.perf_counter() - start) * 1000)
                    store_cpu[action["now"]].append((time.thread_time() - cpu) * 1000)
        return wrapper

    db.read, db.write = timed(db.read), timed(db.write)  # every screen calls db.read / db.write
    failed = base.WssScreen.worker_failed

    def worker_failed(self, exc):
        if not isinstance(exc, WssError) or isinstance(exc, Unavailable):
            errors.append(f"{action['now']}: {exc.__class__.__name__}: {exc}")
        failed(self, exc)

    base.WssScreen.worker_failed = worker_failed
    app = make_app(db.make_engine(url, create=False))
    shown: list[float] = []
    original_display = app._display

    def display(screen, renderable):
        shown.append(time.perf_counter())
        return original_display(screen, renderable)

    app._display = display

    async with app.run_test(size=(80, 24)) as pilot:
        async def settle() -> None:
            for _ in range(4):
                for worker in list(app.workers):
                    try:
                        await worker.wait()
                    except Exception:  # noqa: BLE001 — cancelled or failed: worker_failed counted it
                        pass
                await pilot.pause()

        async def act(name: str, *keys: str, then: tuple[str, ...] = ()) -> None:
            """`keys` typed (a dialog opened, a field filled), then `then` timed: the key that asks the store."""
            if then:
                action["now"] = f"{name}-typing"
                try:
                    await pilot.press(*keys)
                except WaitForScreenTimeout:
                    stalls.append(name)
                await settle()
                keys = then
            action["now"] = name
            start = time.perf_counter()
            try:
                await pilot.press(*keys)
            except WaitForScreenTimeout:  # the test driver's 30 s wait, not the app: the machine is overloaded
                stalls.append(name)
            await settle()
            after = [t for t in shown if t > start]
            painted[name].append(((after[-1] if after else time.perf_counter()) - start) * 1000)

        await settle()
        app.screen.query_one("#user-id").value = ""
        await pilot.click("#user-id")
        await act("login", *user_id, "enter", *CLERK_PASSWORD, then=("enter",))
        await asyncio.to_thread(_arrive, all_in)
        if app.who is None:
            errors.append("login failed")
            return {"user": user_id, "errors": errors, "store": {}, "painted": {}, "rss_login": rss_mb(),
                    "rss_end": rss_mb(), "stalls": stalls}
        rss_login = rss_mb()
        if idle_until is not None:  # logged in and left alone until the working sessions are done
            await asyncio.to_thread(idle_until.wait, work_for + ALL_IN_WAIT)
            rounds = 0
        stop_at = time.monotonic() + work_for  # counted from the moment all are logged in
        for n in range(rounds):
            if time.monotonic() > stop_at:
                break
            for name, keys, then in (("search", ("f5",), ()), ("open", ("enter",), ()), ("take", ("t",), ()),
                                     ("log", ("u", *f"bench note {n}"), ("enter",)),
                                     ("forward", ("f", *sdo, "tab", *"please approve"), ("enter",)),
                                     ("back", ("escape",), ())):
                await asyncio.sleep(rng.uniform(*think))
                await asyncio.to_thread(gate.acquire)
                try:
                    await act(name, *keys, then=then)
                finally:
                    gate.release()
                if name == "open" and app.screen.__class__.__name__ != "TodoEntryScreen":
                    break  # nothing left in the clerk's list: a search again next round
        rss_end = rss_mb()
    return {"user": user_id, "errors": errors, "store": dict(store), "store_cpu": dict(store_cpu), "painted": dict(painted),
            "rss_login": rss_login, "rss_end": rss_end, "stalls": stalls}


# --- the run -------------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="how sessions connect (PgBouncer); its database name is replaced")
    ap.add_argument("--admin-url", required=True, help="straight to PostgreSQL: builds, samples, drops")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--active", type=int, default=5, help="sessions acting at the same moment, at most")
    ap.add_argument("--working", type=int, help="sessions that work (the first W); the rest stay logged in, idle "
                                                "(default: all)")
    ap.add_argument("--rounds", type=int, default=3, help="search-open-take-log-forward-back rounds each")
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 4.0), help="seconds between actions (min max)")
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--work-for", type=float, default=600.0,
                    help="seconds of work after all have logged in: no session begins a round after that")
    ap.add_argument("--login-gap", type=float, default=0.5, help="seconds between session starts")
    args = ap.parse_args()

    from wss_tui.store import db, demo
    from wss_tui.store.models import Staff

    name = f"wss_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    direct = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    pooled = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    try:
        t0 = time.perf_counter()
        engine = db.make_engine(direct)
        demo.build(engine, seed=11, accounts=args.accounts)
        with db.read(engine) as s:
            staff = s.execute(select(Staff.user_id, Staff.office_code, Staff.role).order_by(Staff.user_id)).all()
        clerks = [(u, o) for u, o, r in staff if r == "TR-SDC"]
        sdos = {o: u for u, o, r in staff if r == "TR-SDO"}
        engine.dispose()
        print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])} ({multiprocessing.cpu_count()} cores)")
        print(f"demo: {args.accounts} accounts, {len(clerks)} clerks, built in {time.perf_counter() - t0:.0f} s")

        gate, all_in, results = SPAWN.Semaphore(args.active), SPAWN.Barrier(args.sessions), SPAWN.Queue()
        working = args.sessions if args.working is None else min(args.working, args.sessions)
        workers_done = SPAWN.Event()
        peak = {"all": 0, "active": 0, "mem_used": 0.0}
        available_before = mem_available_mb()
        stop = threading.Event()

        def sample() -> None:
            with admin.connect() as conn:
                while not stop.is_set():
                    row = conn.execute(text("SELECT count(*), count(*) FILTER (WHERE state = 'active') "
                                            "FROM pg_stat_activity WHERE datname = :d"), {"d": name}).one()
                    peak["all"], peak["active"] = max(peak["all"], row[0]), max(peak["active"], row[1])
                    peak["mem_used"] = max(peak["mem_used"], available_before - mem_available_mb())
                    stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        procs = []
        t0 = time.perf_counter()
        for i in range(args.sessions):
            user, office = clerks[i % len(clerks)]
            p = SPAWN.Process(target=session, args=(pooled, user, sdos.get(office, ""), args.rounds,
                                                    tuple(args.think), gate, all_in, results, i, args.work_for,
                                                    None if i < working else workers_done))
            p.start()
            procs.append(p)
            time.sleep(args.login_gap)
        got = []
        while len(got) < len(procs):
            got.append(results.get(timeout=1800))
            if sum(r["working"] for r in got) == working:
                workers_done.set()
        for p in procs:
            p.join(30)
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join(5)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    errors = [e for r in got for e in r["errors"]]
    print(f"load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])} "
          f"({multiprocessing.cpu_count()} cores)")
    print(f"{args.sessions} sessions logged in, {working} of them working, at most {args.active} acting at once, "
          f"{args.rounds} rounds, "
          f"think {args.think[0]:g}–{args.think[1]:g} s: {wall:.0f} s")
    print(f"errors: {len(errors)}")
    for e, n in Counter(errors).most_common(10):
        print(f"    {n} x {e}")
    stalls = [a for r in got for a in r.get("stalls", [])]
    if stalls:
        print(f"driver stalls (Pilot waited 30 s for the app to take a key; the machine, not an error): "
              f"{len(stalls)} {dict(Counter(stalls))}")
    print("store: the wall time of each unit of work an action ran (db.read / db.write: connection, SQL, the\n"
          "store's Python, and any wait for a CPU or for the session's own painting); store CPU: of that, the\n"
          "time its thread was running")
    print(f"{'action':<9} {'n':>5} {'store p50':>10} {'store p95':>10} {'CPU p50':>8} {'CPU p95':>8} "
          f"{'painted p50':>12} {'painted p95':>12}  (ms)")
    for action in ("login", "search", "open", "take", "log", "forward", "back"):
        s = [v for r in got for v in r["store"].get(action, [])]
        c = [v for r in got for v in r.get("store_cpu", {}).get(action, [])]
        p = [v for r in got for v in r["painted"].get(action, [])]
        print(f"{action:<9} {len(s):>5} {pct(s, 50):>10.1f} {pct(s, 95):>10.1f} {pct(c, 50):>8.1f} {pct(c, 95):>8.1f} "
              f"{pct(p, 50):>12.0f} {pct(p, 95):>12.0f}")
    rl = [r["rss_login"] for r in got if r["rss_login"]]
    re_ = [r["rss_end"] for r in got if r["rss_end"]]
    print(f"PostgreSQL connections to the database, most seen: {peak['all']} (running a statement: {peak['active']})")
    if rl:
        print(f"RSS per session: logged in {statistics.median(rl):.0f} MB median, {max(rl):.0f} max; "
              f"at the end {statistics.median(re_):.0f} MB median, {max(re_):.0f} max")
    print(f"the machine's memory taken by all of it at the most (MemAvailable's fall): {peak['mem_used']:.0f} MB, "
          f"{peak['mem_used'] / max(1, args.sessions):.0f} MB per session")


if __name__ == "__main__":
    main()
