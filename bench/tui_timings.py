"""What a clerk feels at 1,000,000 To Dos: Enter to the page painted, cold start, memory while paging.

    .venv/bin/python bench/todo_search.py --reuse          # builds the 1M database once
    .venv/bin/python bench/tui_timings.py                  # then measures the app on it

It reuses the database of `bench/todo_search.py` (the same generator; built here if missing) and runs
the real app headless at 80x24 (Textual's `run_test`), logged in as a clerk searching their role's
To Dos of every status — the largest list a clerk can ask for — and measures in one run:

1. re-search (F5, what Enter in a filter field does) and next page (`]`) to the page painted: from the
   key press until the app has written the new page to the terminal (the `_display` call that follows
   the page arriving), median and p95;
2. Enter on a row to the To Do Entry painted: from the key press until the first write to the terminal
   of the Entry screen after it showed the To Do (fields, log, keys), a different row each time; each
   run interleaved with the store call behind it (`todos.get` in `db.read_rows`, what the service does), so
   both see the same load; median and p95;
3. memory while paging through every page of that list: resident set size sampled as it goes (it must
   stay flat — one page is held, never the list);
4. cold start of the installed `wss tui` in tmux at 80x24 until the login screen is on the terminal,
   beside `python -c "import textual, sqlmodel"` as the floor.

Targets (issue 3): Enter to painted ≤ 150 ms; cold start ≤ 1.2 s; memory flat. Issue 13: Enter on a
row to the Entry painted, median ≤ 100 ms and p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from sqlalchemy import func, select  # noqa: E402

import todo_search  # noqa: E402  (bench/todo_search.py: the 1M generator)
from wss_tui.store import auth, db, todos  # noqa: E402
from wss_tui.store.models import Staff, ToDo  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def busiest_clerk(engine) -> str:
    """The clerk whose sub-division holds the most To Dos."""
    with db.read(engine) as s:
        office = s.execute(
            select(ToDo.office_code).group_by(ToDo.office_code).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        return s.scalars(select(Staff.user_id).where(Staff.office_code == office, Staff.role == "TR-SDC")).first()


async def measure_app(engine, user_id: str, samples: int, max_pages: int | None, opens: int) -> dict:
    from wss_tui.app import make_app
    from wss_tui.screens.todo_search import TodoSearchScreen
    from wss_tui.widgets import filter_bar
    from wss_tui.widgets.filter_bar import FilterBar
    from wss_tui.widgets.todo_table import TodoTable

    with db.read(engine) as s:
        who = auth.who(s, s.get(Staff, user_id))
    app = make_app(engine, who=who)
    painted: list[float] = []
    painted_on: list[object] = []  # the screen of each write, beside `painted`
    original_display = app._display

    def display(screen, renderable):
        painted.append(time.perf_counter())
        painted_on.append(screen)
        return original_display(screen, renderable)

    app._display = display
    out: dict = {}
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, TodoSearchScreen)
        table = screen.query_one(TodoTable)

        async def until(predicate, timeout=30.0):
            deadline = time.perf_counter() + timeout
            while not predicate():
                if time.perf_counter() > deadline:
                    raise TimeoutError("the page never came")
                await asyncio.sleep(0.0005)

        await until(lambda: table.page is not None)
        # Every status, the clerk's role: the longest list a clerk can ask for.
        bar = screen.query_one(FilterBar)
        bar.query_one("#user-filter").value = "role"
        bar.query_one("#status").value = filter_bar.ALL
        await pilot.pause()
        screen.action_refresh()
        await until(lambda: table.page is not None and table.page.total > 1000)
        await pilot.pause()
        total = table.page.total
        table.focus()

        shown: list[float] = []
        original_show = table.show_page

        def show_page(page, **kwargs):
            shown.append(time.perf_counter())
            return original_show(page, **kwargs)

        table.show_page = show_page

        async def timed(key: str, changed) -> float:
            before = table.page
            start = time.perf_counter()
            await pilot.press(key)
            await until(lambda: table.page is not before and changed(before, table.page))
            # The first write to the terminal after the new page went into the table.
            await until(lambda: painted and painted[-1] > shown[-1])
            return (next(t for t in painted if t > shown[-1]) - start) * 1000

        research, next_page = [], []
        for _ in range(samples):
            research.append(await timed("f5", lambda old, new: True))
            await pilot.pause()
        for _ in range(samples):
            next_page.append(await timed("right_square_bracket", lambda old, new: new.first > old.first))
            await pilot.pause()

        out.update(await measure_open(app, pilot, engine, user_id, table, painted, painted_on, opens, until))

        # Every page of the list from the top, sampling memory as it goes.
        screen.action_refresh()
        await until(lambda: table.page is not None and table.page.first == 1)
        memory = [rss_mb()]
        pages = 1
        while table.page.has_next and (max_pages is None or pages < max_pages):
            before = table.page
            await pilot.press("right_square_bracket")
            await until(lambda: table.page is not before)
            pages += 1
            if pages % 50 == 0:
                memory.append(rss_mb())
        memory.append(rss_mb())
        out.update(total=total, pages=pages, research=research, next_page=next_page, memory=memory)
    return out


async def measure_open(app, pilot, engine, user_id: str, table, painted, painted_on, runs: int, until) -> dict:
    """Enter on a row → the Entry screen on the terminal with the To Do, interleaved with `todos.get`."""
    from wss_tui.screens.todo_entry import TodoEntryScreen

    search = app.screen
    shown: list[tuple[float, object]] = []
    original_show = TodoEntryScreen.show

    def show(self, detail):
        shown.append((time.perf_counter(), self))
        return original_show(self, detail)

    TodoEntryScreen.show = show
    rows = table.page.rows
    opened, store = [], []
    try:
        for run in range(runs + 10):  # the first 10 warm up and are not counted
            row = run % len(rows)
            table.move_cursor(row=row)
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("enter")
            await until(lambda: shown and shown[-1][0] > start)
            at, entry = shown[-1]
            await until(lambda: any(t > at and s is entry for t, s in zip(painted[-50:], painted_on[-50:])))
            first = next(t for t, s in zip(painted, painted_on) if t > at and s is entry)
            began = time.perf_counter()
            with db.read_rows(engine) as conn:
                todos.get(conn, user_id, rows[row].todo_id)
            took = time.perf_counter() - began
            if run >= 10:
                opened.append((first - start) * 1000)
                store.append(took * 1000)
            await until(lambda: not any(not w.is_finished for w in app.workers
                                        if w.group not in ("type-ahead", "search-check", "search-remember")))
            await pilot.press("escape")
            await until(lambda: app.screen is search)
            await pilot.pause()
    finally:
        TodoEntryScreen.show = original_show
    return dict(opened=opened, open_store=store)


def cold_start(url: str, runs: int) -> tuple[list[float], list[float]]:
    sys.path.insert(0, str(HERE.parent / "tests"))
    from e2e.tmux import WSS, Terminal

    starts = []
    for _ in range(runs):
        began = time.perf_counter()
        term = Terminal([str(WSS), "--db", url, "tui"], env={})
        try:
            while "staff login" not in term.screen():
                time.sleep(0.005)
            starts.append(time.perf_counter() - began)
        finally:
            term.close()
    floor = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import textual.app, sqlmodel"], check=True)
        floor.append(time.perf_counter() - began)
    return starts, floor


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", type=Path, default=Path(tempfile.gettempdir()) / "wss-bench" / "todos.db")
    parser.add_argument("--todos", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--samples", type=int, default=40, help="timed key presses of each kind")
    parser.add_argument("--max-pages", type=int, default=None, help="stop the memory walk after this many pages")
    parser.add_argument("--starts", type=int, default=7, help="cold starts to time")
    parser.add_argument("--opens", type=int, default=200, help="timed Enter-to-Entry runs (after 10 warm-up runs)")
    args = parser.parse_args(argv)

    engine = db.make_engine(f"sqlite:///{args.sqlite}")
    if not todo_search.ready(engine, args.todos, args.users):
        print(f"building {args.todos:,} To Dos (bench/todo_search.py's generator) …", file=sys.stderr)
        todo_search.build(engine, n_todos=args.todos, users=args.users)
    clerk = busiest_clerk(engine)
    app = asyncio.run(measure_app(engine, clerk, args.samples, args.max_pages, args.opens))
    starts, floor = cold_start(f"sqlite:///{args.sqlite}", args.starts)
    engine.dispose()

    def med_p95(values: list[float]) -> str:
        ordered = sorted(values)
        if not ordered:
            return "(not measured)"
        return f"median {statistics.median(ordered):6.1f}  p95 {ordered[int(len(ordered) * 0.95) - 1]:6.1f}"

    memory = app["memory"]
    print(f"\nThe app at {args.todos:,} To Dos; clerk {clerk}, role list of every status: {app['total']:,} To Dos.\n")
    print(f"F5 re-search to painted (ms)     {med_p95(app['research'])}   target ≤ 150")
    print(f"] next page to painted (ms)      {med_p95(app['next_page'])}   target ≤ 150")
    print(f"Enter on a row to Entry (ms)     {med_p95(app['opened'])}   target median ≤ 100, p95 ≤ 150"
          f"   ({len(app['opened'])} runs)")
    print(f"  the store call behind it (ms)  {med_p95(app['open_store'])}   (todos.get in db.read_rows, interleaved)")
    print(f"memory over {app['pages']:,} pages (MB RSS)  start {memory[0]:.0f}  max {max(memory):.0f}  end {memory[-1]:.0f}"
          f"   (sampled every 50 pages: {', '.join(f'{m:.0f}' for m in memory)})")
    if starts:
        print(f"cold start to login (s)          median {statistics.median(starts):.2f}  min {min(starts):.2f}   target ≤ 1.2")
        print(f"import textual + sqlmodel (s)    median {statistics.median(floor):.2f}  (the floor)")


if __name__ == "__main__":
    main()
