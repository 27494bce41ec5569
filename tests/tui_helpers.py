"""Helpers for the Pilot and snapshot tests of `wss tui` (the shared fixtures are in conftest.py)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled

from wss_tui.app import WssApp, make_app
from wss_tui.store import auth, db
from wss_tui.store.models import Staff

CLERK = "INR1-SDC1"  # a billing clerk of ESD-INR-1 in the seed-7 demo data
CLERK2 = "INR1-SDC2"  # the other clerk of the same sub-division
OTHER_CLERK = "INR2-SDC1"  # a clerk of the neighbouring sub-division ESD-INR-2
SDO = "INR1-SDO"
ADMIN = "MVVNL-ADM"  # sees the whole discom
PASSWORDS = {"TR-SDC": "clerk@123", "TR-SDO": "sdo@123", "TR-ADM": "admin@123", "TR-EE": "ee@123"}


def who_of(engine, user_id: str) -> auth.Who:
    with db.read(engine) as session:
        return auth.who(session, session.get(Staff, user_id))


def app_as(engine, user_id: str | None = CLERK, **kwargs) -> WssApp:
    """The app, already logged in as `user_id` (None: at the login screen)."""
    return make_app(engine, who=who_of(engine, user_id) if user_id else None, **kwargs)


async def settle(pilot: Pilot, rounds: int = 4) -> None:
    """Let workers finish and the messages they post be handled, however many hops that takes."""
    for _ in range(rounds):
        for worker in list(pilot.app.workers):
            try:
                await worker.wait()
            except WorkerCancelled:  # replaced by a newer one of its exclusive group: what `exclusive` is for
                pass
        await pilot.pause()


async def until(pilot: Pilot, shown, what: str, rounds: int = 200) -> None:
    """Wait on workers and the screen (never a fixed time) until `shown()` is true; `what` names it
    when it never is."""
    for _ in range(rounds):
        if shown():
            return
        await settle(pilot, rounds=1)
    raise AssertionError(f"never shown: {what}; the screen is {pilot.app.screen!r}, focus {pilot.app.focused!r}")


async def preview_now(pilot: Pilot) -> None:
    """What the revision screen shows a quarter-second after the last change, without waiting that long:
    once the changes have armed its debounce timer, the preview the timer would run is run at once,
    and its worker waited on."""
    await settle(pilot)
    screen = pilot.app.screen
    if getattr(screen, "_timer", None) is not None:
        screen._timer.stop()
        screen._timer = None
        screen._refresh_preview()
    await settle(pilot)


def table(app: WssApp, selector: str) -> DataTable:
    return app.screen.query_one(selector, DataTable)


def field_value(app: WssApp, selector: str):
    """What a FieldGrid shows for `#<prefix>-<field>` (one widget draws them all), or None."""
    from wss_tui.widgets.fields import FieldGrid

    for grid in app.screen.query(FieldGrid):
        if (value := grid.value_of(selector.removeprefix("#"))) is not None:
            return value
    return None


def text_of(app: WssApp, selector: str) -> str:
    if (value := field_value(app, selector)) is not None:
        return value.plain
    widget = app.screen.query_one(selector)
    if isinstance(widget, Input):
        return widget.value
    return str(widget.content)


def column(app: WssApp, selector: str, key: str) -> list[str]:
    t = table(app, selector)
    return [str(t.get_cell(row, key)) for row in t.rows]


def row_keys(app: WssApp, selector: str) -> list[str]:
    return [str(k.value) for k in table(app, selector).rows]


def notifications(app: WssApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def no_blink(monkeypatch):
    """A steady text cursor, so a screenshot never catches it mid-blink."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False)


def screen_lines(app: WssApp) -> list[str]:
    """The screen as a person reads it, a line per terminal row: what export_screenshot draws, as text."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False).splitlines()
