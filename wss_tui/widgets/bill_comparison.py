"""The bill line by line beside the revised bill, and the change on each line that moved."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from wss_tui.plain import plain
from wss_tui.store import tariff
from wss_tui.store.money import rupees
from wss_tui.store.revision.calc import BASES, BillFigures, number

LINES = [
    ("basis", "Basis"), ("prev", "Prev reading"), ("curr", "Curr reading"), ("mf", "Mult. factor"),
    ("units", "Units (kWh)"), ("category", "Category"), ("load", "Load (kW)"), ("days", "Days"),
    ("fixed", "Fixed charge"), ("energy", "Energy charge"), ("duty", "Electricity duty"), ("arrear", "Arrear"),
    ("amount", "Bill amount"),
]
NUMERIC = {"prev", "curr", "mf", "units", "load", "days"}
MONEY = {"fixed", "energy", "duty", "arrear", "amount"}
# Lines whose change is shown as a signed amount: the figure each one reads.
DELTAS = {"fixed": "fixed_paise", "energy": "energy_paise", "duty": "duty_paise", "arrear": "arrear_paise",
          "amount": "amount_paise", "units": "units", "curr": "curr_reading", "load": "load_kw"}


def money(paise: int) -> str:
    return rupees(paise).removesuffix("INR")


def cells(f: BillFigures) -> dict[str, str]:
    return {
        "basis": f"{f.basis} {BASES.get(f.basis, '')}".strip(),
        "prev": number(f.prev_reading), "curr": number(f.curr_reading), "mf": number(f.multiplying_factor),
        "units": number(f.units), "category": f.tariff_category, "load": tariff.load_text(f.tariff_category, f.load_kw, short=True), "days": str(f.days),
        "fixed": money(f.fixed_paise), "energy": money(f.energy_paise), "duty": money(f.duty_paise),
        "arrear": money(f.arrear_paise), "amount": money(f.amount_paise),
    }


def change(key: str, before: BillFigures, after: BillFigures) -> Text:
    if cells(before)[key] == cells(after)[key]:
        return Text("")
    old, new = getattr(before, DELTAS.get(key, "basis")), getattr(after, DELTAS.get(key, "basis"))
    if key not in DELTAS or old is None or new is None:
        return Text("changed", style="bold", justify="right")
    delta = new - old
    shown = money(delta) if key in MONEY else number(delta)
    return Text(("+" if delta > 0 else "") + shown, style="bold", justify="right")


def difference_text(paise: int) -> str:
    if paise == 0:
        return "no change in the amount"
    return f"{'+' if paise > 0 else ''}{rupees(paise)} {'credit' if paise < 0 else 'more to pay'}"


def amounts_text(before: BillFigures, after: BillFigures) -> str:
    """`Amount 847.00 → 760.38 · -86.62INR credit`: the line that matters, whatever the table shows."""
    return (f"Amount {money(before.amount_paise)} → {money(after.amount_paise)} · "
            f"{difference_text(after.amount_paise - before.amount_paise)}")


class BillComparison(DataTable):
    """Line, bill, revised, change: a row per line of the bill, the revised column empty until there is one."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for key, label, width in (("line", "Line", 16), ("bill", "Bill", 18), ("revised", "Revised", 18),
                                  ("change", "Change", 12)):
            self.add_column(label, key=key, width=width)

    def show(self, before: BillFigures, after: BillFigures | None) -> None:
        keep = self.cursor_row
        self.clear()
        old = cells(before)
        new = cells(after) if after else {}
        for key, label in LINES:
            right = key in NUMERIC or key in MONEY
            self.add_row(
                plain(label),
                plain(old[key], justify="right" if right else "left"),
                plain(new.get(key, ""), justify="right" if right else "left"),
                change(key, before, after) if after else plain(""),
                key=key,
            )
        self.move_cursor(row=max(keep, 0))
