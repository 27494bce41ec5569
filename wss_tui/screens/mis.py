"""The MIS: pending complaints by office with drill-down (discom → zone → circle → division →
sub-division → officer), their ageing as bars, and the disposal in a period — the figures of
`wss mis`, from the same service (`services/mis.py`), read in a thread.

`MisScreen(engine, actor_id)` stands on its own: the app pushes it, and tests push it from a tiny App.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import DataTable, Label, Static
from textual.worker import get_current_worker

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen, describe_error
from wss_tui.services import mis as service
from wss_tui.store import mis, money, timefmt
from wss_tui.store.mis import Figures, MisReport
from wss_tui.widgets.key_footer import KeyFooter

TOTAL_KEY = "\x00total"  # a row key no office code or user ID can be
NOT_TAKEN = "not taken"  # the officer row of cases nobody has taken
BAR = "█"

# (column key, label, width, value of a row's figures)
COLUMNS = [
    ("pending", "Pending", 7, lambda f: f"{f.pending:,}"),
    ("a0", "0-7", 5, lambda f: f"{f.age_0_7:,}"),
    ("a8", "8-15", 5, lambda f: f"{f.age_8_15:,}"),
    ("a16", "16-30", 5, lambda f: f"{f.age_16_30:,}"),
    ("a31", ">30", 5, lambda f: f"{f.age_over_30:,}"),
    ("today", "Today", 5, lambda f: f"{f.due_today:,}"),
    ("breached", "Late", 5, lambda f: f"{f.breached:,}"),
    ("comp", "Comp Rs", 11, lambda f: money.whole_rupees(f.compensation_paise)),
]
MONEY_COLUMNS = ("compensation_paise",)  # the money figures the table shows, a row per office


def ageing_bars(f: Figures, width: int) -> Text:
    """The four ageing buckets as horizontal bars scaled to the largest, with their counts."""
    counts = f.ageing
    label_w, count_w = 6, max(len(f"{n:,}") for n in counts) + 1
    room = max(width - label_w - count_w, 1)
    top = max(counts) or 1
    styles = ("green", "yellow", "dark_orange", "red")
    text = Text()
    for i, (label, n, style) in enumerate(zip(mis.AGE_BUCKETS, counts, styles)):
        length = round(room * n / top)
        if n and not length:
            length = 1  # a case or two still shows
        text.append(f"{label.replace('over ', '>'):<{label_w}}")
        text.append(BAR * length, style=style)
        text.append(f"{n:>{count_w + room - length},}")
        if i < len(counts) - 1:
            text.append("\n")
    return text


class MisScreen(WssScreen):
    CSS_PATH = "mis.tcss"
    HELP_TITLE = "MIS"
    AUTO_FOCUS = "#mis-table"
    BINDINGS = [
        Binding("enter", "down", "Down a level", show=False),
        Binding("escape,backspace", "up", "Up a level", key_display="esc"),
        Binding("p", "period", "Period"),
        Binding("r,f5", "reload", "Reload"),
    ]

    busy = reactive(False, bindings=True)  # reading the figures

    def __init__(self, engine, actor_id: str | None) -> None:
        super().__init__()
        self._engine = engine
        self.actor_id = actor_id
        self.period_index = 0
        self.report: MisReport | None = None

    @property
    def engine(self):
        return self._engine

    def compose(self) -> ComposeResult:
        with Horizontal(id="mis-header"):
            yield Label("MIS · Pending complaints", id="mis-title")
            yield Label(plain(self.actor_id or "administrator"), id="mis-who", markup=False)
        yield Label("loading…", id="mis-path", markup=False)
        yield DataTable(id="mis-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="mis-rounding", markup=False)
        with Horizontal(id="mis-bottom"):
            yield Static("", id="mis-ageing")
            yield Static("", id="mis-disposal")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._load(None)  # the top of the actor's offices

    # --- loading --------------------------------------------------------------------------

    def watch_busy(self, busy: bool) -> None:
        self.query_one("#mis-table", DataTable).loading = busy

    @work(exclusive=True, group="mis", exit_on_error=False)
    async def _load(self, office: str | None) -> None:
        self.busy = True
        try:
            report = await asyncio.to_thread(service.report, self._engine, self.actor_id, office=office,
                                             period=mis.PERIODS[self.period_index])
        except Exception as exc:  # shown as one line, whatever it was
            self.notify(describe_error(exc), severity="error", timeout=8)
            return
        finally:
            if not get_current_worker().is_cancelled:  # else the newer worker that replaced it says when
                self.busy = False
        self.report = report
        crumbs = " › ".join(code or "All" for code, _ in report.breadcrumb)
        self.query_one("#mis-title", Label).update(plain(f"MIS · {report.office_name} · {mis.KINDS[report.kind]}"))
        self.query_one("#mis-path", Label).update(plain(f"{crumbs} · by {report.row_level}"))
        table = self.query_one("#mis-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear(columns=True)
        table.add_column("Officer" if report.row_level == mis.OFFICER else "Office", key="office", width=10)
        for key, label, width, _ in COLUMNS:
            table.add_column(label, key=key, width=width)
        for row in report.rows:
            table.add_row(plain(row.key or NOT_TAKEN), *self._cells(row.figures), key=row.key)
        table.add_row(Text("Total", style="bold"), *self._cells(report.total, "bold"), key=TOTAL_KEY)
        table.move_cursor(row=min(keep, table.row_count - 1))
        note = self.query_one("#mis-rounding", Label)
        notes = mis.rounding_notes(report, MONEY_COLUMNS)
        note.update(plain("\n".join(notes)))
        note.display = bool(notes)
        self._show_row(self._row_key(table.cursor_row))

    @staticmethod
    def _cells(f: Figures, style: str = "") -> list[Text]:
        return [Text(value(f), style=style, justify="right") for _, _, _, value in COLUMNS]

    def _row_key(self, index: int) -> str:
        table = self.query_one("#mis-table", DataTable)
        if not table.row_count:
            return TOTAL_KEY
        return str(table.coordinate_to_cell_key((index, 0)).row_key.value)

    # --- the panels under the table -------------------------------------------------------

    @on(DataTable.RowHighlighted, "#mis-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_row(str(event.row_key.value))

    def _show_row(self, key: str) -> None:
        report = self.report
        if report is None:
            return
        row = next((r for r in report.rows if r.key == key), None)
        figures, name = (row.figures, row.key or NOT_TAKEN) if row else (report.total, report.office_code or "all discoms")
        ageing = self.query_one("#mis-ageing", Static)
        width = max(ageing.size.width - 2, 20)
        levels = " ".join(f"{k}:{n:,}" for k, n in enumerate(figures.levels))
        body = plain(f"Ageing, days · {name}\n", "bold")
        body.append_text(ageing_bars(figures, width))
        body.append(f"\nEsc level {levels}")
        if figures.sms_failed:
            body.append(f"\n{figures.sms_failed:,} SMS failed: wss sms list --failed", style="bold red")
        ageing.update(body)
        f = figures
        name = mis.PERIODS[self.period_index].capitalize()
        disposal = Text(
            f"{name} {timefmt.show_date(report.period_start)}–{timefmt.show_date(report.period_end)}\n", style="bold"
        )
        disposal.append(
            f"Received {f.received:,} · Closed {f.closed:,}\n"
            f"In SLA {f.closed_within_sla:,} · Rejected {f.rejected:,}\n"
            f"Closed without OTP {f.closed_without_otp:,}\n"
            f"Comp on closed Rs {money.whole_rupees(f.closed_compensation_paise)}\n"
            f"Revised {f.revisions_approved:,} bills · Rs {money.whole_rupees(f.revision_amount_paise)}"
        )
        self.query_one("#mis-disposal", Static).update(disposal)

    def on_resize(self) -> None:
        if self.report is not None:
            self._show_row(self._row_key(self.query_one("#mis-table", DataTable).cursor_row))

    # --- keys -----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#mis-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._down(str(event.row_key.value))

    def action_down(self) -> None:
        table = self.query_one("#mis-table", DataTable)
        self._down(self._row_key(table.cursor_row))

    def _down(self, key: str) -> None:
        report = self.report
        if report is None or key == TOTAL_KEY:
            return
        row = next((r for r in report.rows if r.key == key), None)
        if row is None or not row.drillable:
            self.notify("Officers are the last level; esc goes back up", timeout=3)
            return
        self.query_one("#mis-table", DataTable).move_cursor(row=0)
        self._load(row.key)

    def action_up(self) -> None:
        report = self.report
        if report is None or not report.can_go_up:
            self.dismiss()
            return
        self._load(report.parent_code)

    def action_period(self) -> None:
        self.period_index = (self.period_index + 1) % len(mis.PERIODS)
        self.notify(f"Disposal period: {mis.PERIODS[self.period_index]}", timeout=2)
        self._load(self.report.office_code if self.report else None)

    def action_reload(self) -> None:
        self._load(self.report.office_code if self.report else None)
