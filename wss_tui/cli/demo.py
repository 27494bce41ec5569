"""`wss demo`: build the demo database and say how to use it."""

from __future__ import annotations

from typing import Annotated

import typer

from .base import app, engine, print_json


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generator: the same seed gives the same data.")] = 1,
    accounts: Annotated[int, typer.Option("--accounts", min=1, max=2_000_000, help="How many consumer accounts to make.")] = 5000,
    reset: Annotated[bool, typer.Option("--reset", help="Drop everything in the database first (a demo database only, unless --force).")] = False,
    force: Annotated[bool, typer.Option("--force", help="With --reset: wipe even a database holding data the demo did not make (imports, wss staff changes).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Create a demo database: offices, staff with known passwords, accounts, bills and complaints."""
    import time

    from wss_tui.store import demo as demo_store

    started = time.perf_counter()
    summary = demo_store.build(engine(ctx, require_schema=False), seed=seed, accounts=accounts, reset=reset, force=force)
    elapsed = time.perf_counter() - started
    if as_json:
        print_json(
            dict(
                db=summary.db,
                logins=summary.logins,
                console_shows_otp=True,  # on this database: see the text output
                sample_accounts=[{k: s[k] for k in ("account_id", "bill_no", "office", "counter")} for s in summary.sample_accounts],
                sample_request=summary.sample_request,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    from wss_tui.plain import plain

    console = Console()
    console.print(plain(
        f"Demo database ready in {elapsed:.1f} s: {summary.db}\n"
        f"{summary.accounts:,} accounts, {summary.bills:,} bills, {summary.cases:,} complaints, "
        f"{summary.todos:,} To Dos, {summary.staff:,} staff."
    ))
    logins = Table(title="Logins (one per role; each office has its own)", title_justify="left")
    for column in ("user ID", "password", "role", "office"):
        logins.add_column(column)
    shown: set[str] = set()
    for login in summary.logins:
        if login["role"] not in shown:
            shown.add(login["role"])
            logins.add_row(*(plain(login[k]) for k in ("user_id", "password", "role", "office")))
    console.print(logins)
    # The demo's console sender shows OTPs in full (sms.configured); say so, since elsewhere it never does.
    console.print(
        "OTPs: on this demo database the console sender of `wss sms send` prints each\n"
        "OTP in full, so you can close a complaint with it; on any other database it\n"
        "masks them unless data/sms_gateway.toml sets [console] show_otp = true.",
        markup=False, highlight=False,
    )
    samples = Table(title="Accounts and bills to try (--operator: the counter login of the account's office)",
                    title_justify="left")
    for column in ("account", "system", "bill", "office", "counter", "person"):
        samples.add_column(column)
    for s in summary.sample_accounts:
        samples.add_row(*(plain(s[k]) for k in ("account_id", "system", "bill_no", "office", "counter", "person")))
    console.print(samples)
    first = summary.sample_accounts[0] if summary.sample_accounts else None
    console.print("Next: [bold]wss tui[/bold] and log in as a clerk above.")
    if first:
        # A command to copy: on lines of its own, continued with a backslash, so 80 columns never
        # wrap it mid-word (a wrapped line pastes as two commands).
        console.print(plain(
            "Or file a complaint:\n"
            f'  wss request new --account {first["account_id"]} --bill {first["bill_no"]} \\\n'
            '    --reason "Reading on the meter is lower than billed"'
        ), soft_wrap=True)
    if summary.sample_request:
        console.print(plain(f"Or look up an open one: wss request status {summary.sample_request}"))
