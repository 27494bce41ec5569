"""`wss escalate`: the escalation sweep, for cron or a systemd timer (see docs/escalation.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from .base import app, engine, print_json, say


@app.command("escalate")
def escalate(
    ctx: typer.Context,
    at: Annotated[str | None, typer.Option(
        "--at",
        metavar="DATETIME",
        help="Sweep as of this time (IST): 28-11-2026 10:00, -1d, or ISO 8601 with a zone. Default: now.",
    )] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts (with --check, the matrix) as one JSON object.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Only read data/escalation.toml and print the matrix; change nothing.")] = False,
) -> None:
    """Escalate every pending complaint whose next level has fallen due, and print the counts.

    Running it again at the same time changes nothing, so a retried or doubled cron job is harmless.
    """
    from wss_tui.services import escalation as sweeping
    from wss_tui.store import escalation, timefmt

    if check:
        _print_matrix(escalation.matrix(), as_json)
        return
    when = _when(at) if at else None
    report = sweeping.sweep(engine(ctx), when)
    if as_json:
        print_json(
            {
                "at": report.at.isoformat(),
                "escalated": {str(level): n for level, n in report.escalated.items()},
                "cases": report.cases,
                "todos_created": report.todos_created,
                "priorities_raised": report.priorities_raised,
                "offices_filled": report.offices_filled,
                "caps_recorded": report.caps_recorded,
                "sms_queued": report.sms_queued,
                "reviews_escalated": report.reviews_escalated,
                "audits_escalated": report.audits_escalated,
                "reviews_at_top": report.reviews_at_top,
            }
        )
        return
    mx = escalation.matrix()
    typer.echo(f"Escalation sweep at {timefmt.show(report.at)}")
    for number, count in report.escalated.items():
        level = mx.level(number)
        typer.echo(f"  level {number} ({level.role} of the {level.office_level}): {count:,} cases")
    typer.echo(
        f"  {report.cases:,} cases escalated, {report.todos_created:,} To Dos created, "
        f"{report.priorities_raised:,} priorities raised"
    )
    typer.echo(f"  {report.sms_queued:,} consumers told by SMS")
    top = f" ({report.reviews_at_top:,} at the end of the review chain: raised, reported to nobody above)" if report.reviews_at_top else ""
    typer.echo(f"  overdue oversight: {_n(report.reviews_escalated, 'review')}{top} and "
               f"{_n(report.audits_escalated, 'audit')} of approved revisions escalated")
    if report.offices_filled or report.caps_recorded:
        typer.echo(
            f"  recorded for the MIS: {report.offices_filled:,} case offices, {report.caps_recorded:,} compensation caps"
        )


def _n(count: int, thing: str) -> str:
    return f"{count:,} {thing}{'' if count == 1 else 's'}"


def _when(text: str) -> datetime:
    """A time as staff type it, or ISO 8601 as a scheduler might pass it: one rule, timefmt.parse_when."""
    from wss_tui.store import timefmt
    from wss_tui.store.errors import Invalid

    at = timefmt.parse_when(text, field="at", iso=True)
    if at is None:
        raise Invalid("at", "give a time, or leave --at out to sweep as of now")
    return at


def _print_matrix(mx, as_json: bool) -> None:
    from dataclasses import asdict

    from wss_tui.store import calendar, sla

    cal = mx.calendar
    holidays = sorted(cal.holidays)
    if as_json:
        print_json(
            {
                "levels": [
                    {
                        "level": lv.number, "after_days": lv.after_days, "counting": lv.counting, "office": lv.office_level,
                        "role": lv.role, "priority": lv.priority, "warn_before_hours": lv.warn_before.total_seconds() / 3600,
                    }
                    for lv in mx.levels
                ],
                "applies_to": list(mx.applies_to),
                "todo_type": mx.todo_type,
                "holidays": {d.isoformat(): name for d, name in sorted(cal.holidays.items())},
                "weekly_off": [calendar.WEEKDAYS[d] for d in sorted(cal.weekly_off)],
                "second_saturday_off": cal.second_saturday_off,
                "compensation": asdict(sla.rule()),
            }
        )
        return
    say(f"Escalation matrix ({', '.join(mx.applies_to)}; To Do {mx.todo_type} \"{mx.todo_description}\"):")
    for lv in mx.levels:
        say(f"  {lv.describe()}; warning {lv.warn_before.total_seconds() / 3600:g} h before")
    offs = ", ".join(calendar.WEEKDAYS[d] for d in sorted(cal.weekly_off)) or "none"
    span = f"{holidays[0]:%d-%m-%Y} to {holidays[-1]:%d-%m-%Y}" if holidays else "none listed"
    typer.echo(
        f"Calendar: weekly off {offs}; second Saturday {'off' if cal.second_saturday_off else 'worked'}; "
        f"{len(holidays)} holidays, {span}"
    )
    rule = sla.rule()
    typer.echo(
        f"Compensation: Rs {rule.paise_per_day // 100} a day late, capped at {rule.cap_percent}% of the fixed "
        f"charges of the {rule.cap_bills} latest bills"
    )
