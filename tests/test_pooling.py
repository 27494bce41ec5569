"""Connections that scale: a session holds no database connection while idle, the pool is configurable,
and nothing the app sends needs a server connection of its own (so PgBouncer in transaction mode works).

On PostgreSQL the server itself is asked (pg_stat_activity, pg_prepared_statements); `.ci/run` also runs
these through a real PgBouncer."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from wss_tui.store import db, todos
from wss_tui.store.errors import Invalid
from wss_tui.store.todos import SearchFilter

from .conftest import PG_URL
from .tui_helpers import app_as, settle

pg_only = pytest.mark.skipif(not PG_URL, reason="server connections are PostgreSQL's")


@pytest.fixture
def direct(pg_run):
    """Server connections are this engine's own only when no pooler stands between (see conftest)."""
    if pg_run is None or pg_run.pooled:
        pytest.skip("through a pooler the server's connections are the pooler's")


def _named(url: str) -> tuple[str, str]:
    """The URL with an application_name of its own, so the server can count this engine's connections."""
    name = f"wss-pool-{uuid.uuid4().hex[:8]}"
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False), name


def _server_connections(name: str) -> int:
    admin = create_engine(PG_URL, poolclass=NullPool)
    try:
        with admin.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"), {"n": name}).scalar_one()
    finally:
        admin.dispose()


def test_no_connection_is_held_between_units_of_work(demo_url, pg_run):
    url, name = _named(demo_url) if pg_run and not pg_run.pooled else (demo_url, None)
    engine = db.make_engine(url)
    with db.read(engine) as session:
        session.execute(text("SELECT 1"))
        assert db.connections_held(engine) == 1
        if name:
            assert _server_connections(name) == 1
    assert db.connections_held(engine) == 0
    if name:
        assert _server_connections(name) == 0  # closed, not parked in a pool
    engine.dispose()


async def test_a_logged_in_session_left_alone_holds_no_server_connection(demo_url, direct):
    url, name = _named(demo_url)
    engine = db.make_engine(url)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#todos").row_count > 0  # the search page was read
        assert _server_connections(name) == 0
    engine.dispose()


def test_a_pool_size_keeps_that_many_connections_open(demo_url, monkeypatch, direct):
    monkeypatch.setenv(db.POOL_SIZE_ENV, "2")
    url, name = _named(demo_url)
    engine = db.make_engine(url)
    for _ in range(3):
        with db.read(engine) as session:
            session.execute(text("SELECT 1"))
    assert db.connections_held(engine) == 0
    assert _server_connections(name) == 1  # kept for the next unit of work
    engine.dispose()
    assert _server_connections(name) == 0


@pytest.mark.parametrize("bad", ["many", "-1", "1000"])
def test_a_bad_pool_size_is_one_line_naming_the_setting(demo_url, monkeypatch, bad):
    monkeypatch.setenv(db.POOL_SIZE_ENV, bad)
    if PG_URL:
        with pytest.raises(Invalid, match="WSS_DB_POOL_SIZE must be a whole number from 0 to 100"):
            db.make_engine(demo_url)
    if PG_URL and bad == "many":
        result = subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, "staff", "list"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith("error: db: WSS_DB_POOL_SIZE must be a whole number") and result.stderr.count("\n") == 1
    if not PG_URL:
        db.make_engine(demo_url).dispose()  # SQLite has no server connections to pool: the setting is not read


@pg_only
def test_statements_run_again_and_again_are_never_prepared_on_the_server(engine):
    """PgBouncer (before 1.21) hands the next transaction any server connection: a statement prepared
    on one is missing on another ("prepared statement _pg3_0 does not exist")."""
    f = SearchFilter()
    with db.read(engine) as session:
        for _ in range(8):  # psycopg prepares from the 5th run by default
            todos.search(session, "INR1-SDC1", f, limit=5)
            session.execute(text("SELECT 1 WHERE 1 = :x"), {"x": 1})
        prepared = session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    assert prepared == 0
