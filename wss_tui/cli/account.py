"""`wss account show`: what a counter operator looks up before entering a request."""

from __future__ import annotations

from typing import Annotated

import typer

from wss_tui.store.codes import AccountStatus

from .base import Group, app, engine, print_json

account_app = typer.Typer(help="Consumer accounts.", no_args_is_help=True, cls=Group)
app.add_typer(account_app, name="account")


@account_app.command("show")
def show(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account ID: 10 digits (CC&B) or 12 (mPower).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the account as one JSON object.")] = False,
) -> None:
    """The account, its person and premise, balances, activity, open To Dos and latest bills."""
    from dataclasses import asdict

    from wss_tui.services import accounts

    ctx_ = accounts.context(engine(ctx), None, account)
    if as_json:
        payload = asdict(ctx_)
        # The CC&B one-line description of each activity, as the screens show it.
        for plain, activity in zip(payload["activity"], ctx_.activity):
            plain["description"] = activity.description
        print_json(payload)
        return
    _print(ctx_)


def _print(a) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from wss_tui.plain import plain
    from wss_tui.store.money import rupees
    from wss_tui.store.timefmt import show, show_date, show_month

    # Every cell through plain(): a str cell is Rich markup, and a name such as "[link=…]" would print
    # a hyperlink to anywhere in the clerk's terminal.
    console = Console(highlight=False)
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for label, value in (
        ("Person", a.person_name),
        ("Account ID", f"{a.account_id} ({a.system_label})"),
        ("Status", "Permanently disconnected" if a.status == AccountStatus.PD else a.status.title()),
        ("Tariff", f"{a.tariff_category}, {a.supply_type}, {a.sanctioned_load_kw:g} kW"),
        ("Rates", a.tariff_rates or "none in data/tariff.toml"),
        ("Current Balance", rupees(a.current_balance_paise)),
        ("Payoff Balance", rupees(a.payoff_balance_paise)),
        ("Premise", a.premise_address),
        ("Discom", f"{a.discom_name} ({a.discom})"),
        ("Town", a.town),
        ("Office", f"{a.office_name} ({a.office_code})"),
        ("Urban / Rural", a.area.title()),
        ("Smart Meter", "Installed" if a.smart_meter else "Not installed"),
        ("Mobile", a.mobile or "none registered"),
    ):
        head.add_row(label, plain(value))
    console.print(head)

    todos = Table(title=f"Open To Dos: {a.open_todo_count}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("To Do ID", "Type", "Status", "Created"):
        todos.add_column(column)
    for t in a.open_todos:
        todos.add_row(*(plain(v) for v in (t.todo_id, t.todo_type, t.status, show(t.created_at))))
    if a.open_todos:
        console.print(todos)
    else:
        console.print(f"Open To Dos: {a.open_todo_count}")

    history = Table(title="Account Activity History", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("Date", "Activity", "Description"):
        history.add_column(column, no_wrap=column != "Description")
    for item in a.activity:
        history.add_row(*(plain(v) for v in (show_date(item.at), item.activity, item.description)))
    console.print(history)

    # Fits 80 columns (the clerks' SSH terminals): no box, no due date, IDs never cut short.
    bills = Table(title="Bills", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("Bill No", "Month", "Units", "Basis", "Amount", "State", "Open Case"):
        numeric = column in ("Units", "Amount")
        bills.add_column(column, justify="right" if numeric else "left", no_wrap=True)
    for b in a.bills:
        bills.add_row(*(plain(v) for v in (
            b.bill_no,
            show_month(b.bill_month),
            f"{b.units:g}",
            b.basis,
            rupees(b.amount_paise),
            b.state,
            b.open_case_id,
        )))
    console.print(bills)
    for b in a.bills:
        if b.hold_note:
            console.print(plain(f"Bill {b.bill_no} HELD: {b.hold_note}"), soft_wrap=True)
