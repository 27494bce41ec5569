"""The Rate Schedule's rules beyond the rates (data/tariff.toml): the contracted load rounded up to the
next whole kW, LMV-2's minimum charge, and the line of rates in force for a bill's period, with its
citation. Figures worked by hand from the shipped file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from wss_tui.store import config, tariff


def test_a_fractional_load_is_billed_as_the_next_whole_kw():
    # LMV-1 urban, 1.2 kW billed as 2 kW, 100 kWh in 30 days: fixed 110 x 2 = 220.00 (not 110 x 1.2 =
    # 132.00); energy 100 x 5.50 = 550.00; duty 5% of 770.00 = 38.50; total 808.50.
    c = tariff.compute("LMV-1", "URBAN", 1.2, 100, 30)
    assert (c.fixed_paise, c.energy_paise, c.duty_paise, c.total_paise) == (22000, 55000, 3850, 80850)
    assert c.billed_load == 2
    # A whole load is billed as it is: 2 kW, 220.00.
    assert tariff.compute("LMV-1", "URBAN", 2.0, 100, 30).fixed_paise == 22000


def test_the_load_as_the_revision_shows_it():
    assert tariff.billed_load(1.2) == 2 and tariff.billed_load(2.0) == 2 and tariff.billed_load(2.01) == 3
    assert tariff.load_text("LMV-1", 1.2) == "1.2 kW (billed 2 kW)"
    assert tariff.load_text("LMV-1", 2) == "2 kW"
    assert tariff.load_text("LMV-5", 7.5) == "7.5 kW (billed 11 BHP)"
    assert tariff.load_text("LMV-1", 1.2, short=True) == "1.2 (billed 2)"
    assert tariff.load_text("LMV-5", 7.46, short=True) == "7.46 = 10 BHP"
    assert tariff.load_text("LMV-9", 1.5) == "1.5 kW"  # no rates for it: shown as given


def test_an_lmv2_bill_below_the_minimum_is_billed_the_minimum():
    # LMV-2 urban, 2 kW, 50 kWh in 30 days: fixed 330 x 2 = 660.00; energy 50 x 7.50 = 375.00; together
    # 1,035.00, below the minimum 575 x 2 = 1,150.00, so 115.00 more is billed with the energy charge
    # (490.00); duty 7.5% of 1,150.00 = 86.25; total 1,236.25.
    c = tariff.compute("LMV-2", "URBAN", 2, 50, 30, arrear_paise=5000)
    assert (c.fixed_paise, c.energy_paise, c.minimum_paise, c.duty_paise) == (66000, 49000, 11500, 8625)
    assert (c.total_paise, c.amount_paise) == (123625, 128625)  # the arrear is not part of the comparison
    # The same on 1.5 kW: the minimum is on the rounded load too (2 kW).
    assert tariff.compute("LMV-2", "URBAN", 1.5, 50, 30) == tariff.compute("LMV-2", "URBAN", 2, 50, 30)


def test_the_minimum_scales_with_the_days_and_stops_mattering_above_it():
    # LMV-2 urban, 2 kW, 10 kWh in 15 days: fixed 330 x 2 x 15/30 = 330.00; energy 10 x 7.50 = 75.00;
    # minimum 575 x 2 x 15/30 = 575.00: 170.00 more, energy 245.00; duty 7.5% of 575.00 = 43.125 -> 43.13.
    c = tariff.compute("LMV-2", "URBAN", 2, 10, 15)
    assert (c.fixed_paise, c.energy_paise, c.minimum_paise, c.duty_paise) == (33000, 24500, 17000, 4313)
    # 200 kWh in 30 days: 660.00 + 1,500.00 = 2,160.00 is above 1,150.00: no minimum.
    c = tariff.compute("LMV-2", "URBAN", 2, 200, 30)
    assert (c.fixed_paise, c.energy_paise, c.minimum_paise) == (66000, 150000, 0)
    # LMV-2 rural has no minimum configured: 2 kW, 10 kWh: 90 x 2 = 180.00 and 10 x 5.50 = 55.00 only.
    c = tariff.compute("LMV-2", "RURAL", 2, 10, 30)
    assert (c.fixed_paise, c.energy_paise, c.minimum_paise) == (18000, 5500, 0)


def test_a_bill_is_charged_by_the_order_in_force_for_its_period():
    may = tariff.compute("LMV-1", "URBAN", 1, 100, 23, on=date(2023, 5, 23), period_from=date(2023, 5, 1))
    june = tariff.compute("LMV-1", "URBAN", 1, 100, 30, on=date(2023, 6, 30), period_from=date(2023, 6, 1))
    assert [r.order.key for r in may.rates] == ["FY2022-23"]
    assert [r.order.key for r in june.rates] == ["FY2023-24"]
    assert june.rates[0].citation == (
        "UPERC tariff order FY 2023-24 of 24-05-2023, LMV-1 (d) metered, urban")
    # A bill across 24-05-2023, when the FY 2023-24 order left the rates as they were, is not split: it
    # is charged as one bill (fixed 110.00, 150 x 5.50 + 50 x 6.00 = 1,125.00) and cites the later order.
    across = tariff.compute("LMV-1", "URBAN", 1, 200, 30, on=date(2023, 6, 8), period_from=date(2023, 5, 10))
    assert [r.order.key for r in across.rates] == ["FY2023-24"]
    assert (across.fixed_paise, across.energy_paise) == (11000, 112500)
    assert tariff.schedule(date(2020, 1, 1))["LMV-1-URBAN"].order.key == "FY2019-20"


@pytest.fixture
def later_order(tmp_path, monkeypatch):
    """The shipped file with a later order that changes LMV-1 urban from 01-04-2026."""
    folder = tmp_path / "data"
    shutil.copytree(config.data_dir(), folder, ignore=shutil.ignore_patterns("samples"))
    extra = (
        '\n[order.FY2026-27]\ntitle = "a later order"\nnumber = "Petition No. 1 of 2026"\ndate = 2026-03-20\n'
        '\n[[category.LMV-1-URBAN]]\neffective_from = 2026-04-01\norder = "FY2026-27"\nclause = "LMV-1 (d)"\n'
        'description = "LMV-1 urban"\nfixed = 120.0\nslabs = [[0, 6.00]]\nduty_percent = 5.0\n'
    )
    (folder / "tariff.toml").write_text((folder / "tariff.toml").read_text() + extra)
    monkeypatch.setenv("WSS_DATA_DIR", str(folder))
    tariff.lines.cache_clear()
    yield
    monkeypatch.delenv("WSS_DATA_DIR")
    tariff.lines.cache_clear()


def test_a_bill_under_a_later_order_takes_its_rates(later_order):
    # 1 kW, 100 kWh, 30 days: to 31-03-2026 fixed 110.00, energy 100 x 5.50 = 550.00; from 01-04-2026
    # fixed 120.00, energy 100 x 6.00 = 600.00.
    old = tariff.compute("LMV-1", "URBAN", 1, 100, 31, on=date(2026, 3, 31), period_from=date(2026, 3, 1))
    new = tariff.compute("LMV-1", "URBAN", 1, 100, 30, on=date(2026, 4, 30), period_from=date(2026, 4, 1))
    assert (old.fixed_paise, new.fixed_paise, new.energy_paise) == (11367, 12000, 60000)  # 110 x 31/30 = 113.67
    assert old.energy_paise == 55000 and new.rates[0].order.key == "FY2026-27"
    assert "LMV-2-URBAN" in tariff.schedule()  # the other categories' lines stay in force


def test_a_bill_straddling_a_change_is_split_by_days(later_order):
    # 17-03-2026 to 15-04-2026, 30 days: 15 under the old line, 15 under the new; 1 kW, 200 kWh, shared
    # 100 and 100.
    # Old part (15/30 of a month): fixed 110 x 0.5 = 55.00; slab bounds 75 and 150: 75 x 5.50 = 412.50,
    #   25 x 6.00 = 150.00, energy 562.50; duty 5% of 617.50 = 30.875 -> 30.88.
    # New part: fixed 120 x 0.5 = 60.00; 100 x 6.00 = 600.00; duty 5% of 660.00 = 33.00.
    # The bill: fixed 115.00, energy 1,162.50, duty 63.88, total 1,341.38.
    c = tariff.compute("LMV-1", "URBAN", 1, 200, 30, on=date(2026, 4, 15), period_from=date(2026, 3, 17))
    assert (c.fixed_paise, c.energy_paise, c.duty_paise, c.total_paise) == (11500, 116250, 6388, 134138)
    assert [r.order.key for r in c.rates] == ["FY2023-24", "FY2026-27"]
    assert tariff.parts("LMV-1", "URBAN", date(2026, 3, 17), date(2026, 4, 15)) == [
        (c.rates[0], 15), (c.rates[1], 15)]
    # Charged by its last day's rates alone it would be 120.00 + 1,200.00: the split is what the days say.
    whole = tariff.compute("LMV-1", "URBAN", 1, 200, 30, on=date(2026, 4, 15))
    assert (whole.fixed_paise, whole.energy_paise) == (12000, 120000)


# --- what `wss config check` refuses ----------------------------------------------------------------

FIRST = 'effective_from = 2019-09-03\norder = "FY2019-20"\nclause = "LMV-1 (d) metered, urban"\n'
SECOND = 'effective_from = 2022-07-26\norder = "FY2022-23"\nclause = "LMV-1 (d) metered, urban"\n'
KEY = "category.LMV-1-URBAN"


@pytest.fixture
def broken(tmp_path, monkeypatch):
    """Write the shipped data/tariff.toml with one edit to a copy of data/, and return the check's lines."""
    from wss_tui.store import settings

    folder = tmp_path / "data"
    shutil.copytree(config.data_dir(), folder, ignore=shutil.ignore_patterns("samples"))
    monkeypatch.setenv("WSS_DATA_DIR", str(folder))
    path = folder / "tariff.toml"
    shipped = path.read_text()

    def check(old: str, new: str) -> list[str]:
        assert old in shipped, f"data/tariff.toml no longer has {old!r}: update the test"
        path.write_text(shipped.replace(old, new, 1))
        sound, problems = settings.check_all()
        assert str(path) not in sound
        return [line.removeprefix(f"{path}: ") for line in problems]

    yield check
    monkeypatch.delenv("WSS_DATA_DIR")
    settings.clear_caches()


@pytest.mark.parametrize(
    "old, new, problem",
    [
        # A line without its citation.
        (FIRST, FIRST.replace('clause = "LMV-1 (d) metered, urban"\n', ""),
         f"{KEY}[1].clause: missing; add it"),
        (FIRST, FIRST.replace('order = "FY2019-20"', 'order = ""'), f"{KEY}[1].order: must not be empty (got '')"),
        (FIRST, FIRST.replace('order = "FY2019-20"', 'order = "FY2019"'),
         f"{KEY}[1].order: 'FY2019' is not an [order] of the file; use one of FY2019-20, FY2022-23, FY2023-24"),
        ('number = "Petition Nos. 1833, 1834, 1835, 1836 and 1837 of 2022"\n', "",
         "order.FY2022-23.number: missing; add it"),
        # Dates out of order, overlapping, or before the order.
        (SECOND, SECOND.replace("2022-07-26", "2024-01-01"),
         (f"{KEY}[3].effective_from: 24-05-2023 is not after line [2]'s 01-01-2024; list a category's lines "
          "oldest first, one per date")),
        (SECOND, SECOND + "effective_to = 2023-06-30\n",
         (f"{KEY}[3].effective_from: line [2] is in force to 30-06-2023, which overlaps this line from "
          "24-05-2023; end it the day before")),
        (SECOND, SECOND + "effective_to = 2022-07-01\n",
         f"{KEY}[2].effective_to: 01-07-2022 is before the line takes effect (26-07-2022)"),
        (FIRST, FIRST.replace("2019-09-03", "2019-09-01"),
         (f"{KEY}[1].effective_from: 01-09-2019 is before order FY2019-20 was issued (03-09-2019); a line "
          "takes effect on or after its order")),
        ("minimum = { per_month = 575.0, clause = \"LMV-2 minimum charges (figure not verified)\" }",
         "minimum = { per_month = 575.0 }", "category.LMV-2-URBAN[1].minimum.clause: missing; add it"),
    ],
    ids=["no-clause", "empty-order", "unknown-order", "no-number", "unsorted", "overlap", "ends-first", "before-order",
         "minimum-without-clause"],
)
def test_config_check_refuses_a_line_without_citation_or_out_of_order(broken, old, new, problem):
    assert broken(old, new) == [problem]


def test_wss_config_check_names_the_file_key_and_rule(broken):
    broken(SECOND, SECOND + "effective_to = 2023-06-30\n")
    wss = Path(sys.executable).parent / "wss"
    out = subprocess.run([str(wss), "config", "check"], capture_output=True, text=True, timeout=120, check=False,
                         env=dict(os.environ))
    assert out.returncode == 1
    path = Path(os.environ["WSS_DATA_DIR"]) / "tariff.toml"
    assert out.stderr.splitlines() == [
        (f"error: {path}: {KEY}[3].effective_from: line [2] is in force to 30-06-2023, which overlaps this "
         "line from 24-05-2023; end it the day before")]


# --- in a revision ------------------------------------------------------------------------------------


def test_a_revision_of_the_load_bills_the_rounded_load_and_says_so():
    from wss_tui.store.models import Account, Bill
    from wss_tui.store.revision import calc

    # An LMV-2 urban bill of June 2026 on 3 kW, 400 kWh: fixed 330 x 3 = 990.00; energy 300 x 7.50 + 100 x
    # 8.40 = 3,090.00; duty 7.5% of 4,080.00 = 306.00; 4,386.00.
    bill = Bill(bill_no="100000000001", account_id="1000000001", bill_month=date(2026, 6, 1),
                period_from=date(2026, 6, 1), period_to=date(2026, 6, 30), bill_date=date(2026, 7, 3),
                due_date=date(2026, 7, 18), prev_reading=1000.0, curr_reading=1400.0, multiplying_factor=1.0,
                units=400.0, basis="ACT", tariff_category="LMV-2", sanctioned_load_kw=3.0, fixed_charge_paise=99000,
                energy_charge_paise=309000, duty_paise=30600, arrear_paise=0, amount_paise=438600, state="ISSUED")
    account = Account(account_id="1000000001", area="URBAN", tariff_category="LMV-2")
    # The sanctioned load was 1.2 kW: billed as 2 kW, fixed 330 x 2 = 660.00; duty 7.5% of 3,750.00 = 281.25;
    # 4,031.25.
    after = calc.recompute(bill, account, calc.Correction("LOAD", "Load sanctioned is 1.2 kW", load_kw=1.2))
    assert (after.fixed_paise, after.energy_paise, after.duty_paise) == (66000, 309000, 28125)
    assert after.amount_paise == 403125
    assert calc.describe(calc.figures_of(bill), after).startswith("load 3 kW → 1.2 kW (billed 2 kW), amount ")
