"""Resident memory of one clerk's `wss tui` session, at each step of a short piece of work.

    .venv/bin/python bench/session_memory.py [--runs 3] [--accounts 2000]

Builds the demo data in a SQLite file of its own (a temporary directory), then, for each run, starts a
fresh process (spawn: nothing inherited from the builder) that is the real app headless at 80x24
(Textual's run_test) and reads its own VmRSS from /proc/self/status:

- `import textual.app, sqlmodel`: the floor every session pays before any of this project's code;
- the login screen painted (before login);
- right after login (the clerk's To Do Search painted; argon2's check done);
- after the work: search (F5), open the first To Do (Enter), back (Escape);

and VmHWM, the most the process ever held (argon2 asks for 64 MiB while it hashes). Each figure is
VmRSS and RssAnon: VmRSS counts the pages of Python, its libraries and their compiled extensions
(RssFile), which every session on a host shares; RssAnon is the session's own, what each one more
costs. Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

CLERK_PASSWORD = "clerk@123"
STEPS = ("import textual.app, sqlmodel", "before login", "after login", "after the work", "peak (VmHWM)")


FIELDS = ("VmRSS", "RssAnon")  # RssAnon: the session's own memory; RssFile: shared libraries' pages, shared


def _rss() -> tuple[float, ...]:
    return tuple(_status_mb(field) for field in FIELDS)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def session(url: str, user_id: str, results) -> None:
    try:
        results.put(asyncio.run(_session(url, user_id)))
    except BaseException as exc:  # reported, never lost
        results.put({"error": f"{exc.__class__.__name__}: {exc}"})


async def _session(url: str, user_id: str) -> dict:
    import sqlmodel  # noqa: F401
    import textual.app  # noqa: F401

    got = {STEPS[0]: _rss()}

    from wss_tui.app import make_app
    from wss_tui.store import db

    app = make_app(db.make_engine(url, create=False))
    async with app.run_test(size=(80, 24)) as pilot:
        async def settle() -> None:
            for _ in range(4):
                for worker in list(app.workers):
                    try:
                        await worker.wait()
                    except Exception:  # noqa: BLE001 — cancelled or failed: the screen says so
                        pass
                await pilot.pause()

        async def until(screen: str) -> None:
            for _ in range(200):
                await settle()
                if app.screen.__class__.__name__ == screen:
                    return
            raise RuntimeError(f"{screen} never shown (on {app.screen.__class__.__name__})")

        await until("LoginScreen")
        got[STEPS[1]] = _rss()
        await pilot.press(*user_id, "enter", *CLERK_PASSWORD, "enter")
        await until("TodoSearchScreen")
        got[STEPS[2]] = _rss()
        await pilot.press("f5")
        await settle()
        await pilot.press("enter")
        await until("TodoEntryScreen")
        await pilot.press("escape")
        await until("TodoSearchScreen")
        got[STEPS[3]] = _rss()
    got[STEPS[4]] = (_status_mb("VmHWM"), 0.0)
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="fresh processes, one after another")
    ap.add_argument("--accounts", type=int, default=2000)
    args = ap.parse_args()

    from sqlalchemy import select

    from wss_tui.store import db, demo
    from wss_tui.store.models import Staff

    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        engine = db.make_engine(url)
        demo.build(engine, seed=11, accounts=args.accounts)
        with db.read(engine) as s:
            clerk = s.execute(select(Staff.user_id).where(Staff.role == "TR-SDC").order_by(Staff.user_id)).scalar()
        engine.dispose()
        print(f"demo: {args.accounts} accounts in SQLite; clerk {clerk}; load average "
              f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
        runs = []
        for _ in range(args.runs):
            results = spawn.Queue()
            proc = spawn.Process(target=session, args=(url, clerk, results))
            proc.start()
            got = results.get(timeout=600)
            proc.join()
            if "error" in got:
                sys.exit(f"error: the session failed: {got['error']}")
            runs.append(got)
    print(f"{'':30} {'VmRSS':>8} {'RssAnon':>8}   (medians of {len(runs)} runs; VmRSS of each)")
    for step in STEPS:
        rss = [r[step][0] for r in runs]
        anon = statistics.median(r[step][1] for r in runs)
        print(f"{step:30} {statistics.median(rss):6.1f} MB {anon:6.1f} MB" if anon else
              f"{step:30} {statistics.median(rss):6.1f} MB {'':9}", f"  ({', '.join(f'{v:.1f}' for v in rss)})")


if __name__ == "__main__":
    main()
