"""`wss db`: schema administration, backups and restores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .base import Group, app, engine, say

db_app = typer.Typer(help="Database administration: migrations, backups, restores.", no_args_is_help=True, cls=Group)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the schema to the latest version, and load the offices of data/offices.toml.

    Says which: created, upgraded from one revision to another, or already current."""
    from wss_tui.store import db, offices, schema
    from wss_tui.store.revision import oversight

    from .configcmd import refuse_bad_config

    refuse_bad_config()
    eng = engine(ctx, require_schema=False)
    oversight.check_salt_for_upgrade(eng)
    where = eng.url.render_as_string(hide_password=True)
    done = schema.upgrade(eng)
    if done.created:
        say(f"Schema created at revision {done.after}: {where}")
    elif done.changed:
        say(f"Schema upgraded from revision {done.before} to {done.after}: {where}")
    else:
        say(f"Schema is current (revision {done.after}): {where}")
    with db.write(eng) as session:
        synced = offices.sync(session)
    typer.echo(f"Offices from data/offices.toml: {synced.added} added, {synced.updated} updated")
    if synced.unlisted:
        typer.echo(f"Kept, though data/offices.toml no longer lists them: {', '.join(synced.unlisted)}")


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the backup (a new file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the whole database to FILE while people keep working: SQLite's online backup, or pg_dump."""
    from wss_tui.store import backup as store_backup
    from wss_tui.store.numbers import size_text

    done = store_backup.backup(engine(ctx), file, force=force)
    say(f"Backup written: {done.path} ({size_text(done.bytes)}, schema {done.revision}; {done.method})")


@db_app.command("restore")
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A backup made by `wss db backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
) -> None:
    """Replace the whole database with FILE. Stop the services and SSH logins first."""
    from wss_tui.store import backup as store_backup

    eng = engine(ctx, require_schema=False)
    done = store_backup.restore(eng, file, force=force)
    say(f"Restored {file} into {eng.url.render_as_string(hide_password=True)} (schema {done.revision}; {done.method})")
    if done.revision != done.head:
        typer.echo(f"The backup's schema is {done.revision}; this wss expects {done.head}: run `wss db upgrade` next.")


@db_app.command("revision")
def revision(
    message: Annotated[str, typer.Option("--message", "-m", metavar="TEXT", help="What the migration changes, in a few words; it names the file.")],
) -> None:
    """For developers: write the next Alembic migration from what the models hold that the migrations do not.

    Compared on a scratch SQLite database upgraded to head, never on --db; the file goes to
    wss_tui/store/migrations/versions/. Read it, then run the tests on SQLite and PostgreSQL."""
    from wss_tui.store import schema

    done = schema.new_revision(message)
    say(f"Migration {done.revision} (after {done.down_revision}), {done.operations} change{'s' if done.operations != 1 else ''}: {done.path}")
    typer.echo("Read it before committing: autogenerate misses renames and data changes. `wss db upgrade` runs it.")

