"""A bill set to figures written by hand, for the tests of bills on hold (tests/test_hold.py)."""

from __future__ import annotations

from datetime import date

from ._revision_data import execute, free_bill, one


def balance(engine, account_id: str) -> tuple[int, int]:
    row = one(engine, "SELECT current_balance_paise, payoff_balance_paise FROM account WHERE account_id = :a",
              a=account_id)
    return row[0], row[1]


def set_figures(engine, *, basis: str = "ASS") -> tuple[str, str]:
    """A free bill of Indira Nagar I, LMV-1 urban, 1 kW, 30 days, set to the figures tests/test_hold.py's docstring names."""
    account_id, bill_no = free_bill(engine)
    execute(engine, """UPDATE bill SET period_from = :f, period_to = :t, bill_month = :f, tariff_category = 'LMV-1',
                       sanctioned_load_kw = 1, prev_reading = 1000, curr_reading = :curr, multiplying_factor = 1,
                       units = 300, basis = :basis, fixed_charge_paise = 11000, energy_charge_paise = 27100,
                       duty_paise = 1900, arrear_paise = 80000, amount_paise = 120000 WHERE bill_no = :b""",
            f=date(2026, 10, 1), t=date(2026, 10, 30), curr=None if basis != "ACT" else 1300, basis=basis, b=bill_no)
    execute(engine, "UPDATE account SET tariff_category = 'LMV-1', current_balance_paise = 200000, "
                    "payoff_balance_paise = 200000 WHERE account_id = :a", a=account_id)
    return account_id, bill_no
