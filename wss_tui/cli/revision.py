"""`wss revision propose|approve|reject`: bill revision from a script, by the same store calls and rules
as the revision screen (maker ≠ checker, checkers senior to makers, powers, scope), so an office can
correct a batch of bills after a meter-reading agency's error. Each acts as `--user`, on a To Do that
user may work, at its current version."""

from __future__ import annotations

from typing import Annotated

import typer

from .base import app, engine, print_json, say

revision_app = typer.Typer(help="Bill revisions: propose one on a complaint's To Do, approve or reject it.",
                           no_args_is_help=True)
app.add_typer(revision_app, name="revision")

User = Annotated[str, typer.Option("--user", metavar="USER_ID", help="The staff member acting (maker or checker).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the revision as one JSON object.")]
ApprovalTodo = Annotated[str, typer.Argument(metavar="TODO_ID", help="The approval To Do (BRAPPROV).")]


def _show(info, as_json: bool) -> None:
    from dataclasses import asdict

    from wss_tui.store import money, timefmt
    from wss_tui.store.revision.meter import number

    if as_json:
        print_json(asdict(info))
        return
    say(f"Revision {info.revision_id}: {info.status}")
    if info.months:
        _show_run(info)
    else:
        say(f"Bill {info.bill_no} (A/c {info.account_id}), case {info.case_id}: "
            f"{money.rupees(info.amount_before_paise)} -> {money.rupees(info.after.amount_paise)} "
            f"(difference {money.rupees(info.difference_paise)})")
    a = info.after
    if a.meter_changed:
        say(f"Meter changed: old meter {number(a.prev_reading)} -> {number(a.old_final_reading)} x MF "
            f"{number(a.old_multiplying_factor)}, new meter {number(a.new_initial_reading)} -> "
            f"{number(a.curr_reading)} x MF {number(a.multiplying_factor)}: {number(a.units)} units")
    for flag in info.flags:
        say(f"Check: {flag}")
    say(f"{info.lps.text}; balance change {money.rupees(info.balance_change_paise)}")
    due = (timefmt.show_date(info.due_date_after) if info.due_date_after
           else f"{info.revised_due_days} days after approval")
    say(f"Due date {timefmt.show_date(info.due_date_before)} -> {due}")
    if info.status == "PROPOSED":
        say(f"Waits for {info.route.role} {info.route.office_code}: approval To Do {info.approval_todo_id}")
    else:
        say(f"Decided by {info.checker_id} on {timefmt.show(info.decided_at)}"
            + (f"; revised bill {info.new_bill_no}" if info.new_bill_no else "")
            + (f": {info.decision_note}" if info.decision_note else ""))


def _show_run(info) -> None:
    from wss_tui.store import money, timefmt
    from wss_tui.store.codes import RunBasis
    from wss_tui.store.revision.calc import number

    say(f"{len(info.months)} bills of A/c {info.account_id}, case {info.case_id}: {RunBasis(info.run_basis).label}")
    say(f"{'Month':<7} {'Bill':<14} {'Units':>15} {'Old':>13} {'New':>13} {'Difference':>13}  Revised bill")
    for m in info.months:
        units = f"{number(m.before.units)} -> {number(m.after.units)}"
        say(f"{timefmt.show_month(m.bill_month):<7} {m.bill_no:<14} {units:>15} {money.rupees(m.before.amount_paise):>13} "
            f"{money.rupees(m.after.amount_paise):>13} {money.rupees(m.difference_paise):>13}  {m.new_bill_no or ''}".rstrip())
    old = sum(m.before.amount_paise for m in info.months)
    new = sum(m.after.amount_paise for m in info.months)
    say(f"{'Total':<22} {'':>15} {money.rupees(old):>13} {money.rupees(new):>13} {money.rupees(info.difference_paise):>13}")


@revision_app.command("propose")
def propose(
    ctx: typer.Context,
    todo_id: Annotated[str, typer.Argument(metavar="TODO_ID", help="The complaint's To Do the user is working.")],
    user: User,
    reason: Annotated[str, typer.Option("--reason", metavar="CODE", help="Reason code of data/revision.toml: READING, UNITS, METER-CHANGE …")],
    remark: Annotated[str, typer.Option("--remark", help="What was wrong and how it was found.")],
    reading: Annotated[str | None, typer.Option("--reading", help="The correct current reading.")] = None,
    units: Annotated[str | None, typer.Option("--units", help="The correct units (instead of a reading).")] = None,
    basis: Annotated[str | None, typer.Option("--basis", metavar="BASIS", help="ACT, ASS or PROV.")] = None,
    load: Annotated[str | None, typer.Option("--load", metavar="KW", help="The correct sanctioned load in kW.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="The correct tariff category, e.g. LMV-1.")] = None,
    arrear: Annotated[str | None, typer.Option("--arrear", metavar="RUPEES", help="The correct arrear in rupees.")] = None,
    old_final: Annotated[str | None, typer.Option(
        "--old-final", metavar="READING", help="METER-CHANGE: the old meter's final reading.")] = None,
    old_mf: Annotated[str | None, typer.Option(
        "--old-mf", metavar="MF", help="METER-CHANGE: the old meter's multiplying factor.")] = None,
    new_initial: Annotated[str | None, typer.Option(
        "--new-initial", metavar="READING", help="METER-CHANGE: the new meter's initial reading.")] = None,
    new_mf: Annotated[str | None, typer.Option(
        "--new-mf", metavar="MF", help="METER-CHANGE: the new meter's MF (default: the bill's).")] = None,
    digits: Annotated[int | None, typer.Option(
        "--digits", metavar="N", help="The meter's register digits, 4-7, for a rollover (default: revision.toml).")] = None,
    from_bill: Annotated[str | None, typer.Option(
        "--from-bill", metavar="BILL_NO", help="A run of bills: its first bill (default: the case's bill).")] = None,
    through_bill: Annotated[str | None, typer.Option(
        "--through-bill", metavar="BILL_NO", help="A run of bills: its last bill (default: the case's bill).")] = None,
    spread: Annotated[bool, typer.Option(
        "--spread", help="Spread the units of the actual reading (--reading, at the run's end) over the run by "
                         "billing days; without it each bill is re-billed with the correction.")] = False,
    month_units: Annotated[list[str] | None, typer.Option(
        "--month-units", metavar="UNITS", help="Each bill's own units, once per bill of the run in order.")] = None,
    as_json: AsJson = False,
) -> None:
    """Propose a revised bill on a complaint's To Do (or a run of consecutive bills around it, for one approval
    at the run's total); it goes to the officer whose power covers it."""
    from wss_tui.store import db, money, numbers, revision, todos
    from wss_tui.store.revision.calc import Correction
    from wss_tui.store.revision.run import RunRequest

    correction = Correction(
        reason_code=reason.strip().upper(), remark=remark,
        curr_reading=numbers.quantity(reading or "", "reading"), units=numbers.quantity(units or "", "units"),
        basis=basis.strip().upper() if basis else None, load_kw=numbers.quantity(load or "", "load"),
        category=category or None, arrear_paise=money.paise(arrear or "", "arrear"),
        old_final_reading=numbers.quantity(old_final or "", "old final"),
        old_multiplying_factor=numbers.quantity(old_mf or "", "old MF"),
        new_initial_reading=numbers.quantity(new_initial or "", "new initial"),
        new_multiplying_factor=numbers.quantity(new_mf or "", "new MF"), digits=digits,
    )
    each = tuple(numbers.quantity(u, "units") for u in month_units) if month_units else None
    if each is not None and None in each:
        raise typer.BadParameter("give a number of units for each --month-units", param_hint="--month-units")
    bills = RunRequest(from_bill=from_bill, through_bill=through_bill, spread=spread, units_each=each)
    with db.write(engine(ctx)) as session:
        version = todos.get(session, user, todo_id).version
        info = revision.propose(session, user, todo_id, version, correction, bills)
    _show(info, as_json)


@revision_app.command("approve")
def approve(
    ctx: typer.Context,
    todo_id: ApprovalTodo,
    user: User,
    note: Annotated[str, typer.Option("--note", help="A note on the decision.")] = "",
    as_json: AsJson = False,
) -> None:
    """Approve a proposed revision: the revised bill is recorded and the difference posted."""
    from wss_tui.store import db, revision, todos

    with db.write(engine(ctx)) as session:
        info = revision.approve(session, user, todo_id, todos.get(session, user, todo_id).version, note)
    _show(info, as_json)


@revision_app.command("reject")
def reject(
    ctx: typer.Context,
    todo_id: ApprovalTodo,
    user: User,
    reason: Annotated[str, typer.Option("--reason", help="Why, so the maker can put it right.")],
    as_json: AsJson = False,
) -> None:
    """Reject a proposed revision: it goes back to its maker with the reason."""
    from wss_tui.store import db, revision, todos

    with db.write(engine(ctx)) as session:
        info = revision.reject(session, user, todo_id, todos.get(session, user, todo_id).version, reason)
    _show(info, as_json)
