"""Walk-in intake: the counter operator registers a consumer's request on their behalf.

Look up the account, pick the disputed bill from its bills, type the reason, name any documents to
attach; the request goes through the same `intake.submit_request` as `wss request new`, so the counter
and the command line refuse exactly the same things. The request ID is shown large, to read back.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Label, Select, Static

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.services import intake as service
from wss_tui.store import accounts, config, money, timefmt
from wss_tui.store.accounts import AccountContext
from wss_tui.store.codes import AccountStatus, IntakeChannel, RequestType
from wss_tui.store.errors import WssError
from wss_tui.store.ids import mask_mobile
from wss_tui.widgets.header import UserHeader
from wss_tui.widgets.key_footer import KeyFooter

FLAG = "⚑"
REASON_HINTS = {  # by the request type's needs_bill
    True: "what is wrong with the bill, in the consumer's words",
    False: "what the consumer asks for, in their own words",
}


def read_back(request_id: str) -> str:
    """0173220842 as it is read out: 0173 220 842."""
    return f"{request_id[:4]} {request_id[4:7]} {request_id[7:]}" if len(request_id) == 10 else request_id


class IntakeScreen(WssScreen):
    CSS_PATH = "intake.tcss"
    FORM = True
    HELP_TITLE = "Walk-in request"
    AUTO_FOCUS = "#account"
    BINDINGS = [
        Binding("ctrl+s", "register", "Register"),
        Binding("ctrl+l", "look_up", "Look up"),
        Binding("ctrl+n", "new", "New request"),
        Binding("escape", "back", "Back"),
    ]

    busy = reactive(False, bindings=True)  # registering: Ctrl+S waits for the answer

    def __init__(self) -> None:
        super().__init__()
        self.context: AccountContext | None = None

    def compose(self) -> ComposeResult:
        types = config.request_types()
        yield UserHeader("Walk-in Request · Counter", self.who)
        with Vertical(id="intake-form"):
            with Horizontal(classes="form-row"):
                yield Label("Account", classes="form-label")
                yield Input(id="account", placeholder="10 or 12 digits, Enter", compact=True, max_length=14)
                yield Label("Request", classes="form-label")
                yield Select([(plain(t.name), code) for code, t in types.items()], value=RequestType.BILL_CORRECTION,
                             allow_blank=False, compact=True, id="request-type")
            yield Static("Type the consumer's account ID and press Enter.", id="person", markup=False)
        yield DataTable(id="bills", cursor_type="row", zebra_stripes=True)
        with Vertical(id="intake-more"):
            with Horizontal(classes="form-row"):
                yield Label("Reason", classes="form-label")
                yield Input(id="reason", placeholder=REASON_HINTS[True],
                            compact=True, max_length=config.intake_rules().max_reason_chars)
            with Horizontal(classes="form-row"):
                yield Label("Attach", classes="form-label")
                yield Input(id="attach", placeholder="file path(s), comma separated: PDF, JPEG or PNG", compact=True)
        yield Label("", id="intake-error", markup=False)
        yield Static("", id="receipt", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#bills", DataTable)
        for key, label, width in (("bill", "Bill Number", 14), ("month", "Month", 7), ("units", "Units", 7),
                                  ("basis", "Basis", 5), ("amount", "Amount", 13), ("state", "State", 8),
                                  ("case", "Open case", 12)):
            table.add_column(label, key=key, width=width)
        self.query_one("#receipt").display = False
        self._show_request_type()

    @on(Select.Changed, "#request-type")
    def _show_request_type(self) -> None:
        """A request that names no bill gets no bill list, and a reason hint that fits it."""
        needs_bill = self._needs_bill()
        self.query_one("#bills", DataTable).display = needs_bill
        self.query_one("#reason", Input).placeholder = REASON_HINTS[needs_bill]

    # --- the account ------------------------------------------------------------------------------

    @on(Input.Submitted, "#account")
    def action_look_up(self) -> None:
        text = self.query_one("#account", Input).value
        try:
            accounts.validate_account_id(text)
        except WssError as exc:
            self._refuse(str(exc), "#account")
            return
        self._clear_receipt()  # another consumer, or another go: the last request ID is not to be read out
        self._error("looking up…")
        self._look_up(text)

    @work(exclusive=True, group="intake-account", exit_on_error=False)
    async def _look_up(self, account_id: str) -> None:
        try:
            c = await asyncio.to_thread(service.counter_account, self.engine, self.who.user_id, account_id)
        except WssError as exc:
            self._refuse(str(exc), "#account")  # whichever field, the account is to change
            return
        self.context = c
        status = "" if c.status == AccountStatus.ACTIVE else f" · {c.status}"
        mobile = f"mobile {mask_mobile(c.mobile)}" if c.mobile else "no registered mobile: no SMS, give the ID on paper"
        self.query_one("#person", Static).update(plain(
            f"{c.person_name} · A/c {c.account_id} ({c.system_label}){status} · {c.tariff_category} · {mobile}\n"
            f"{c.premise_address} · {c.office_code}"))
        table = self.query_one("#bills", DataTable)
        table.clear()
        for b in c.bills:
            table.add_row(plain(b.bill_no), plain(timefmt.show_month(b.bill_month)),
                          Text(f"{b.units:,.0f}", justify="right"), plain(b.basis),
                          Text(money.rupees(b.amount_paise), justify="right"), plain(b.state),
                          plain(f"{FLAG} {b.open_case_id}" if b.open_case_id else ""), key=b.bill_no)
        self._error("")
        if self._needs_bill():
            table.focus()
        else:
            self.query_one("#reason", Input).focus()

    @on(DataTable.RowSelected, "#bills")
    def _bill_chosen(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Changed, "#account")
    def _account_changed(self) -> None:
        if self.context is not None and self._typed_account() != self.context.account_id:
            self.context = None
            self.query_one("#bills", DataTable).clear()
            self.query_one("#person", Static).update("Press Enter to look up this account.")

    def _typed_account(self) -> str:
        return "".join(self.query_one("#account", Input).value.split())

    def _needs_bill(self) -> bool:
        code = self.query_one("#request-type", Select).value
        return config.request_types()[str(code)].needs_bill

    def chosen_bill(self) -> str | None:
        table = self.query_one("#bills", DataTable)
        if not self._needs_bill() or table.row_count == 0 or table.cursor_row < 0:
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    # --- registering ------------------------------------------------------------------------------

    @on(Input.Submitted, "#reason, #attach")
    def _enter(self, event: Input.Submitted) -> None:
        if event.input.id == "reason":
            self.query_one("#attach", Input).focus()
        else:
            self.action_register()

    def action_register(self) -> None:
        if self.busy:
            return
        self._clear_receipt()
        if self.context is None:
            self._refuse("Account: look up the consumer's account first (type it, then Enter)", "#account")
            return
        bill = self.chosen_bill()
        if self._needs_bill() and bill is None:
            self._refuse("Bill: pick the disputed bill from the account's bills", "#bills")
            return
        paths = [p.strip() for p in self.query_one("#attach", Input).value.split(",") if p.strip()]
        self._error("registering…")
        self._register(self.context.account_id, bill, str(self.query_one("#request-type", Select).value),
                       self.query_one("#reason", Input).value, paths)

    @work(exclusive=True, group="intake-register", exit_on_error=False)
    async def _register(self, account_id: str, bill_no: str | None, request_type: str, reason: str,
                        paths: list[str]) -> None:
        self.busy = True
        try:
            r = await asyncio.to_thread(service.register, self.engine, self.who.user_id, account_id=account_id,
                                        bill_no=bill_no, reason=reason, request_type=request_type,
                                        channel=IntakeChannel.WALK_IN, attach=paths)
        except WssError as exc:
            focus = {"account": "#account", "bill": "#bills", "reason": "#reason", "attach": "#attach"}.get(exc.field)
            self._refuse(str(exc), focus)
            return
        finally:
            self.busy = False
        sms = f"SMS queued to {mask_mobile(r.sms_mobile)}" if r.sms_mobile else "no mobile: write the ID on the consumer's slip"
        receipt = self.query_one("#receipt", Static)
        receipt.update(plain(
            f"Request ID {r.request_id}   read back: {read_back(r.request_id)}\n"
            f"{config.request_types()[request_type].name} · A/c {account_id} · {r.status} · {sms} · "
            f"due {timefmt.show_date(r.due_at)}"))
        receipt.display = True
        self._error("")  # the receipt above says it: a toast would cover the form's last rows
        self.query_one("#reason", Input).value = ""
        self.query_one("#attach", Input).value = ""
        self._look_up(account_id)  # its bill now shows the open case

    def _refuse(self, text: str, focus: str | None = None) -> None:
        self._clear_receipt()
        self._error(text)
        if focus:
            self.query_one(focus).focus()

    def _clear_receipt(self) -> None:
        receipt = self.query_one("#receipt", Static)
        receipt.update("")
        receipt.display = False

    def _error(self, text: str) -> None:
        self.query_one("#intake-error", Label).update(plain(text))

    def action_new(self) -> None:
        for field in ("#account", "#reason", "#attach"):
            self.query_one(field, Input).value = ""
        self.context = None
        self.query_one("#bills", DataTable).clear()
        self.query_one("#person", Static).update("Type the consumer's account ID and press Enter.")
        self._clear_receipt()
        self._error("")
        self.query_one("#account", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "register" and self.busy:
            return None
        if action == "back":
            return len(self.app.screen_stack) > 2  # an operator's first screen has nothing behind it
        return True

    def action_back(self) -> None:
        self.dismiss()
