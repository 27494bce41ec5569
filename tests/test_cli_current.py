"""The `wss` command line as a script or an administrator meets it: `--version`, help that lists the
choices of every option with a fixed set of values, shell completion, usage errors as one line with
exit 2, `--json` on every command that reads, and `wss db upgrade` / `wss db revision`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import Column, Integer, String, Table, inspect, select, text
from sqlmodel import SQLModel

from wss_tui import __version__
from wss_tui.store import db, schema
from wss_tui.store.codes import BillingSystem, IntakeChannel, RequestType, SmsStatus
from wss_tui.store.models import Case
from wss_tui.themes import ThemeName

# Wide enough that Rich never wraps a list of choices in the middle of a word.
WIDE = {**os.environ, "COLUMNS": "400", "TERM": "dumb"}


def wss(*args: str | bytes, url: str | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "wss_tui", *(["--db", url] if url else []), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=WIDE)


def one_error_line(result, exit_code: int) -> str:
    assert result.returncode == exit_code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.removeprefix("error: ").rstrip("\n")


def help_column(help_text: str, start: str) -> str:
    """The list of choices that begins with `start` in Rich's help table, its lines joined: a long one
    is folded inside its column, the help text beside it."""
    lines = help_text.splitlines()
    row = next(i for i, line in enumerate(lines) if start in line)
    left = lines[row].index(start)
    right = lines[row].index("  ", left)
    cell = ""
    for line in lines[row:]:
        part = line[left:right].strip()
        cell += part
        if not part or cell.endswith(">"):
            return cell
    return cell


# --- version, help, completion --------------------------------------------------------------------

def test_version_prints_the_package_version():
    result = wss("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"wss {__version__}\n", "")


@pytest.mark.parametrize(("command", "sets"), [
    (["request", "new"], [IntakeChannel, RequestType]),
    (["sms", "list"], [[s.lower() for s in SmsStatus]]),  # any case is taken; help shows them lower-case
    (["import", "accounts"], [[s.lower() for s in BillingSystem]]),
    (["import", "bills"], [[s.lower() for s in BillingSystem]]),
    (["tui"], [ThemeName]),
])
def test_help_lists_the_choices_of_each_option_with_fixed_values(command, sets):
    result = wss(*command, "--help")
    assert result.returncode == 0, result.stderr
    for values in sets:
        values = list(values)
        assert help_column(result.stdout, f"<{values[0]}|") == f"<{'|'.join(values)}>"
    assert "\x1b" not in result.stdout  # not a terminal: no colour codes in a pipe


def test_an_officer_case_is_not_a_channel_a_request_comes_in_by():
    result = wss("request", "new", "--account", "3308511911", "--reason", "Meter reads less than billed", "--channel", "officer")
    line = one_error_line(result, 2)
    assert line.startswith("Invalid value for '--channel': 'officer' is not one of 'wss', 'walk-in', '1912', 'csc'")


def test_shell_completion_script_and_completion_of_choices():
    # What `wss --show-completion` prints for bash, asked for by name: the option itself guesses the shell
    # from the process tree, which a test runner's tree does not always show.
    script = subprocess.run([sys.executable, "-m", "wss_tui"], capture_output=True, text=True, timeout=60,
                            env={**WIDE, "_WSS_COMPLETE": "source_bash"})
    assert script.returncode == 0, script.stderr
    assert "_WSS_COMPLETE=complete_bash" in script.stdout
    assert "--show-completion" in wss("--help").stdout

    env = {**WIDE, "_WSS_COMPLETE": "complete_bash", "COMP_WORDS": "wss request new --channel ", "COMP_CWORD": "4"}
    done = subprocess.run([sys.executable, "-m", "wss_tui"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == list(IntakeChannel)


# --- usage errors: one line, exit 2 ---------------------------------------------------------------

@pytest.mark.parametrize(("args", "start"), [
    (["--bogus"], "No such option: --bogus (see `wss --help`)"),
    (["request", "new", "--reason", "Meter reads less"], "Missing option '--account'"),
    (["request", "new", "--account", "1", "--reason", "x", "--type", "nope"],
     "Invalid value for '--type': 'nope' is not one of 'bill-correction', 'mobile-email'"),
    (["sms", "list", "--status", "LOST"], "Invalid value for '--status': 'LOST' is not one of 'queued'"),
    (["import", "bills", "README.md", "--system", "sap"], "Invalid value for '--system': 'sap' is not one of 'ccb', 'mpower'"),
    (["staff", "log", "--limit", "0"], "Invalid value for '--limit': Input should be greater than or equal to 1"),
])
def test_a_wrong_command_line_is_one_error_line_and_exit_2(args, start):
    line = one_error_line(wss(*args), 2)
    assert line.startswith(start), line
    assert "Value error" not in line


def test_an_enum_option_given_bytes_that_are_not_utf8_is_refused_naming_it():
    argv = [sys.executable.encode(), b"-m", b"wss_tui", b"sms", b"list", b"--status", b"SENT\xff"]
    result = subprocess.run(argv, capture_output=True, timeout=60, env=WIDE)
    assert result.returncode == 1
    assert result.stderr.decode().startswith("error: --status: has a byte that is not UTF-8")


def test_the_option_choices_are_the_store_values():
    # What the options hand to the store is the stored string itself.
    assert IntakeChannel.HELPLINE == "1912" and RequestType.BILL_CORRECTION == "bill-correction"
    assert SmsStatus("FAILED") is SmsStatus.FAILED and f"{SmsStatus.FAILED}" == "FAILED"
    assert json.dumps({SmsStatus.SENT: IntakeChannel.WALK_IN}) == '{"SENT": "walk-in"}'


# --- --json on every command that reads -----------------------------------------------------------

# Every leaf command, as a command line would name it. A read command prints what is in the database
# (or data/) and changes nothing; each must offer --json. A new command must be put in one set.
READS = {"account show", "request status", "request history", "staff list", "staff log", "sms list", "mis", "escalate",
         "config check"}
WRITES = {
    "demo", "tui", "serve", "request new", "import accounts", "import bills", "sms send", "staff add",
    "staff passwd", "staff unlock", "staff disable", "staff enable", "staff reassign", "db upgrade",
    "db backup", "db restore", "db revision", "revision propose", "revision approve", "revision reject", "bill hold",
}


def _leaves(command, prefix=()):
    from typer.core import TyperGroup

    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*prefix, name))
    else:
        yield " ".join(prefix), command


def test_every_command_is_known_as_reading_or_writing_and_every_reading_one_has_json():
    import typer

    from wss_tui.cli import app

    leaves = dict(_leaves(typer.main.get_command(app)))
    assert set(leaves) == READS | WRITES
    for name in READS:
        assert "--json" in {opt for p in leaves[name].params for opt in p.opts}, name


def _read_commands(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        case_id, account_id = conn.execute(select(Case.case_id, Case.account_id).order_by(Case.case_id).limit(1)).one()
    return {
        "account show": ["account", "show", account_id],
        "request status": ["request", "status", case_id],
        "request history": ["request", "history", case_id],
        "config check": ["config", "check"],
        "staff list": ["staff", "list", "--limit", "3"],
        "staff log": ["staff", "log"],
        "sms list": ["sms", "list", "--limit", "3"],
        "mis": ["mis"],
        "escalate": ["escalate", "--check"],  # the sweep itself writes; --check only reads the matrix
    }


SHAPES = {
    "account show": lambda j: isinstance(j, dict) and {"account_id", "bills", "activity", "open_todos"} <= set(j),
    "request status": lambda j: isinstance(j, dict) and {"request_id", "status", "is_open", "log"} <= set(j),
    "request history": lambda j: isinstance(j, dict) and {"request_id", "status", "events"} <= set(j),
    "config check": lambda j: j["problems"] == [] and any(f.endswith("escalation.toml") for f in j["sound"]),
    "staff list": lambda j: set(j) == {"total", "staff", "next_after"} and len(j["staff"]) == 3,
    "staff log": lambda j: isinstance(j, list),
    "sms list": lambda j: isinstance(j, list) and len(j) == 3 and {"id", "status", "mobile"} <= set(j[0]),
    "mis": lambda j: {"office", "rows", "total", "period", "as_of"} <= set(j),
    "escalate": lambda j: {"levels", "applies_to", "holidays", "compensation"} <= set(j),
}


def test_every_read_command_prints_json(engine, demo_url):
    commands = _read_commands(engine)
    assert set(commands) == READS == set(SHAPES)
    for name, args in commands.items():
        result = wss(*args, "--json", url=demo_url)
        assert result.returncode == 0, (name, result.stderr)
        assert SHAPES[name](json.loads(result.stdout)), (name, result.stdout[:300])


# --- wss db upgrade: created, upgraded, current -----------------------------------------------------

def test_db_upgrade_says_whether_it_created_upgraded_or_found_the_schema_current(db_url):
    head = schema.head()
    created = wss("db", "upgrade", url=db_url)
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[0].startswith(f"Schema created at revision {head}: ")

    again = wss("db", "upgrade", url=db_url)
    assert again.stdout.splitlines()[0].startswith(f"Schema is current (revision {head}): ")
    assert "0 added, 0 updated" in again.stdout

    engine = db.make_engine(db_url)
    try:
        db.drop_all(engine)
        db.upgrade(engine, "0005")
        older = wss("db", "upgrade", url=db_url)
        assert older.returncode == 0, older.stderr
        assert older.stdout.splitlines()[0].startswith(f"Schema upgraded from revision 0005 to {head}: ")
        assert schema.current(engine) == head
    finally:
        engine.dispose()


# --- wss db revision --------------------------------------------------------------------------------

def test_db_revision_with_models_matching_the_migrations_writes_nothing(tmp_path):
    versions = sorted(p.name for p in db.MIGRATIONS.joinpath("versions").glob("*.py"))
    office = tmp_path / "office.db"
    result = wss("db", "revision", "-m", "nothing new", url=f"sqlite:///{office}")
    line = one_error_line(result, 1)
    assert line == f"revision: the models match the migrations (head {schema.head()}); there is nothing to generate"
    assert sorted(p.name for p in db.MIGRATIONS.joinpath("versions").glob("*.py")) == versions
    assert not office.exists()  # the office's database is never opened, let alone made


def test_db_revision_needs_a_message():
    line = one_error_line(wss("db", "revision", "-m", "  "), 1)
    assert line.startswith("message: say in a few words what the migration changes")


def test_db_revision_writes_the_next_migration_and_it_upgrades_cleanly(db_url, tmp_path, monkeypatch, capsys):
    """A table added to the models gives migration 0007 creating it; a database at head upgrades with it
    to exactly the models' schema. The migrations are a copy in tmp_path: the package's own folder,
    which other tests upgrade from at the same time, never sees the file."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from wss_tui.cli import main

    copy = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(db, "MIGRATIONS", copy)
    before = schema.head()
    engine = db.make_engine(db_url)
    db.upgrade(engine)  # the office's database, at head before the change
    note = Table("scratch_note", SQLModel.metadata, Column("id", Integer, primary_key=True), Column("note", String(40)))
    try:
        with pytest.raises(SystemExit) as done:
            main(["--db", db_url, "db", "revision", "-m", "Scratch note table"])
        out = capsys.readouterr()
        assert done.value.code == 0, out.err
        written = copy / "versions" / f"{int(before) + 1:04d}_scratch_note_table.py"
        assert out.out.splitlines()[0] == f"Migration {int(before) + 1:04d} (after {before}), 1 change: {written}"
        source = written.read_text(encoding="utf-8")
        assert "op.create_table('scratch_note'" in source and f"down_revision: Union[str, None] = '{before}'" in source
        assert not inspect(engine).has_table("scratch_note")  # generated on a scratch database, not this one

        db.upgrade(engine)
        assert schema.current(engine) == f"{int(before) + 1:04d}"
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata) == []
    finally:
        SQLModel.metadata.remove(note)
        # PostgreSQL: the schema outlives the test, and must not be left at a revision only tmp_path knows.
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS scratch_note"))
        db.drop_all(engine)
        engine.dispose()


# --- the request types of data/ are the ones `--type` offers ---------------------------------------

def test_the_shipped_request_types_are_the_ones_the_cli_offers():
    from wss_tui.store import config

    assert list(config.request_types()) == list(RequestType)


def test_a_request_type_the_cli_cannot_offer_is_refused_in_request_types_toml(tmp_path, monkeypatch):
    from wss_tui.store import config
    from wss_tui.store.errors import Invalid

    data = tmp_path / "data"
    shutil.copytree(config.data_dir(), data)
    toml = data / "request_types.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[request.meter]", "[request.meter-testing]"), encoding="utf-8")
    monkeypatch.setenv("WSS_DATA_DIR", str(data))
    config.request_types.cache_clear()
    try:
        with pytest.raises(Invalid) as refused:
            config.request_types()
        assert str(refused.value).startswith(
            "request_types.toml request.meter-testing: not a request type of WSS; use one of: bill-correction, mobile-email")
    finally:
        monkeypatch.delenv("WSS_DATA_DIR")
        config.request_types.cache_clear()


def test_markup_and_controls_typed_into_a_refused_value_are_shown_as_typed():
    line = one_error_line(wss("sms", "list", "--status", "[bold]x\x1b[2J"), 2)
    assert "'[bold]x\\x1b[2J' is not one of" in line and "\x1b" not in line
