"""`wss db`: schema administration, backups and restores."""

from __future__ import annotations

from pathlib import Path

import typer

from .base import app, engine, say

db_app = typer.Typer(help="Database administration: migrations, backups, restores.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the schema to the latest version, and load the offices of data/offices.toml."""
    from wss_tui.store import db, offices

    from .configcmd import refuse_bad_config

    refuse_bad_config()
    eng = engine(ctx, require_schema=False)
    db.upgrade(eng)
    say(f"Schema is up to date: {eng.url.render_as_string(hide_password=True)}")
    with db.write(eng) as session:
        synced = offices.sync(session)
    typer.echo(f"Offices from data/offices.toml: {synced.added} added, {synced.updated} updated")
    if synced.unlisted:
        typer.echo(f"Kept, though data/offices.toml no longer lists them: {', '.join(synced.unlisted)}")


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Where to write the backup (a new file)."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
) -> None:
    """Copy the whole database to FILE while people keep working: SQLite's online backup, or pg_dump."""
    from wss_tui.store import backup as store_backup
    from wss_tui.store.numbers import size_text

    done = store_backup.backup(engine(ctx), file, force=force)
    say(f"Backup written: {done.path} ({size_text(done.bytes)}, schema {done.revision}; {done.method})")


@db_app.command("restore")
def restore(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A backup made by `wss db backup`."),
    force: bool = typer.Option(False, "--force", help="Replace a database that already holds data."),
) -> None:
    """Replace the whole database with FILE. Stop the services and SSH logins first."""
    from wss_tui.store import backup as store_backup

    eng = engine(ctx, require_schema=False)
    done = store_backup.restore(eng, file, force=force)
    say(f"Restored {file} into {eng.url.render_as_string(hide_password=True)} (schema {done.revision}; {done.method})")
    if done.revision != done.head:
        typer.echo(f"The backup's schema is {done.revision}; this wss expects {done.head}: run `wss db upgrade` next.")
