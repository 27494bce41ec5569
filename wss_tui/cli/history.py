"""`wss request history ID`: a complaint's whole life, who did what and when (store/history.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from .base import engine, print_json, say
from .request import request_app


@request_app.command("history")
def history(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(metavar="REQUEST_ID", help="The 10-digit request ID.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the history as one JSON object.")] = False,
) -> None:
    """Show everything that happened to a request: case log, To Do logs, revisions, closure, SMS — who and when."""
    from dataclasses import asdict

    from wss_tui.store import db, history as store_history, timefmt

    with db.read(engine(ctx)) as session:
        h = store_history.of_case(session, request_id)
    if as_json:
        print_json(asdict(h))
        return
    closed = f"closed {timefmt.show(h.closed_at)}" if h.closed_at else "open"
    say(f"Request {h.request_id}  A/c {h.account_id}  {h.request_type} ({h.channel})")
    say(f"Opened {timefmt.show(h.opened_at)}; {h.status} ({closed})")
    typer.echo("")
    kind = max((len(e.kind) for e in h.events), default=0)
    who = max((len(e.who or "-") for e in h.events), default=0)
    # Details hold what consumers and staff typed: `say` shows any control character.
    for e in h.events:
        ref = f" [{e.ref}]" if e.ref else ""
        say(f"{timefmt.show(e.at)}  {e.kind:<{kind}}  {e.who or '-':<{who}}  {e.details}{ref}".rstrip())
