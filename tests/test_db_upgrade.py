"""`wss db upgrade` makes a database an office can start from: the schema, and the offices of
data/offices.toml, so staff can be added and extracts imported without `wss demo`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import insert, select, update

from wss_tui.store import auth, db
from wss_tui.store.models import Account, Office
from wss_tui.store.offices import office_rows

WSS = Path(sys.executable).parent / "wss"
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def wss(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(WSS), "--db", url, *args], input=stdin, capture_output=True, text=True, timeout=120)


def offices_in(url: str) -> list[dict]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(Office.__table__).order_by(Office.code))]
    finally:
        engine.dispose()


def test_a_new_database_gets_the_offices_then_staff_and_an_import_work(db_url, tmp_path):
    done = wss(db_url, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    expected = sorted(office_rows(), key=lambda r: r["code"])
    assert f"Offices from data/offices.toml: {len(expected)} added, 0 updated" in done.stdout
    assert offices_in(db_url) == expected

    added = wss(db_url, "staff", "add", "INR1-SDC9", "--name", "VERMA,RAM", "--role", "TR-SDC", "--office", "ESD-INR-1",
                "--password-stdin", stdin="first-day-9\n")
    assert added.returncode == 0, added.stderr
    engine = db.make_engine(db_url)
    try:
        assert auth.attempt_login(engine, "INR1-SDC9", "first-day-9").user_id == "INR1-SDC9"
    finally:
        engine.dispose()

    accounts = tmp_path / "ccb_accounts.csv"
    accounts.write_bytes((SAMPLES / "ccb_accounts.csv").read_bytes())
    imported = wss(db_url, "import", "accounts", str(accounts), "--system", "ccb", "--json")
    summary = json.loads(imported.stdout)
    # The sample carries nine bad rows on purpose (exit 3: done, some rejected), one of them of a
    # sub-division no discom has; without the offices every row would be that.
    assert imported.returncode == 3, imported.stderr
    assert (summary["inserted"], summary["rejected"], summary["reject_reasons"]["unknown-subdivision"]) == (10, 9, 1)
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert len(conn.execute(select(Account.account_id)).all()) == summary["inserted"]
    finally:
        engine.dispose()


def test_running_it_again_changes_nothing_and_a_changed_office_file_is_followed(db_url):
    assert wss(db_url, "db", "upgrade").returncode == 0
    again = wss(db_url, "db", "upgrade")
    assert again.returncode == 0 and "0 added, 0 updated" in again.stdout and "Kept" not in again.stdout

    # The database drifted from the file (an office renamed there, one the file no longer lists):
    # the file wins for the first, and the second is kept, since rows may name it.
    engine = db.make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(update(Office).where(Office.code == "ESD-INR-1").values(name="Old name"))
            conn.execute(insert(Office).values(code="ESD-OLD-9", name="Closed sub-division", level="subdivision",
                                               parent_code="EDD-INR", path="/MVVNL/LKO/LKO-C1/EDD-INR/ESD-OLD-9/",
                                               discom="MVVNL", town="Lucknow", area="URBAN"))
    finally:
        engine.dispose()
    synced = wss(db_url, "db", "upgrade")
    assert synced.returncode == 0, synced.stderr
    assert "0 added, 1 updated" in synced.stdout
    assert "Kept, though data/offices.toml no longer lists them: ESD-OLD-9" in synced.stdout
    by_code = {o["code"]: o for o in offices_in(db_url)}
    assert by_code["ESD-INR-1"]["name"] == next(r["name"] for r in office_rows() if r["code"] == "ESD-INR-1")
    assert "ESD-OLD-9" in by_code
