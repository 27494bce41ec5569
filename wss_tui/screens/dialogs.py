"""The action dialogs: each a ModalScreen that checks its fields before it dismisses with a value.

The store still has the last word (unknown user, out of scope …); these checks only stop an empty or
malformed form from going that far. When the store refuses, the screen opens the dialog again with what
was typed and the store's one line (`error`, focused on its field); cancelled then, what was typed is
kept in the screen's `Drafts` for the next press of the key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from wss_tui.help_key import HELP_BINDING
from wss_tui.plain import plain
from wss_tui.screens.modal import DialogScreen
from wss_tui.store import ids
from wss_tui.store.errors import Invalid
from wss_tui.store.todos import PRIORITIES

T = TypeVar("T")

PRIORITY_LABELS = {10: "10 – Highest", 50: "50 – Lowest"}


@dataclass(frozen=True)
class ForwardTo:
    to_user: str | None
    to_role: str | None
    note: str


class Dialog(DialogScreen[T | None], Generic[T]):
    """Every title, hint and question is shown as plain text (`plain`): they quote stored and typed text.

    Escape cancels (dismisses with None); ctrl+s, the OK button or Enter on the last field submits
    through `action_submit`, which each dialog defines; Enter on an earlier field moves to the next.
    The footer says which of the two Enter does now, under the dialog's own word for OK (`OK`).

    `error` is a refusal from the store to show on opening, `error_field` the store's name of the field
    it is about (`WssError.field`), focused through FIELD_WIDGETS."""

    BINDINGS = [
        HELP_BINDING,
        # Priority, so that Enter is the dialog's before the field's; hidden (check_action) on a button
        # or a drop-down, which take Enter themselves.
        Binding("enter", "enter_ok", "OK", key_display="⏎", priority=True),
        Binding("enter", "enter_next", "Next field", key_display="⏎", priority=True),
        Binding("escape", "cancel", "Cancel"),
        # ctrl+s submits from any field; shown only where Enter does not already say it.
        Binding("ctrl+s", "submit_shown", "OK"),
        Binding("ctrl+s", "submit", "OK", show=False),
    ]
    OK = "OK"  # the OK button's word, as the footer says it (a dialog with a variable one sets `ok`)
    # The store's field names → the widget that holds that field.
    FIELD_WIDGETS: dict[str, str] = {}

    def __init__(self, *, error: str = "", error_field: str = "") -> None:
        super().__init__()
        self.error, self.error_field = error, error_field
        self.left_with: T | None = None  # what was typed when cancelled (see `draft`)

    def on_mount(self) -> None:
        # Textual runs every class's on_mount, a subclass's first: this focus comes last and wins.
        if self.error:
            self.refuse(self.error, self.FIELD_WIDGETS.get(self.error_field))

    def draft(self) -> T | None:
        """What is typed now, unchecked: kept when the user cancels after a refusal."""
        return None

    def buttons(self, ok: str) -> ComposeResult:
        self._say_ok(ok)
        yield Label("", classes="dialog-error", markup=False)
        with Horizontal(classes="dialog-buttons"):
            yield Button(ok, id="ok", variant="primary")
            yield Button("Cancel", id="cancel")

    def refuse(self, text: str, field: str | None = None) -> None:
        self.query_one(".dialog-error", Label).update(plain(text))
        if field:
            self.query_one(field).focus()

    def action_cancel(self) -> None:
        self.left_with = self.draft()
        self.dismiss(None)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        if self._enter_submits():
            self.action_submit()
        else:
            self.focus_next()

    # --- Enter, as the footer says it ------------------------------------------------------------

    def _say_ok(self, ok: str) -> None:
        """The footer's Enter and ctrl+s say the OK button's word ("Forward", "Close case" …)."""
        keys = self._bindings.key_to_bindings  # this dialog's own copy of the class's map
        for key in ("enter", "ctrl+s"):
            keys[key] = [replace(b, description=ok) if b.description == "OK" else b for b in keys[key]]

    def _enter_submits(self) -> bool | None:
        """On a field: True on the last one (Enter submits), False before it (Enter moves on);
        None elsewhere (a button presses itself, a drop-down opens)."""
        focused = self.focused
        if not isinstance(focused, Input):
            return None
        inputs = list(self.query(Input))
        return focused is inputs[-1]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter_ok":
            return self._enter_submits() is True
        if action == "enter_next":
            return self._enter_submits() is False
        if action == "submit_shown":
            return self._enter_submits() is not True
        return True

    def action_enter_ok(self) -> None:
        self.action_submit()

    def action_enter_next(self) -> None:
        self.focus_next()

    def action_submit_shown(self) -> None:
        self.action_submit()


class Drafts:
    """What a user typed into a dialog the store refused, by action, until they press its key again."""

    def __init__(self) -> None:
        self._kept: dict[str, Any] = {}

    def keep(self, key: str, value: Any) -> None:
        self._kept[key] = value

    def take(self, key: str) -> Any:
        return self._kept.pop(key, None)

    def clear(self) -> None:
        self._kept.clear()

    def push(self, app: App, key: str, dialog: Dialog[T], then: Callable[[T], object]) -> None:
        """Push `dialog`; its value goes to `then`. Cancelled after a refusal, its input is kept as `key`."""

        def answered(value: T | None) -> None:
            if value is not None:
                then(value)
            elif dialog.error and dialog.left_with is not None:
                self.keep(key, dialog.left_with)

        app.push_screen(dialog, answered)


class TextDialog(Dialog[str]):
    """One line of text: a note, a log entry, a completion comment, a To Do ID."""

    def __init__(self, title: str, label: str, *, hint: str = "", placeholder: str = "", ok: str = "OK",
                 max_length: int = 500, min_length: int = 1, value: str = "", error: str = "",
                 error_field: str = "") -> None:
        super().__init__(error=error, error_field=error_field)
        self.title_text, self.label, self.hint, self.value = title, label, hint, value
        self.placeholder, self.ok, self.max_length, self.min_length = placeholder, ok, max_length, min_length

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            if self.hint:
                yield Static(plain(self.hint), classes="dialog-hint")
            yield Label(plain(self.label))
            yield Input(self.value, id="text", placeholder=self.placeholder, max_length=self.max_length)
            yield from self.buttons(self.ok)

    def draft(self) -> str | None:
        return self.query_one("#text", Input).value.strip() or None

    def action_submit(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if len(text) < self.min_length:
            need = "something" if self.min_length == 1 else f"at least {self.min_length} characters"
            self.refuse(f"{self.label}: type {need}", "#text")
            return
        self.dismiss(text)


class ForwardDialog(Dialog[ForwardTo]):
    """Forward to a user or a role (in the To Do's office), with a note saying why.

    `roles`: the roles that work the To Do's type (store.todo_rights.roles_working), offered as the
    role's placeholder; the store still judges scope and, for an approval, the amount."""

    FIELD_WIDGETS = {"to": "#target", "to user": "#target", "to role": "#target", "note": "#note"}

    def __init__(self, draft: ForwardTo | None = None, *, roles: tuple[str, ...] = (), error: str = "",
                 error_field: str = "") -> None:
        super().__init__(error=error, error_field=error_field)
        self.start = draft or ForwardTo(None, None, "")
        self.roles = roles

    def placeholder(self, by_role: bool) -> str:
        if not by_role:
            return "e.g. INR1-SDO"
        if not self.roles:
            return "e.g. TR-SDO"
        return self.roles[0] if len(self.roles) == 1 else ", ".join(self.roles[:-1]) + " or " + self.roles[-1]

    def compose_dialog(self) -> ComposeResult:
        by_role = self.start.to_role is not None
        with Vertical(classes="dialog"):
            yield Static("Forward To Do", classes="dialog-title")
            with Horizontal(classes="dialog-row"):
                yield Label("To", classes="dialog-label")
                yield Select([("User", "user"), ("Role", "role")], value="role" if by_role else "user",
                             allow_blank=False, compact=True, id="to-kind")
            with Horizontal(classes="dialog-row"):
                yield Label("Role" if by_role else "User ID", classes="dialog-label", id="target-label")
                yield Input(self.start.to_role or self.start.to_user or "", id="target",
                            placeholder=self.placeholder(by_role), max_length=20, compact=True)
            yield Label("Note")
            yield Input(self.start.note, id="note", placeholder="why it goes there", max_length=500)
            yield from self.buttons("Forward")

    def draft(self) -> ForwardTo:
        target = self.query_one("#target", Input).value.strip().upper() or None
        by_role = self.query_one("#to-kind", Select).value == "role"
        return ForwardTo(None if by_role else target, target if by_role else None,
                         self.query_one("#note", Input).value.strip())

    def on_mount(self) -> None:
        self.query_one("#target", Input).focus()

    @on(Select.Changed, "#to-kind")
    def _kind(self, event: Select.Changed) -> None:
        by_role = event.value == "role"
        self.query_one("#target-label", Label).update("Role" if by_role else "User ID")
        self.query_one("#target", Input).placeholder = self.placeholder(by_role)

    def action_submit(self) -> None:
        target = self.query_one("#target", Input).value.strip().upper()
        note = self.query_one("#note", Input).value.strip()
        by_role = self.query_one("#to-kind", Select).value == "role"
        if not target:
            self.refuse(f"{'Role' if by_role else 'User ID'}: type who it goes to", "#target")
            return
        if not note:
            self.refuse("Note: say why it is forwarded", "#note")
            return
        self.dismiss(self.draft())


class PriorityDialog(Dialog[tuple[int, str]]):
    FIELD_WIDGETS = {"priority": "#priority", "note": "#note"}

    def __init__(self, current: int, draft: tuple[int, str] | None = None, *, error: str = "",
                 error_field: str = "") -> None:
        super().__init__(error=error, error_field=error_field)
        self.current = current
        self.chosen, self.note = draft or (current, "")

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Change priority", classes="dialog-title")
            yield Static(f"Now: {self.current}. 10 is worked first.", classes="dialog-hint")
            with Horizontal(classes="dialog-row"):
                yield Label("Priority", classes="dialog-label")
                choices = [(PRIORITY_LABELS.get(p, str(p)), p) for p in sorted({*PRIORITIES, self.current})]
                chosen = self.chosen if self.chosen in {*PRIORITIES, self.current} else self.current
                yield Select(choices, value=chosen, allow_blank=False, compact=True, id="priority")
            yield Label("Note")
            yield Input(self.note, id="note", placeholder="why (logged)", max_length=500)
            yield from self.buttons("Change")

    def draft(self) -> tuple[int, str]:
        return int(self.query_one("#priority", Select).value), self.query_one("#note", Input).value.strip()

    def action_submit(self) -> None:
        priority = self.query_one("#priority", Select).value
        if priority == self.current:
            self.refuse(f"Priority: it is {self.current} already; pick another", "#priority")
            return
        self.dismiss((int(priority), self.query_one("#note", Input).value.strip()))


class ConfirmDialog(DialogScreen[bool]):
    """A yes/no question; `y` or Enter on Yes confirms, `n` or Escape declines."""

    BINDINGS = [
        HELP_BINDING,
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: str, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.title_text, self.question, self.yes = title, question, yes
        keys = self._bindings.key_to_bindings  # this dialog's own copy: `y` says what it confirms
        keys["y"] = [replace(b, description=yes) for b in keys["y"]]

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.question), classes="dialog-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


# --- closing a case -----------------------------------------------------------------------------


class CloseCaseDialog(Dialog[tuple[str, str]]):
    """How the case ends and what was done: the OTP sent next names both to the consumer."""

    FIELD_WIDGETS = {"outcome": "#outcome", "comment": "#comment"}

    def __init__(self, case_id: str, outcomes: tuple[str, ...], hint: str, *, ok: str = "Next",
                 draft: tuple[str, str] | None = None, error: str = "", error_field: str = "") -> None:
        super().__init__(error=error, error_field=error_field)
        self.case_id, self.outcomes, self.hint, self.ok = case_id, outcomes, hint, ok
        outcome, self.comment = draft or (outcomes[0], "")
        self.outcome = outcome if outcome in outcomes else outcomes[0]

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(f"Close case {self.case_id}"), classes="dialog-title")
            yield Static(plain(self.hint), classes="dialog-hint")
            with Horizontal(classes="dialog-row"):
                yield Label("Outcome", classes="dialog-label")
                yield Select([(plain(o), o) for o in self.outcomes], value=self.outcome, allow_blank=False,
                             compact=True, id="outcome")
            yield Label("Comment (what was done; the consumer is told the outcome)")
            yield Input(self.comment, id="comment", placeholder="e.g. bill revised on the actual reading",
                        max_length=1000)
            yield from self.buttons(self.ok)

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()

    def draft(self) -> tuple[str, str]:
        return str(self.query_one("#outcome", Select).value), self.query_one("#comment", Input).value.strip()

    def action_submit(self) -> None:
        comment = self.query_one("#comment", Input).value.strip()
        if not comment:
            self.refuse("Comment: say what was done for the consumer", "#comment")
            return
        self.dismiss(self.draft())


@dataclass(frozen=True)
class OtpAnswer:
    kind: str  # "code" | "resend" | "skip"
    code: str = ""


class OtpDialog(Dialog[OtpAnswer]):
    """The OTP the consumer reads out; or send a new one; or (an EE only) close without it."""

    BINDINGS = [
        Binding("ctrl+r", "resend", "New OTP"),
        Binding("ctrl+o", "skip", "Close without OTP"),
    ]

    def __init__(self, title: str, hint: str, *, digits: int, may_skip: bool, error: str = "") -> None:
        super().__init__(error=error)
        self.title_text, self.hint, self.digits, self.may_skip = title, hint, digits, may_skip

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.hint), classes="dialog-hint", markup=False)
            yield Label("OTP the consumer reads out")
            yield Input(id="otp", placeholder="6 digits" if self.digits == 6 else f"{self.digits} digits",
                        max_length=12, compact=True)
            yield from self.buttons("Close case")

    def on_mount(self) -> None:
        self.query_one("#otp", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skip":
            return self.may_skip
        return super().check_action(action, parameters)

    def action_submit(self) -> None:
        try:
            code = ids.otp_code(self.query_one("#otp", Input).value, self.digits)
        except Invalid:
            self.refuse(f"OTP: type the {self.digits} digits the consumer reads from the SMS", "#otp")
            return
        self.dismiss(OtpAnswer("code", code))

    def action_resend(self) -> None:
        self.dismiss(OtpAnswer("resend"))

    def action_skip(self) -> None:
        self.dismiss(OtpAnswer("skip"))
