"""Money adds up: rupee figures are rounded (not truncated) by one rule, money.whole_rupees, in the
MIS screen and `wss mis`; where the rounded rows do not add up to the rounded total, the screen and the
command say so; CSV and JSON carry exact paise, whose rows add up to the total exactly."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest
from textual.app import App
from textual.widgets import DataTable, Label

from wss_tui.screens.mis import TOTAL_KEY, MisScreen
from wss_tui.store import db, mis, money

from ._cli import wss as run_wss
from .tui_helpers import settle

SDC1 = "INR1-SDC1"  # the MIS of ESD-INR-1 by officer: 401.50 + 1,204.49 + 1,001.50 + 350.00 in the demo


def test_rupees_are_rounded_half_away_from_zero_never_truncated():
    assert money.whole_rupees(220299) == "2,203"  # was shown as 2,202
    assert money.whole_rupees(40150) == "402"
    assert money.whole_rupees(40149) == "401"
    assert money.whole_rupees(-40150) == "-402"
    assert money.whole_rupees(49) == "0"
    assert money.whole_rupees(1234567850) == "1,23,45,679"
    assert money.rupees(220299) == "2,202.99INR"  # the exact form is unchanged
    assert money.rounding_gap([50, 50], 100) == -1  # 1 + 1 shown, the total 1
    assert money.rounding_gap([40150, 120449, 10000], 170599) == 0


def office_report(engine):
    with db.read(engine) as session:
        return mis.report(session, SDC1)


def with_compensation(report, paise: list[int]):
    """The report with these compensation figures in its rows (as many as it has), the total their sum."""
    rows = [replace(r, figures=replace(r.figures, compensation_paise=p)) for r, p in zip(report.rows, paise, strict=True)]
    return replace(report, rows=rows, total=replace(report.total, compensation_paise=sum(paise)))


# 402 + 1,204 + 1,002 + 350 as shown is 2,958; the total, 2,957.49, shows as 2,957.
MISSES = [40150, 120449, 100150, 35000]
ADDS_UP = [40149, 120449, 100150, 35000]


def test_a_note_says_when_rounded_rows_miss_the_total(engine):
    report = office_report(engine)
    assert len(report.rows) == 4
    assert mis.rounding_notes(with_compensation(report, MISSES), ("compensation_paise",)) == [
        "Comp Rs: rows rounded to the rupee add to 2,958; the total is 2,957.49"]
    assert mis.rounding_notes(with_compensation(report, ADDS_UP), ("compensation_paise",)) == []


class MisApp(App[None]):
    def __init__(self, engine) -> None:
        super().__init__()
        self._engine = engine

    def on_mount(self) -> None:
        self.push_screen(MisScreen(self._engine, SDC1))


async def test_the_mis_screen_rounds(engine):
    report = office_report(engine)
    assert any(r.figures.compensation_paise % 100 >= 50 for r in report.rows), "a figure that truncating shows wrong"
    app = MisApp(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#mis-table", DataTable)
        cells = {str(k.value): str(table.get_cell(k, "comp")) for k in table.rows}
        for row in report.rows:
            assert cells[row.key] == money.whole_rupees(row.figures.compensation_paise), row.key
        assert cells[TOTAL_KEY] == money.whole_rupees(report.total.compensation_paise)


@pytest.mark.parametrize("paise, note", [(MISSES, "Comp Rs: rows rounded to the rupee add to 2,958; the total is 2,957.49"),
                                         (ADDS_UP, None)])
async def test_the_mis_screen_explains_rows_that_do_not_add_up(engine, monkeypatch, paise, note):
    crafted = with_compensation(office_report(engine), paise)
    monkeypatch.setattr(mis, "report", lambda *args, **kwargs: crafted)
    app = MisApp(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#mis-table", DataTable)
        shown = [int(str(table.get_cell(k, "comp")).replace(",", "")) for k in table.rows]
        label = app.screen.query_one("#mis-rounding", Label)
        if note is None:
            assert sum(shown[:-1]) == shown[-1]
            assert not label.display
        else:
            assert sum(shown[:-1]) == 2958 and shown[-1] == 2957
            assert label.display and str(label.content) == note


def test_wss_mis_rounds_and_its_csv_adds_up_to_the_paisa(engine, demo_url, tmp_path):
    report = office_report(engine)
    sheet = tmp_path / "mis.csv"
    out = run_wss("--db", demo_url, "mis", "--office", "ESD-INR-1", "--csv", str(sheet), columns=80)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for row in report.rows:
        line = next(line for line in lines if line.strip().startswith(row.key or "(not taken)"))
        assert line.rstrip().endswith(" " + money.whole_rupees(row.figures.compensation_paise)), line
    for note in mis.rounding_notes(report):
        assert note in lines
    with open(sheet, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for column in mis.MONEY_LABELS:
        assert sum(int(r[column]) for r in rows[:-1]) == int(rows[-1][column]), column
