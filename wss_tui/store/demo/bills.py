"""A year of monthly bills for each demo account, charged by the tariff, with readings and arrears."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from .. import tariff
from ..codes import BillBasis, BillState

if TYPE_CHECKING:
    from .build import Generator

BASES = (BillBasis.ACT,) * 17 + (BillBasis.ASS, BillBasis.PROV, BillBasis.MU)


def bills(gen: Generator, accounts: list[dict]) -> list[dict]:
    rows = []
    first_of_month = gen.today.replace(day=1)
    months = [add_months(first_of_month, -k) for k in range(12, 0, -1)]
    for acc in accounts:
        reading = float(gen.rng.randrange(1000, 40000))
        base_units = {"LMV-1": 180, "LMV-2": 450, "LMV-5": 600}[acc["tariff_category"]] * acc["sanctioned_load_kw"] / 2
        arrear = 0
        for month in months:
            period_to = add_months(month, 1) - timedelta(days=1)
            days = (period_to - month).days + 1
            season = 1.35 if month.month in (5, 6, 7, 8) else (0.8 if month.month in (12, 1, 2) else 1.0)
            units = max(0, round(base_units * season * gen.rng.uniform(0.6, 1.4)))
            basis = gen.rng.choice(BASES)
            prev = reading
            if basis == BillBasis.ACT:
                reading += units
                curr = reading
            else:  # assessed, provisional or unread: no reading taken this month
                curr = None
            charges = tariff.compute(acc["tariff_category"], acc["area"], acc["sanctioned_load_kw"], units, days,
                                     on=period_to, period_from=month)
            amount = charges.total_paise + arrear
            bill_date = period_to + timedelta(days=gen.rng.randrange(2, 8))
            rows.append(
                dict(
                    bill_no=gen.unique(12),
                    account_id=acc["account_id"],
                    bill_month=month,
                    period_from=month,
                    period_to=period_to,
                    bill_date=bill_date,
                    due_date=bill_date + timedelta(days=15),
                    prev_reading=prev,
                    curr_reading=curr,
                    multiplying_factor=1.0,
                    units=float(units),
                    basis=basis,
                    tariff_category=acc["tariff_category"],
                    sanctioned_load_kw=acc["sanctioned_load_kw"],
                    fixed_charge_paise=charges.fixed_paise,
                    energy_charge_paise=charges.energy_paise,
                    duty_paise=charges.duty_paise,
                    arrear_paise=arrear,
                    amount_paise=amount,
                    state=BillState.ISSUED,
                )
            )
            # Most consumers pay in full; some pay part and carry an arrear.
            paid = amount if gen.rng.random() < 0.8 else round(amount * gen.rng.uniform(0, 0.7))
            arrear = amount - paid
        acc["current_balance_paise"] = rows[-1]["amount_paise"]
        acc["payoff_balance_paise"] = rows[-1]["amount_paise"] - rows[-1]["energy_charge_paise"] // 3
    return rows


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
