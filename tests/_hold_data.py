"""A bill set to figures written by hand, for the tests of bills on hold (tests/test_hold.py)."""

from __future__ import annotations

from datetime import date

from ._revision_data import SUB, execute, one


def new_bill(engine, *, sub: str = SUB) -> tuple[str, str]:
    """(account_id, bill_no) of a bill of November 2026 added to an active account of `sub`: the account's
    latest, issued, with no case, so an officer may put it on hold (the demo's latest bills are most of
    them under complaint). Its figures are set by `set_figures`."""
    account_id = one(engine, "SELECT account_id FROM account WHERE subdivision_code = :sub AND status = 'ACTIVE' "
                             "ORDER BY account_id LIMIT 1", sub=sub).account_id
    # The next of this helper's numbers in this database (each test has its own): the same in every run.
    bill_no = str(one(engine, "SELECT count(*) AS n FROM bill WHERE bill_no LIKE '99000000____'").n + 990_000_000_001)
    execute(engine, """INSERT INTO bill (bill_no, account_id, bill_month, period_from, period_to, bill_date, due_date,
                       prev_reading, curr_reading, multiplying_factor, units, basis, tariff_category,
                       sanctioned_load_kw, fixed_charge_paise, energy_charge_paise, duty_paise, arrear_paise,
                       amount_paise, state)
                       VALUES (:b, :a, :m, :f, :t, :d, :due, 1000, NULL, 1, 300, 'ASS', 'LMV-1', 1, 0, 0, 0, 0, 0,
                               'ISSUED')""",
            b=bill_no, a=account_id, m=date(2026, 11, 1), f=date(2026, 10, 1), t=date(2026, 10, 30),
            d=date(2026, 11, 3), due=date(2026, 11, 18))
    return account_id, bill_no


def balance(engine, account_id: str) -> tuple[int, int]:
    row = one(engine, "SELECT current_balance_paise, payoff_balance_paise FROM account WHERE account_id = :a",
              a=account_id)
    return row[0], row[1]


def set_figures(engine, *, basis: str = "ASS") -> tuple[str, str]:
    """A new bill of Indira Nagar I, LMV-1 urban, 1 kW, 30 days, set to the figures of tests/test_hold.py's
    docstring."""
    account_id, bill_no = new_bill(engine)
    execute(engine, """UPDATE bill SET period_from = :f, period_to = :t, tariff_category = 'LMV-1',
                       sanctioned_load_kw = 1, prev_reading = 1000, curr_reading = :curr, multiplying_factor = 1,
                       units = 300, basis = :basis, fixed_charge_paise = 11000, energy_charge_paise = 27100,
                       duty_paise = 1900, arrear_paise = 80000, amount_paise = 120000 WHERE bill_no = :b""",
            f=date(2026, 10, 1), t=date(2026, 10, 30), curr=None if basis != "ACT" else 1300, basis=basis, b=bill_no)
    execute(engine, "UPDATE account SET tariff_category = 'LMV-1', current_balance_paise = 200000, "
                    "payoff_balance_paise = 200000 WHERE account_id = :a", a=account_id)
    return account_id, bill_no
