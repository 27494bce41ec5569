"""The MIS screen (wss_tui/screens/mis.py) in a tiny App, driven by Pilot: the store's figures in the
table, drill-down and back up, the ageing and disposal panels, the period key; and its 80x24 snapshot.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App
from textual.widgets import DataTable, Label, Static

from wss_tui.screens.mis import TOTAL_KEY, MisScreen
from wss_tui.store import clock, db, escalation, mis

from .tui_helpers import notifications, settle


class MisApp(App[None]):
    """Just the screen, pushed the way the app will push it."""

    def __init__(self, engine, actor_id: str | None) -> None:
        super().__init__()
        self._engine = engine
        self._actor_id = actor_id

    def on_mount(self) -> None:
        self.push_screen(MisScreen(self._engine, self._actor_id))


@pytest.fixture
def swept(engine):
    with db.write(engine) as session:
        escalation.sweep(session, clock.now())
    return engine


def report(engine, actor, **kwargs):
    with db.read(engine) as session:
        return mis.report(session, actor, **kwargs)


def table(app) -> DataTable:
    return app.screen.query_one("#mis-table", DataTable)


def keys(app) -> list[str]:
    return [str(k.value) for k in table(app).rows]


def cell(app, row_key: str, column: str) -> str:
    return str(table(app).get_cell(row_key, column)).strip()


def text_of(app, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.content if isinstance(widget, Label) else widget.render())


async def test_the_table_shows_the_stores_figures(swept):
    app = MisApp(swept, None)
    expected = report(swept, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert keys(app) == [r.key for r in expected.rows] + [TOTAL_KEY]
        for row in expected.rows:
            f = row.figures
            assert [cell(app, row.key, c) for c in ("pending", "a0", "a8", "a16", "a31", "today", "breached")] == [
                f"{n:,}" for n in (f.pending, *f.ageing, f.due_today, f.breached)
            ]
        assert cell(app, TOTAL_KEY, "pending") == f"{expected.total.pending:,}"
        assert text_of(app, "#mis-path") == "All · by discom"


async def test_enter_goes_down_a_level_and_escape_back_up(swept):
    app = MisApp(swept, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = keys(app)[0]
        await pilot.press("enter")
        await settle(pilot)
        zones = report(swept, None, office=first)
        assert keys(app) == [r.key for r in zones.rows] + [TOTAL_KEY]
        assert text_of(app, "#mis-path") == f"All › {first} · by zone"
        assert text_of(app, "#mis-title") == f"MIS · {zones.office_name} · Bill-revision complaints"
        await pilot.press("escape")
        await settle(pilot)
        assert keys(app)[0] == first and text_of(app, "#mis-path") == "All · by discom"
        await pilot.press("escape")  # from the top: back to where the screen was opened
        await settle(pilot)
        assert not isinstance(app.screen, MisScreen)


async def test_an_ee_drills_to_the_officers_of_a_sub_division(swept):
    app = MisApp(swept, "INR-EE")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert keys(app) == ["ESD-INR-1", "ESD-INR-2", TOTAL_KEY]
        await pilot.press("enter")
        await settle(pilot)
        officers = report(swept, "INR-EE", office="ESD-INR-1")
        assert keys(app) == [r.key for r in officers.rows] + [TOTAL_KEY]
        assert str(table(app).columns["office"].label) == "Officer"
        assert text_of(app, "#mis-path") == "EDD-INR › ESD-INR-1 · by officer"
        await pilot.press("enter")
        await settle(pilot)
        assert "Officers are the last level; esc goes back up" in notifications(app)
        await pilot.press("backspace")
        await settle(pilot)
        assert keys(app) == ["ESD-INR-1", "ESD-INR-2", TOTAL_KEY]
        await pilot.press("escape")  # the top of an EE's offices is his division
        await settle(pilot)
        assert not isinstance(app.screen, MisScreen)


async def test_the_panels_follow_the_cursor_and_the_period_key(swept):
    app = MisApp(swept, "INR-EE")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        second = report(swept, "INR-EE").rows[1]
        await pilot.press("down")
        await settle(pilot)
        ageing = text_of(app, "#mis-ageing")
        assert ageing.splitlines()[0] == "Ageing, days · ESD-INR-2"
        assert ageing.splitlines()[1].startswith("0-7") and ageing.splitlines()[1].endswith(f" {second.figures.age_0_7}")
        assert text_of(app, "#mis-disposal").splitlines()[1] == (
            f"Received {second.figures.received} · Closed {second.figures.closed}"
        )
        await pilot.press("p")
        await settle(pilot)
        disposal = text_of(app, "#mis-disposal")
        assert disposal.splitlines()[0] == "Last month 01-10-2026–31-10-2026"
        october = report(swept, "INR-EE", start=datetime.fromisoformat("2026-10-01T00:00:00+05:30"),
                         end=datetime.fromisoformat("2026-10-31T23:59:59.999999+05:30")).rows[1].figures
        assert disposal.splitlines()[1] == f"Received {october.received} · Closed {october.closed}"


async def test_an_unknown_user_gets_one_line_not_a_traceback(engine):
    app = MisApp(engine, "NOBODY")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert notifications(app) == ["user: NOBODY is not an active staff member; log in again"]
        assert table(app).row_count == 0


def test_snapshot_80x24(swept, demo_url, snap_compare, monkeypatch):
    monkeypatch.setenv("WSS_DATABASE_URL", demo_url)
    monkeypatch.setenv("WSS_MIS_ACTOR", "INR-EE")

    async def loaded(pilot):
        await settle(pilot)

    assert snap_compare("snapshot_apps/mis_app.py", terminal_size=(80, 24), run_before=loaded)
