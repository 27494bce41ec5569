"""The months of a revision that covers a run of bills: each bill as billed and as revised, and the total."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from wss_tui.plain import plain
from wss_tui.store.codes import RunBasis
from wss_tui.store.revision.calc import number
from wss_tui.store.revision.run import Month
from wss_tui.store.timefmt import show_month

from .bill_comparison import LPS_WORDS, difference_text, money

COLUMNS = (("month", "Month", 7), ("bill", "Bill", 14), ("units", "Units", 13), ("old", "Bill amt", 10),
           ("new", "Revised", 10), ("change", "Change", 10))


def signed(paise: int) -> str:
    return ("+" if paise > 0 else "") + money(paise)


def run_text(months: tuple[Month, ...], run_basis: str | None, lps_paise: int = 0) -> str:
    """`3 bills, units spread by days · 6,136.89 → 3,371.19 · surcharge (LPS) -34.65 · -2,800.35INR credit`: as
    `amounts_text` says it of one bill, the surcharge reversed on the run's months taken off too."""
    old = sum(m.before.amount_paise for m in months)
    new = sum(m.after.amount_paise for m in months)
    how = "units spread by days" if run_basis == RunBasis.SPREAD else "each re-billed"
    lps = f" · {LPS_WORDS} -{money(lps_paise)}" if lps_paise else ""
    return f"{len(months)} bills, {how} · {money(old)} → {money(new)}{lps} · {difference_text(new - old - lps_paise)}"


class RunTable(DataTable):
    """A row per month of the run (scrolls, page keys, when the run is longer than the screen) and the total."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def show(self, months: tuple[Month, ...]) -> None:
        self.clear()
        for m in months:
            units = number(m.before.units) if m.before.units == m.after.units else \
                f"{number(m.before.units)} → {number(m.after.units)}"
            self.add_row(plain(show_month(m.bill_month)), plain(m.bill_no), plain(units, justify="right"),
                         plain(money(m.before.amount_paise), justify="right"),
                         plain(money(m.after.amount_paise), justify="right"),
                         Text(signed(m.difference_paise), style="bold", justify="right"), key=m.bill_no)
        old = sum(m.before.amount_paise for m in months)
        new = sum(m.after.amount_paise for m in months)
        self.add_row(Text("Total", style="bold"), plain(""), plain(""), plain(money(old), justify="right"),
                     plain(money(new), justify="right"), Text(signed(new - old), style="bold", justify="right"),
                     key="total")
