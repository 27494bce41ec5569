"""`wss demo`: reproducible, realistic, and never overwrites a database by accident."""

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select

from wss_tui.store import auth, config, db, demo, importing, marks, staff_admin
from wss_tui.store.errors import Invalid
from wss_tui.store.models import Account, Bill, Case, DbMark, Office, Staff, ToDo, ToDoCharacteristic, ToDoLog
from wss_tui.store.offices import office_rows

from ._cli import wss as run_wss
from .conftest import DEMO_ACCOUNTS


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_offices_follow_the_configured_hierarchy(engine):
    with db.read(engine) as s:
        levels = dict(s.execute(select(Office.level, func.count()).group_by(Office.level)).all())
        assert levels["discom"] == 5
        discoms = set(s.scalars(select(Office.code).where(Office.level == "discom")))
        assert discoms == {"MVVNL", "PVVNL", "DVVNL", "PUVVNL", "KESCO"}
        sub = s.get(Office, "ESD-INR-1")
        assert sub.path == "/MVVNL/LKO/LKO-C1/EDD-INR/ESD-INR-1/" and sub.discom == "MVVNL"


def test_every_subdivision_has_its_staff_and_logins_work(engine):
    with db.read(engine) as s:
        subdivisions = s.scalars(select(Office.code).where(Office.level == "subdivision")).all()
        for code in subdivisions:
            roles = set(s.scalars(select(Staff.role).where(Staff.office_code == code)))
            assert {"TR-SDC", "TR-SDO", "TR-OPR"} <= roles, code
    for role, (_, _, password) in demo.STAFF_PLAN.items():
        with db.read(engine) as s:
            user = s.scalars(select(Staff.user_id).where(Staff.role == role)).first()
        who = auth.attempt_login(engine, user, password)
        assert who.role == role


def test_accounts_of_both_systems_with_a_year_of_bills(engine):
    with db.read(engine) as s:
        assert _count(s, Account) == DEMO_ACCOUNTS
        for acc in s.scalars(select(Account)).all():
            expected = 10 if acc.system == "CCB" else 12
            assert len(acc.account_id) == expected and acc.account_id.isdigit()
            assert (acc.area == "URBAN") == (acc.system == "CCB")
        assert _count(s, Bill) == DEMO_ACCOUNTS * 12
        bases = set(s.scalars(select(Bill.basis).distinct()))
        assert {"ACT", "ASS", "PROV"} <= bases
        categories = set(s.scalars(select(Account.tariff_category).distinct()))
        assert {"LMV-1", "LMV-2", "LMV-5"} <= categories
        # A bill's amount is its charges plus the arrear carried in.
        for bill in s.scalars(select(Bill).limit(50)):
            assert bill.amount_paise == bill.fixed_charge_paise + bill.energy_charge_paise + bill.duty_paise + bill.arrear_paise


def test_complaints_in_every_state_with_their_logs(engine):
    with db.read(engine) as s:
        statuses = set(s.scalars(select(Case.status).distinct()))
        assert {"Initiate Bill Complaint", "Bill Revision Required", "Case Completed", "Reject the Case"} <= statuses
        todo_statuses = set(s.scalars(select(ToDo.status).distinct()))
        assert todo_statuses == {"Open", "Being Worked On", "Complete"}
        # Every To Do has a Created log, its CASE and ACCOUNT keys; a worked one was assigned.
        todos = _count(s, ToDo)
        assert _count(s, ToDoLog, ToDoLog.log_type == "Created") == todos
        assert _count(s, ToDoCharacteristic, ToDoCharacteristic.char_type == "CASE") == todos
        worked = s.scalars(select(ToDo).where(ToDo.status == "Being Worked On")).all()
        assert worked and all(t.assigned_to for t in worked)
        open_bills = s.scalars(select(Case.bill_no).where(Case.closed_at.is_(None), Case.bill_no.is_not(None))).all()
        assert len(open_bills) == len(set(open_bills))
        for case in s.scalars(select(Case).limit(30)):
            rtype = config.request_types()[case.request_type]
            assert case.due_at - case.created_at == timedelta(days=rtype.sla_days)


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    def ids(seed, name):
        engine = db.make_engine(f"sqlite:///{tmp_path / name}")
        summary = demo.build(engine, seed=seed, accounts=40)
        with db.read(engine) as s:
            found = (
                s.scalars(select(Account.account_id).order_by(Account.account_id)).all(),
                s.scalars(select(Case.case_id).order_by(Case.case_id)).all(),
            )
        engine.dispose()
        return found, summary.sample_accounts

    assert ids(3, "a.db") == ids(3, "b.db")
    assert ids(3, "a2.db")[0] != ids(4, "c.db")[0]


def test_refuses_a_database_with_data_unless_reset(demo_url):
    engine = db.make_engine(demo_url)
    with pytest.raises(Invalid, match="--reset"):
        demo.build(engine, seed=1, accounts=10)
    summary = demo.build(engine, seed=1, accounts=10, reset=True)
    with db.read(engine) as s:
        assert _count(s, Account) == 10
    assert summary.accounts == 10
    engine.dispose()


def test_bills_under_an_open_complaint_are_disputed(engine):
    with db.read(engine) as s:
        states = s.scalars(
            select(Bill.state).join(Case, Case.bill_no == Bill.bill_no).where(Case.closed_at.is_(None))
        ).all()
        assert states and set(states) == {"DISPUTED"}
        assert _count(s, Account, Account.status == "PD") >= 1


def test_cli_json_shape(db_url):
    out = run_wss("--db", db_url, "demo", "--accounts", "30", "--seed", "2", "--reset", "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert set(payload) == {"db", "logins", "sample_accounts", "sample_request", "console_shows_otp"}
    assert payload["console_shows_otp"] is True
    assert {"user_id", "password", "role", "office"} == set(payload["logins"][0])
    assert {"account_id", "bill_no", "office", "counter"} == set(payload["sample_accounts"][0])
    engine = db.make_engine(db_url)
    with db.read(engine) as s:
        for sample in payload["sample_accounts"]:
            bill = s.get(Bill, sample["bill_no"])
            assert bill.account_id == sample["account_id"] and bill.state == "ISSUED"
            assert not _count(s, Case, Case.bill_no == bill.bill_no, Case.closed_at.is_(None))
            # the counter login printed beside each account serves that account's office (`--operator`)
            assert s.get(Account, sample["account_id"]).subdivision_code == sample["office"]
            counter = s.get(Staff, sample["counter"])
            assert (counter.role, counter.office_code) == ("TR-OPR", sample["office"])
        case = s.get(Case, payload["sample_request"])
        assert case.closed_at is None and case.office_code == payload["sample_accounts"][0]["office"]
    engine.dispose()


def test_cli_refusal_is_one_error_line(demo_url):
    out = run_wss("--db", demo_url, "demo", "--accounts", "5")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == ["error: db: the database already holds data; add --reset to replace it with demo data"]


# --- --reset on a database that is not the demo's ----------------------------------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def wss_demo(url: str, *args: str):
    """`wss demo --accounts 20 --reset ARGS` through the entry point, in this process (tests/_cli.py);
    tests/test_readme.py runs `wss demo --reset` as a real process."""
    return run_wss("--db", url, "demo", "--accounts", "20", "--reset", *args)


def accounts_in(url: str) -> int:
    engine = db.make_engine(url)
    try:
        with db.read(engine) as s:
            return _count(s, Account)
    finally:
        engine.dispose()


def test_reset_replaces_a_demo_database_and_says_otps_show_on_it(demo_url):
    out = wss_demo(demo_url)
    assert out.returncode == 0, out.stderr
    assert accounts_in(demo_url) == 20
    shown = out.stdout
    assert shown.index("Logins") < shown.index("OTPs: on this demo database the console sender of `wss sms send` prints each")
    again = wss_demo(demo_url)  # a demo database the demo made: replaced again without a question
    assert again.returncode == 0, again.stderr
    # The sample command whole on its own lines (80 columns wrapped it mid-argument before).
    lines = shown.splitlines()
    start = lines.index("Or file a complaint:")
    command = lines[start + 1:start + 3]
    assert command[0].startswith("  wss request new --account ") and command[0].endswith(" \\")
    assert command[1] == '    --reason "Reading on the meter is lower than billed"'
    assert all(len(line) <= 80 for line in lines)


def test_reset_refuses_a_database_with_imported_data_unless_forced(tmp_path, demo_url):
    extract = tmp_path / "ccb_accounts.csv"
    shutil.copyfile(SAMPLES / "ccb_accounts.csv", extract)
    engine = db.make_engine(demo_url)
    imported = importing.import_file(engine, extract, kind="accounts", system="ccb")
    engine.dispose()
    assert imported.inserted > 0
    before = accounts_in(demo_url)

    out = wss_demo(demo_url)
    assert out.returncode == 1 and out.stdout == ""
    [line] = out.stderr.splitlines()
    assert line.startswith("error: db: ") and "is not a demo database: data was imported into it (accounts from ccb_accounts.csv, ccb)" in line
    assert line.endswith("--reset would delete it all — add --force to wipe it anyway")
    assert accounts_in(demo_url) == before  # nothing dropped

    forced = wss_demo(demo_url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert accounts_in(demo_url) == 20
    assert wss_demo(demo_url).returncode == 0  # the demo's again


def test_reset_refuses_a_database_whose_staff_were_changed_with_wss_staff(demo_url):
    engine = db.make_engine(demo_url)
    staff_admin.set_active(engine, "INR1-SDC1", False, by="IT cell")
    engine.dispose()
    out = wss_demo(demo_url)
    assert out.returncode == 1
    assert "1 staff change(s) were made in it with `wss staff` (see `wss staff log`)" in out.stderr
    assert accounts_in(demo_url) == DEMO_ACCOUNTS


def test_reset_refuses_an_unmarked_database_holding_accounts(empty_engine, db_url, tmp_path):
    """An office database set up with `wss db upgrade` and imports: no demo mark, real accounts."""
    with empty_engine.begin() as conn:
        conn.execute(insert(Office), office_rows())
    extract = tmp_path / "ccb_accounts.csv"
    shutil.copyfile(SAMPLES / "ccb_accounts.csv", extract)
    importing.import_file(empty_engine, extract, kind="accounts", system="ccb")
    with empty_engine.begin() as conn:  # as a version before the marks would have left it
        conn.execute(delete(DbMark))
    out = wss_demo(db_url)
    assert out.returncode == 1 and "accounts and 0 staff not marked as made by `wss demo`" in out.stderr
    assert wss_demo(db_url, "--force").returncode == 0


def test_reset_of_a_fresh_or_only_upgraded_database_needs_no_force(db_url, empty_engine):
    assert marks.non_demo_data(empty_engine) is None  # schema only
    assert wss_demo(db_url).returncode == 0


def test_logging_out_of_the_demo_leaves_it_a_demo(demo_url):
    """Working the demo as its README says (the clerk logs out, the SDO logs in to approve) wrote
    "logout" to the staff log, and the demo stopped being one: OTPs went masked (the clerk could not
    close the complaint) and `--reset` asked for --force."""
    from wss_tui.store import sms
    from wss_tui.store.codes import StaffAction

    engine = db.make_engine(demo_url)
    for event in (StaffAction.LOGOUT, StaffAction.IDLE_LOCK, StaffAction.RESUME):
        staff_admin.record_session(engine, "INR1-SDC1", event, minutes="5 min")
    assert marks.non_demo_data(engine) is None
    assert sms.shows_otp(sms.configured(None, engine)[1])
    engine.dispose()
    assert wss_demo(demo_url).returncode == 0
