"""`?`: every key of the screen it was opened on, including the ones the footer has no room for, and
what the screen's short words mean (`HELP_TERMS`: "Rel", "LPS" …)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from wss_tui.plain import plain
from wss_tui.screens.modal import DialogScreen


# What Textual gives every screen (focus moves, copy): listed with the app-wide keys, not the screen's.
SCREEN_DEFAULTS = {binding.action for binding in Screen.BINDINGS if isinstance(binding, Binding)}
KEY_WIDTH = 12


class HelpScreen(DialogScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,f1,q", "close", "Close", key_display="esc"),
    ]

    def __init__(self, title: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.title_text = title
        self.sections = sections

    @classmethod
    def for_screen(cls, screen: Screen) -> HelpScreen:
        """The screen's own keys first, then the app's, then those of the field or list in focus."""
        app = screen.app
        # Each title fits the key column (KEY_WIDTH), where it is shown.
        focused_group = "This list" if isinstance(app.focused, DataTable) else "This field"
        groups: dict[str, list[tuple[str, str]]] = {"This screen": [], "Everywhere": [], focused_group: []}
        seen: set[tuple[str, str]] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description:
                continue
            # The tooltip, where there is one, is the longer name the footer has no room for.
            entry = (app.get_key_display(binding), binding.tooltip or binding.description)
            if entry in seen:
                continue
            seen.add(entry)
            if active.node is screen and binding.action not in SCREEN_DEFAULTS:
                group = "This screen"
            elif active.node in (screen, app):
                group = "Everywhere"
            else:
                group = focused_group
            if binding.action.endswith("command_palette"):  # what it is for, not what it opens
                entry = (entry[0], "Find any action by name (command palette)")
            groups[group].append(entry)
        name = getattr(screen, "HELP_TITLE", None) or screen.__class__.__name__
        sections = [(title, rows) for title, rows in groups.items() if rows]
        # The screen's short words (column heads, abbreviations) that 80 columns leave unexplained.
        terms = list(getattr(screen, "HELP_TERMS", ()))
        if terms:
            sections.append(("On screen", terms))
        return cls(f"Keys: {name}", sections)

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Key", key="key", width=KEY_WIDTH)
        table.add_column("What it does", key="what")
        for title, rows in self.sections:
            table.add_row(plain(title, "bold"), plain(""), key=f"section {title}")
            for key, what in rows:
                table.add_row(plain(key), plain(what), key=f"{title} {key} {what}")
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
