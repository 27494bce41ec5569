"""Alembic environment: the engine comes from the caller (`db.upgrade`), or from WSS_DATABASE_URL."""

from alembic import context
from sqlmodel import SQLModel

from wss_tui.store import db, models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or db.make_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # `wss db revision` (store/schema.py): writes nothing when the models match the migrations.
            process_revision_directives=config.attributes.get("process_revision_directives"),
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
