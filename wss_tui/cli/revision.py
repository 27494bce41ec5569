"""`wss revision propose|approve|reject`: bill revision from a script, by the same store calls and rules
as the revision screen (maker ≠ checker, checkers senior to makers, powers, scope), so an office can
correct a batch of bills after a meter-reading agency's error. Each acts as `--user`, on a To Do that
user may work, at its current version."""

from __future__ import annotations

import typer

from .base import app, engine, print_json, say

revision_app = typer.Typer(help="Bill revisions: propose one on a complaint's To Do, approve or reject it.",
                           no_args_is_help=True)
app.add_typer(revision_app, name="revision")

USER = typer.Option(..., "--user", metavar="USER_ID", help="The staff member acting (maker or checker).")
JSON = typer.Option(False, "--json", help="Print the revision as one JSON object.")


def _show(info, as_json: bool) -> None:
    from dataclasses import asdict

    from wss_tui.store import money, timefmt

    if as_json:
        print_json(asdict(info))
        return
    say(f"Revision {info.revision_id}: {info.status}")
    say(f"Bill {info.bill_no} (A/c {info.account_id}), case {info.case_id}: "
        f"{money.rupees(info.amount_before_paise)} -> {money.rupees(info.after.amount_paise)} "
        f"(difference {money.rupees(info.difference_paise)})")
    if info.status == "PROPOSED":
        say(f"Waits for {info.route.role} {info.route.office_code}: approval To Do {info.approval_todo_id}")
    else:
        say(f"Decided by {info.checker_id} on {timefmt.show(info.decided_at)}"
            + (f"; revised bill {info.new_bill_no}" if info.new_bill_no else "")
            + (f": {info.decision_note}" if info.decision_note else ""))


@revision_app.command("propose")
def propose(
    ctx: typer.Context,
    todo_id: str = typer.Argument(..., metavar="TODO_ID", help="The complaint's To Do the user is working."),
    user: str = USER,
    reason: str = typer.Option(..., "--reason", metavar="CODE", help="Reason code (revision.toml [reason]): READING, UNITS …"),
    remark: str = typer.Option(..., "--remark", help="What was wrong and how it was found."),
    reading: str = typer.Option(None, "--reading", help="The correct current reading."),
    units: str = typer.Option(None, "--units", help="The correct units (instead of a reading)."),
    basis: str = typer.Option(None, "--basis", metavar="BASIS", help="ACT, ASS or PROV."),
    load: str = typer.Option(None, "--load", metavar="KW", help="The correct sanctioned load in kW."),
    category: str = typer.Option(None, "--category", help="The correct tariff category, e.g. LMV-1."),
    arrear: str = typer.Option(None, "--arrear", metavar="RUPEES", help="The correct arrear in rupees."),
    as_json: bool = JSON,
) -> None:
    """Propose a revised bill on a complaint's To Do; it goes to the officer whose power covers it."""
    from wss_tui.store import db, money, numbers, revision, todos
    from wss_tui.store.revision.calc import Correction

    correction = Correction(
        reason_code=reason.strip().upper(), remark=remark,
        curr_reading=numbers.quantity(reading or "", "reading"), units=numbers.quantity(units or "", "units"),
        basis=basis.strip().upper() if basis else None, load_kw=numbers.quantity(load or "", "load"),
        category=category or None, arrear_paise=money.paise(arrear or "", "arrear"),
    )
    with db.write(engine(ctx)) as session:
        version = todos.get(session, user, todo_id).version
        info = revision.propose(session, user, todo_id, version, correction)
    _show(info, as_json)


@revision_app.command("approve")
def approve(
    ctx: typer.Context,
    todo_id: str = typer.Argument(..., metavar="TODO_ID", help="The approval To Do (BRAPPROV)."),
    user: str = USER,
    note: str = typer.Option("", "--note", help="A note on the decision."),
    as_json: bool = JSON,
) -> None:
    """Approve a proposed revision: the revised bill is recorded and the difference posted."""
    from wss_tui.store import db, revision, todos

    with db.write(engine(ctx)) as session:
        info = revision.approve(session, user, todo_id, todos.get(session, user, todo_id).version, note)
    _show(info, as_json)


@revision_app.command("reject")
def reject(
    ctx: typer.Context,
    todo_id: str = typer.Argument(..., metavar="TODO_ID", help="The approval To Do (BRAPPROV)."),
    user: str = USER,
    reason: str = typer.Option(..., "--reason", help="Why, so the maker can put it right."),
    as_json: bool = JSON,
) -> None:
    """Reject a proposed revision: it goes back to its maker with the reason."""
    from wss_tui.store import db, revision, todos

    with db.write(engine(ctx)) as session:
        info = revision.reject(session, user, todo_id, todos.get(session, user, todo_id).version, reason)
    _show(info, as_json)
