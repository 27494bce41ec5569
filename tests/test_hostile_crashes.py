"""Issue 11, finding 5: what crashed now says one line.

Huge, negative, out-of-range and non-ASCII-digit dates and numbers, bytes that are not UTF-8, a FIFO
given as an attachment, a read-only database and a database that is not there: each is one `error:`
line and a non-zero exit on the command line (the entry point run in the test's process; a real process
where the environment, file permissions or a read that could hang decide), an inline message in the TUI, and never a traceback. The date and number rules are fuzzed with hypothesis: for
any text, they return a value or raise Invalid.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wss_tui.screens.revision import RevisionScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import money, numbers, timefmt
from wss_tui.store.errors import Invalid

from ._cli import wss as run_wss
from ._revision_data import complaint, counts
from .conftest import PG_URL
from .test_tui_revision import open_revision, typed
from .tui_helpers import app_as, settle, text_of

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="a SQLite file: its folder, permissions and journal")


def wss(url: str | bytes, *args: str | bytes) -> subprocess.CompletedProcess:
    """`wss --db URL ARGS` through its entry point in this process (tests/_cli.py); arguments may be bytes
    (what a shell passes for $'\\xff'). Output as bytes, as a terminal receives it."""
    return run_wss("--db", url, *args, text=False)


def wss_process(url: str | bytes, *args: str | bytes, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The same as a real process: for what its environment, or a read that might never end, decides."""
    return subprocess.run([sys.executable, "-m", "wss_tui", "--db", url, *args], capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def one_error_line(result: subprocess.CompletedProcess, code: int = 1) -> str:
    """The single `error:` line of a refused command: exit `code`, nothing else on stderr or stdout."""
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == code, (result.returncode, err)
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert result.stdout == b""
    return lines[0]


# --- dates and numbers on the command line -----------------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (("mis", "--from", "-99999999d"), "error: from: '-99999999d' is out of range; give a date from 01-01-1900 to 31-12-2199"),
    (("mis", "--from", "01-01-0001", "--to", "31-12-9999"), "error: from: '01-01-0001' is out of range"),
    (("mis", "--to", "31-12-9999"), "error: to: '31-12-9999' is out of range"),
    (("mis", "--from", "-99999999999999999999999999w"), "error: from: '-99999999999999999999999999w' is out of range"),
    (("mis", "--from", "-9999999h"), "error: from: '-9999999h' is out of range"),
    (("mis", "--from", "-५d"), "error: from: '५' (U+096B) is not one of the digits 0-9"),
    (("mis", "--from", "２８-１１-２０２６"), "error: from: '２' (U+FF12) is not one of the digits 0-9"),
    (("mis", "--from", "x" * 10_000), "error: from: cannot read 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'"),
    (("escalate", "--at", "-99999999d"), "error: at: '-99999999d' is out of range"),
    (("escalate", "--at", "0001-01-01T00:00"), "error: at: '0001-01-01T00:00' is out of range"),
    (("escalate", "--at", "9999-12-31T23:59:59-12:00"), "error: at: '9999-12-31T23:59:59-12:00' is out of range"),
])
def test_a_date_out_of_range_is_one_error_line(demo_url, args, says):
    assert one_error_line(wss(demo_url, *args)).startswith(says)


@pytest.mark.parametrize("args", [
    ("sms", "list", "--before", "99999999999999999999"),
    ("sms", "list", "--before", "-99999999999999999999"),
    ("sms", "list", "--limit", "-1"),
    ("sms", "list", "--limit", "५"),
    ("sms", "send", "--limit", "99999999999999999999"),
    ("staff", "list", "--limit", "１２"),
    ("demo", "--accounts", "99999999999999999999"),
    ("import", "accounts", "x.csv", "--system", "ccb", "--batch-size", "0"),
])
def test_a_number_out_of_range_is_one_usage_line(demo_url, args):
    line = one_error_line(wss(demo_url, *args), code=2)
    assert "(see `wss " in line


def test_the_largest_message_id_is_a_page_not_an_overflow(demo_url):
    result = wss(demo_url, "sms", "list", "--before", str(numbers.MAX_ROW_ID), "--limit", "1")
    assert result.returncode == 0, result.stderr
    one_error_line(wss(demo_url, "sms", "list", "--before", str(numbers.MAX_ROW_ID + 1)), code=2)


def test_a_usage_error_is_one_line_and_bare_wss_still_shows_the_help(demo_url):
    assert one_error_line(wss(demo_url, "staff", "list", "--nope"), code=2).startswith(
        "error: No such option: --nope")
    assert one_error_line(wss(demo_url), code=2) == "error: Missing command. (see `wss --help`)"
    bare = subprocess.run([sys.executable, "-m", "wss_tui"], capture_output=True, timeout=60)
    assert bare.returncode == 2 and b"Usage: wss" in bare.stderr and b"Traceback" not in bare.stderr


# --- bytes that are not UTF-8, and what an error line echoes ----------------------------------------

@pytest.mark.parametrize(("args", "field"), [
    ((b"request", b"new", b"--account", b"1234567890", b"--bill", b"1", b"--reason", b"\xff"), "--reason"),
    ((b"request", b"new", b"--account", b"1234567890", b"--reason=bad \xfe bytes"), "--reason"),
    ((b"staff", b"list", b"--office", b"\xffINR"), "--office"),
    ((b"account", b"show", b"12345\xff"), "argument"),
    ((b"mis", b"--from", b"\xc3\x28"), "--from"),
])
def test_bytes_that_are_not_utf8_are_refused_naming_the_option(demo_url, args, field):
    line = one_error_line(wss(demo_url, *args))
    assert line.startswith(f"error: {field}: has a byte that is not UTF-8")


@sqlite_only
def test_a_database_path_that_is_not_utf8_is_refused_and_creates_nothing(tmp_path):
    url = b"sqlite:///" + bytes(tmp_path) + b"/\xff/wss.db"
    assert one_error_line(wss_process(url, "staff", "list")).startswith("error: --db: has a byte that is not UTF-8")
    assert os.listdir(tmp_path) == []


def test_an_echoed_value_never_reaches_the_terminal_as_control_characters(demo_url):
    line = one_error_line(wss(demo_url, "account", "show", "a\x1b]0;owned\x07\x1b[2J"))
    assert "\x1b" not in line and "\x07" not in line
    assert line.startswith("error: account: ")


def test_an_error_line_survives_a_terminal_that_cannot_show_it(demo_url):
    """LANG=C with an ASCII stderr: the Devanagari echoed back is escaped, not a UnicodeEncodeError."""
    result = wss_process(demo_url, "account", "show", "नमस्ते", env={"PYTHONIOENCODING": "ascii"})
    line = one_error_line(result)
    assert line.startswith("error: account: ") and "is not an account ID" in line


# --- attachments: regular files only ------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("kind", ["fifo", "symlink to a fifo", "device", "symlink to a device", "directory"])
def test_an_attachment_that_is_not_a_regular_file_is_one_line_not_a_hang(demo_url, tmp_path, kind):
    fifo = tmp_path / "scan.pdf"
    os.mkfifo(fifo)
    target = {
        "fifo": fifo,
        "symlink to a fifo": tmp_path / "link.pdf",
        "device": Path("/dev/zero"),
        "symlink to a device": tmp_path / "zero.pdf",
        "directory": tmp_path,
    }[kind]
    if kind == "symlink to a fifo":
        target.symlink_to(fifo)
    if kind == "symlink to a device":
        target.symlink_to("/dev/zero")
    # Before the fix a FIFO blocked the read for ever: the timeout is the test's, not the command's.
    result = wss_process(demo_url, "request", "new", "--account", "1234567890", "--reason", "Bill is wrong",
                         "--attach", str(target), timeout=30)
    line = one_error_line(result)
    expected = {"fifo": "is a FIFO (a pipe), not a file", "device": "is a device, not a file",
                "directory": "is a directory"}
    assert line.startswith(f"error: attach: {target}") and expected[kind.split()[-1]] in line


# --- a database that is not there, or may only be read ------------------------------------------------

READ_COMMANDS = [
    ("staff", "list"),
    ("mis",),
    ("sms", "list"),
    ("account", "show", "1234567890"),
    ("request", "status", "1234567890"),
    ("escalate", "--check"),
]


@sqlite_only
@pytest.mark.parametrize("args", READ_COMMANDS[:5] + [("staff", "unlock", "INR1-SDC1"), ("tui",)])
def test_a_command_on_a_missing_database_says_so_and_creates_nothing(tmp_path, args):
    path = tmp_path / "no" / "such" / "folder" / "wss.db"
    line = one_error_line(wss(f"sqlite:///{path}", *args))
    assert line == (f"error: db: no database at {path}; run `wss demo` or `wss db upgrade` to make one, "
                    "or point --db / WSS_DATABASE_URL at the database you meant")
    assert os.listdir(tmp_path) == []


@sqlite_only
def test_db_upgrade_may_create_the_folder(tmp_path):
    path = tmp_path / "new" / "wss.db"
    result = wss(f"sqlite:///{path}", "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert path.exists()


def _without_write_permission() -> list[str] | None:
    """A prefix that runs a command as one for whom file modes count, or None when none can be had.

    Root writes read-only files whatever their mode, so a test run as root drops the capabilities that
    let it (CAP_DAC_OVERRIDE and friends) from the command it runs; the modes then hold for it too."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def wss_read_only(url: str, *args: str) -> subprocess.CompletedProcess:
    prefix = _without_write_permission()
    if prefix is None:
        pytest.skip("running as root without setpriv: file modes would not stop this process writing")
    return subprocess.run([*prefix, sys.executable, "-m", "wss_tui", "--db", url, *args], capture_output=True,
                          timeout=60)


@pytest.fixture
def read_only_db(demo_url, tmp_path):
    """The demo database in a folder of its own, in rollback-journal mode (as a copy or an older file
    may be), then the file made 0444 and its folder 0555. Gives (url, path, fingerprint)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "wss.db"
    shutil.copyfile(demo_url.removeprefix("sqlite:///"), path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    conn.close()

    def fingerprint():
        return sorted(os.listdir(folder)), hashlib.sha256(path.read_bytes()).hexdigest()

    path.chmod(0o444)
    folder.chmod(0o555)
    yield f"sqlite:///{path}", path, fingerprint
    folder.chmod(0o755)
    path.chmod(0o644)


@sqlite_only
@pytest.mark.parametrize("args", READ_COMMANDS)
def test_a_read_command_works_on_a_read_only_database_and_writes_nothing(read_only_db, args):
    url, _path, fingerprint = read_only_db
    before = fingerprint()
    result = wss_read_only(url, *args)
    assert b"Traceback" not in result.stderr
    if args[0] in ("account", "request"):  # no such account / request in the demo: the lookup ran
        assert result.returncode == 1 and b"read-only" not in result.stderr and b"db:" not in result.stderr
    else:
        assert result.returncode == 0, result.stderr
    assert fingerprint() == before


@sqlite_only
@pytest.mark.parametrize("args", [("staff", "disable", "INR1-SDC1"), ("escalate",)])
def test_a_write_to_a_read_only_database_is_one_clear_line(read_only_db, args):
    url, path, fingerprint = read_only_db
    before = fingerprint()
    line = one_error_line(wss_read_only(url, *args))
    assert line.startswith(f"error: db: the database {path} is read-only")
    assert fingerprint() == before


@sqlite_only
def test_a_wal_database_in_a_read_only_folder_is_one_clear_line(demo_url, tmp_path):
    """SQLite must make <file>-shm beside a WAL database even to read it: where it cannot, say so."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "wss.db"
    shutil.copyfile(demo_url.removeprefix("sqlite:///"), path)
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        line = one_error_line(wss_read_only(f"sqlite:///{path}", "staff", "list"))
    finally:
        folder.chmod(0o755)
    assert line.startswith(f"error: db: the database {path} is read-only")


# --- the TUI -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed_text", "says"), [
    ("-99999999d", "From: '-99999999d' is out of range; give a date from 01-01-1900 to 31-12-2199"),
    ("01-01-0001", "From: '01-01-0001' is out of range"),
    ("-99999999999999999999999999h", "From: '-99999999999999999999999999h' is out of range"),
    ("-५d", "From: '५' (U+096B) is not one of the digits 0-9"),
])
async def test_a_date_out_of_range_in_the_filter_bar_is_an_inline_message(engine, typed_text, says):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        field = app.screen.query_one("#start")
        field.focus()
        field.value = typed_text
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, TodoSearchScreen)
        assert text_of(app, "#filter-error").startswith(says)
        assert field.has_class("-invalid")
        # and the bar still works: a good date clears the message
        field.value = "20-11-2026"
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#filter-error") == ""


@pytest.mark.usefixtures("queue_routing")  # the queue, as an office that routes none
async def test_a_revision_figure_that_is_no_number_is_an_inline_message(engine):
    c = complaint(engine)
    before = counts(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, c.todo_id)
        for field, text, says in [
            ("reading", "nan", "Reading: 'nan' is not a number"),
            ("reading", "inf", "Reading: 'inf' is not a number"),
            ("units", "1e999999999", "Units: '1e999999999' is not a number"),
            ("load", "५", "Load: '५' (U+096B) is not one of the digits 0-9"),
            ("arrear", "9999999999999", "Arrear: '9999999999999' is too large"),
        ]:
            await typed(pilot, **{"reading": "", "units": "", "load": "", "arrear": "", field: text})
            assert app.is_running and isinstance(app.screen, RevisionScreen)
            assert text_of(app, "#rev-error").startswith(says), (field, text)
        await pilot.press("ctrl+s")  # proposing it anyway is refused the same way
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
    assert counts(engine) == before  # nothing was proposed from any of it


# --- the rules themselves, fuzzed ----------------------------------------------------------------------

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DATE_LIKE = st.one_of(
    st.text(),
    st.from_regex(r"\A[+-]?[0-9]{1,30}\s?[dhwDHW]\Z"),
    st.from_regex(r"\A[0-9]{1,4}-[0-9]{1,4}-[0-9]{1,6}( [0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?\s?([AaPp][Mm])?)?\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2})?\Z"),
    st.datetimes().map(lambda d: d.strftime("%d-%m-%Y %H:%M")),
    st.sampled_from(["today", "yesterday", "now", "-७d", "２８-０４-２０２２", "\x00", "\udcff"]),
)


@FUZZ
@given(text=DATE_LIKE, end_of_day=st.booleans(), iso=st.booleans())
def test_any_text_is_a_time_in_range_or_invalid(text, end_of_day, iso):
    try:
        at = timefmt.parse_when(text, field="from", end_of_day=end_of_day, iso=iso)
    except Invalid as exc:
        assert exc.field == "from" and "\n" not in str(exc) and len(str(exc)) < 200
        return
    if at is not None:
        assert at.tzinfo is not None and at.utcoffset() == UTC.utcoffset(None)
        assert timefmt.EARLIEST <= at.astimezone(timefmt.IST).date() <= timefmt.LATEST
        at.astimezone(UTC) + (datetime.max - datetime.max)  # arithmetic on it is safe
        timefmt.show(at), timefmt.show_date(at)


@FUZZ
@given(text=st.one_of(st.text(), st.from_regex(r"\A[+-]?[0-9,]{0,40}(\.[0-9]{0,20})?\Z")))
def test_any_text_is_a_number_in_range_or_invalid(text):
    for read in (numbers.quantity, money.paise):
        try:
            value = read(text, "Units")
        except Invalid as exc:
            assert exc.field == "Units" and "\n" not in str(exc)
            continue
        if value is not None:
            assert abs(value) < 10 ** (numbers.MAX_DECIMAL_DIGITS + 2)
            numbers.check_quantity(float(value), "Units") if read is numbers.quantity else money.check_paise(value, "x")
    try:
        whole = numbers.whole(text, "limit", lo=1)
    except Invalid:
        return
    assert 1 <= whole <= numbers.MAX_ID


def test_digits_other_than_ascii_are_named():
    for text in ("५", "１", "٣", "²"):
        with pytest.raises(Invalid, match=r"is not one of the digits 0-9"):
            numbers.whole(text, "limit")
        with pytest.raises(Invalid, match=r"is not one of the digits 0-9"):
            timefmt.parse_when(f"-{text}d")
