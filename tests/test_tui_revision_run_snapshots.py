"""Screenshot of a revision that covers a run of bills, as its checker opens it, at 80x24 and 120x40:
the months old and new, the total, and where the run waits. The three assessed bills spread to an actual
reading of tests/test_revision_runs.py; the complaint's IDs drawn from a seeded generator so the
picture is the same every run."""

from __future__ import annotations

import random

import pytest

from wss_tui.store import ids
from wss_tui.store.revision.calc import Correction
from wss_tui.store.revision.run import RunRequest

from ._revision_data import SDO
from ._run_data import ACCOUNT, ASSESSED, SPREAD_REMARK, complain, make_run, propose_run
from .tui_helpers import app_as, no_blink, preview_now, settle  # noqa: F401  (no_blink is a fixture)

pytestmark = pytest.mark.usefixtures("queue_routing", "no_blink")  # the complaint waits in the queue for the clerk to take
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def steady_ids(monkeypatch) -> None:
    seeded = random.Random(14)
    monkeypatch.setattr(ids, "_random_digits", lambda _rng, n: "".join(seeded.choice("0123456789") for _ in range(n)))


@SIZES
def test_revision_run_proposal(engine, snap_compare, size, monkeypatch):
    steady_ids(monkeypatch)
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])
    app = app_as(engine)

    async def typed(pilot):
        await settle(pilot)
        app.open_todo(c.todo_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        for field_id, value in (("reading", "1461"), ("from-bill", bills[0]), ("run-way", "spread"),
                                ("remark", SPREAD_REMARK)):
            pilot.app.screen.query_one(f"#{field_id}").value = value
        await preview_now(pilot)

    assert snap_compare(app, terminal_size=size, run_before=typed)


@SIZES
def test_revision_run_approval(engine, snap_compare, size, monkeypatch):
    steady_ids(monkeypatch)
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])
    info = propose_run(engine, c, Correction("BASIS", SPREAD_REMARK, curr_reading=1461),
                       RunRequest(from_bill=bills[0], spread=True))
    app = app_as(engine, SDO)

    async def opened(pilot):
        await settle(pilot)
        app.open_todo(info.approval_todo_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=opened)
