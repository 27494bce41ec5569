"""`wss bill hold`: an officer puts an issued, unpaid bill on hold with a reason (store/revision/hold.py),
by the same store call as `H` on the account screen."""

from __future__ import annotations

from typing import Annotated

import typer

from .base import Group, app, engine, print_json, say

bill_app = typer.Typer(help="Bills: put one on hold before the consumer pays it.", no_args_is_help=True, cls=Group)
app.add_typer(bill_app, name="bill")


@bill_app.command("hold")
def hold(
    ctx: typer.Context,
    bill_no: Annotated[str, typer.Argument(metavar="BILL", help="The bill number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is held (recorded, shown with the bill).")],
    user: Annotated[str, typer.Option("--user", metavar="USER_ID", help="The officer holding it (SDO or EE).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the hold as one JSON object.")] = False,
) -> None:
    """Put an issued bill on hold: its own charges leave the balance until a bill-on-hold case releases it."""
    from dataclasses import asdict

    from wss_tui.services import revision
    from wss_tui.store import money, timefmt

    entry = revision.hold_bill(engine(ctx), user, bill_no, reason)
    if as_json:
        print_json(asdict(entry))
        return
    say(f"Bill {entry.bill_no} (A/c {entry.account_id}) put on hold by {entry.user_id} on {timefmt.show(entry.at)}: "
        f"{entry.reason}")
    say(f"{money.rupees(-entry.balance_paise)} (its own charges) taken off the balance until it is released: "
        "open a bill-on-hold case on it from the account")
