"""Reassign the marked To Dos to a user or a role, with one reason (To Do management).

Only an empty field is caught here; the store (todo_manage.reassign) judges the rest — the target works
each To Do's type and covers its office, an approval only to who may approve it — and its refusal opens
this dialog again with what was typed.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from wss_tui.plain import plain
from wss_tui.screens.dialogs import Dialog, ForwardTo


class ReassignDialog(Dialog[ForwardTo]):
    FIELD_WIDGETS = {"to": "#target", "to user": "#target", "to role": "#target", "reason": "#reason"}

    def __init__(self, count: int, source: str, draft: ForwardTo | None = None, *, error: str = "",
                 error_field: str = "") -> None:
        super().__init__(error=error, error_field=error_field)
        self.count, self.source = count, source
        self.start = draft or ForwardTo(None, None, "")

    def compose_dialog(self) -> ComposeResult:
        by_role = self.start.to_role is not None
        what = "1 To Do" if self.count == 1 else f"{self.count} To Dos"
        with Vertical(classes="dialog"):
            yield Static(plain(f"Reassign {what} of {self.source}"), classes="dialog-title")
            yield Static("To someone who works their type in their office; an approval only to an officer "
                         "who may approve it. The reason is logged on each.", classes="dialog-hint")
            with Horizontal(classes="dialog-row"):
                yield Label("To", classes="dialog-label")
                yield Select([("User", "user"), ("Role", "role")], value="role" if by_role else "user",
                             allow_blank=False, compact=True, id="to-kind")
            with Horizontal(classes="dialog-row"):
                yield Label("Role" if by_role else "User ID", classes="dialog-label", id="target-label")
                yield Input(self.start.to_role or self.start.to_user or "", id="target",
                            placeholder="e.g. TR-SDC" if by_role else "e.g. INR1-SDC2", max_length=20,
                            compact=True)
            yield Label("Reason")
            yield Input(self.start.note, id="reason", placeholder="why they move (logged)", max_length=500)
            yield from self.buttons("Reassign")

    def on_mount(self) -> None:
        self.query_one("#target", Input).focus()

    @on(Select.Changed, "#to-kind")
    def _kind(self, event: Select.Changed) -> None:
        by_role = event.value == "role"
        self.query_one("#target-label", Label).update("Role" if by_role else "User ID")
        self.query_one("#target", Input).placeholder = "e.g. TR-SDC" if by_role else "e.g. INR1-SDC2"

    def draft(self) -> ForwardTo:
        target = self.query_one("#target", Input).value.strip().upper() or None
        by_role = self.query_one("#to-kind", Select).value == "role"
        return ForwardTo(None if by_role else target, target if by_role else None,
                         self.query_one("#reason", Input).value.strip())

    def action_submit(self) -> None:
        chosen = self.draft()
        if not (chosen.to_user or chosen.to_role):
            by_role = self.query_one("#to-kind", Select).value == "role"
            self.refuse(f"{'Role' if by_role else 'User ID'}: type who they go to", "#target")
            return
        if not chosen.note:
            self.refuse("Reason: say why they are reassigned", "#reason")
            return
        self.dismiss(chosen)
