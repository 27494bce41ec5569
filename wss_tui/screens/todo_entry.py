"""To Do Entry: one To Do as CC&B shows it (fields, characteristics, log, Keys/Values) and its actions.

The screen is pushed with its To Do already read (`WssApp.open_todo`), so it composes and paints once.
Every action is one unit of work in services/todos.py with the version the clerk was looking at; when
someone else got there first the service returns the To Do as it is now and the line saying so, and
the screen shows both. Any other refusal opens the action's dialog again with what was typed and the
store's reason; what was typed is kept (`Drafts`) until the action goes through or the user gives up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import TabbedContent, TabPane

from wss_tui.screens.base import WssScreen
from wss_tui.screens.case_work import CaseWorkActions
from wss_tui.screens.dialogs import ConfirmDialog, Drafts, ForwardDialog, ForwardTo, PriorityDialog, TextDialog
from wss_tui.screens.next_todo import AssignNext
from wss_tui.services import todos as service
from wss_tui.store import money, timefmt, todo_rights
from wss_tui.store.errors import WssError
from wss_tui.store.models import COMPLETE
from wss_tui.store.todos import ACTIONS, TodoDetail
from wss_tui.widgets.fields import FieldGrid
from wss_tui.widgets.header import UserHeader
from wss_tui.widgets.key_footer import KeyFooter
from wss_tui.widgets.keys_values import Drill, KeysValues
from wss_tui.widgets.log_table import LogTable, user_text

# (field id, label, spans the whole row)
FIELDS = [
    ("todo-id", "To Do ID", False), ("status", "Status", False),
    ("type", "Type", True),
    ("role", "Role", True),
    ("message", "Message", True),
    ("priority", "Priority", False), ("office", "Office", False),
    ("assigned", "Assigned To", False), ("sent-by", "Sent By", False),
    ("created", "Created", False), ("last-assigned", "Last Assigned", False),
    ("due", "Case Due", False), ("escalation", "Escalation", False),
    ("sla", "SLA", True),
    ("comment", "Comment", True),
    ("chars", "Chars", True),
]


def field_values(d: TodoDetail) -> dict[str, str | Content]:
    completed = f" · completed {timefmt.show(d.completed_at)}" if d.completed_at else ""
    return {
        "todo-id": d.todo_id,
        "status": d.status + completed,
        "type": f"{d.todo_type} - {d.todo_type_description}",
        "role": f"{d.role} - {d.role_description}",
        "message": d.message,
        "priority": f"Priority {d.priority}" + (" -- Highest" if d.priority <= 10 else ""),
        "office": d.office_code,
        "assigned": user_text(d.assigned_to, d.assigned_to_name, wide=True),
        "sent-by": user_text(d.sent_by, d.sent_by_name, wide=True),
        "created": timefmt.show(d.created_at),
        "last-assigned": timefmt.show(d.last_assigned_at),
        "comment": d.comment,
        "chars": " · ".join(f"{kind} {value}" for kind, value in d.characteristics),
        **due_values(d),
    }


def due_values(d: TodoDetail) -> dict[str, str | Content]:
    """The carried case's due time, escalation level, warning and SLA compensation (store/sla.py)."""
    due, comp = d.due, d.compensation
    if due is None or comp is None:
        return {"due": "", "escalation": "", "sla": "no case on this To Do"}
    if not due.consumer_clock:  # an officer's own case: its due_at is the office's target, not an SLA
        return {"due": f"office target {timefmt.show(due.due_at)}", "escalation": "officer case · never escalates",
                "sla": "officer case: no consumer due date, no compensation"}
    level = f"Level {due.level} · {due.level_role}" if due.level else "Level 0 · not escalated"
    parts = []
    if due.warning:
        parts.append(Content.styled(due.warning, "bold $text-error" if due.urgency == "late" else "bold $text-warning"))
    elif comp.closed:
        parts.append(Content("closed " + ("late" if comp.days_late else "within its due time")))
    else:
        parts.append(Content("within its due time"))
    if comp.days_late and not comp.accrued_paise:
        parts.append(Content("no compensation for this request type"))  # its rate is 0 (request_types.toml)
    elif comp.days_late:
        owed = "owed" if comp.closed else "so far"
        capped = " (capped)" if comp.capped else ""
        parts.append(Content(f"compensation {money.rupees(comp.owed_paise)} {owed}{capped}"))
    return {
        "due": timefmt.show(due.due_at),
        "escalation": level,
        "sla": Content(" · ").join(parts),
    }


def _refused(offered: Binding) -> Binding:
    """The key of `offered` when the footer does not offer it on this To Do: it says why, in the
    store's line, instead of doing nothing; the key list (?) says so too."""
    return Binding(offered.key, f"refused('{offered.action}')", offered.description, show=False,
                   tooltip=f"{offered.tooltip or offered.description} (not on this To Do now: says why)")


class TodoEntryScreen(CaseWorkActions, AssignNext, WssScreen):
    CSS_PATH = "todo_entry.tcss"
    HELP_TITLE = "To Do Entry"
    # The footer's order (widgets/key_footer.py): at 80 columns it shows up to `esc Back`, so the
    # day's keys come first, with short words; `?` lists them all with the longer tooltip.
    BINDINGS = [
        Binding("t", "take", "Take"),
        Binding("u", "user_details", "Note", tooltip="Add log entry"),
        Binding("f", "forward", "Forward"),
        Binding("c", "complete", "Complete"),
        Binding("v", "revision", "Revise", tooltip="Bill revision"),
        Binding("k", "keys", "Keys", tooltip="Keys/Values"),
        Binding("g", "log", "Log"),
        Binding("a", "account", "A/c", tooltip="Account"),
        Binding("escape", "back", "Back"),
        Binding("b", "send_back", "Send back"),
        Binding("p", "priority", "Priority"),
        Binding("n", "assign_next", "Next", tooltip="Next To Do"),
        Binding("r,f5", "reload", "Reload"),
    ]
    BINDINGS += [_refused(b) for b in BINDINGS if b.action in ACTIONS]

    busy = reactive(False, bindings=True)  # an action is out: another key waits for it

    def __init__(self, todo_id: str, *, detail: TodoDetail | None = None, notice: str = "") -> None:
        super().__init__()
        self.todo_id = todo_id
        self.detail: TodoDetail | None = detail
        self._notice = notice
        self.drafts = Drafts()

    def compose(self) -> ComposeResult:
        yield UserHeader("To Do Entry", self.who)
        yield FieldGrid(FIELDS, prefix="f", bold={"todo-id", "status"}, id="fields")
        with TabbedContent(id="tabs", initial="log-tab"):
            with TabPane("Log", id="log-tab"):
                yield LogTable(id="log")
            with TabPane("Keys/Values", id="keys-tab"):
                yield KeysValues(id="keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.detail is not None:
            self.show(self.detail)
            if self._notice:
                self.notify(self._notice, timeout=4)
        else:
            self._load()
        self.query_one(LogTable).focus()

    # --- reading ----------------------------------------------------------------------------------

    @work(exclusive=True, group="todo-load", exit_on_error=False)
    async def _load(self, notice: str = "") -> None:
        try:
            detail = await asyncio.to_thread(service.get, self.engine, self.who.user_id, self.todo_id)
        except WssError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            if self.detail is None:
                self.dismiss()
            return
        self.show(detail)
        if notice:
            self.notify(notice, timeout=6)

    def show(self, detail: TodoDetail) -> None:
        self.detail = detail
        self.query_one(FieldGrid).set_values(field_values(detail))
        self.query_one(LogTable).show(detail.log)
        self.query_one(KeysValues).show(detail.keys)
        self.refresh_bindings()
        self.load_case_work()

    def open_next(self, detail: TodoDetail, notice: str) -> None:
        """"Assign me the next To Do" from here: the next one replaces this one."""
        if detail.todo_id == self.todo_id:
            self.show(detail)
            self.notify(notice, timeout=6)
            return
        self.app.switch_screen(TodoEntryScreen(detail.todo_id, detail=detail, notice=notice))

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers what the store does not refuse the user on the To Do now (`detail.refused`):
        once it is forwarded, sent back, taken by someone else or complete, its keys go."""
        if action == "revision":
            return self.revision_enabled()
        if action == "refused":
            return self.detail is not None and parameters[0] in (self.detail.refused or {})
        if action in ACTIONS:
            if self.detail is None:
                return None
            if action == "complete" and self.decides_revision():
                return True  # approving or rejecting completes it, Open or taken (revision screen)
            return action in self._may()
        return True

    def _may(self) -> frozenset[str]:
        d = self.detail
        if d is None:
            return frozenset()
        if d.refused is None:  # not asked: as before, everything but on a completed To Do
            return frozenset() if d.status == COMPLETE else ACTIONS
        return ACTIONS - d.refused.keys()

    def _start(self, action: Callable[..., service.Acted], done: str, *args,
               retry: tuple[str, Any] | None = None, **kwargs) -> None:
        """`retry` is (dialog key, what was typed): a refusal opens that dialog again with the reason."""
        if self.detail is None or self.busy:
            return
        self.busy = True
        self._act(action, self.detail.version, done, *args, retry=retry, **kwargs)

    @work(exclusive=True, group="todo-action", exit_on_error=False)
    async def _act(self, action: Callable[..., service.Acted], version: int, done: str, *args,
                   retry: tuple[str, Any] | None = None, **kwargs) -> None:
        refused: WssError | None = None
        try:
            acted = await asyncio.to_thread(action, self.engine, self.who.user_id, self.todo_id, version,
                                            *args, **kwargs)
        except WssError as exc:
            if retry is None:
                raise  # shown by worker_failed
            refused = exc
        finally:
            self.busy = False
        if refused is not None:
            self._ask_again(*retry, error=str(refused), error_field=refused.field)
            return
        self.wss.todos_changed += 1
        self.show(acted.detail)
        if acted.stale:  # changed meanwhile: shown as it is now; what was typed waits for the next try
            self.notify(acted.stale, severity="warning", timeout=6)
            if retry is not None:
                self.drafts.keep(*retry)
        else:
            self.notify(done, timeout=6)

    def _ask_again(self, key: str, draft: Any, *, error: str, error_field: str) -> None:
        self.drafts.keep(key, draft)
        ask = {"forward": self.action_forward, "send_back": self.action_send_back,
               "user_details": self.action_user_details, "priority": self.action_priority,
               "complete": self._ask_comment}[key]
        ask(error=error, error_field=error_field)

    def action_take(self) -> None:
        self._start(service.take, "Taken: it is yours, Being Worked On")

    def action_refused(self, action: str) -> None:
        self.notify(self.detail.refused[action], severity="warning", timeout=5)

    # Each dialog opens with what the store last refused (its draft) and why (`error`, `error_field`).

    def action_forward(self, error: str = "", error_field: str = "") -> None:
        def chosen(to: ForwardTo) -> None:
            self._start(service.forward, f"Forwarded to {to.to_user or to.to_role}",
                        to_user=to.to_user, to_role=to.to_role, note=to.note, retry=("forward", to))

        roles = todo_rights.roles_working(self.detail.todo_type) if self.detail is not None else ()
        dialog = ForwardDialog(self.drafts.take("forward"), roles=roles, error=error, error_field=error_field)
        self.drafts.push(self.app, "forward", dialog, chosen)

    def action_send_back(self, error: str = "", error_field: str = "") -> None:
        def noted(note: str) -> None:
            self._start(service.send_back, "Sent back", note, retry=("send_back", note))

        dialog = TextDialog("Send back", "Note", hint="Goes back to whoever forwarded it.", ok="Send back",
                            value=self.drafts.take("send_back") or "", error=error, error_field=error_field)
        self.drafts.push(self.app, "send_back", dialog, noted)

    def action_user_details(self, error: str = "", error_field: str = "") -> None:
        def noted(details: str) -> None:
            self._start(service.add_log, "Log entry added", details, retry=("user_details", details))

        dialog = TextDialog("Add log entry (User Details)", "Details", placeholder="what you found or did",
                            ok="Add", value=self.drafts.take("user_details") or "", error=error,
                            error_field=error_field)
        self.drafts.push(self.app, "user_details", dialog, noted)

    def action_priority(self, error: str = "", error_field: str = "") -> None:
        def chosen(result: tuple[int, str]) -> None:
            priority, note = result
            self._start(service.change_priority, f"Priority is now {priority}", priority, note=note,
                        retry=("priority", result))

        assert self.detail is not None
        dialog = PriorityDialog(self.detail.priority, self.drafts.take("priority"), error=error,
                                error_field=error_field)
        self.drafts.push(self.app, "priority", dialog, chosen)

    def action_complete(self) -> None:
        if not self.work_known("complete"):
            return
        if self.closes_case():  # the To Do carries an open case: closing it is the consumer's OTP's business
            self.start_closure()
            return
        if self.decides_revision():  # an approval is completed by approving or rejecting, nothing less
            self.action_revision()
            return

        self._ask_comment()

    def _ask_comment(self, error: str = "", error_field: str = "") -> None:
        """The plain Complete: a comment, then are you sure."""

        def commented(comment: str) -> None:
            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._start(service.complete, "Completed", comment, retry=("complete", comment))

            question = f"Complete To Do {self.todo_id}?\nComment: {comment}\nA completed To Do cannot be reopened."
            self.app.push_screen(ConfirmDialog("Complete To Do", question, yes="Complete"), confirmed)

        dialog = TextDialog("Complete To Do", "Comment", hint="Say how it was resolved.", ok="Next",
                            value=self.drafts.take("complete") or "", error=error, error_field=error_field)
        self.drafts.push(self.app, "complete", dialog, commented)

    def action_reload(self) -> None:
        self._load("Reloaded")

    def action_back(self) -> None:
        self.dismiss()

    def action_keys(self) -> None:
        self.query_one(TabbedContent).active = "keys-tab"
        self.query_one(KeysValues).focus()

    def action_log(self) -> None:
        self.query_one(TabbedContent).active = "log-tab"
        self.query_one(LogTable).focus()

    def action_account(self) -> None:
        account = self._account_id()
        if account:
            self.wss.open_account(account)
        else:
            self.notify("This To Do names no account.", timeout=4)

    def _account_id(self) -> str | None:
        if self.detail is None:
            return None
        for label, value in self.detail.keys:
            if label == "Account ID":
                return value
        return dict(self.detail.characteristics).get("ACCOUNT")

    @on(Drill)
    def _drill(self, event: Drill) -> None:
        # Person and premise belong to the account, and its context lists the case and the bills.
        self.action_account()
