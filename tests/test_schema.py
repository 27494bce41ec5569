"""The migrations are the one way a schema is made, and they must match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from wss_tui.store import db, models  # noqa: F401


def test_migrations_build_exactly_the_model_schema(empty_engine):
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_todo_search_indexes_exist(empty_engine):
    names = {ix["name"] for ix in inspect(empty_engine).get_indexes("todo")}
    assert {"ix_todo_assigned_page", "ix_todo_role_page", "ix_todo_role_created"} <= names
    assert "ix_todo_office_page" not in names  # migration 0011: no query read it, every insert paid for it


def test_upgrade_twice_is_harmless(empty_engine):
    db.upgrade(empty_engine)
    db.require_schema(empty_engine)


def test_empty_database_gives_a_clear_error(db_url):
    import pytest

    from wss_tui.store.errors import WssError

    engine = db.make_engine(db_url)
    with pytest.raises(WssError, match="has no tables yet; run `wss db upgrade` \\(or `wss demo` for demo data\\)"):
        db.require_schema(engine)
    engine.dispose()


def test_sqlite_pragmas(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS
    engine.dispose()
