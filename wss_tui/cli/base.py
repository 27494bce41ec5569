"""The `wss` Typer app and what every command shares: the database option, JSON output, errors."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import typer

app = typer.Typer(
    name="wss",
    help="Bill-correction complaints of the UP discoms: intake, the To Do app, and administration.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@dataclass
class Options:
    db_url: str | None = None


@app.callback()
def _root(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        envvar="WSS_DATABASE_URL",
        show_envvar=True,
        help="SQLAlchemy URL of the database (default: SQLite in your data directory).",
    ),
) -> None:
    ctx.obj = Options(db_url=db)


def engine(ctx: typer.Context, *, require_schema: bool = True):
    """The process's one engine, for the database named by --db / WSS_DATABASE_URL / the default."""
    from wss_tui.store import db

    eng = db.make_engine(ctx.obj.db_url if ctx.obj else None)
    if require_schema:
        db.require_schema(eng)
    return eng


def print_json(payload: Any) -> None:
    typer.echo(_escape_controls(json.dumps(payload, ensure_ascii=False, indent=2, default=str)))


def _escape_controls(text: str) -> str:
    """JSON with every character store/text.py refuses written as a \\u escape.

    json.dumps escapes C0 controls itself, but with ensure_ascii=False passes C1 controls (CSI 0x9b),
    DEL, bidi overrides and lone surrogates through raw: a terminal would act on them, and a lone
    surrogate cannot even be printed. Escaped, the JSON still reads back to the same strings. Its own
    newlines (the indentation) are the only raw ones: those inside strings are escaped already."""
    from wss_tui.store.text import is_refused

    return "\n".join(
        line if line.isprintable() else "".join(f"\\u{ord(ch):04x}" if is_refused(ch) else ch for ch in line)
        for line in text.split("\n")
    )


def say(line: str) -> None:
    """One line of output that holds stored or typed text: any control character in it made visible."""
    from wss_tui.store.text import visible

    typer.echo(visible(line, multiline=False))


def fail(message: str) -> None:
    """One line on stderr, exit status 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def is_tty() -> bool:
    return sys.stdout.isatty()
