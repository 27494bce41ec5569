"""The `wss` Typer app and what every command shares: the database option, JSON output, errors."""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from wss_tui import __version__


class Group(TyperGroup):
    """`wss` or `wss staff` alone: the help, on stderr with exit status 2 as for any usage error (Rich
    help would print it on stdout, where a script reads results)."""

    def parse_args(self, ctx, args):
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            with contextlib.redirect_stdout(sys.stderr):
                return super().parse_args(ctx, args)
        return super().parse_args(ctx, args)


# Help is Rich-formatted (panels, `code`) from our own help texts only: no option shows a default or
# a choice taken from data, and every output of a command goes through say() / print_json() /
# error_line() or plain(), never through markup.
app = typer.Typer(
    name="wss",
    cls=Group,
    help="Bill-correction complaints of the UP discoms: intake, the To Do app, and administration.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

JSON_HELP = "Print the result as JSON instead of text."


# The engines this process made: an error of the database itself names the one it came from.
made: list = []


@dataclass
class Options:
    db_url: str | None = None


def _show_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"wss {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db",
        envvar="WSS_DATABASE_URL",
        show_envvar=True,
        help="SQLAlchemy URL of the database (default: SQLite in your data directory).",
    )] = None,
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_show_version, help="Print the version of wss and stop.",
    )] = False,
) -> None:
    ctx.obj = Options(db_url=db)


JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def engine(ctx: typer.Context, *, require_schema: bool = True):
    """The process's one engine, for the database named by --db / WSS_DATABASE_URL / the default.

    Only the commands that make a database (`wss demo`, `wss db upgrade`, `wss db restore`) skip the
    schema check, and only they may create the SQLite file and its folder."""
    from wss_tui.store import db

    eng = db.make_engine(ctx.obj.db_url if ctx.obj else None, create=not require_schema)
    made.append(eng)
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


def error_line(message: str) -> None:
    """`error: <message>` as exactly one line on stderr, whatever the message holds: a control character
    or line break echoed from what was typed is shown as a visible mark, never sent to the terminal."""
    from wss_tui.store.text import visible

    line = "error: " + visible(message.strip(), multiline=False)
    try:
        print(line, file=sys.stderr, flush=True)
    except UnicodeEncodeError:  # a stream that was not reconfigured (main() does it): escape and retry
        print(line.encode("ascii", "backslashreplace").decode("ascii"), file=sys.stderr, flush=True)


def interrupted(exc: BaseException) -> bool:
    """Ctrl-C: Python's KeyboardInterrupt or, when it lands during a PostgreSQL statement, psycopg's
    answer to it (it asks the server to cancel the statement and raises QueryCanceled instead)."""
    # psycopg's own COPY raises QueryCanceled bare; through SQLAlchemy it is the `orig` of a DBAPIError;
    # either may arrive as the cause or context of whatever the import raised while unwinding.
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "QueryCanceled":
            return True
        if type(getattr(exc, "orig", None)).__name__ == "QueryCanceled":
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def fail(message: str) -> None:
    """One line on stderr, exit status 1."""
    error_line(message)
    raise typer.Exit(1)


def is_tty() -> bool:
    return sys.stdout.isatty()
