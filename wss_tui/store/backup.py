"""Backups and restores of the whole database.

SQLite: the sqlite3 backup API copies the live database in one step, inside one read transaction, so
the copy is the database as of one instant even while clerks keep writing (WAL lets them); it is
written beside the target under a temporary name, checked, and only then renamed into place, so a
crash never leaves half a backup under the real name. Restoring copies a backup into the database the
same way, page by page under SQLite's own locks.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean`, run when they are on PATH; otherwise
the exact command is given to run elsewhere. When the URL pins a schema (`options=-csearch_path=X`),
only that schema is dumped and restored.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from .errors import Invalid, WssError


@dataclass(frozen=True)
class Outcome:
    path: Path
    bytes: int
    revision: str | None  # the schema revision the copy holds
    head: str  # the revision this version of wss expects
    method: str  # how it was done, for the report


def backup(engine: Engine, dest: Path, *, force: bool = False) -> Outcome:
    """Copy the whole database to `dest` (a new file unless `force`)."""
    dest = Path(dest)
    _check_destination(dest, force)
    if engine.url.get_backend_name() == "sqlite":
        return _sqlite_backup(engine, dest)
    if engine.url.get_backend_name() == "postgresql":
        return _pg_backup(engine, dest)
    raise Invalid("db", f"backups of {engine.url.get_backend_name()} databases are not supported; use its own tools")


def restore(engine: Engine, source: Path, *, force: bool = False) -> Outcome:
    """Replace the whole database with a backup; refused over a database holding data unless `force`."""
    source = Path(source)
    if not source.is_file():
        raise Invalid("file", f"{source} does not exist; give the path of a backup made by `wss db backup`")
    current = _revision(engine)
    if current is not None and not force:
        raise Invalid(
            "force",
            f"{_shown(engine.url)} already holds a wss database (schema {current}); restoring replaces all of it: add --force",
        )
    if engine.url.get_backend_name() == "sqlite":
        return _sqlite_restore(engine, source)
    if engine.url.get_backend_name() == "postgresql":
        return _pg_restore(engine, source)
    raise Invalid("db", f"restores of {engine.url.get_backend_name()} databases are not supported; use its own tools")


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from .db import MIGRATIONS

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def _check_destination(dest: Path, force: bool) -> None:
    if dest.is_dir():
        raise Invalid("file", f"{dest} is a directory; give a file name, e.g. {dest / 'wss-backup.db'}")
    if not dest.parent.is_dir():
        raise Invalid("file", f"{dest.parent} does not exist; create it or choose another place")
    if dest.exists() and not force:
        raise Invalid("file", f"{dest} already exists; choose another name, or add --force to replace it")


def _revision(engine: Engine) -> str | None:
    """The schema revision of the database, None when it holds no wss schema."""
    try:
        if not inspect(engine).has_table("alembic_version"):
            return None
        with engine.connect() as conn:
            return conn.scalar(text("SELECT version_num FROM alembic_version"))
    except WssError:
        raise
    except Exception as exc:
        raise WssError("db", f"cannot open the database ({exc.__class__.__name__}: {exc}); check --db / WSS_DATABASE_URL") from None


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _private_temp(dest: Path) -> Path:
    """An empty file beside `dest` only its owner can read: backups hold consumers' names and mobiles."""
    tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return tmp


# --- SQLite ----------------------------------------------------------------------------------------


def _sqlite_file(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:":
        raise Invalid("db", "an in-memory database has nothing to back up or restore into; use a file database")
    return Path(name).resolve()


def _sqlite_backup(engine: Engine, dest: Path) -> Outcome:
    source = _sqlite_file(engine)
    if dest.resolve() == source:
        raise Invalid("file", f"{dest} is the database itself; give another file")
    if _revision(engine) is None:
        raise Invalid("db", f"{source} holds no wss database; nothing to back up")
    tmp = _private_temp(dest)
    try:
        raw = engine.raw_connection()
        try:
            copy = sqlite3.connect(tmp)
            try:
                # pages=-1: the whole database in one step, i.e. one read transaction, one instant.
                raw.driver_connection.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
                revision = _check_sqlite_copy(copy, tmp)
            finally:
                copy.close()
        finally:
            raw.close()
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Outcome(dest, dest.stat().st_size, revision, head_revision(), "SQLite online backup")


def _check_sqlite_copy(conn: sqlite3.Connection, path: Path) -> str | None:
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        has_version = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] if has_version else None
    except sqlite3.DatabaseError as exc:
        raise Invalid("file", f"{path} is not a wss backup ({exc}); give a file made by `wss db backup`") from None
    if verdict != "ok":
        raise Invalid("file", f"{path} is damaged ({verdict}); use another backup")
    if revision is None:
        raise Invalid("file", f"{path} holds no wss database; give a file made by `wss db backup`")
    return revision


def _sqlite_restore(engine: Engine, source: Path) -> Outcome:
    target = _sqlite_file(engine)
    if source.resolve() == target:
        raise Invalid("file", f"{source} is the database itself; give a backup file")
    backup_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        revision = _check_sqlite_copy(backup_conn, source)
        raw = engine.raw_connection()
        try:
            # Page by page into the live file under SQLite's locks: connections open on it see the
            # old database or the restored one, never a mixture.
            backup_conn.backup(raw.driver_connection, pages=-1)
        finally:
            raw.close()
    finally:
        backup_conn.close()
    engine.dispose()  # pooled connections may hold pages of the old database
    return Outcome(target, target.stat().st_size, revision, head_revision(), "SQLite restore from backup")


# --- PostgreSQL ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgCommand:
    argv: list[str]
    env: dict[str, str]  # PGPASSWORD: kept out of argv, where `ps` would show it

    def shown(self) -> str:
        prefix = "PGPASSWORD=... " if self.env else ""
        return prefix + " ".join(shlex.quote(a) for a in self.argv)


def _pg_target(url: URL) -> tuple[str, dict[str, str], str | None]:
    """(libpq connection URI without the password, env with it, the schema the URL pins or None)."""
    schema = None
    options = url.query.get("options")
    for opt in ([options] if isinstance(options, str) else list(options or ())):
        for part in unquote(opt).split():
            if part.startswith("-csearch_path="):
                schema = part.split("=", 1)[1].split(",")[0].strip('"')
    env = {"PGPASSWORD": url.password} if url.password else {}
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query)
    uri = bare.render_as_string(hide_password=False)
    return uri, env, schema


def pg_dump_command(url: URL, dest: Path) -> PgCommand:
    uri, env, schema = _pg_target(url)
    only = [f"--schema={schema}"] if schema else []
    return PgCommand(["pg_dump", "--format=custom", "--no-owner", *only, "--file", str(dest), "--dbname", uri], env)


def pg_restore_command(url: URL, source: Path) -> PgCommand:
    uri, env, schema = _pg_target(url)
    only = [f"--schema={schema}"] if schema else []
    return PgCommand(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                      *only, "--dbname", uri, str(source)], env)


def _run_pg(command: PgCommand, what: str, instead: PgCommand) -> None:
    if shutil.which(command.argv[0]) is None:
        raise Invalid(
            what,
            f"{command.argv[0]} is not on PATH; install the PostgreSQL client (e.g. apt install postgresql-client) "
            f"or run on a machine that has it: {instead.shown()}",
        )
    done = subprocess.run(command.argv, env={**os.environ, **command.env}, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise WssError(what, (lines[0] if lines else f"exit status {done.returncode}") + "; nothing was replaced")


def _pg_backup(engine: Engine, dest: Path) -> Outcome:
    revision = _revision(engine)
    if revision is None:
        raise Invalid("db", f"{_shown(engine.url)} holds no wss database; nothing to back up")
    tmp = _private_temp(dest)
    try:
        _run_pg(pg_dump_command(engine.url, tmp), "pg_dump", pg_dump_command(engine.url, dest))
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Outcome(dest, dest.stat().st_size, revision, head_revision(), "pg_dump (custom format)")


def _pg_restore(engine: Engine, source: Path) -> Outcome:
    command = pg_restore_command(engine.url, source)
    engine.dispose()  # our own pooled connections must not hold locks on the tables being replaced
    _run_pg(command, "pg_restore", command)
    return Outcome(source, source.stat().st_size, _revision(engine), head_revision(), "pg_restore")
