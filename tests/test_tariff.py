"""The tariff engine against bills worked out by hand from UPERC's Rate Schedule (data/tariff.toml)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from wss_tui.store import db, tariff
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


def test_tube_well_fixed_charge_is_per_bhp_rounded_up():
    # LMV-5 rural, 7.5 kW = 10.0536 BHP, billed as 11 BHP (general provisions: a fraction is the next whole
    # one): fixed 70 x 11 = 770.00; energy 600 x 2.00 = 1,200.00; duty 5% of 1,970.00 = 98.50.
    # (Before the rounding rule: 70 x 10.0536 = 703.75.)
    c = tariff.compute("LMV-5", "RURAL", 7.5, 600, 30)
    assert (c.fixed_paise, c.energy_paise, c.duty_paise) == (77000, 120000, 9850)
    assert (c.billed_load, c.load_per) == (11, "BHP")
    # A 10 BHP pump recorded as 7.46 kW is exactly 10 BHP: 70 x 10 = 700.00.
    assert tariff.compute("LMV-5", "RURAL", 7.46, 600, 30).fixed_paise == 70000


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
        (lambda: tariff.compute("LMV-1", "URBAN", 1, 10, on=date(2019, 9, 2)), "tariff"),
        (lambda: tariff.compute("LMV-1", "URBAN", 1, 10, 30, on=date(2026, 4, 30), period_from=date(2026, 4, 2)),
         "days"),
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
                               period_from=bill.period_from, arrear_paise=bill.arrear_paise)
            assert (c.fixed_paise, c.energy_paise, c.duty_paise, c.amount_paise) == (
                bill.fixed_charge_paise, bill.energy_charge_paise, bill.duty_paise, bill.amount_paise), bill.bill_no


