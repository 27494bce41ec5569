"""The account context (CC&B's Current Context / Control Central): who, what, where, what they owe,
the account's activity history, its bills, and the To Dos still open on it."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import DataTable, TabbedContent, TabPane
from textual.worker import get_current_worker

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.screens.dialogs import TextDialog
from wss_tui.services import accounts as service
from wss_tui.services import revision as revision_service
from wss_tui.store import money, timefmt
from wss_tui.store.accounts import AccountContext, Activity
from wss_tui.store.codes import AccountStatus
from wss_tui.store.errors import WssError
from wss_tui.store.revision import hold
from wss_tui.store.revision.rules import rules as revision_rules
from wss_tui.widgets.fields import FieldGrid
from wss_tui.widgets.header import UserHeader
from wss_tui.widgets.key_footer import KeyFooter
from wss_tui.widgets.todo_table import WIDE_AT, medium_time

FLAG = "⚑"

# (field id, label, spans the whole row)
FIELDS = [
    ("person", "Person", False), ("account", "Account ID", False),
    ("system", "System", False), ("tariff", "Tariff", False),
    ("current", "Current Bal", False), ("payoff", "Payoff Bal", False),
    ("premise", "Premise", True),
    ("discom", "Discom", True),
    ("office", "Office", True),
    ("town", "Town", False), ("area", "Urban/Rural", False),
    ("smart", "Smart meter", False), ("open", "Open To Dos", False),
]


def field_values(c: AccountContext) -> dict[str, str | Content]:
    open_text = Content.styled(f"{FLAG} {c.open_todo_count} open", "bold $text-warning") if c.open_todo_count else "none"
    return {
        "person": c.person_name,
        "account": c.account_id + ("" if c.status == AccountStatus.ACTIVE else f" ({c.status})"),
        "system": c.system_label,
        "tariff": f"{c.tariff_category} {c.supply_type}",
        "current": money.rupees(c.current_balance_paise),
        "payoff": money.rupees(c.payoff_balance_paise),
        "premise": c.premise_address,
        "discom": f"{c.discom} {c.discom_name}",
        "office": f"{c.office_code} {c.office_name}",
        "town": c.town,
        "area": c.area.title(),
        "smart": "Installed" if c.smart_meter else "Not installed",
        "open": open_text,
    }


def short_description(a: Activity) -> str:
    """CC&B's description less what the row already says (the time, the consumer's name)."""
    if a.activity == "Case":
        text = f"{'Open' if a.is_open else 'Closed'} - {a.status}, {a.case_type} ({a.case_id})"
        if a.days_late:
            owed = "owed" if not a.is_open else "accrued"
            days = f"{a.days_late} day{'s' if a.days_late != 1 else ''}"
            text += f"; {days} late, compensation {money.rupees(a.compensation_paise)} {owed}"
        return text
    return f"{a.contact_class} / {a.contact_type}"


class AccountScreen(WssScreen):
    CSS_PATH = "account.tcss"
    HELP_TITLE = "Account context"
    BINDINGS = [
        Binding("h", "tab('activity-tab')", "Activity"),
        Binding("b", "tab('bills-tab')", "Bills"),
        Binding("o", "tab('todos-tab')", "Open To Dos"),
        Binding("v", "revise_bill", "Revise bill"),
        Binding("escape", "back", "Back"),
        Binding("r,f5", "reload", "Reload"),
        Binding("H", "hold_bill", "Hold bill"),  # an officer's, now and then: last, so 80 columns keep Reload
        # Not offered to a role that does not hold bills; pressed anyway, the store says who does.
        Binding("H", "hold_refused", show=False),
    ]

    busy = reactive(False, bindings=True)  # reading the account

    def __init__(self, account_id: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.context: AccountContext | None = None

    def compose(self) -> ComposeResult:
        yield UserHeader("Account · Current Context", self.who)
        yield FieldGrid(FIELDS, prefix="c", bold={"person", "account", "current"}, id="context")
        with TabbedContent(id="account-tabs", initial="activity-tab"):
            with TabPane("Activity History", id="activity-tab"):
                yield DataTable(id="activity", cursor_type="row", zebra_stripes=True)
            with TabPane("Bills", id="bills-tab"):
                yield DataTable(id="bills", cursor_type="row", zebra_stripes=True)
            with TabPane("Open To Dos", id="todos-tab"):
                yield DataTable(id="open-todos", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#activity", DataTable).focus()
        self._load()

    def watch_busy(self, busy: bool) -> None:
        self.query_one(FieldGrid).loading = busy

    @work(exclusive=True, group="account", exit_on_error=False)
    async def _load(self) -> None:
        self.busy = True
        try:
            c = await asyncio.to_thread(service.context, self.engine, self.who.user_id, self.account_id)
        except WssError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            if self.context is None:
                self.dismiss()
            return
        finally:
            if not get_current_worker().is_cancelled:  # else the newer worker that replaced it says when
                self.busy = False
        self.context = c
        self.query_one(FieldGrid).set_values(field_values(c))
        count = c.open_todo_count
        self.query_one("#account-tabs", TabbedContent).get_tab("todos-tab").label = (
            f"{FLAG} Open To Dos ({count})" if count else "Open To Dos (0)")
        self._fill_tables()

    def on_resize(self) -> None:
        if self.context is not None:
            self._fill_tables()

    def _fill_tables(self) -> None:
        """Long descriptions wrap in a column as wide as the screen allows, so none is cut off."""
        c = self.context
        assert c is not None
        room = max(self.size.width - 2, 40)  # less the scrollbar and a column of slack
        wide = self.app.size.width >= WIDE_AT
        date_width = 18 if wide else 10
        activity = self._reset("#activity", [("date", "Date", date_width), ("activity", "Activity", 16),
                                             ("description", "Description", room - date_width - 16 - 2 * 3)])
        for n, a in enumerate(c.activity):
            flag = f"{FLAG} " if a.activity == "Case" and a.is_open else ""
            when = medium_time(a.at) if wide else timefmt.show_date(a.at)
            activity.add_row(plain(when), plain(flag + a.activity), plain(short_description(a)), key=str(n), height=None)
        # A revised bill's number (…R1) and the open case must show whole at 80 columns: the due date
        # gives way there, and the amount keeps room for -99,999.99INR.
        columns = [("bill", "Bill Number", 14), ("month", "Month", 7), ("due", "Due Date", 10),
                   ("units", "Units", 6), ("basis", "Basis", 5), ("amount", "Amount", 14 if wide else 13),
                   ("state", "State", 8), ("case", "Open Case", 12)]
        if not wide:
            columns = [col for col in columns if col[0] != "due"]
        bills = self._reset("#bills", columns)
        for b in c.bills:
            cells = {
                "bill": plain(b.bill_no), "month": plain(timefmt.show_month(b.bill_month)),
                "due": plain(timefmt.show_date(b.due_date)), "units": Text(f"{b.units:,.0f}", justify="right"),
                "basis": plain(b.basis), "amount": Text(money.rupees(b.amount_paise), justify="right"),
                "state": plain(b.state), "case": plain(f"{FLAG} {b.open_case_id}" if b.open_case_id else ""),
            }
            bills.add_row(*(cells[key] for key, _, _ in columns), key=b.bill_no)
        todos = self._reset("#open-todos", [("todo", "To Do ID", 14), ("status", "Status", 15),
                                            ("created", "Created", 10), ("message", "Message", room - 14 - 15 - 10 - 2 * 4)])
        for t in c.open_todos:
            todos.add_row(plain(t.todo_id), plain(t.status), plain(timefmt.show_date(t.created_at)), plain(t.message),
                          key=t.todo_id, height=None)

    def _reset(self, selector: str, columns: list[tuple[str, str, int]]) -> DataTable:
        table = self.query_one(selector, DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        for key, label, width in columns:
            table.add_column(label, key=key, width=max(width, 5))
        table.call_after_refresh(lambda: table.move_cursor(row=max(keep, 0)))
        return table

    @on(DataTable.RowSelected, "#open-todos")
    def _open_todo(self, event: DataTable.RowSelected) -> None:
        self.wss.open_todo(str(event.row_key.value))

    def action_tab(self, tab: str) -> None:
        self.query_one("#account-tabs", TabbedContent).active = tab
        table = {"activity-tab": "#activity", "bills-tab": "#bills", "todos-tab": "#open-todos"}[tab]
        self.query_one(table, DataTable).focus()

    def action_reload(self) -> None:
        self._load()

    def _bill_under_cursor(self, verb: str, key: str) -> str | None:
        table = self.query_one("#bills", DataTable)
        if self.query_one("#account-tabs", TabbedContent).active != "bills-tab" or table.row_count == 0:
            self.action_tab("bills-tab")
            self.notify(f"Put the cursor on the bill to {verb}, then press {key}", timeout=4)
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def action_revise_bill(self) -> None:
        """An officer's own revision case (meter replacement, bill on hold) on the bill under the cursor."""
        from wss_tui.screens.revision import RevisionScreen

        bill_no = self._bill_under_cursor("revise", "v")
        if bill_no is None:
            return
        self.app.push_screen(RevisionScreen.for_bill(self.account_id, bill_no),
                             lambda changed: self._load() if changed else None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hold_bill":  # a clerk was offered H (in `?`) only for the store to refuse it
            return hold.may_hold(self.who.role)
        if action == "hold_refused":
            return not hold.may_hold(self.who.role)
        return True

    def action_hold_refused(self) -> None:
        self.action_hold_bill()

    @work(exclusive=True, group="hold", exit_on_error=False)
    async def action_hold_bill(self, error: str = "", value: str = "") -> None:
        """Put the bill under the cursor on hold: the store says first whether it may be, then the reason."""
        bill_no = self._bill_under_cursor("hold", "H")
        if bill_no is None:
            return
        verdict = await asyncio.to_thread(revision_service.hold_check, self.engine, self.who.user_id, bill_no)
        if verdict.refusal:
            self.notify(verdict.refusal, severity="error", timeout=8)
            return

        def given(reason: str | None) -> None:
            if reason:
                self._hold(bill_no, reason)

        hint = (f"Its own charges, {money.rupees(verdict.own_charges_paise)}, leave the balance until a bill-on-hold "
                "case (v) corrects or releases it; the consumer is not asked to pay it meanwhile.")
        self.app.push_screen(TextDialog(f"Put bill {bill_no} on hold", "Reason (recorded, shown with the bill)",
                                        hint=hint, ok="Hold", min_length=revision_rules().hold_min_reason_chars,
                                        value=value, error=error, error_field="reason" if error else ""), given)

    @work(exclusive=True, group="hold", exit_on_error=False)
    async def _hold(self, bill_no: str, reason: str) -> None:
        try:
            entry = await asyncio.to_thread(revision_service.hold_bill, self.engine, self.who.user_id, bill_no, reason)
        except WssError as exc:
            if exc.field == "reason":  # the reason itself: the dialog again, with what was typed and why
                self.action_hold_bill(error=str(exc), value=reason)
            else:
                self.notify(str(exc), severity="error", timeout=8)
            return
        self.notify(f"Bill {entry.bill_no} put on hold: {money.rupees(-entry.balance_paise)} taken off the balance "
                    "until it is released", timeout=6)
        self._load()

    def action_back(self) -> None:
        self.dismiss()
