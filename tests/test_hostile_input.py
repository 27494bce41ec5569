"""The hostile corpus (tests/hostile.py) at every door where text enters the store: `wss request new`,
every store function that keeps typed text, `wss import`, and the TUI's dialogs.

What holds a terminal control (CONTROLS) or bytes that are not UTF-8 (NOT_UTF8) is refused with the
field named and nothing written; markup and plain text of any script (MARKUP, PLAIN) is stored as typed
and reads back equal (or, longer than the field keeps, is refused for its length, not for its content).
Run on SQLite and, with WSS_TEST_DATABASE_URL, on PostgreSQL: there a NUL reaching the driver would be
an error instead of a refusal.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam
from sqlalchemy import text as sql
from sqlmodel import Session

from wss_tui.store import attachments, db, intake, mis, offices, otp, revision, staff_admin, text, todos
from wss_tui.store.errors import Invalid
from wss_tui.store.revision.calc import Correction
from wss_tui.store.todos import SearchFilter

from ._cli import wss as run_wss
from ._intake_data import PDF, free_bill as free_intake_bill
from ._revision_data import CLERK, CLERK2, EE, SDO, approve, caseless_todo, complaint, execute, forward_to, propose
from .hostile import CONTROLS, MARKUP, NOT_UTF8, PLAIN, assert_no_control
from .test_revision import reading_less

# Revision and closure flows start from a To Do taken from the queue, as before routing (test_routing.py
# covers who a new To Do is routed to).
pytestmark = pytest.mark.usefixtures("queue_routing")

REFUSED = CONTROLS + NOT_UTF8
KEPT = MARKUP + PLAIN
COMPLETED = "Case Completed"
# Each corpus entry goes in at the start of a sentence long enough for every field's minimum length, so a
# refusal is about the entry itself.
TAIL = " :: meter reads 4512"
WSS = Path(sys.executable).parent / "wss"

# Every table a door could write to: a refusal leaves them all as they were.
TABLES = ("case", "case_log", "todo", "todo_log", "todo_characteristic", "sms_outbox", "attachment", "customer_contact",
          "bill", "bill_revision", "case_otp", "case_closure", "staff", "account")


def sentence(value: str) -> str:
    return value + TAIL


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sql(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in TABLES}


def scalar(session: Session, query: str, **params):
    """Read back through the driver, not the session's identity map: what the database holds."""
    return session.execute(sql(query), params).scalar_one()


@contextmanager
def trial(engine):
    """A write that is always rolled back: each accepted entry is stored, read back, and undone, so one
    prepared To Do or case serves the whole corpus."""
    with Session(engine.execution_options(wss_write=True), expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.rollback()


def refusal_of(field: str, value: str) -> str:
    """The one line the rule gives for `value` in `field` (as the CLI prints it after `error: `)."""
    with pytest.raises(Invalid) as err:
        text.check(field, value.strip())
    return str(err.value)


# --- the store's doors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    name: str
    field: str
    limit: int  # the longest text the field keeps
    prepare: Callable  # (engine) -> what `enter` needs
    enter: Callable  # (session, prepared, value) -> the text stored for it, read back from the database


def _todo_log(s: Session, todo_id: str) -> str:
    return scalar(s, "SELECT details FROM todo_log WHERE todo_id = :t ORDER BY id DESC LIMIT 1", t=todo_id)


def _after_colon(stored: str, value: str) -> str:
    """A log line is `<what happened>: <the text typed>`; the text as stored."""
    assert stored.endswith(": " + value), stored
    return value


def _forwarded_back(engine) -> str:
    todo_id = caseless_todo(engine, CLERK2)
    with db.write(engine) as s:
        todos.forward(s, CLERK2, todo_id, todos.get(s, CLERK2, todo_id).version, to_user=CLERK, note="Your area")
    return todo_id


def _v(s: Session, actor: str, todo_id: str) -> int:
    return todos.get(s, actor, todo_id).version


def _reason(s, p, value):
    account_id, bill_no, _ = p
    receipt = intake.submit_request(s, account_id=account_id, bill_no=bill_no, reason=value)
    return scalar(s, 'SELECT reason FROM "case" WHERE case_id = :c', c=receipt.request_id)


def _remark(s, c, value):
    arrear = scalar(s, "SELECT arrear_paise FROM bill WHERE bill_no = :b", b=c.bill_no)
    info = revision.propose(s, CLERK, c.todo_id, _v(s, CLERK, c.todo_id), Correction("ARREAR", value, arrear_paise=arrear - 10_000))
    return scalar(s, "SELECT remark FROM bill_revision WHERE revision_id = :r", r=info.revision_id)


def _proposed(engine):
    c = complaint(engine)
    return propose(engine, c, reading_less(engine, c))


def _decision(verb):
    def enter(s, info, value):
        getattr(revision, verb)(s, SDO, info.approval_todo_id, _v(s, SDO, info.approval_todo_id), value)
        return scalar(s, "SELECT decision_note FROM bill_revision WHERE revision_id = :r", r=info.revision_id)
    return enter


def _revised(engine):
    c = complaint(engine)
    approve(engine, SDO, propose(engine, c, reading_less(engine, c)))
    return c


def _close_comment(s, c, value):
    otp.send(s, CLERK, c.todo_id, _v(s, CLERK, c.todo_id), COMPLETED, value)
    return scalar(s, "SELECT comment FROM case_otp WHERE case_id = :c ORDER BY id DESC LIMIT 1", c=c.case_id)


def _no_mobile_for_ee(engine):
    c = _revised(engine)
    execute(engine, "UPDATE account SET mobile = NULL WHERE account_id = :a", a=c.account_id)
    return forward_to(engine, c, EE)


def _override_reason(s, c, value):
    otp.close_without_otp(s, EE, c.todo_id, _v(s, EE, c.todo_id), COMPLETED, "Bill revised on actual reading", value)
    return scalar(s, "SELECT reason FROM case_closure WHERE case_id = :c", c=c.case_id)


def _log_entry(s, todo_id, value):
    todos.add_log(s, CLERK, todo_id, _v(s, CLERK, todo_id), value)
    return _todo_log(s, todo_id)


def _forward_note(s, todo_id, value):
    todos.forward(s, CLERK, todo_id, _v(s, CLERK, todo_id), to_user=CLERK2, note=value)
    return _after_colon(_todo_log(s, todo_id), value)


def _send_back_note(s, todo_id, value):
    todos.send_back(s, CLERK, todo_id, _v(s, CLERK, todo_id), value)
    return _after_colon(_todo_log(s, todo_id), value)


def _priority_note(s, todo_id, value):
    todos.change_priority(s, CLERK, todo_id, _v(s, CLERK, todo_id), 10, value)
    return _after_colon(_todo_log(s, todo_id), value)


def _complete_comment(s, todo_id, value):
    todos.complete(s, CLERK, todo_id, _v(s, CLERK, todo_id), value)
    return scalar(s, "SELECT comment FROM todo WHERE todo_id = :t", t=todo_id)


DOORS = [
    Door("request reason", "reason", 1000, free_intake_bill, _reason),
    Door("To Do log entry", "details", 1000, caseless_todo, _log_entry),
    Door("forward note", "note", 1000, caseless_todo, _forward_note),
    Door("send-back note", "note", 1000, _forwarded_back, _send_back_note),
    Door("priority note", "note", 1000, caseless_todo, _priority_note),
    Door("complete comment", "comment", 1000, caseless_todo, _complete_comment),
    Door("revision remark", "remark", 500, complaint, _remark),
    Door("approval note", "note", 500, _proposed, _decision("approve")),
    Door("reject reason", "reason", 500, _proposed, _decision("reject")),
    Door("closure comment", "comment", 1000, _revised, _close_comment),
    Door("close-without-OTP reason", "reason", 500, _no_mobile_for_ee, _override_reason),
]


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
def test_each_store_door_refuses_controls_and_keeps_the_rest_literally(engine, door):
    prepared = door.prepare(engine)
    before = counts(engine)
    for value in REFUSED:
        with pytest.raises(Invalid) as err, db.write(engine) as s:
            door.enter(s, prepared, sentence(value))
        assert str(err.value) == refusal_of(door.field, sentence(value)), door.name
    assert counts(engine) == before, f"{door.name}: a refusal wrote something"
    for value in KEPT:
        typed = sentence(value)
        with trial(engine) as s:
            if len(typed) > door.limit:
                with pytest.raises(Invalid) as err:
                    door.enter(s, prepared, typed)
                assert err.value.field == door.field and "control" not in err.value.message
            else:
                assert door.enter(s, prepared, typed) == typed, door.name


def test_staff_names_follow_the_one_rule(engine):
    """`wss staff add`'s name: controls refused; Devanagari with its joiners (which isprintable() refused)
    and markup kept as typed."""
    before = counts(engine)
    for value in REFUSED:
        spec = staff_admin.NewStaff("HOSTILE-X", sentence(value), "TR-SDC", "ESD-INR-1")
        with pytest.raises(Invalid) as err:
            staff_admin.add(engine, spec, "long enough password")
        assert str(err.value) == refusal_of("name", sentence(value))
    assert counts(engine) == before
    for i, value in enumerate(KEPT):
        typed = sentence(value)
        spec = staff_admin.NewStaff(f"HOSTILE-{i}", typed, "TR-SDC", "ESD-INR-1")
        if len(typed) > staff_admin.MAX_NAME:
            with pytest.raises(Invalid, match="1-80 characters"):
                staff_admin.check_new(engine, spec)
            continue
        assert staff_admin.check_new(engine, spec).name == typed  # every rule of add() but the password's
    # One added for real, through the database, with the joiners that isprintable() refused.
    added = staff_admin.add(engine, staff_admin.NewStaff("HOSTILE-1", sentence(PLAIN[1]), "TR-SDC", "ESD-INR-1"), "long enough password")
    assert staff_admin.get(engine, "HOSTILE-1").name == added.name == sentence(PLAIN[1])


def test_an_attachments_file_name_is_text_too():
    for value in REFUSED:
        with pytest.raises(Invalid, match=r"^attach: a file name has .*; rename the file without it$"):
            attachments.judge(f"scan {value}.pdf", PDF)
    for value in KEPT:
        name = f"scan {value}.pdf"
        if "/" in value or len(name) > attachments.MAX_FILENAME_CHARS:
            continue  # a path, or a name no file system keeps: other rules
        assert attachments.judge(name, PDF).filename == name


@pytest.mark.parametrize("value", REFUSED, ids=repr)
def test_search_filters_and_forward_targets_refuse_controls_before_sql(engine, value):
    """Text typed into a filter goes to SQL as a parameter; PostgreSQL fails on a NUL there. Refused
    first, with the field named, on both engines."""
    todo_id = caseless_todo(engine)
    with db.read(engine) as s:
        for flt, field in ((SearchFilter(user_id=value), "user ID"), (SearchFilter(user_filter="role", role=value), "role"),
                           (SearchFilter(todo_type=value), "type")):
            with pytest.raises(Invalid) as err:
                todos.search(s, CLERK, flt)
            assert err.value.field == field
        for kwargs in (dict(office=value), dict(after=value)):
            with pytest.raises(Invalid) as err:
                staff_admin.list_staff(s, **kwargs)
            assert err.value.field == next(iter(kwargs))
        with pytest.raises(Invalid) as err:
            mis.report(s, None, office=f"ESD-INR-1{value}")  # `wss mis --office`
        assert err.value.field == "office"
        with pytest.raises(Invalid) as err:
            offices.get(s, value)
        assert err.value.field == "office"
    with pytest.raises(Invalid) as err, db.write(engine) as s:
        todos.forward(s, CLERK, todo_id, _v(s, CLERK, todo_id), to_user=f"INR1{value}", note="Please look")
    assert err.value.field == "to user"


# --- any text at all (hypothesis) ------------------------------------------------------------------------

_refused_char = st.one_of(
    st.characters(categories=["Cc", "Cs", "Zl", "Zp"]),
    st.sampled_from(sorted(text.BIDI_CONTROLS)),
)
_with_refused = st.builds(lambda a, c, b: a + c + b, st.text(max_size=40), _refused_char, st.text(max_size=40))
_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_settings
@given(value=st.one_of(_with_refused, st.text(max_size=80)))
def test_any_log_entry_is_refused_iff_it_holds_a_refused_character(engine, value):
    todo_id = _any_todo(engine)
    kept = value.strip()
    assume(kept)
    with trial(engine) as s:
        if text.has_refused(kept):
            with pytest.raises(Invalid) as err:
                _log_entry(s, todo_id, value)
            assert err.value.field == "details" and str(err.value) == refusal_of("details", value)
        else:
            assert _log_entry(s, todo_id, value) == kept


@_settings
@given(value=st.one_of(_with_refused, st.text(min_size=10, max_size=80)))
def test_any_request_reason_is_refused_iff_it_holds_a_refused_character(engine, value):
    account_id, bill_no, sub = _any_bill(engine)
    kept = value.strip()
    assume(len(kept) >= 10)
    with trial(engine) as s:
        if text.has_refused(kept):
            with pytest.raises(Invalid) as err:
                _reason(s, (account_id, bill_no, sub), value)
            assert str(err.value) == refusal_of("reason", value)
        else:
            assert _reason(s, (account_id, bill_no, sub), value) == kept


def _any_todo(engine) -> str:
    """One To Do per test's database, made at the first example (hypothesis runs them all on one `engine`)."""
    if not hasattr(engine, "hostile_todo"):
        engine.hostile_todo = caseless_todo(engine)
    return engine.hostile_todo


def _any_bill(engine):
    if not hasattr(engine, "hostile_bill"):
        engine.hostile_bill = free_intake_bill(engine)
    return engine.hostile_bill


# --- `wss request new` ------------------------------------------------------------------------------------


def wss(*args: str | bytes) -> subprocess.CompletedProcess:
    """Through the command's entry point, in this process (tests/_cli.py); output as bytes."""
    return run_wss(*args, text=False)


# No argv can hold a NUL (the operating system ends the argument there): that one is for the store and import.
@pytest.mark.parametrize("value", [v for v in REFUSED if "\x00" not in v], ids=repr)
def test_wss_request_new_refuses_a_reason_with_a_control_in_one_line(engine, demo_url, value):
    account_id, bill_no, _ = free_intake_bill(engine)
    before = counts(engine)
    # As bytes, as a shell passes them: bytes that are not UTF-8 reach Python as lone surrogates.
    reason = os.fsencode(sentence(value))
    result = wss("--db", demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", reason)
    assert result.returncode == 1, result
    if value in NOT_UTF8:  # refused by `wss` itself before any command reads it, naming the option
        assert result.stderr.decode().startswith("error: --reason: has a byte that is not UTF-8 (U+DCFF)")
        assert result.stderr.decode().count("\n") == 1
    else:
        assert result.stderr.decode() == f"error: {refusal_of('reason', sentence(value))}\n"
    assert result.stdout == b""
    assert counts(engine) == before


@pytest.mark.parametrize("value", [MARKUP[0], MARKUP[3], MARKUP[5], PLAIN[0], PLAIN[1], PLAIN[2]], ids=repr)
def test_wss_request_new_stores_markup_and_any_script_as_typed(engine, demo_url, value):
    account_id, bill_no, _ = free_intake_bill(engine)
    result = wss("--db", demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason",
                 sentence(value), "--json")
    assert result.returncode == 0, result.stderr
    request_id = json.loads(result.stdout)["request_id"]
    with db.read(engine) as s:
        assert scalar(s, 'SELECT reason FROM "case" WHERE case_id = :c', c=request_id) == sentence(value)


# --- `wss import` -------------------------------------------------------------------------------------------

CCB_ACCOUNT_HEADER = ("ACCT_ID,ENTITY_NAME,MOBILE_NBR,EMAIL_ADDR,LANGUAGE_CD,PREM_ADDRESS,CITY,RATE_SCHED_CD,SA_TYPE_DESCR,"
                      "CONTRACT_LOAD_KW,SUB_DIVISION_CD,SMART_METER_FLG,ACCT_STATUS,SETUP_DT,CUR_BAL,PAYOFF_BAL").split(",")


def _account_row(account_id: str, *, name="SRIVASTAVA,RAMESH", email="ramesh@example.in", address="540/E Gomti Nagar",
                 town="Lucknow") -> list[str]:
    return [account_id, name, "9448269640", email, "ENG", address, town, "LMV-1", "Residential / Domestic", "5",
            "ESD-INR-1", "N", "ACTIVE", "2020-05-15", "4131.08", "3956.65"]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)


def _reject_rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path.with_name(f"{path.stem}.rejects.csv"), newline="", encoding="utf-8") as fh:
        return {r["REJECT_ROW"]: r for r in csv.DictReader(fh)}


def test_wss_import_accounts_rejects_controls_row_by_row_and_keeps_the_rest(engine, demo_url, tmp_path):
    """ESC, BEL, OSC, NUL … in a name, an address, a town or an e-mail: that row to the reject file with
    the reason, every other row in as written. On PostgreSQL the NUL never reaches COPY."""
    path = tmp_path / "accounts.csv"
    rows, refused, kept = [], {}, {}
    for i, value in enumerate(CONTROLS):
        for j, column in enumerate(("name", "address", "town")):
            rows.append(_account_row(f"29{i:02d}{j}00000", **{column: value}))
            refused[str(len(rows) + 1)] = {"name": "ENTITY_NAME", "address": "PREM_ADDRESS", "town": "CITY"}[column]
    rows.append(_account_row("2990000000", email="ram\x1b]0;x\x07@example.in"))
    refused[str(len(rows) + 1)] = "EMAIL_ADDR"
    for i, value in enumerate(KEPT):
        if len(value) <= 80:
            rows.append(_account_row(f"28{i:02d}000000", name=value, address=value))
            kept[f"28{i:02d}000000"] = value
    _write_csv(path, CCB_ACCOUNT_HEADER, rows)
    before = counts(engine)["account"]

    result = wss("--db", demo_url, "import", "accounts", str(path), "--system", "ccb")
    out = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 3, out  # done, with rejects
    assert_no_control(out)
    assert f"{len(kept)} inserted, 0 updated, {len(refused)} rejected." in out and "control-character" in out

    rejects = _reject_rows(path)
    assert set(rejects) == set(refused)
    for row, header in refused.items():
        r = rejects[row]
        assert r["REJECT_REASON"] == "control-character"
        assert r["REJECT_DETAIL"].startswith(f"{header} has the control character U+")
        assert_no_control(r["REJECT_DETAIL"])
    assert counts(engine)["account"] == before + len(kept)
    with db.read(engine) as s:
        for account_id, value in kept.items():
            stored = s.execute(sql("SELECT person_name, premise_address FROM account WHERE account_id = :a"), dict(a=account_id)).one()
            assert tuple(stored) == (value, value)


def test_wss_import_bills_rejects_a_control_in_any_field(engine, demo_url, tmp_path):
    from .test_import import BILL_HEADER, ccb_bills_file

    path = tmp_path / "bills.csv"
    numbers = ccb_bills_file(engine, path, len(CONTROLS) + 2)
    with open(path, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    columns = ["READ_TYPE", "RATE_SCHED_CD", "BILL_AMT", "BILL_MONTH", "ACCT_ID", "PREV_READ"]
    for i, value in enumerate(CONTROLS):
        column = columns[i % len(columns)]
        at = BILL_HEADER.index(column)
        rows[i][at] = rows[i][at] + value  # a valid field with the control after it
    _write_csv(path, header, rows)

    result = wss("--db", demo_url, "import", "bills", str(path), "--system", "ccb")
    assert result.returncode == 3, result
    assert_no_control(result.stdout.decode() + result.stderr.decode())
    rejects = _reject_rows(path)
    assert sorted(rejects, key=int) == [str(i + 2) for i in range(len(CONTROLS))]
    assert {r["REJECT_REASON"] for r in rejects.values()} == {"control-character"}
    with db.read(engine) as s:
        loaded = s.execute(sql("SELECT count(*) FROM bill WHERE bill_no IN :n").bindparams(bindparam("n", expanding=True)),
                           dict(n=numbers)).scalar_one()
    assert loaded == 2  # the good rows still load


def test_wss_import_of_bytes_that_are_not_utf8_says_so_in_one_line(engine, demo_url, tmp_path):
    path = tmp_path / "accounts.csv"
    _write_csv(path, CCB_ACCOUNT_HEADER, [_account_row("2990000001", name=NOT_UTF8[0])])
    result = wss("--db", demo_url, "import", "accounts", str(path), "--system", "ccb")
    assert result.returncode == 1
    assert result.stderr.decode().startswith("error: file: is not UTF-8 text;") and result.stderr.count(b"\n") == 1
    assert result.stdout == b""


# --- the TUI's dialogs (Pilot) ------------------------------------------------------------------------------
# A terminal hands a dialog a control character only in a paste (an ESC typed is the Escape key): the
# tests set the Input's value, as a paste does, and press Enter (or ctrl+s) as the user would.

OSC52, NUL, BIDI, NOT_UTF8_TEXT = CONTROLS[2], CONTROLS[5], CONTROLS[8], NOT_UTF8[0]


def log_count(engine, todo_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sql("SELECT count(*) FROM todo_log WHERE todo_id = :t"), dict(t=todo_id)).scalar_one()


async def paste(pilot, **fields) -> None:
    for field_id, value in fields.items():
        pilot.app.screen.query_one(f"#{field_id.replace('_', '-')}").value = value
    await pilot.pause()


async def refused_inline(pilot, dialog_type, field: str, value: str, input_id: str) -> None:
    """The store's refusal in the dialog, opened again with what was pasted."""
    from .tui_helpers import settle, text_of

    await settle(pilot)
    assert isinstance(pilot.app.screen, dialog_type), pilot.app.screen
    assert text_of(pilot.app, ".dialog-error") == refusal_of(field, value)
    assert text_of(pilot.app, f"#{input_id}") == value.strip()


async def test_to_do_entry_dialogs_show_the_refusal_inline_and_write_no_log(engine):
    from wss_tui.screens.dialogs import ConfirmDialog, ForwardDialog, PriorityDialog, TextDialog
    from wss_tui.screens.todo_entry import TodoEntryScreen

    from .test_tui_entry import open_entry
    from .tui_helpers import app_as, settle

    todo_id = caseless_todo(engine)
    logged = log_count(engine, todo_id)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        for value in (sentence(OSC52), sentence(NUL), sentence(BIDI), sentence(NOT_UTF8_TEXT)):
            await pilot.press("u")
            await settle(pilot)
            await paste(pilot, text=value)
            await pilot.press("enter")
            await refused_inline(pilot, TextDialog, "details", value, "text")
            await pilot.press("escape")
            await settle(pilot)

        await pilot.press("f")
        await settle(pilot)
        await paste(pilot, target=CLERK2, note=sentence(NUL))
        await pilot.press("ctrl+s")
        await refused_inline(pilot, ForwardDialog, "note", sentence(NUL), "note")
        assert app.focused is app.screen.query_one("#note")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("p")
        await settle(pilot)
        await paste(pilot, priority=10, note=BIDI)
        await pilot.press("ctrl+s")
        await refused_inline(pilot, PriorityDialog, "note", BIDI, "note")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("c")
        await settle(pilot)
        await paste(pilot, text=sentence(CONTROLS[0]))
        await pilot.press("enter")
        await settle(pilot)
        if isinstance(app.screen, ConfirmDialog):
            await pilot.press("y")
        await refused_inline(pilot, TextDialog, "comment", sentence(CONTROLS[0]), "text")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
    assert log_count(engine, todo_id) == logged
    with db.read(engine) as s:
        assert todos.get(s, CLERK, todo_id).status == "Being Worked On"


async def test_markup_typed_into_a_log_entry_is_stored_as_typed(engine):
    from .test_tui_entry import open_entry
    from .tui_helpers import app_as, column, settle

    todo_id = caseless_todo(engine)
    typed = "[@click=app.quit]close[/] and [bold]x[/]"
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press(*typed, "enter")  # key by key, as typed
        await settle(pilot)
        assert app.is_running  # the click markup ran nothing
        assert str(column(app, "#log", "details")[0]) == typed
    with db.read(engine) as s:
        assert _todo_log(s, todo_id) == typed


async def test_closing_dialogs_show_the_refusal_inline(engine):
    from wss_tui.screens.dialogs import CloseCaseDialog, OtpDialog, TextDialog

    from .test_tui_entry import open_entry
    from .tui_helpers import app_as, settle

    c = forward_to(engine, _revised(engine), EE)
    before = counts(engine)
    app = app_as(engine, EE)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await paste(pilot, comment=sentence(CONTROLS[3]))
        await pilot.press("ctrl+s")
        await refused_inline(pilot, CloseCaseDialog, "comment", sentence(CONTROLS[3]), "comment")
        assert counts(engine) == before  # no OTP went out for it
        await paste(pilot, comment="Bill revised on the actual reading")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OtpDialog)
        await pilot.press("ctrl+o")
        await settle(pilot)
        reason = sentence(CONTROLS[1])
        await paste(pilot, text=reason)
        await pilot.press("enter")
        await refused_inline(pilot, TextDialog, "reason", reason, "text")
    with db.read(engine) as s:
        assert scalar(s, 'SELECT closed_at FROM "case" WHERE case_id = :c', c=c.case_id) is None


async def test_a_refused_reject_reason_is_asked_again_in_its_dialog(engine):
    from wss_tui.screens.dialogs import TextDialog

    from .test_tui_entry import open_entry
    from .tui_helpers import app_as, settle

    info = _proposed(engine)
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, info.approval_todo_id)
        await settle(pilot)
        await pilot.press("c")  # an approval completes by its decision: the revision screen
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        reason = sentence(BIDI)
        await paste(pilot, text=reason)
        await pilot.press("enter")
        await refused_inline(pilot, TextDialog, "reason", reason, "text")
    with db.read(engine) as s:
        assert scalar(s, "SELECT status FROM bill_revision WHERE revision_id = :r", r=info.revision_id) == "PROPOSED"


async def test_the_walk_in_counter_refuses_a_reason_with_a_control_inline(engine):
    from .test_tui_intake import OPERATOR, look_up, pick
    from .tui_helpers import app_as, settle, text_of

    from ._revision_data import free_bill

    account_id, bill_no = free_bill(engine)  # in the operator's sub-division
    before = counts(engine)
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, account_id)
        pick(app, bill_no)
        reason = sentence(OSC52)
        await paste(pilot, reason=reason)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#intake-error") == refusal_of("reason", reason)
        assert app.focused is app.screen.query_one("#reason")
        assert text_of(app, "#reason") == reason  # kept, to correct
    assert counts(engine) == before
