"""`wss db backup` / `wss db restore`: a copy taken while people work is the database of one instant,
and restoring it gives that database back. SQLite through its backup API; PostgreSQL through
pg_dump / pg_restore (its schema only, when the URL pins one, as the test databases do)."""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from wss_tui.store import backup, db, todos
from wss_tui.store.errors import Invalid
from wss_tui.store.models import OPEN, ToDo, ToDoLog

from ._cli import wss as run_wss

CLERK = "INR1-SDC1"


def wss_process(url, *args):
    return subprocess.run([sys.executable, "-m", "wss_tui", "--db", url, *args], capture_output=True, text=True, timeout=120)


def wss(url, *args):
    """Through the command's entry point, in this process (tests/_cli.py); wss_process: a real one."""
    return run_wss("--db", url, *args)


def fingerprint(engine) -> dict:
    """Rows in every table, and every To Do's version: what a restore must give back."""
    with db.read(engine) as s:
        counts = {t.name: s.scalar(select(func.count()).select_from(t)) for t in SQLModel.metadata.sorted_tables}
        versions = dict(s.execute(select(ToDo.todo_id, ToDo.version)).all())
    return {"counts": counts, "versions": versions}


def an_open_todo(engine) -> todos.TodoDetail:
    with db.read(engine) as s:
        todo_id = s.scalars(select(ToDo.todo_id).where(ToDo.office_code == "ESD-INR-1", ToDo.role == "TR-SDC",
                                                       ToDo.status == OPEN).order_by(ToDo.todo_id)).first()
        return todos.get(s, CLERK, todo_id)


def work_on(engine, todo: todos.TodoDetail) -> None:
    with db.write(engine) as s:
        taken = todos.take(s, CLERK, todo.todo_id, todo.version)
    with db.write(engine) as s:
        todos.add_log(s, CLERK, todo.todo_id, taken.version, "after the backup")


@pytest.fixture
def needs_pg_tools(engine):
    if engine.url.get_backend_name() == "postgresql":
        import shutil

        if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
            pytest.skip("pg_dump / pg_restore are not on PATH (apt install postgresql-client)")


def test_a_backup_restored_gives_the_data_back(engine, demo_url, tmp_path, needs_pg_tools):
    saved = fingerprint(engine)
    todo = an_open_todo(engine)
    file = tmp_path / "wss-backup.db"
    made = wss_process(demo_url, "db", "backup", str(file))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"Backup written: {file} (") and f"schema {backup.head_revision()}" in made.stdout
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # consumers' names and mobiles are in it

    work_on(engine, todo)
    assert fingerprint(engine) != saved

    refused = wss(demo_url, "db", "restore", str(file))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: force: ") and refused.stderr.endswith("restoring replaces all of it: add --force\n")
    assert fingerprint(engine)["versions"][todo.todo_id] == todo.version + 2  # the refusal changed nothing

    restored = wss_process(demo_url, "db", "restore", str(file), "--force")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"Restored {file} into ")
    engine.dispose()
    assert fingerprint(engine) == saved
    with db.read(engine) as s:
        back = todos.get(s, CLERK, todo.todo_id)
    assert (back.status, back.assigned_to, back.log) == (OPEN, None, todo.log)


def test_the_copy_is_one_instant_while_another_connection_keeps_writing(engine, tmp_path, needs_pg_tools):
    """A writer adds log entries, each with its version bump, all through the backup; the copy holds
    whole transactions only: log entries minus version is the same as before any of them."""
    todo = an_open_todo(engine)
    with db.write(engine) as s:
        todo = todos.take(s, CLERK, todo.todo_id, todo.version)
    invariant = len(todo.log) - todo.version
    writes, stop, errors = [0], threading.Event(), []

    def writer():
        version = todo.version
        try:
            while not stop.is_set():
                with db.write(engine) as s:
                    version = todos.add_log(s, CLERK, todo.todo_id, version, f"entry {writes[0]}").version
                writes[0] += 1
        except Exception as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while writes[0] < 5:
            time.sleep(0.01)
        at_start = writes[0]
        backup.backup(engine, tmp_path / "copy.db")
        at_end = writes[0]
        while writes[0] < at_end + 5:  # the writer outlived the backup
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    backup.restore(engine, tmp_path / "copy.db", force=True)
    with db.read(engine) as s:
        copied = todos.get(s, CLERK, todo.todo_id)
        logs = s.scalar(select(func.count()).select_from(ToDoLog).where(ToDoLog.todo_id == todo.todo_id))
    assert logs - copied.version == invariant
    assert at_start <= copied.version - todo.version <= at_end + 1


def test_a_transaction_still_open_is_not_in_the_copy(engine, tmp_path, needs_pg_tools):
    todo = an_open_todo(engine)
    before = fingerprint(engine)
    with db.write(engine) as s:
        todos.take(s, CLERK, todo.todo_id, todo.version)
        other = db.make_engine(engine.url.render_as_string(hide_password=False))
        try:
            backup.backup(other, tmp_path / "copy.db")
        finally:
            other.dispose()
        s.rollback()
    with db.write(engine) as s:
        todos.take(s, CLERK, todo.todo_id, todo.version)  # committed this time
    backup.restore(engine, tmp_path / "copy.db", force=True)
    assert fingerprint(engine) == before


def test_restore_into_a_new_sqlite_file_needs_no_force(engine, tmp_path):
    if engine.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite: a new database is a new file")
    backup.backup(engine, tmp_path / "copy.db")
    new_url = f"sqlite:///{tmp_path / 'elsewhere' / 'new.db'}"
    result = wss(new_url, "db", "restore", str(tmp_path / "copy.db"))
    assert result.returncode == 0, result.stderr
    fresh = db.make_engine(new_url)
    try:
        assert fingerprint(fresh) == fingerprint(engine)
        db.require_schema(fresh)
    finally:
        fresh.dispose()


def test_backup_refusals_are_one_line_and_write_nothing(engine, demo_url, tmp_path):
    taken = tmp_path / "taken.db"
    taken.write_text("an older backup")
    result = wss(demo_url, "db", "backup", str(taken))
    assert (result.returncode, result.stderr) == (1, f"error: file: {taken} already exists; choose another name, or add --force to replace it\n")
    assert taken.read_text() == "an older backup"
    result = wss(demo_url, "db", "backup", str(tmp_path))
    assert result.stderr.startswith(f"error: file: {tmp_path} is a directory; give a file name")
    result = wss(demo_url, "db", "backup", str(tmp_path / "no" / "such" / "x.db"))
    assert result.stderr == f"error: file: {tmp_path / 'no' / 'such'} does not exist; create it or choose another place\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no partial files left


def test_restore_refuses_what_is_not_a_backup(engine, demo_url, tmp_path):
    result = wss(demo_url, "db", "restore", str(tmp_path / "none.db"), "--force")
    assert result.stderr == f"error: file: {tmp_path / 'none.db'} does not exist; give the path of a backup made by `wss db backup`\n"
    if engine.url.get_backend_name() != "sqlite":
        return
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database at all, just some text " * 200)
    before = fingerprint(engine)
    with pytest.raises(Invalid, match=f"file: {junk} is not a wss backup"):
        backup.restore(engine, junk, force=True)
    assert fingerprint(engine) == before


def test_without_pg_dump_the_command_to_run_is_given(engine, tmp_path, monkeypatch):
    if engine.url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL: pg_dump")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(Invalid) as err:
        backup.backup(engine, tmp_path / "wss.dump")
    schema = make_url(engine.url).query["options"].split("=", 1)[1]
    assert "pg_dump is not on PATH; install the PostgreSQL client" in str(err.value)
    assert f"pg_dump --format=custom --no-owner --schema={schema} --file {tmp_path / 'wss.dump'} --dbname" in str(err.value)
    assert not any(tmp_path.iterdir())


def test_pg_commands_keep_the_password_out_of_argv(tmp_path):
    url = make_url("postgresql+psycopg://wss:s3cret@db.office:5432/wss?sslmode=require")
    dump = backup.pg_dump_command(url, tmp_path / "wss.dump")
    assert "s3cret" not in " ".join(dump.argv) and dump.env == {"PGPASSWORD": "s3cret"}
    assert dump.argv[-1] == "postgresql://wss@db.office:5432/wss?sslmode=require"
    assert dump.shown().startswith("PGPASSWORD=... pg_dump --format=custom")
    restore = backup.pg_restore_command(url, tmp_path / "wss.dump")
    assert restore.argv[:2] == ["pg_restore", "--clean"] and restore.argv[-1] == str(tmp_path / "wss.dump")
