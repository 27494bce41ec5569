"""The bill line by line beside the revised bill, and the change on each line that moved; under them
the revised bill's terms (the new due date, the late payment surcharge reversed). A meter change adds
both meters' readings, a register rollover a line saying so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual.widgets import DataTable

from wss_tui.plain import plain
from wss_tui.store import tariff, timefmt
from wss_tui.store.money import rupees
from wss_tui.store.revision.calc import BASES, BillFigures, number
from wss_tui.store.revision.terms import Lps

LINES = [
    ("basis", "Basis"), ("prev", "Prev reading"), ("old_final", "Old final rdg"), ("old_mf", "Old MF"),
    ("new_initial", "New initial rdg"), ("curr", "Curr reading"), ("register", "Register"), ("mf", "Mult. factor"),
    ("units", "Units (kWh)"), ("category", "Category"), ("load", "Load (kW)"), ("days", "Days"),
    ("fixed", "Fixed charge"), ("energy", "Energy charge"), ("duty", "Electricity duty"), ("arrear", "Arrear"),
    ("amount", "Bill amount"),
]
METER_LINES = {"old_final", "old_mf", "new_initial"}  # only for a meter change
NUMERIC = {"prev", "curr", "mf", "units", "load", "days", "old_final", "old_mf", "new_initial"}
MONEY = {"fixed", "energy", "duty", "arrear", "amount"}
# Lines whose change is shown as a signed amount: the figure each one reads.
DELTAS = {"fixed": "fixed_paise", "energy": "energy_paise", "duty": "duty_paise", "arrear": "arrear_paise",
          "amount": "amount_paise", "units": "units", "curr": "curr_reading", "load": "load_kw"}


def money(paise: int) -> str:
    return rupees(paise).removesuffix("INR")


@dataclass(frozen=True)
class Terms:
    """The revised bill's terms, under the lines: the old due date and the new (or its days after the
    approval), and the surcharge charged on the disputed amount, reversed."""

    due_before: date
    due_after: date | None
    due_days: int
    lps: Lps


def cells(f: BillFigures) -> dict[str, str]:
    return {
        "old_final": number(f.old_final_reading), "old_mf": number(f.old_multiplying_factor),
        "new_initial": number(f.new_initial_reading),
        "register": f"rollover, {f.rollover_digits} digits" if f.rollover_digits else "",
        "basis": f"{f.basis} {BASES.get(f.basis, '')}".strip(),
        "prev": number(f.prev_reading), "curr": number(f.curr_reading), "mf": number(f.multiplying_factor),
        "units": number(f.units), "category": f.tariff_category, "days": str(f.days),
        "load": tariff.load_text(f.tariff_category, f.load_kw, short=True),  # "1.2 (billed 2)": the rounded load
        "fixed": money(f.fixed_paise), "energy": money(f.energy_paise), "duty": money(f.duty_paise),
        "arrear": money(f.arrear_paise), "amount": money(f.amount_paise),
    }


def change(key: str, before: BillFigures, after: BillFigures) -> Text:
    if key == "register":
        return Text("check", style="bold", justify="right")
    if key in METER_LINES:
        return Text("")
    if key == "curr" and after.meter_changed:
        return Text("new meter", style="bold", justify="right")  # two meters' readings do not subtract
    if cells(before)[key] == cells(after)[key]:
        return Text("")
    old, new = getattr(before, DELTAS.get(key, "basis")), getattr(after, DELTAS.get(key, "basis"))
    if key not in DELTAS or old is None or new is None:
        return Text("changed", style="bold", justify="right")
    delta = new - old
    shown = money(delta) if key in MONEY else number(delta)
    return Text(("+" if delta > 0 else "") + shown, style="bold", justify="right")


# The late payment surcharge as the summary line says it: "LPS" alone, the CC&B term, was explained
# nowhere on the screen (the table's "Surcharge (LPS)" row is often scrolled out of view at 80x24).
LPS_WORDS = "surcharge (LPS)"


def difference_text(paise: int) -> str:
    if paise == 0:
        return "no change in the amount"
    return f"{'+' if paise > 0 else ''}{rupees(paise)} {'credit' if paise < 0 else 'more to pay'}"


def amounts_text(before: BillFigures, after: BillFigures, lps_paise: int = 0) -> str:
    """`Amount 847.00 → 760.38 · -86.62INR credit`, with `· surcharge (LPS) -1.08` before the balance change when a
    surcharge is reversed: the line that matters, whatever the table shows."""
    lps = f" · {LPS_WORDS} -{money(lps_paise)}" if lps_paise else ""
    return (f"Amount {money(before.amount_paise)} → {money(after.amount_paise)}{lps} · "
            f"{difference_text(after.amount_paise - before.amount_paise - lps_paise)}")


class BillComparison(DataTable):
    """Line, bill, revised, change: a row per line of the bill, the revised column empty until there is one."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for key, label, width in (("line", "Line", 16), ("bill", "Bill", 18), ("revised", "Revised", 18),
                                  ("change", "Change", 12)):
            self.add_column(label, key=key, width=width)

    def show(self, before: BillFigures, after: BillFigures | None, terms: Terms | None = None) -> None:
        keep = self.cursor_row
        self.clear()
        old = cells(before)
        new = cells(after) if after else {}
        for key, label in LINES:
            if key in METER_LINES and not (after and after.meter_changed):
                continue
            if key == "register" and not (after and after.rollover_digits):
                continue
            right = key in NUMERIC or key in MONEY
            self.add_row(
                plain(label),
                plain(old[key], justify="right" if right else "left"),
                plain(new.get(key, ""), justify="right" if right else "left"),
                change(key, before, after) if after else plain(""),
                key=key,
            )
        if terms is not None:
            self._terms(terms)
        self.move_cursor(row=max(keep, 0))

    def _terms(self, t: Terms) -> None:
        due = timefmt.show_date(t.due_after) if t.due_after else f"approval + {t.due_days} days"
        self.add_row(plain("Due date"), plain(timefmt.show_date(t.due_before)), plain(due),
                     Text("new", style="bold", justify="right"), key="due")
        if t.lps.paise:
            self.add_row(plain("Surcharge (LPS)"), plain(money(t.lps.paise), justify="right"),
                         plain(money(0), justify="right"),
                         Text("-" + money(t.lps.paise), style="bold", justify="right"),
                         key="lps")
