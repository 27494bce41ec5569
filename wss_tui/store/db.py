"""Engines and units of work.

SQLite is the embedded default (a file in the user's data directory); `WSS_DATABASE_URL` or `--db`
names any SQLAlchemy URL, PostgreSQL where a whole discom runs.

On SQLite a unit of work that reads and then writes must start with `BEGIN IMMEDIATE`: under a plain
`BEGIN` two such transactions both read, then one fails at once with "database is locked" whatever the
busy timeout. `write()` asks for that; `read()` keeps the cheap deferred `BEGIN`.

On PostgreSQL a process holds no connection between units of work unless `WSS_DB_POOL_SIZE` asks it to
(see `pool_size`): a clerk's session is idle nearly all the time, and hundreds of them must not hold
hundreds of server connections. Server-side prepared statements are off, so the same URL works through
a transaction-mode pooler (PgBouncer before 1.21 cannot carry them from one client to the next).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from .errors import Busy, Invalid, NotFound, Unavailable, WssError

BUSY_TIMEOUT_MS = 10_000
POOL_SIZE_ENV = "WSS_DB_POOL_SIZE"


def default_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("wss-tui", appauthor=False))
    return f"sqlite:///{folder / 'wss.db'}"


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("WSS_DATABASE_URL") or default_url()


def make_engine(url: str | None = None, *, create: bool = True, **kwargs) -> Engine:
    """The engine for `url`. Only a command that makes the database (`wss demo`, `wss db upgrade`,
    a restore) passes `create`: it may make the SQLite file's folder and puts the file in WAL mode, which
    is kept in the file. Any other command finds the file there or says so, and opening it writes
    nothing, so a read command works on a database it may only read."""
    url = database_url(url)
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except Exception as exc:  # ArgumentError, or a ValueError for a bad port
        raise Invalid("db", f"cannot read the database URL ({_first_line(exc)}); give e.g. sqlite:///wss.db "
                      "or postgresql+psycopg://user@host/db") from None
    if backend != "sqlite":
        engine = create_engine(url, **_server_pool(pool_size()), **_server_connect_args(parsed.get_driver_name()), **kwargs)
        _count_held(engine)
        return engine
    path = parsed.database
    if path and path != ":memory:" and not path.startswith("file:"):
        if create:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        elif not Path(path).exists():
            raise NotFound("db", f"no database at {path}; run `wss demo` or `wss db upgrade` to make one, "
                                 "or point --db / WSS_DATABASE_URL at the database you meant")
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
    _count_held(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own would be deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if create:  # a write to the file's header, kept there: never done by opening it to read
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")  # per connection, not stored
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        immediate = conn.get_execution_options().get("wss_write", False)
        statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        # Straight to the driver: through SQLAlchemy's execution a BEGIN cost a third of a search.
        try:
            conn.connection.dbapi_connection.execute(statement)
        except sqlite3.Error as exc:  # "database is locked" after the busy timeout: as SQLAlchemy raises it
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

    return engine


def pool_size() -> int:
    """Connections a process keeps open between units of work on a database server (`WSS_DB_POOL_SIZE`).

    0, the default: none; each unit of work opens one and closes it at its end. That is what a clerk's
    session wants (idle for minutes, busy for milliseconds), and through a PgBouncer on the same host
    opening one costs a fraction of a millisecond. A long-running process doing steady work (`wss sms
    send --watch` straight to PostgreSQL) may keep a few."""
    raw = os.environ.get(POOL_SIZE_ENV, "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) > 100:
        raise Invalid("db", f"{POOL_SIZE_ENV} must be a whole number from 0 to 100 (got {raw!r}); "
                            "0 keeps no connection open between actions")
    return int(raw)


def _server_pool(size: int) -> dict:
    if size == 0:
        return {"poolclass": NullPool}
    # A kept connection may have been closed by the server or the pooler meanwhile: pinged before use.
    return {"pool_size": size, "max_overflow": size, "pool_pre_ping": True, "pool_recycle": 600}


def _server_connect_args(driver: str) -> dict:
    if driver == "psycopg":
        # psycopg prepares a statement run 5 times on one connection; through a transaction-mode pooler
        # the next transaction may find another client's server connection, without it or with a clash.
        return {"connect_args": {"prepare_threshold": None}}
    return {}


def _count_held(engine: Engine) -> None:
    held = engine._wss_held = [0]  # type: ignore[attr-defined]
    lock = threading.Lock()

    def change(by: int) -> None:
        with lock:
            held[0] += by

    event.listen(engine, "checkout", lambda *_: change(1))
    event.listen(engine, "checkin", lambda *_: change(-1))


def connections_held(engine: Engine) -> int:
    """Connections this engine has handed out and not yet got back (whatever its pool): 0 between
    units of work."""
    return engine._wss_held[0]  # type: ignore[attr-defined]


def _first_line(exc: BaseException) -> str:
    """An exception's own message on one line, without SQLAlchemy's SQL and its "Background" link."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return lines[0] if lines else inner.__class__.__name__


def where(engine: Engine) -> str:
    """The database as an error line names it: the SQLite file, or the URL without its password."""
    if engine.url.get_backend_name() == "sqlite":
        return engine.url.database or ":memory:"
    return engine.url.render_as_string(hide_password=True)


def explain(exc: BaseException, engine: Engine | None = None) -> WssError:
    """One line a user can act on for an error of the database itself."""
    if is_unavailable(exc):
        return unavailable(exc)
    if is_busy(exc):
        return busy()
    detail = _first_line(exc)
    named = f"the database {where(engine)}" if engine is not None else "the database"
    if "readonly database" in detail or "read-only" in detail:
        return WssError("db", f"{named} is read-only (the file, or the folder it is in, "
                              "cannot be written by you); run this as the user that owns it, or ask for write access")
    if "unable to open database file" in detail:
        return WssError("db", f"cannot open {named}; check that it and its folder exist and can be read")
    return WssError("db", f"{detail}; check --db / WSS_DATABASE_URL and that the database is up")


# Connection errors that mean "not there right now", not "the statement was wrong": refused or lost
# connections (class 08), a server shutting down or starting (57P01-03), too many connections (53300).
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300"}


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database (or the pooler in front of it) cannot be reached just now."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a PostgreSQL URL needs it anyway
        return False
    if not isinstance(exc.orig, psycopg.OperationalError):
        return False
    state = exc.orig.sqlstate
    return state is None or state.startswith("08") or state in _UNAVAILABLE_STATES


def unavailable(exc: BaseException) -> Unavailable:
    """The one line for a refused or lost connection: what happened, that nothing changed, what to do."""
    detail = _first_line(exc).rsplit(" failed: ", 1)[-1].strip().rstrip(".")
    return Unavailable("db", f"cannot reach the database ({detail}); nothing was changed. "
                             "Try again in a moment; tell the administrator if it goes on")


# A transaction the server gave up on because of another one: deadlock_detected, serialization_failure.
_BUSY_STATES = {"40P01", "40001"}


def is_busy(exc: BaseException) -> bool:
    """True when `exc` says the unit of work lost a race for rows to another one and was rolled back
    (PostgreSQL), or waited for SQLite's write lock past the busy timeout."""
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _BUSY_STATES:
        return True
    return "database is locked" in str(exc.orig)


def busy() -> Busy:
    return Busy("db", "someone else was changing the same records at that moment; nothing was changed. Try again")


T = TypeVar("T")


def once_more_if_busy(engine: Engine, work: Callable[[Session], T]) -> T:
    """`work(session)` in one write() unit of work, run once more in a new one if the database gave up
    on the first as `Busy`. Only for work that writes nothing outside its own transaction and that
    names what its user saw (a To Do's version, a case's level), so the second run does what was asked
    or says it changed; a second Busy reaches the user as the one line."""
    def unit() -> T:
        with write(engine) as session:
            return work(session)

    try:
        return unit()
    except Busy:
        return unit()


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        if is_unavailable(exc):
            raise unavailable(exc) from None
        if is_busy(exc):
            raise busy() from None
        raise


@contextmanager
def write(engine: Engine) -> Iterator[Session]:
    """One unit of work that changes data: committed whole, or rolled back whole. A refused or lost
    connection is `Unavailable` (a WssError): nothing was written, and the caller may try again."""
    with _reachable(), Session(engine.execution_options(wss_write=True), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read(engine: Engine) -> Iterator[Session]:
    with _reachable(), Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


@contextmanager
def read_rows(engine: Engine) -> Iterator[Connection]:
    """A unit of work that reads rows and no ORM objects, on a Core Connection: what a screen's search
    or detail needs, without a Session's bookkeeping (half of a To Do search's own time).

    SQLite: one deferred BEGIN (a consistent view across the statements, no lock taken), rolled back.
    PostgreSQL: autocommit, so no BEGIN and ROLLBACK round trips; at READ COMMITTED each statement
    had its own snapshot inside a transaction too, so a read loses nothing by it. Nothing that needs a
    transaction (SET LOCAL, FOR UPDATE, a server-side cursor) belongs here: use read() or write()."""
    with _reachable(), engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def one_at_a_time(session: Session, job: str) -> None:
    """Run the rest of this unit of work alone among units that name the same `job`, on every host.

    For set-based jobs that lock many rows (the escalation sweep): two of them at once on PostgreSQL
    lock the same rows in different orders and one dies of a deadlock. A transaction-scoped advisory
    lock makes the second wait for the first's commit instead; it is released with the transaction,
    so a pooler in transaction mode is safe. SQLite's BEGIN IMMEDIATE already runs one writer at a time.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:job))"), {"job": f"wss:{job}"})


# --- schema -----------------------------------------------------------------------------------

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with the Alembic migrations (the one way a schema is made)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def drop_all(engine: Engine) -> None:
    """Remove every table of ours and Alembic's version table (for `wss demo --reset` and tests)."""
    from sqlmodel import SQLModel

    from . import models  # noqa: F401  (registers the tables)

    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def require_schema(engine: Engine) -> None:
    """A clear error instead of "no such table" when the database was never set up."""
    try:
        present = inspect(engine).has_table("alembic_version")
    except Exception as exc:  # the server is down, the file is unreadable …
        raise explain(exc, engine) from None
    if not present:
        # Named, since an administrator who forgot WSS_DATABASE_URL lands on the per-user default.
        raise WssError(
            "db",
            f"{engine.url.render_as_string(hide_password=True)} has no tables yet; run `wss db upgrade` (or `wss demo` for demo data), "
            "or point --db / WSS_DATABASE_URL at the database you meant",
        )
