"""`wss request new` and `wss request status`: a consumer's request in, and what the consumer sees of it.

Store modules are imported inside the commands: `wss request new` is one short process per request
and should not pay for the rest of the application at start-up.
"""

from __future__ import annotations

from typing import Annotated

import typer

from wss_tui.store.codes import IntakeChannel, RequestType

from .base import Group, app, engine, print_json, say

request_app = typer.Typer(help="Consumer requests: register one, or look up its status.", no_args_is_help=True, cls=Group)
app.add_typer(request_app, name="request")


@request_app.command("new")
def new(
    ctx: typer.Context,
    account: Annotated[str, typer.Option("--account", metavar="ACCOUNT", help="Account ID: 10 digits (CC&B) or 12 (mPower).")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="What is wrong, in the consumer's words.")],
    bill: Annotated[str | None, typer.Option("--bill", metavar="BILL_NO", help="Number of the disputed bill (needed for bill correction).")] = None,
    request_type: Annotated[RequestType, typer.Option("--type", help="Request type; data/request_types.toml routes each.")] = RequestType.BILL_CORRECTION,
    channel: Annotated[IntakeChannel, typer.Option("--channel", help="Where the request came in.")] = IntakeChannel.WSS,
    attach: Annotated[list[str] | None, typer.Option("--attach", metavar="FILE", help="A PDF, JPEG or PNG document; repeatable.")] = None,
    operator: Annotated[str | None, typer.Option("--operator", metavar="USER_ID", help="Staff entering it (walk-in, 1912, CSC).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the receipt as one JSON object.")] = False,
) -> None:
    """Register a consumer's request; prints the request ID the consumer is given."""
    from wss_tui.services import intake

    receipt = intake.register(engine(ctx), operator, account_id=account, bill_no=bill, reason=reason,
                              request_type=request_type, channel=channel.value, attach=attach or ())
    if as_json:
        print_json(
            dict(
                request_id=receipt.request_id,
                todo_id=receipt.todo_id,
                status=receipt.status,
                office=receipt.office,
                role=receipt.role,
                assigned_to=receipt.assigned_to,
                assigned_to_name=receipt.assigned_to_name,
            )
        )
        return
    from wss_tui.store import timefmt
    from wss_tui.store.ids import mask_mobile

    say(f"Request ID: {receipt.request_id}")
    say(f"Status: {receipt.status}; due by {timefmt.show(receipt.due_at)}")
    say(f"To Do {receipt.todo_id} for {receipt.role} at {receipt.office} ({receipt.office_name})")
    say(_assigned(receipt.assigned_to, receipt.assigned_to_name, receipt.role))
    if receipt.sms_mobile:
        typer.echo(f"SMS with the request ID queued to {mask_mobile(receipt.sms_mobile)}")
    else:
        typer.echo("No registered mobile: no SMS; give the consumer the request ID yourself")


@request_app.command("status")
def status(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(metavar="REQUEST_ID", help="The 10-digit request ID.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as one JSON object.")] = False,
) -> None:
    """Show a request as the consumer sees it in WSS: type, open date, status, comments, case log."""
    from dataclasses import asdict

    from wss_tui.store import cases, db, timefmt

    with db.read(engine(ctx)) as session:
        st = cases.request_status(session, request_id)
    if as_json:
        print_json(asdict(st))
        return
    rows = [
        ("Request ID", st.request_id),
        ("Open Date", timefmt.show_date(st.open_date)),
        ("Request Type", st.request_type),
        ("Status", f"{st.status} ({'open' if st.is_open else 'closed ' + timefmt.show(st.closed_at)})"),
        ("Comments", st.comments or "-"),
        ("Account", st.account_id),
        ("Assigned to", _assigned(st.assigned_to, st.assigned_to_name, None).removeprefix("Assigned to: ")),
    ]
    if st.bill_no:
        rows.append(("Disputed Bill", st.bill_no))
    if st.is_open and st.due_at is not None:
        rows.append(("Due By", timefmt.show(st.due_at)))
    elif st.is_open:
        rows.append(("Due By", f"none: an officer's own case (office target {timefmt.show_date(st.office_target_at)})"))
    width = max(len(label) for label, _ in rows)
    # Comments and the log hold what consumers and staff typed: `say` shows any control character.
    for label, value in rows:
        say(f"{label:<{width}}  {value}")
    typer.echo("")
    typer.echo("Case Log")
    kind = max((len(line.log_type) for line in st.log), default=0)
    for line in st.log:
        say(f"  {timefmt.show(line.at)}  {line.log_type:<{kind}}  {line.details}".rstrip())


def _assigned(user_id: str | None, name: str | None, role: str | None) -> str:
    if user_id is None:
        return f"Assigned to: nobody yet (in the {role} queue)" if role else "Assigned to: nobody yet (in a role queue)"
    return f"Assigned to: {name or '?'} ({user_id})"
