"""The tariff engine against bills worked out by hand from UPERC's Rate Schedule (data/tariff.toml)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import select

from wss_tui.store import config, db, tariff
from wss_tui.store.errors import Invalid
from wss_tui.store.models import Account, Bill


def test_urban_domestic_through_three_slabs_with_arrear():
    # LMV-1 urban, 2 kW, 400 kWh in 30 days, Rs 100.50 arrear:
    # fixed 110 x 2 = 220.00; energy 150 x 5.50 + 150 x 6.00 + 100 x 6.50 = 825 + 900 + 650 = 2,375.00;
    # duty 5% of 2,595.00 = 129.75; current 2,724.75; with the arrear 2,825.25.
    c = tariff.compute("LMV-1", "URBAN", 2, 400, 30, arrear_paise=10050)
    assert (c.fixed_paise, c.energy_paise, c.duty_paise) == (22000, 237500, 12975)
    assert (c.total_paise, c.amount_paise) == (272475, 282525)


def test_rural_domestic_of_31_days_scales_fixed_charge_and_slabs():
    # LMV-1 rural, 1 kW, 120 kWh in 31 days: fixed 90 x 31/30 = 93.00; the first slab ends at
    # 100 x 31/30 = 103.333 kWh: 103.333 x 3.35 = 346.1667, then 16.667 x 3.85 = 64.1667: 410.33;
    # duty 5% of 503.33 = 25.1665 -> 25.17.
    c = tariff.compute("LMV-1", "RURAL", 1, 120, 31)
    assert (c.fixed_paise, c.energy_paise, c.duty_paise, c.amount_paise) == (9300, 41033, 2517, 52850)


def test_urban_non_domestic_in_all_three_slabs():
    # LMV-2 urban, 3 kW, 1,200 kWh: fixed 330 x 3 = 990.00; energy 300 x 7.50 + 700 x 8.40 + 200 x 8.75
    # = 2,250 + 5,880 + 1,750 = 9,880.00; duty 7.5% of 10,870.00 = 815.25.
    c = tariff.compute("LMV-2", "URBAN", 3, 1200, 30)
    assert (c.fixed_paise, c.energy_paise, c.duty_paise, c.total_paise) == (99000, 988000, 81525, 1168525)


def test_tube_well_fixed_charge_is_per_bhp():
    # LMV-5 rural, 7.5 kW = 10.0536 BHP: fixed 70 x 10.0536 = 703.75; energy 600 x 2.00 = 1,200.00;
    # duty 5% of 1,903.75 = 95.1875 -> 95.19.
    c = tariff.compute("LMV-5", "RURAL", 7.5, 600, 30)
    assert (c.fixed_paise, c.energy_paise, c.duty_paise) == (70375, 120000, 9519)


def test_units_from_readings_and_multiplying_factor():
    # A CT meter with factor 2 advancing from 4,512 to 4,912 records 800 kWh.
    units = tariff.units_from_readings(4512, 4912, 2)
    assert units == 800
    c = tariff.compute("LMV-1", "URBAN", 2, units, 30)
    # fixed 220.00; 150 x 5.50 + 150 x 6.00 + 200 x 6.50 + 300 x 7.00 = 825 + 900 + 1,300 + 2,100 = 5,125.00
    assert (c.fixed_paise, c.energy_paise) == (22000, 512500)


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: tariff.compute("LMV-1", "URBAN", 2, -1), "units"),
        (lambda: tariff.compute("LMV-1", "URBAN", 0, 10), "load"),
        (lambda: tariff.compute("LMV-1", "URBAN", 1, 10, 0), "days"),
        (lambda: tariff.compute("LMV-5", "URBAN", 1, 10), "category"),
        (lambda: tariff.units_from_readings(500, 400), "reading"),
        (lambda: tariff.units_from_readings(400, 500, 0), "multiplying factor"),
    ],
)
def test_bad_input_names_its_field(call, field):
    with pytest.raises(Invalid) as err:
        call()
    assert err.value.field == field


def test_every_demo_bill_recomputes_to_its_own_figures(engine):
    with db.read(engine) as s:
        rows = s.execute(select(Bill, Account.area).join(Account, Account.account_id == Bill.account_id)).all()
        assert len(rows) > 100
        for bill, area in rows:
            c = tariff.compute(bill.tariff_category, area, bill.sanctioned_load_kw, bill.units,
                               tariff.billing_days(bill.period_from, bill.period_to), on=bill.period_to,
                               arrear_paise=bill.arrear_paise)
            assert (c.fixed_paise, c.energy_paise, c.duty_paise, c.amount_paise) == (
                bill.fixed_charge_paise, bill.energy_charge_paise, bill.duty_paise, bill.amount_paise), bill.bill_no


def test_rates_follow_the_period_a_bill_falls_in(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(config.data_dir(), folder)
    extra = (
        "\n[[period]]\nfrom = 2026-04-01\norder = \"a later order\"\n"
        "[period.category.LMV-1-URBAN]\ndescription = \"LMV-1 urban\"\nfixed = 120.0\n"
        "slabs = [[0, 6.00]]\nduty_percent = 5.0\n"
    )
    (folder / "tariff.toml").write_text((folder / "tariff.toml").read_text() + extra)
    monkeypatch.setenv("WSS_DATA_DIR", str(folder))
    tariff.periods.cache_clear()
    try:
        old = tariff.compute("LMV-1", "URBAN", 1, 100, 30, on=date(2026, 3, 31))
        new = tariff.compute("LMV-1", "URBAN", 1, 100, 30, on=date(2026, 4, 1))
        assert (old.fixed_paise, old.energy_paise) == (11000, 55000)
        assert (new.fixed_paise, new.energy_paise) == (12000, 60000)
        assert "LMV-2-URBAN" not in tariff.schedule()  # the latest period has only what it lists
        with pytest.raises(Invalid, match="no rates for bills before 01-09-2019"):
            tariff.compute("LMV-1", "URBAN", 1, 100, 30, on=date(2019, 8, 31))
    finally:
        monkeypatch.delenv("WSS_DATA_DIR")
        tariff.periods.cache_clear()
