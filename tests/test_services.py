"""The services the screens and the CLI share, where they add to the store call they make: the MIS's
named period, the account in the actor's scope (and, from the command line, in every office)."""

from __future__ import annotations

import pytest

from wss_tui.services import accounts, mis
from wss_tui.store import clock
from wss_tui.store import mis as store_mis
from wss_tui.store.errors import NotFound

from ._intake_data import free_bill, staff_of


def test_the_mis_period_named_by_the_screen_is_the_one_reported(engine):
    default = mis.report(engine, None)
    last = mis.report(engine, None, period="last month")
    start, end = store_mis.period("last month", clock.now())
    assert (last.period_start, last.period_end) == (start, end)
    assert last.period_start < default.period_start  # not this month's, which is the default


def test_an_account_of_another_office_is_not_found_for_staff_but_shown_on_the_command_line(engine):
    account_id, _, sub = free_bill(engine)
    inside = staff_of(engine, sub, "TR-SDC")
    with_scope = accounts.context(engine, inside, account_id)
    assert with_scope.account_id == account_id
    assert accounts.context(engine, None, account_id).account_id == account_id
    outsider = next(staff_of(engine, other, "TR-SDC") for other in ("ESD-INR-1", "ESD-INR-2") if other != sub)
    with pytest.raises(NotFound):
        accounts.context(engine, outsider, account_id)
