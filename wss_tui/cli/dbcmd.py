"""`wss db`: schema administration."""

from __future__ import annotations

import typer

from .base import app, engine

db_app = typer.Typer(help="Database administration: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the schema to the latest version."""
    from wss_tui.store import db

    eng = engine(ctx, require_schema=False)
    db.upgrade(eng)
    typer.echo(f"Schema is up to date: {eng.url.render_as_string(hide_password=True)}")
