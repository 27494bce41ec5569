"""`wss sms send` and `wss sms list`: delivering the queued SMS, and seeing what did not go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wss_tui.store.codes import SmsStatus
from wss_tui.store.numbers import MAX_ID, MAX_ROW_ID

from .base import Group, app, engine, print_json, say

sms_app = typer.Typer(help="SMS to consumers: deliver the queue, list what is queued, sent or failed.", no_args_is_help=True, cls=Group)
app.add_typer(sms_app, name="sms")


@sms_app.command("send")
def send(
    ctx: typer.Context,
    watch: Annotated[bool, typer.Option("--watch", help="Keep delivering as messages arrive, until Ctrl-C / SIGTERM (for a service).")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, max=MAX_ID, help="Try at most this many messages, then stop.")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", metavar="FILE", exists=True, dir_okay=False, help="Gateway configuration (default: data/sms_gateway.toml).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Deliver the queued SMS through the configured sender: retried with backoff, given up after max_tries."""
    import signal
    import threading
    from dataclasses import asdict

    from wss_tui.store import sms, timefmt
    from wss_tui.store import clock

    eng = engine(ctx)
    settings, sender = sms.configured(config_file, eng)
    if sms.shows_otp(sender):
        typer.echo("OTPs are printed in full (a demo database, or [console] show_otp = true).", err=True)
    stop = threading.Event()
    if watch:
        # Ctrl-C and systemd's SIGTERM both mean: finish the message in hand, hand back the rest, stop.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())

        def on_round(r: sms.Report) -> None:
            typer.echo(f"{timefmt.show(clock.now())}  sent {r.sent}, to retry {r.retrying}, gave up {r.gave_up}", err=as_json)

        typer.echo(f"Delivering SMS as they arrive (every {settings.poll_seconds:g} s); Ctrl-C stops.", err=True)
        report = sms.watch(eng, sender, settings, stop=stop, limit=limit, on_round=on_round)
    else:
        report = sms.deliver(eng, sender, settings, limit=limit)
    if as_json:
        print_json(dict(asdict(report), stopped=stop.is_set()))
        return
    typer.echo(f"Sent {report.sent}; failed, to be retried {report.retrying}; gave up {report.gave_up}."
               + (f" Not needed {report.cancelled} (the OTP was replaced or used first)." if report.cancelled else ""))
    if report.gave_up:
        typer.echo("See them with: wss sms list --failed")
    if stop.is_set():
        typer.echo("Stopped." + (f" {report.released} claimed message(s) handed back to the queue." if report.released else ""))


@sms_app.command("list")
def list_(
    ctx: typer.Context,
    failed: Annotated[bool, typer.Option("--failed", help="Only messages given up on (same as --status FAILED).")] = False,
    status: Annotated[SmsStatus | None, typer.Option("--status", case_sensitive=False, help="Only messages in this status (any case).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many, newest first.")] = 50,
    before: Annotated[int | None, typer.Option("--before", metavar="ID", min=1, max=MAX_ROW_ID, help="Continue after this message ID (the next page).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the messages as a JSON list.")] = False,
) -> None:
    """The SMS outbox, newest first, with tries and the gateway ID or last error of each message.

    When is the time sent (SENT), of the next try (QUEUED; for SENDING the end of the sender's lease),
    or of queuing (FAILED).
    """
    from dataclasses import asdict

    from wss_tui.store import db, sms

    wanted = SmsStatus.FAILED if failed else status
    with db.read(engine(ctx)) as session:
        entries = sms.list_messages(session, status=wanted, limit=limit, before_id=before)
        counts = sms.count_by_status(session)
    if as_json:
        print_json([asdict(e) for e in entries])
        return
    _print(entries, counts, wanted, limit)


WIDTH = 80  # a clerk's terminal over SSH


def _print(entries, counts: dict[str, int], wanted: str | None, limit: int) -> None:
    """One line per message that fits 80 columns, its request ID and gateway ID or last error below it
    (wrapped to the same width). A template name longer than its column is cut with a "…"; its
    language always shows."""
    import textwrap

    from wss_tui.store.text import visible
    from wss_tui.store.timefmt import show

    typer.echo(", ".join(f"{status} {n:,}" for status, n in counts.items()))
    if not entries:
        typer.echo(f"No {wanted.lower() + ' ' if wanted else ''}messages.")
        return
    width = max(len(str(e.id)) for e in entries)
    sw = max(len("Status"), *(len(e.status) for e in entries))
    whens = [show(_when(e)) for e in entries]
    ww = max(len(w) for w in whens)
    # What the other columns and the two-space gaps leave for "template/language".
    room = WIDTH - (width + 10 + sw + len("Tries") + len("Pts") + ww + 2 * 6)
    templates = [_template(e.template, e.language, room) for e in entries]
    tw = max(len("Template"), *(len(t) for t in templates))
    typer.echo(f"{'ID':>{width}}  {'Mobile':<10}  {'Template':<{tw}}  {'Status':<{sw}}  Tries  Pts  When")
    for e, template, when in zip(entries, templates, whens, strict=True):
        say(f"{e.id:>{width}}  {e.mobile:<10}  {template:<{tw}}  {e.status:<{sw}}  {e.tries:>5}  {e.parts:>3}  {when}")
        detail = f"gateway ID {e.gateway_id}" if e.status == SmsStatus.SENT and e.gateway_id else (e.last_error or "")
        if e.case_id:  # whom to phone when it failed: `wss request status` tells the rest
            detail = f"request {e.case_id}" + (f" · {detail}" if detail else "")
        # The gateway's own words: anything may come back. Made visible first, so a mark counts as one column.
        for line in textwrap.wrap(visible(detail, multiline=False), WIDTH - width - 2, break_on_hyphens=False):
            typer.echo(f"{'':>{width}}  {line}")
    if len(entries) == limit:
        typer.echo(f"Next page: --before {entries[-1].id}")


def _when(e):
    """The time sent (SENT), of the next try (QUEUED, SENDING) or of queuing (the rest)."""
    if e.status == SmsStatus.SENT:
        return e.sent_at
    return e.next_try_at if e.status in (SmsStatus.QUEUED, SmsStatus.SENDING) else e.created_at


def _template(template: str, language: str, room: int) -> str:
    from wss_tui.store.text import visible

    shown = visible(template, multiline=False)
    keep = max(room - len(language) - 1, 4)
    return (shown if len(shown) <= keep else shown[: keep - 1] + "…") + "/" + language

