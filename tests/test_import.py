"""Importing CC&B and mPower extracts: both systems' samples, upserts, every reject reason in the reject
file, interrupted imports completed by running them again, and the command's exit codes and summary."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from wss_tui.store import db, importing
from wss_tui.store.errors import Invalid
from wss_tui.store.importing import writer
from wss_tui.store.importing.ahead import read_ahead
from wss_tui.store.importing.fields import REASONS, Bad, CachedDate, Digits, Number, Rupees, _iso
from wss_tui.store.models import Account, Bill

from ._cli import wss as run_wss

WSS = Path(sys.executable).parent / "wss"
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
BILL_HEADER = (
    "BILL_ID,ACCT_ID,BILL_MONTH,BILL_START_DT,BILL_END_DT,BILL_DT,DUE_DT,PREV_READ,CURR_READ,MULT_FACTOR,"
    "BILLED_KWH,READ_TYPE,RATE_SCHED_CD,CONTRACT_LOAD_KW,FIXED_CHG,ENERGY_CHG,ED_AMT,ARREAR_AMT,BILL_AMT"
).split(",")


@pytest.fixture
def samples(tmp_path) -> Path:
    """The shipped samples, copied: an import writes its reject file beside the input."""
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES, folder)
    return folder


def run(engine, path: Path, kind: str, system: str, **kwargs) -> importing.ImportSummary:
    return importing.import_file(engine, path, kind=kind, system=system, **kwargs)


def rejects(summary: importing.ImportSummary) -> list[dict[str, str]]:
    with open(summary.reject_file, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def source_rows(path: Path) -> dict[int, list[str]]:
    """The file's rows by row number (the header is row 1), as a spreadsheet numbers them."""
    with open(path, newline="", encoding="utf-8") as fh:
        return dict(enumerate(csv.reader(fh), start=1))


def one(engine, model, key):
    table = model.__table__
    pk = next(iter(table.primary_key.columns))
    with engine.connect() as conn:
        return conn.execute(select(table).where(pk == key)).one()


def count(engine, model, where=None) -> int:
    with engine.connect() as conn:
        q = select(func.count()).select_from(model.__table__)
        return conn.scalar(q if where is None else q.where(where))


def ccb_bills_file(engine, path: Path, n: int, *, first_no: int = 990_000_000_000) -> list[str]:
    """`n` clean CC&B bills for the demo's CC&B accounts; returns their bill numbers."""
    with engine.connect() as conn:
        accounts = conn.execute(select(Account.account_id, Account.tariff_category).where(Account.system == "CCB").order_by(Account.account_id)).all()
    numbers = []
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(BILL_HEADER)
        for i in range(n):
            account, category = accounts[i % len(accounts)]
            numbers.append(str(first_no + i))
            out.writerow([numbers[-1], account, "2026-10", "2026-10-01", "2026-10-31", "2026-11-03", "2026-11-18", 1000 + i, 1150 + i, 1,
                          150, "ACT", category, 2, "220.00", "825.00", "52.25", "0.00", "1097.25"])
    return numbers


# --- the two systems -----------------------------------------------------------------------------------


def test_ccb_samples_import_accounts_then_bills(engine, samples):
    accounts = run(engine, samples / "ccb_accounts.csv", "accounts", "ccb")
    assert (accounts.rows, accounts.inserted, accounts.updated, accounts.rejected) == (19, 10, 0, 9)
    a = one(engine, Account, "2186863306")
    assert (a.system, a.area, a.subdivision_code, a.person_name, a.mobile, a.language) == ("CCB", "URBAN", "ESD-INR-1", "SRIVASTAVA,RAMESH", "9448269640", "en")
    assert (a.tariff_category, a.sanctioned_load_kw, a.smart_meter, a.status, a.connected_on) == ("LMV-1", 5.0, False, "ACTIVE", date(2020, 5, 15))
    assert (a.current_balance_paise, a.payoff_balance_paise) == (413108, 395665)  # 4131.08 and 3956.65 rupees
    assert one(engine, Account, "2196429262").mobile is None  # an empty mobile is no mobile

    bills = run(engine, samples / "ccb_bills.csv", "bills", "ccb")
    assert (bills.rows, bills.inserted, bills.updated, bills.rejected) == (39, 30, 0, 9)
    # BILL_STAT_CD: empty or ISSUED is issued; HELD (on hold, not issued) and PAID as the extract says.
    states = {n: one(engine, Bill, n).state for n in ("551460000634", "612395171858", "646920734029", "748670888739")}
    assert states == {"551460000634": "HELD", "612395171858": "PAID", "646920734029": "ISSUED", "748670888739": "ISSUED"}
    b = one(engine, Bill, "574599618656")
    assert (b.account_id, b.bill_month, b.period_from, b.period_to, b.bill_date, b.due_date) == (
        "2186863306", date(2026, 10, 1), date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 3), date(2026, 11, 18))
    assert (b.prev_reading, b.curr_reading, b.units, b.basis, b.state) == (19008.0, 19161.0, 153.0, "ACT", "ISSUED")
    assert (b.fixed_charge_paise, b.energy_charge_paise, b.duty_paise, b.arrear_paise, b.amount_paise) == (56833, 84300, 7057, 215670, 363860)
    assert one(engine, Bill, "748670888739").curr_reading is None  # an assessed bill has no current reading


def test_mpower_samples_import_accounts_then_bills(engine, samples):
    accounts = run(engine, samples / "mpower_accounts.csv", "accounts", "mpower")
    assert (accounts.rows, accounts.inserted, accounts.rejected) == (14, 8, 6)
    a = one(engine, Account, "504802293836")
    assert (a.system, a.area, a.person_name, a.mobile, a.language) == ("MPOWER", "RURAL", "राम प्रसाद यादव", "9385747690", "hi")  # +91 dropped
    assert (a.tariff_category, a.connected_on, a.current_balance_paise, a.payoff_balance_paise) == ("LMV-1", date(2022, 5, 17), 767034, 767034)
    assert one(engine, Account, "501669544226").tariff_category == "LMV-5"  # mPower's LMV5
    with open(samples / "mpower_accounts.csv", encoding="utf-8") as fh:
        tdisc = next(r["CONSUMER_NO"] for r in csv.DictReader(fh) if r["CONN_STATUS"] == "TDISC")
    assert one(engine, Account, tdisc).status == "ACTIVE"  # temporarily disconnected: may still complain

    bills = run(engine, samples / "mpower_bills.csv", "bills", "mpower")
    assert (bills.rows, bills.inserted, bills.rejected) == (31, 24, 7)
    assert [one(engine, Bill, n).state for n in ("57486318276695", "37424497781291", "27041300660152")] == [
        "HELD", "PAID", "ISSUED"]
    [bad] = [r for r in rejects(bills) if r["REJECT_REASON"] == "unknown-state"]
    assert (bad["REJECT_ROW"], bad["REJECT_DETAIL"]) == ("32", "BILL_STATUS 'X' is not one of ISSUED, HELD, PAID")
    b = one(engine, Bill, "27041300660152")
    assert (b.account_id, b.bill_month, b.bill_date, b.period_to, b.basis, b.tariff_category) == (
        "504802293836", date(2026, 8, 1), date(2026, 9, 5), date(2026, 8, 31), "ACT", "LMV-1")
    assert (b.units, b.amount_paise) == (792.0, 437798)
    assert one(engine, Bill, "45578327646403").basis == "ASS"


def test_running_an_import_again_is_harmless_and_keeps_wss_own_bill_state(engine, samples):
    run(engine, samples / "ccb_accounts.csv", "accounts", "ccb")
    first = run(engine, samples / "ccb_bills.csv", "bills", "ccb")
    before = (count(engine, Account), count(engine, Bill), one(engine, Bill, "574599618656"))
    with db.write(engine) as session:  # a complaint was registered against it meanwhile
        session.execute(update(Bill).where(Bill.bill_no == "574599618656").values(state="DISPUTED"))

    again = run(engine, samples / "ccb_bills.csv", "bills", "ccb")
    assert (again.inserted, again.updated, again.rejected) == (0, first.inserted, first.rejected)
    assert [r["REJECT_REASON"] for r in rejects(again)] == [r["REJECT_REASON"] for r in rejects(first)]
    after = one(engine, Bill, "574599618656")
    assert (count(engine, Account), count(engine, Bill)) == before[:2]
    assert {**after._mapping, "state": "ISSUED"} == dict(before[2]._mapping) and after.state == "DISPUTED"

    # A corrected extract updates the figures it changes.
    text = (samples / "ccb_bills.csv").read_text().replace(",3638.60,\n", ",3500.00,\n", 1)
    (samples / "ccb_bills.csv").write_text(text)
    run(engine, samples / "ccb_bills.csv", "bills", "ccb")
    assert one(engine, Bill, "574599618656").amount_paise == 350000


def with_status(path: Path, header: str, statuses: list[str]) -> Path:
    """The extract at `path` with a status column added, one value per row."""
    rows = list(csv.reader(path.read_text().splitlines()))
    out = path.with_name(f"status-{path.name}")
    with open(out, "w", newline="") as fh:
        csv.writer(fh).writerows([rows[0] + [header]] + [r + [v] for r, v in zip(rows[1:], statuses)])
    return out


def test_a_bill_status_sets_the_state_and_a_later_extract_moves_only_an_issued_bill(engine, tmp_path):
    numbers = ccb_bills_file(engine, tmp_path / "bills.csv", 4, first_no=992_000_000_000)
    run(engine, tmp_path / "bills.csv", "bills", "ccb")  # an older extract, no status column: all issued
    assert [one(engine, Bill, n).state for n in numbers] == ["ISSUED"] * 4
    with db.write(engine) as session:  # a complaint on the third, meanwhile
        session.execute(update(Bill).where(Bill.bill_no == numbers[2]).values(state="DISPUTED"))
    again = run(engine, with_status(tmp_path / "bills.csv", "bill_stat_cd", ["HELD", "paid", "HELD", ""]), "bills", "ccb")
    assert (again.updated, again.rejected) == (4, 0)
    assert [one(engine, Bill, n).state for n in numbers] == ["HELD", "PAID", "DISPUTED", "ISSUED"]
    # The billing system says issued again: a held bill is released through wss-tui, never by an extract.
    run(engine, with_status(tmp_path / "bills.csv", "BILL_STAT_CD", ["ISSUED"] * 4), "bills", "ccb")
    assert [one(engine, Bill, n).state for n in numbers] == ["HELD", "PAID", "DISPUTED", "ISSUED"]


def test_every_reject_reason_reaches_the_reject_file_with_its_row(engine, samples, tmp_path):
    seen: set[str] = set()
    for kind in ("accounts", "bills"):
        for system in ("ccb", "mpower"):
            path = samples / f"{system}_{kind}.csv"
            summary = run(engine, path, kind, system)
            assert summary.reject_file == str(path.with_name(f"{system}_{kind}.rejects.csv"))
            rows = source_rows(path)
            listed = rejects(summary)
            assert len(listed) == summary.rejected
            assert summary.reject_reasons == {r: sum(x["REJECT_REASON"] == r for x in listed) for r in summary.reject_reasons}
            for r in listed:
                original = [v for k, v in r.items() if not k.startswith("REJECT_")]
                n = len(rows[int(r["REJECT_ROW"])])
                assert original[:n] == rows[int(r["REJECT_ROW"])]  # the row itself, as it was, at its number
                assert r["REJECT_DETAIL"]
                seen.add(r["REJECT_REASON"])

    # The one reason samples cannot show: a bill number the store holds for another account.
    other = ccb_bills_file(engine, tmp_path / "other.csv", 3)
    row_account = source_rows(tmp_path / "other.csv")[3][1]
    with engine.connect() as conn:
        bill_no, holder = conn.execute(select(Bill.bill_no, Bill.account_id).where(Bill.account_id != row_account).limit(1)).one()
    (tmp_path / "other.csv").write_text((tmp_path / "other.csv").read_text().replace(other[1], bill_no))
    summary = run(engine, tmp_path / "other.csv", "bills", "ccb")
    [r] = rejects(summary)
    assert (r["REJECT_ROW"], r["REJECT_REASON"]) == ("3", "other-account")
    assert holder in r["REJECT_DETAIL"] and one(engine, Bill, bill_no).account_id == holder
    seen.add("other-account")

    # Nor a terminal control in a field (tests/test_hostile_input.py drives the whole corpus through).
    ccb_bills_file(engine, tmp_path / "control.csv", 2, first_no=991_000_000_000)
    text = (tmp_path / "control.csv").read_text().replace(",ACT,", ",ACT\x1b]0;owned\x07,", 1)
    (tmp_path / "control.csv").write_text(text)
    [r] = rejects(run(engine, tmp_path / "control.csv", "bills", "ccb"))
    assert (r["REJECT_ROW"], r["REJECT_REASON"], r["REJECT_DETAIL"]) == (
        "2", "control-character", "READ_TYPE has the control character U+001B (ESC); correct it in the extract")
    seen.add("control-character")

    assert seen == set(REASONS)


def test_sample_reject_details_say_what_is_wrong(engine, samples):
    run(engine, samples / "ccb_accounts.csv", "accounts", "ccb")
    summary = run(engine, samples / "ccb_bills.csv", "bills", "ccb")
    details = {r["REJECT_ROW"]: (r["REJECT_REASON"], r["REJECT_DETAIL"]) for r in rejects(summary)}
    assert details == {
        "32": ("unknown-account", "account 2999999999 is not in the store; import the accounts extract first"),
        "33": ("negative-value", "BILLED_KWH '-40' cannot be negative"),
        "34": ("bad-date", "BILL_DT '2026-13-03' is not a date (YYYY-MM-DD)"),
        "35": ("malformed-id", "BILL_ID '90000000004' is not a CC&B bill ID (12 digits)"),
        "36": ("bad-number", "BILL_AMT '4,120.50' is not an amount in rupees (digits, at most 2 decimals, no commas)"),
        "37": ("duplicate-key", "bill_no 314214533515 was already imported from row 7"),
        "38": ("bad-value", "READ_TYPE 'EST' is not one of ACT, ASS, PROV, MU"),
        "39": ("bad-date", "due date 2026-09-01 is before the bill date 2026-10-03"),
        "40": ("unknown-state", "BILL_STAT_CD 'HOLD' is not one of ISSUED, HELD, PAID"),
    }
    assert count(engine, Bill, Bill.bill_no.in_(["900000000001", "900000000002", "900000000005"])) == 0


def test_a_corrected_reject_file_can_be_imported_itself(engine, samples):
    run(engine, samples / "ccb_accounts.csv", "accounts", "ccb")
    summary = run(engine, samples / "ccb_bills.csv", "bills", "ccb")
    fixed = Path(summary.reject_file).with_name("ccb_bills_fixed.csv")
    fixed.write_text(Path(summary.reject_file).read_text().replace('"4,120.50"', "4120.50"))
    again = run(engine, fixed, "bills", "ccb")
    # Every row of a reject file is submitted again: the duplicate, alone in it now, updates its bill
    # (docs/import-formats.md says to delete the rows that should not go in).
    assert (again.inserted, again.updated, again.rejected) == (1, 1, 7)
    assert one(engine, Bill, "900000000005").amount_paise == 412050


def test_an_account_file_cannot_move_a_bill_or_an_account_into_the_other_system(engine, samples):
    # The mPower consumers file under --system ccb: refused whole, naming the missing CC&B columns.
    with pytest.raises(Invalid, match=r"no column ACCT_ID, ENTITY_NAME, .* in the header: not a CC&B accounts extract\?"):
        run(engine, samples / "mpower_accounts.csv", "accounts", "ccb")
    assert not (samples / "mpower_accounts.rejects.csv").exists()


# --- interruptions ------------------------------------------------------------------------------------


def test_an_interrupted_import_keeps_whole_batches_and_running_it_again_completes_it(engine, tmp_path):
    path = tmp_path / "bills.csv"
    numbers = ccb_bills_file(engine, path, 50)
    batches = []

    def ctrl_c_after_two_batches(progress: importing.Progress) -> None:
        batches.append(progress.rows)
        if len(batches) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(engine, path, "bills", "ccb", batch_size=10, progress=ctrl_c_after_two_batches)
    assert count(engine, Bill, Bill.bill_no.in_(numbers)) == 20
    assert count(engine, Bill, Bill.bill_no.in_(numbers[:20])) == 20

    summary = run(engine, path, "bills", "ccb", batch_size=10)
    assert (summary.inserted, summary.updated, summary.rejected) == (30, 20, 0)
    assert count(engine, Bill, Bill.bill_no.in_(numbers)) == 50


def test_a_failure_inside_a_batch_leaves_none_of_that_batch(engine, tmp_path, monkeypatch):
    path = tmp_path / "bills.csv"
    numbers = ccb_bills_file(engine, path, 50)
    real = writer.Writer.upsert
    calls = []

    def half_then_crash(self, conn, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            real(self, conn, rows[:5])  # half of the third batch is written …
            raise OSError("disk full")  # … then the process fails
        real(self, conn, rows)

    monkeypatch.setattr(writer.Writer, "upsert", half_then_crash)
    with pytest.raises(OSError):
        run(engine, path, "bills", "ccb", batch_size=10)
    assert count(engine, Bill, Bill.bill_no.in_(numbers)) == 20  # the two whole batches, nothing of the third

    monkeypatch.setattr(writer.Writer, "upsert", real)
    assert run(engine, path, "bills", "ccb", batch_size=10).inserted == 30
    assert count(engine, Bill, Bill.bill_no.in_(numbers)) == 50


def _start_import(demo_url, path: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(WSS), "--db", demo_url, "import", "bills", str(path), "--system", "ccb", "--batch-size", "500", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As from a terminal: a suite started in the background (nohup, `cmd &`) ignores SIGINT, and a
        # child would inherit that and never see the Ctrl-C this test sends.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_some(engine, numbers, proc) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        done = count(engine, Bill, Bill.bill_no.between(numbers[0], numbers[-1]))
        if done >= 1000:
            return done
        time.sleep(0.01)
    raise AssertionError(f"the import did not get going (exit {proc.poll()})")


@pytest.mark.parametrize("how", ["kill", "ctrl-c"])
def test_a_killed_or_interrupted_wss_import_completes_when_run_again(engine, demo_url, tmp_path, how):
    path = tmp_path / "bills.csv"
    # Long enough that the signal lands mid-import even on a machine busy with other work (60,000 rows
    # once finished before a late SIGINT arrived).
    numbers = ccb_bills_file(engine, path, 200_000)
    proc = _start_import(demo_url, path, "--json")
    try:
        _wait_for_some(engine, numbers, proc)
        proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    done = count(engine, Bill, Bill.bill_no.between(numbers[0], numbers[-1]))
    assert 0 < done < len(numbers)
    assert done % 500 == 0  # whole batches only
    if how == "ctrl-c":
        assert proc.returncode == 130, err  # the one line says what was caught, should it be anything else
        assert "nothing half-written was kept. Run the same command again to complete the import." in err
        assert "Traceback" not in err
    else:
        assert proc.returncode == -signal.SIGKILL

    again = subprocess.run([str(WSS), "--db", demo_url, "import", "bills", str(path), "--system", "ccb", "--json"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["inserted"], summary["updated"], summary["rejected"]) == (len(numbers) - done, done, 0)
    assert count(engine, Bill, Bill.bill_no.between(numbers[0], numbers[-1])) == len(numbers)


# --- the command ---------------------------------------------------------------------------------------


def wss(demo_url, *args: str) -> subprocess.CompletedProcess:
    """Through the command's entry point, in this process (tests/_cli.py). The interrupted imports above
    are real processes: they are stopped by signals."""
    return run_wss("--db", demo_url, *args)


def test_wss_import_exit_codes_and_summaries(engine, demo_url, samples, tmp_path):
    clean = tmp_path / "clean.csv"
    ccb_bills_file(engine, clean, 12)
    out = wss(demo_url, "import", "bills", str(clean), "--system", "ccb")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("12 rows in ") and out.stdout.rstrip().endswith("12 inserted, 0 updated, 0 rejected.")
    assert "rows/s" in out.stdout
    assert not clean.with_name("clean.rejects.csv").exists()

    out = wss(demo_url, "import", "bills", str(clean), "--system", "ccb", "--json")
    summary = json.loads(out.stdout)
    assert out.returncode == 0
    assert {k: summary[k] for k in ("kind", "system", "rows", "inserted", "updated", "rejected", "reject_file")} == dict(
        kind="bills", system="ccb", rows=12, inserted=0, updated=12, rejected=0, reject_file=None)

    out = wss(demo_url, "import", "accounts", str(samples / "ccb_accounts.csv"), "--system", "ccb")
    assert out.returncode == 3  # imported, but with rejected rows
    assert "10 inserted, 0 updated, 9 rejected." in out.stdout
    assert f"Rejected rows, with the reason for each, are in {samples / 'ccb_accounts.rejects.csv'} (bad-date 1," in out.stdout

    out = wss(demo_url, "import", "accounts", str(samples / "mpower_accounts.csv"), "--system", "ccb")
    assert out.returncode == 1
    assert out.stderr.startswith("error: file: no column ACCT_ID") and "Traceback" not in out.stderr

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    out = wss(demo_url, "import", "bills", str(empty), "--system", "mpower")
    assert (out.returncode, out.stderr.strip()) == (1, "error: file: the file is empty; an extract starts with its header row")

    latin = tmp_path / "latin.csv"
    latin.write_bytes((clean.read_text().replace("2026-10,", "2026-11,", 1)).encode() + "9900,Jos\xe9\n".encode("latin-1"))
    out = wss(demo_url, "import", "bills", str(latin), "--system", "ccb")
    assert out.returncode == 1 and "is not UTF-8 text" in out.stderr and "Save the extract as CSV UTF-8 and import it again" in out.stderr

    assert wss(demo_url, "import", "bills", str(tmp_path / "nope.csv"), "--system", "ccb").returncode == 2
    assert wss(demo_url, "import", "bills", str(clean), "--system", "sap").returncode == 2


def test_an_excel_saved_extract_with_a_byte_order_mark_and_blank_lines_imports(engine, tmp_path):
    path = tmp_path / "excel.csv"
    numbers = ccb_bills_file(engine, path, 3)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")
    summary = run(engine, path, "bills", "ccb")
    assert (summary.inserted, summary.rejected) == (3, 0)
    assert count(engine, Bill, Bill.bill_no.in_(numbers)) == 3


def test_rows_keep_their_numbers_across_batches_with_blank_short_and_bad_rows(engine, tmp_path):
    path = tmp_path / "bills.csv"
    numbers = ccb_bills_file(engine, path, 8)
    lines = path.read_text().splitlines()
    # Row 3 blank, row 5 short, row 8 a bad amount: each in a different batch of three.
    lines[2:2] = [""]
    lines[4:4] = ["123,456"]
    lines[7] = lines[7].replace(",1097.25", ",10.972.5")
    path.write_text("\n".join(lines) + "\n")
    summary = run(engine, path, "bills", "ccb", batch_size=3)
    assert [(r["REJECT_ROW"], r["REJECT_REASON"]) for r in rejects(summary)] == [("5", "bad-row"), ("8", "bad-number")]
    assert (summary.inserted, summary.rejected) == (7, 2)
    bad_bill = lines[7].split(",")[0]
    assert count(engine, Bill, Bill.bill_no.in_(numbers)) == 7 and bad_bill in numbers
    assert count(engine, Bill, Bill.bill_no == bad_bill) == 0


def test_spaces_around_values_are_dropped_and_a_hidden_control_is_still_refused(engine, tmp_path):
    path = tmp_path / "bills.csv"
    numbers = ccb_bills_file(engine, path, 3)
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(",150,", ", 150\u00a0,").replace(",ACT,", ",\tACT ,")
    lines[2] = lines[2].replace(",ACT,", ",A\u202eCT,")  # a bidirectional override, in a column of plain codes
    path.write_text("\n".join(lines) + "\n")
    summary = run(engine, path, "bills", "ccb")
    [r] = rejects(summary)
    assert (r["REJECT_ROW"], r["REJECT_REASON"]) == ("3", "control-character") and "U+202E" in r["REJECT_DETAIL"]
    imported = one(engine, Bill, numbers[0])
    assert (imported.units, imported.basis) == (150, "ACT")


def test_a_file_undecodable_partway_keeps_the_whole_batches_before_it(engine, tmp_path):
    path = tmp_path / "bills.csv"
    numbers = ccb_bills_file(engine, path, 3000)
    raw = path.read_bytes().splitlines(keepends=True)
    raw[2000] = raw[2000].replace(b"ACT", b"A\xff\xfeT")
    path.write_bytes(b"".join(raw))
    with pytest.raises(Invalid, match="is not UTF-8 text; whole batches before"):
        run(engine, path, "bills", "ccb", batch_size=500)
    kept = count(engine, Bill, Bill.bill_no.in_(numbers))
    assert kept % 500 == 0 and 0 < kept < 2000  # whole batches, none from the bad part on
    assert count(engine, Bill, Bill.bill_no.in_(numbers[:kept])) == kept


def test_text_with_backslashes_and_empty_optional_fields_is_stored_as_written(engine, tmp_path):
    path = tmp_path / "accounts.csv"
    lines = (SAMPLES / "ccb_accounts.csv").read_text(encoding="utf-8").splitlines()[:3]
    address = r"Flat 3\N, Block C\t \\ Gomti Nagar"
    lines[1] = lines[1].replace('"540/E Gomti Nagar, Lucknow"', f'"{address}"').replace("9448269640,ramesh.srivastava@example.in", ",")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = run(engine, path, "accounts", "ccb")
    assert (summary.rejected, summary.inserted + summary.updated) == (0, 2)
    account = one(engine, Account, "2186863306")
    assert (account.premise_address, account.mobile, account.email) == (address, None, None)


def test_batches_read_ahead_arrive_in_order_and_an_error_in_its_place():
    def batches():
        yield 1
        yield 2
        raise ValueError("the third cannot be read")

    got = []
    with pytest.raises(ValueError, match="third"):
        for batch in read_ahead(batches()):
            got.append(batch)
    assert got == [1, 2]
    early = read_ahead(iter(range(100)))
    assert next(early) == 0
    early.close()  # the caller stops (an error in its batch, Ctrl-C): the thread is gone with it
    assert not [t for t in threading.enumerate() if t.name == "wss-import-read-ahead"]


def test_readme_sample_commands_import_on_demo_data(engine, demo_url, samples):
    for kind in ("accounts", "bills"):
        for system in ("ccb", "mpower"):
            out = wss(demo_url, "import", kind, str(samples / f"{system}_{kind}.csv"), "--system", system)
            assert out.returncode == 3, out.stderr  # every sample has bad rows on purpose
    assert count(engine, Bill, Bill.account_id.in_(["2186863306", "504802293836"])) == 6


# --- the readers: the fast column path always agrees with the row-by-row one ----------------------------


def _agree(reader, values: list[str]) -> None:
    try:
        expected = [reader.one(v) for v in values]
    except Bad as bad:
        with pytest.raises(Bad) as raised:
            reader.many(values)
        assert raised.value.reason == bad.reason
        return
    assert reader.many(values) == expected


amounts = st.one_of(
    st.from_regex(r"-?[0-9]{1,7}(\.[0-9]{0,3})?", fullmatch=True),
    st.text(alphabet="0123456789.-,_ e१", min_size=1, max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=6))
def test_rupees_columns_read_the_same_fast_and_slow(values):
    _agree(Rupees(), values)
    _agree(Rupees(negative=True), values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.-e_naif ", min_size=1, max_size=7), min_size=1, max_size=6))
def test_number_columns_read_the_same_fast_and_slow(values):
    _agree(Number(), values)
    _agree(Number(positive=True), values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789-/x", min_size=1, max_size=11), min_size=1, max_size=6))
def test_id_and_date_columns_read_the_same_fast_and_slow(values):
    _agree(Digits((10,), "a CC&B account ID"), values)
    _agree(CachedDate(_iso, "YYYY-MM-DD"), values)


def test_rupees_become_exact_paise():
    read = Rupees(negative=True)
    assert read.many(["0.10", "1234.56", "99999999.99"]) == [10, 123456, 9999999999]
    with pytest.raises(Bad):  # a column is scanned as one text: a value holding a line break is not two
        read.many(["1.00\n2.00", "3.00"])
    assert [read.one(v) for v in ("0.1", "12", "-12.3", "-0.05")] == [10, 1200, -1230, -5]
    with pytest.raises(Bad, match="at most 2 decimals"):
        read.one("0.105")
    with pytest.raises(Bad) as bad:
        Rupees().one("-1.00")
    assert bad.value.reason == "negative-value"


def test_the_samples_and_the_formats_document_agree():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "import-formats.md").read_text(encoding="utf-8")
    for (kind, system), layout in importing.LAYOUTS.items():
        header = (SAMPLES / f"{system}_{kind}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        assert sorted(header) == sorted(c.header for c in layout.columns)
        for column in layout.columns:
            assert f"`{column.header}`" in doc, f"{column.header} ({system} {kind}) is not in docs/import-formats.md"
    for reason in REASONS:
        assert f"`{reason}`" in doc, f"reason {reason} is not in docs/import-formats.md"
