"""`wss import accounts|bills FILE --system ccb|mpower`: load a billing system's extract.

Exit status: 0 every row imported; 3 imported, but some rows were rejected (see the reject file);
1 nothing could be imported (no such file, not an extract of that kind, database down); 130 interrupted
(whole batches kept; run the same command again to complete it); 2 a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wss_tui.store.codes import BillingSystem

from .base import Group, app, engine, interrupted, print_json, say

EXIT_REJECTS = 3
EXIT_INTERRUPTED = 130

import_app = typer.Typer(
    help="Import CC&B / mPower extracts (CSV; layouts in docs/import-formats.md). Re-running an import is harmless.",
    no_args_is_help=True, cls=Group,
)
app.add_typer(import_app, name="import")


File = Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False, readable=True, help="The CSV extract.")]
System = Annotated[BillingSystem, typer.Option(
    "--system", case_sensitive=False,
    help="Which billing system made the extract, in any case: ccb (CC&B, 10-digit account IDs) or mpower (mPower, 12-digit).",
)]
BatchSize = Annotated[int | None, typer.Option(
    "--batch-size", min=1, max=100_000, help="Rows per transaction (default 5,000 on SQLite, 50,000 on PostgreSQL).",
)]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object (no progress bar).")]


@import_app.command("accounts")
def accounts(
    ctx: typer.Context,
    file: File,
    system: System,
    batch_size: BatchSize = None,
    as_json: AsJson = False,
) -> None:
    """Upsert consumer accounts by account ID; bad rows go to FILE's .rejects.csv with the reason."""
    _run(ctx, "accounts", file, system, batch_size, as_json)


@import_app.command("bills")
def bills(
    ctx: typer.Context,
    file: File,
    system: System,
    batch_size: BatchSize = None,
    as_json: AsJson = False,
) -> None:
    """Upsert bills by bill number (their accounts must be imported first); bad rows go to FILE's .rejects.csv."""
    _run(ctx, "bills", file, system, batch_size, as_json)


def _run(ctx: typer.Context, kind: str, file: Path, system: BillingSystem, batch_size: int | None, as_json: bool) -> None:
    import time
    from dataclasses import asdict

    from rich.console import Console

    from wss_tui.store import importing

    eng = engine(ctx)
    started = time.perf_counter()
    last = importing.Progress()
    bar = None if as_json else _bar(Console(stderr=True, highlight=False))
    task = None

    def progress(p: importing.Progress) -> None:
        nonlocal last, task
        last = p
        if bar is None:
            return
        if task is None:  # started at the first batch, so a file refused at its header shows no bar
            bar.start()
            task = bar.add_task(f"{kind} ({system.lower()})", total=p.bytes_total or None, rows=0)
        bar.update(task, completed=p.bytes_read, rows=p.rows, rate=p.rows / max(time.perf_counter() - started, 1e-6))

    try:
        try:
            summary = importing.import_file(eng, file, kind=kind, system=system.lower(), batch_size=batch_size, progress=progress)
        finally:
            if task is not None:
                bar.stop()
    except BaseException as exc:
        if not interrupted(exc):
            raise
        typer.echo(
            f"Interrupted: {last.rows:,} rows were imported in whole batches "
            f"({last.inserted:,} inserted, {last.updated:,} updated, {last.rejected:,} rejected); nothing half-written was kept. "
            "Run the same command again to complete the import.",
            err=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if as_json:
        print_json(dict(asdict(summary), rows_per_second=round(summary.rows_per_second)))
    else:
        typer.echo(
            f"{summary.rows:,} rows in {summary.seconds:.1f} s ({summary.rows_per_second:,.0f} rows/s): "
            f"{summary.inserted:,} inserted, {summary.updated:,} updated, {summary.rejected:,} rejected."
        )
        if summary.rejected:
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in summary.reject_reasons.items())
            say(f"Rejected rows, with the reason for each, are in {summary.reject_file} ({reasons}).")
    if summary.rejected:
        raise typer.Exit(EXIT_REJECTS)


def _bar(console):
    from rich.progress import BarColumn, Progress, ProgressColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class RowRate(ProgressColumn):
        """Rows so far and rows per second since the start (the bar itself runs on bytes read, which is
        what gives the time left)."""

        def render(self, task) -> Text:
            return Text(f"{task.fields.get('rows', 0):,} rows  {task.fields.get('rate', 0):,.0f} rows/s")

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=16),  # the whole line fits 80 columns
        TaskProgressColumn(),
        RowRate(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
