"""Shared fixtures: a database per test on SQLite, or on PostgreSQL when WSS_TEST_DATABASE_URL is set.

On PostgreSQL the whole run works in one schema of its own (`wss_test_<random>`), dropped at the end,
so a run never touches anything else in the database and always cleans up after itself.

Through a pooler in transaction mode (PgBouncer; `.ci/run` starts one) a connection cannot pin its
schema: PgBouncer refuses the startup `options` that carry `search_path` (1.18, Debian 12), and
ignoring them would send the tests to the `public` schema of the shared database. There the run gets a
database of its own instead (`wss_test_<random>`, made and dropped through the pooler), works in its
`public` schema, and keeps the demo template in a second schema beside it: no startup parameter needed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from wss_tui.store import clock, db
from wss_tui.store.clock import IST

PG_URL = os.environ.get("WSS_TEST_DATABASE_URL")

# Every test runs at this instant unless it moves the clock itself: demo data, snapshots and
# relative date filters then come out the same on every run.
FIXED_NOW = datetime(2026, 11, 28, 11, 0, 0, tzinfo=IST)
DEMO_SEED = 7
DEMO_ACCOUNTS = 60


def pytest_xdist_auto_num_workers(config):
    """`-n auto` is one worker more than the cores: the end-to-end tests spend part of their time
    waiting on a terminal, a browser or a `wss` process, and a third worker fills those waits (on this
    2-core machine kind the suite took 5.5 minutes with two workers, 4.6 with three)."""
    return (os.cpu_count() or 1) + 1


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("WSS_NOW", FIXED_NOW.isoformat())
    clock.set_clock(None)
    yield FIXED_NOW
    clock.set_clock(None)


@dataclass
class PgRun:
    url: str  # connections work in the run's schema
    schema: str
    template: str  # schema holding the small demo data set, copied into `schema` per test
    pooled: bool = False  # through a transaction-mode pooler: the server's connections are the pooler's


def _schema_url(schema: str) -> str:
    return make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def _refuses_startup_options() -> bool:
    """True when WSS_TEST_DATABASE_URL leads to a pooler that refuses `options` (PgBouncer)."""
    probe = create_engine(_schema_url("public"), poolclass=NullPool)
    try:
        with probe.connect():
            return False
    except OperationalError as exc:
        if "unsupported startup parameter" in str(exc):
            return True
        raise
    finally:
        probe.dispose()


def _pooled_run():
    """A database of this run's own, for a URL through a transaction-mode pooler."""
    name = f"wss_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    run = PgRun(url=url, schema="public", template="wss_demo_template", pooled=True)
    try:
        _build_demo(url)
        builder = create_engine(url, poolclass=NullPool)
        with builder.begin() as conn:  # the demo just built becomes the template; public starts empty
            conn.execute(text(f'ALTER SCHEMA public RENAME TO "{run.template}"'))
            conn.execute(text("CREATE SCHEMA public"))
        builder.dispose()
        yield run
    finally:
        with admin.connect() as conn:  # FORCE: the pooler still holds server connections to it
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_run():
    """Two schemas made for this run (None on SQLite): the tests' own, and a demo template."""
    if not PG_URL:
        yield None
        return
    if _refuses_startup_options():
        yield from _pooled_run()
        return
    schema = f"wss_test_{uuid.uuid4().hex[:10]}"
    run = PgRun(url=_schema_url(schema), schema=schema, template=f"{schema}_tmpl")
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{run.schema}"'))
        conn.execute(text(f'CREATE SCHEMA "{run.template}"'))
    try:
        _build_demo(_schema_url(run.template))
        yield run
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{run.schema}" CASCADE'))
            conn.execute(text(f'DROP SCHEMA "{run.template}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_schema_url(pg_run):
    return pg_run.url if pg_run else None


def _copy_pg_template(run: PgRun) -> None:
    """Make the run's schema an exact copy of the demo template: far faster than building it anew."""
    from sqlmodel import SQLModel

    from wss_tui.store import models  # noqa: F401

    engine = db.make_engine(run.url)
    if not inspect(engine).has_table("alembic_version"):
        db.upgrade(engine)
    tables = SQLModel.metadata.sorted_tables
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        for table in tables:
            conn.execute(text(f'INSERT INTO "{table.name}" SELECT * FROM "{run.template}"."{table.name}"'))
            if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \"{table.name}\"")
                )
    engine.dispose()


def _shared_template(tmp_path_factory, name: str, build) -> Path:
    """A SQLite file built once per run by `build(url)` and shared by every pytest-xdist worker: the
    first to ask builds it under a lock, the others wait for it. Tests copy it, never open it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's own folder, which its workers share
    path = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            part = root / f"{name}.part"
            build(f"sqlite:///{part}")
            os.replace(part, path)
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory, pg_run):
    """A small demo database built once per run; each SQLite test gets its own copy."""
    if pg_run:
        return None
    return _shared_template(tmp_path_factory, "demo-template.db", _build_demo)


@pytest.fixture(scope="session")
def sqlite_schema_template(tmp_path_factory, pg_run):
    """An empty database made by the migrations once per run; each SQLite test gets its own copy."""
    if pg_run:
        return None
    return _shared_template(tmp_path_factory, "schema-template.db", _build_schema)


def _build_schema(url: str) -> None:
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()


def _build_demo(url: str) -> None:
    from wss_tui.store import demo

    clock.set_clock(lambda: FIXED_NOW)
    try:
        engine = db.make_engine(url)
        demo.build(engine, seed=DEMO_SEED, accounts=DEMO_ACCOUNTS, reset=True)
        engine.dispose()
    finally:
        clock.set_clock(None)


@pytest.fixture
def db_url(tmp_path, pg_schema_url):
    """URL of an empty database (no tables) for this test."""
    if pg_schema_url:
        engine = db.make_engine(pg_schema_url)
        db.drop_all(engine)
        engine.dispose()
        return pg_schema_url
    return f"sqlite:///{tmp_path / 'wss.db'}"


@pytest.fixture
def empty_engine(db_url, sqlite_schema_template):
    """Schema made by the migrations, no rows."""
    if sqlite_schema_template is not None:
        shutil.copyfile(sqlite_schema_template, make_url(db_url).database)
    engine = db.make_engine(db_url)
    if sqlite_schema_template is None:
        db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_url(tmp_path, pg_run, sqlite_demo_template):
    """URL of a database holding the small demo data set (seed 7, 60 accounts), private to this test."""
    if pg_run:
        _copy_pg_template(pg_run)
        return pg_run.url
    path = tmp_path / "wss.db"
    shutil.copyfile(sqlite_demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(demo_url):
    engine = db.make_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture
def queue_routing(monkeypatch):
    """Every new To Do waits Open in its role queue (routing.toml's "queue" policy), as before routing:
    for tests of what a clerk does with a To Do taken from the queue, not of who it was routed to."""
    from wss_tui.store import config

    rules = config.RoutingRules(config.RoutingPolicy(config.QUEUE), {}, config.routing_rules().reassign_roles)
    monkeypatch.setattr(config, "routing_rules", lambda: rules)
    return rules
