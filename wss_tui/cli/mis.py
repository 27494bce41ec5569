"""`wss mis`: pending complaints and their disposal by office — the MIS screen's figures, from the same
store query (`mis.report`), as tables that fit 80 columns, CSV or JSON."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from .base import app, engine, print_json

LEVEL_HELP = "discom, zone, circle, division, subdivision or officer (default: the level below --office)"


@app.command("mis")
def mis_command(
    ctx: typer.Context,
    office: Annotated[str | None, typer.Option("--office", metavar="CODE", help="Report this office's subtree (default: every discom).")] = None,
    level: Annotated[str | None, typer.Option("--level", metavar="LEVEL", help=f"One row per office at this level: {LEVEL_HELP}.")] = None,
    start: Annotated[str | None, typer.Option("--from", metavar="DATE", help="Disposal period start (IST): 01-11-2026, -30d. Default: the 1st of this month.")] = None,
    end: Annotated[str | None, typer.Option("--to", metavar="DATE", help="Disposal period end, the whole day included. Default: now.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", metavar="FILE", help="Also write the rows and the total to FILE as CSV.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object instead of tables.")] = False,
    kind: Annotated[str, typer.Option("--kind", metavar="KIND", help="bill-revision (complaints), service (other requests), officer-case or all.")] = "bill-revision",
    channel: Annotated[str | None, typer.Option("--channel", metavar="CHANNEL", help="Only requests through wss, walk-in, 1912, csc or officer.")] = None,
) -> None:
    """Pending complaints by office (ageing, due today, breached, escalation level, compensation owed)
    and their disposal in a period (received, closed, within SLA, rejected, without OTP); SMS that failed."""
    from wss_tui.services import mis
    from wss_tui.store import timefmt

    period_start = timefmt.parse_when(start, field="from") if start else None
    period_end = timefmt.parse_when(end, field="to", end_of_day=True) if end else None
    report = mis.report(engine(ctx), None, office=office, level=level, start=period_start, end=period_end,
                        kind=kind, channel=channel)
    if csv_file is not None:
        _write_csv(report, csv_file)
    if as_json:
        print_json(_as_json(report))
        return
    _print(report)
    if csv_file is not None:
        typer.echo(f"wrote {len(report.rows) + 1} rows to {csv_file}")


def _lines(report) -> list[tuple[str, str, str, object]]:
    """(level, key, name, figures) of every row, then the total."""
    top = report.office_code or "ALL"
    return [(r.level, r.key, r.name, r.figures) for r in report.rows] + [("total", top, report.office_name, report.total)]


def _write_csv(report, path: Path) -> None:
    from wss_tui.store import mis

    columns = mis.export_columns(report.escalation_levels)
    times = _times(report)
    try:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["level", "key", "name", *columns, "period_from", "period_to", "as_of"])
            for level, key, name, figures in _lines(report):
                values = mis.export_row(figures)
                out.writerow([level, key, name, *("" if values[c] is None else values[c] for c in columns),
                              *times])
    except OSError as exc:
        from wss_tui.store.errors import Invalid

        raise Invalid("csv", f"cannot write {path}: {exc.strerror}; give a writable file") from None


def _times(report) -> tuple[str, str, str]:
    """The period and the moment of the figures in IST, as the office reads them (01-11 is
    2026-11-01T00:00:00+05:30, not the UTC evening before)."""
    from wss_tui.store.clock import IST

    return tuple(t.astimezone(IST).isoformat() for t in (report.period_start, report.period_end, report.as_of))


def _as_json(report) -> dict:
    from wss_tui.store import mis

    start, end, as_of = _times(report)
    return {
        "office": report.office_code,
        "office_name": report.office_name,
        "office_level": report.office_level,
        "row_level": report.row_level,
        "period": {"from": start, "to": end},
        "as_of": as_of,
        "kind": report.kind,
        "channel": report.channel,
        "pending_by_kind": dict(report.pending_by_kind),
        "age_buckets_days": list(mis.AGE_BUCKETS),
        "rows": [{"key": r.key, "name": r.name, "level": r.level, **mis.export_row(r.figures)} for r in report.rows],
        "total": mis.export_row(report.total),
    }


def _print(report) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from wss_tui.plain import plain
    from wss_tui.store import mis, money, timefmt

    console = Console(highlight=False)
    where = " › ".join(name if code is None else code for code, name in report.breadcrumb)
    title = Text("MIS · ", style="bold")
    title.append_text(plain(report.office_name, "bold"))  # an office's name is data, never markup
    title.append(f" · by {report.row_level}")
    console.print(title)
    console.print(plain(f"{where} · as of {timefmt.show(report.as_of)}"))
    through = f" through {report.channel}" if report.channel else ""
    console.print(plain(f"{mis.KINDS[report.kind]}{through}. Pending: "
                        + ", ".join(f"{mis.KINDS[k].lower()} {n:,}" for k, n in report.pending_by_kind)))
    lines = _lines(report)

    def table(title: str, columns: list[str]) -> Table:
        t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
        t.add_column("Office" if report.row_level != "officer" else "Officer", no_wrap=True, max_width=12)
        for c in columns:
            t.add_column(c, justify="right", no_wrap=True)
        return t

    pending = table("Pending", ["Pending", "0-7", "8-15", "16-30", ">30", "Due tdy", "Breached", "Comp Rs"])
    levels = table("Pending by escalation level; SMS that failed", [*(f"L{k}" for k in range(report.escalation_levels + 1)), "SMS fail"])
    disposal = table(
        f"Disposal {timefmt.show_date(report.period_start)} to {timefmt.show_date(report.period_end)}",
        ["Recd", "Closed", "In SLA", "Rej", "No OTP", "Comp Rs", "Revs", "Rev Rs"],
    )
    for level, key, _name, f in lines:
        label, style = (plain(key or "(not taken)"), None) if level != "total" else ("Total", "bold")
        if level == "total":
            for t in (pending, levels, disposal):
                t.add_section()
        pending.add_row(label, *(f"{n:,}" for n in (f.pending, *f.ageing, f.due_today, f.breached)),
                        money.whole_rupees(f.compensation_paise), style=style)
        levels.add_row(label, *(f"{n:,}" for n in (*f.levels, f.sms_failed)), style=style)
        disposal.add_row(label, *(f"{n:,}" for n in (f.received, f.closed, f.closed_within_sla, f.rejected, f.closed_without_otp)),
                         money.whole_rupees(f.closed_compensation_paise), f"{f.revisions_approved:,}", money.whole_rupees(f.revision_amount_paise), style=style)
    console.print(pending)
    console.print(levels)
    console.print(disposal)
    for note in mis.rounding_notes(report):
        console.print(plain(note))
    console.print(
        "Ages: full days since registration. Rs: nearest rupee; --csv, --json: paise.\n"
        "Comp Rs: accrued on the pending, owed on the closed. Rej: rejected.\n"
        "Revs, Rev Rs: bill revisions approved, net change.\n"
        "No OTP: closed without the consumer's OTP (by an EE, or before OTPs were kept).\n"
        "SMS fail: gave up delivering (any date); `wss sms list --failed` lists them.\n"
        "Late oversight (reviews, audits open past due): see --json or --csv."
    )
