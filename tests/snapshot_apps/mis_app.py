"""The MIS screen alone in a tiny App, for the snapshot in tests/test_tui_mis.py.

Run by path (pytest-textual-snapshot imports it), so the database and the user come from the
environment the test sets: WSS_DATABASE_URL, and WSS_MIS_ACTOR (empty: the administrator).
"""

from __future__ import annotations

import os

from textual.app import App

from wss_tui.screens.mis import MisScreen
from wss_tui.store import db


class MisApp(App[None]):
    def __init__(self, engine, actor_id: str | None) -> None:
        super().__init__()
        self.engine = engine
        self.actor_id = actor_id

    def on_mount(self) -> None:
        self.push_screen(MisScreen(self.engine, self.actor_id))


app = MisApp(db.make_engine(os.environ["WSS_DATABASE_URL"]), os.environ.get("WSS_MIS_ACTOR") or None)
