"""Bill revision: the disputed bill line by line, the recomputed bill beside it and the difference.

Opened from a complaint's To Do (the maker proposes), from an approval To Do (the checker approves or
rejects), or from an account (an officer's own revision case). The store recomputes every preview
and has the last word on every rule; this screen only reads what was typed into numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Select, Static

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.screens.dialogs import ConfirmDialog, TextDialog
from wss_tui.store import db, numbers, revision, timefmt
from wss_tui.store.errors import Invalid, WssError
from wss_tui.store.revision import Preview, RevisionInfo, Worksheet
from wss_tui.store.revision.calc import BASES, REVISED_BASES, BillFigures, Correction, number
from wss_tui.store.revision.rules import rules
from wss_tui.widgets.header import UserHeader
from wss_tui.widgets.key_footer import KeyFooter

KEEP = "="  # a select left "as billed"
LINES = [
    ("basis", "Basis"), ("prev", "Prev reading"), ("curr", "Curr reading"), ("mf", "Mult. factor"),
    ("units", "Units (kWh)"), ("category", "Category"), ("load", "Load (kW)"), ("days", "Days"),
    ("fixed", "Fixed charge"), ("energy", "Energy charge"), ("duty", "Electricity duty"), ("arrear", "Arrear"),
    ("amount", "Bill amount"),
]
NUMERIC = {"prev", "curr", "mf", "units", "load", "days"}
MONEY = {"fixed", "energy", "duty", "arrear", "amount"}


@dataclass
class SheetLoaded(Message):
    sheet: Worksheet


@dataclass
class SheetFailed(Message):
    text: str


@dataclass
class PreviewReady(Message):
    preview: Preview
    correction: Correction


@dataclass
class PreviewFailed(Message):
    text: str
    correction: Correction


@dataclass
class Saved(Message):
    text: str


@dataclass
class Refused(Message):
    text: str
    field: str = ""
    reason: str = ""  # a reject reason the store refused: asked again in its dialog, as typed


def money(paise: int) -> str:
    return timefmt.rupees(paise).removesuffix("INR")


def cells(f: BillFigures) -> dict[str, str]:
    return {
        "basis": f"{f.basis} {BASES.get(f.basis, '')}".strip(),
        "prev": number(f.prev_reading), "curr": number(f.curr_reading), "mf": number(f.multiplying_factor),
        "units": number(f.units), "category": f.tariff_category, "load": number(f.load_kw), "days": str(f.days),
        "fixed": money(f.fixed_paise), "energy": money(f.energy_paise), "duty": money(f.duty_paise),
        "arrear": money(f.arrear_paise), "amount": money(f.amount_paise),
    }


# Lines whose change is shown as a signed amount: the figure each one reads.
DELTAS = {"fixed": "fixed_paise", "energy": "energy_paise", "duty": "duty_paise", "arrear": "arrear_paise",
          "amount": "amount_paise", "units": "units", "curr": "curr_reading", "load": "load_kw"}


def change(key: str, before: BillFigures, after: BillFigures) -> Text:
    if cells(before)[key] == cells(after)[key]:
        return Text("")
    old, new = getattr(before, DELTAS.get(key, "basis")), getattr(after, DELTAS.get(key, "basis"))
    if key not in DELTAS or old is None or new is None:
        return Text("changed", style="bold", justify="right")
    delta = new - old
    shown = money(delta) if key in MONEY else number(delta)
    return Text(("+" if delta > 0 else "") + shown, style="bold", justify="right")


def difference_text(paise: int) -> str:
    if paise == 0:
        return "no change in the amount"
    return f"{'+' if paise > 0 else ''}{timefmt.rupees(paise)} {'credit' if paise < 0 else 'more to pay'}"


def amounts_text(before: BillFigures, after: BillFigures) -> str:
    """`Amount 847.00 → 760.38 · -86.62INR credit`: the line that matters, whatever the table shows."""
    return (f"Amount {money(before.amount_paise)} → {money(after.amount_paise)} · "
            f"{difference_text(after.amount_paise - before.amount_paise)}")


def _number(widget: Input, label: str) -> float | None:
    return numbers.quantity(widget.value, label)


def _paise(widget: Input, label: str) -> int | None:
    return numbers.paise(widget.value, label)


class RevisionScreen(WssScreen):
    CSS_PATH = "revision.tcss"
    HELP_TITLE = "Bill revision"
    BINDINGS = [
        Binding("ctrl+s", "propose", "Propose"),
        Binding("a", "approve", "Approve"),
        Binding("x", "reject", "Reject"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, *, todo_id: str | None = None, account_id: str | None = None, bill_no: str | None = None) -> None:
        super().__init__()
        self.todo_id, self.account_id, self.bill_no = todo_id, account_id, bill_no
        self.sheet: Worksheet | None = None
        self.preview: Preview | None = None
        self.busy = False
        self._timer: Timer | None = None

    @classmethod
    def for_todo(cls, todo_id: str) -> RevisionScreen:
        return cls(todo_id=todo_id)

    @classmethod
    def for_bill(cls, account_id: str, bill_no: str) -> RevisionScreen:
        """An officer's own revision case on a bill of an account."""
        return cls(account_id=account_id, bill_no=bill_no)

    @property
    def mode(self) -> str | None:
        return self.sheet.mode if self.sheet else None

    def compose(self) -> ComposeResult:
        r = rules()
        yield UserHeader("Bill Revision", self.who)
        yield Static("loading…", id="rev-info", markup=False)
        yield DataTable(id="lines", cursor_type="row", zebra_stripes=True)
        yield Static("", id="rev-summary", markup=False)
        with Vertical(id="rev-form"):
            with Horizontal(classes="form-row"):
                yield Label("Reason", classes="form-label")
                yield Select([(plain(f"{code} {text}"), code) for code, text in r.reasons.items()], allow_blank=False,
                             compact=True, id="reason")
                yield Label("Reading", classes="form-label")
                yield Input(id="reading", placeholder="as billed", compact=True, max_length=12)
                yield Label("Units", classes="form-label")
                yield Input(id="units", placeholder="as billed", compact=True, max_length=10)
            with Horizontal(classes="form-row"):
                yield Label("Basis", classes="form-label")
                yield Select([("as billed", KEEP)] + [(f"{b} {BASES[b].lower()}", b) for b in REVISED_BASES],
                             value=KEEP, allow_blank=False, compact=True, id="basis")
                yield Label("Load kW", classes="form-label")
                yield Input(id="load", placeholder="as billed", compact=True, max_length=8)
                yield Label("Category", classes="form-label")
                yield Select([("as billed", KEEP)], value=KEEP, allow_blank=False, compact=True, id="category")
            with Horizontal(classes="form-row"):
                yield Label("Arrear Rs", classes="form-label")
                yield Input(id="arrear", placeholder="as billed", compact=True, max_length=14)
                yield Label("Remark", classes="form-label")
                yield Input(id="remark", placeholder="what was wrong and how you found it", compact=True,
                            max_length=r.max_remark_chars)
            with Horizontal(classes="form-row", id="case-kind-row"):
                yield Label("Case", classes="form-label")
                yield Select([(plain(c.case_type), code) for code, c in r.officer_cases.items()], allow_blank=False,
                             compact=True, id="case-kind")
        yield Static("", id="rev-decision", markup=False)
        yield Label("", id="rev-error", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#lines", DataTable)
        for key, label, width in (("line", "Line", 16), ("bill", "Bill", 18), ("revised", "Revised", 18),
                                  ("change", "Change", 12)):
            table.add_column(label, key=key, width=width)
        self.query_one("#rev-form").display = False
        self.query_one("#rev-decision").display = False
        self.query_one("#case-kind-row").display = self.todo_id is None  # an officer's own case
        self._load()

    # --- loading ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="revision-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            with db.read(self.engine) as session:
                if self.todo_id is not None:
                    sheet = revision.worksheet(session, self.who.user_id, self.todo_id)
                else:
                    sheet = revision.bill_worksheet(session, self.who.user_id, self.account_id, self.bill_no)
        except WssError as exc:
            self.post_message(SheetFailed(str(exc)))
            return
        self.post_message(SheetLoaded(sheet))

    def on_sheet_failed(self, message: SheetFailed) -> None:
        self.notify(message.text, severity="error", timeout=8)
        self.dismiss(False)

    def on_sheet_loaded(self, message: SheetLoaded) -> None:
        s = self.sheet = message.sheet
        case = f"Case {s.case_id} {s.case_status}" if s.case_id else "A new officer's case (no consumer complaint)"
        self.query_one("#rev-info", Static).update(plain(
            f"Bill {s.bill_no} of {s.bill_month:%m-%Y} ({s.bill_state}) · A/c {s.account_id} {s.person_name}\n{case}"))
        category = self.query_one("#category", Select)
        category.set_options([("as billed", KEEP)] + [(plain(c), c) for c in s.categories])
        category.value = KEEP
        proposing = s.mode == revision.PROPOSE
        self.query_one("#rev-form").display = proposing
        self.query_one("#rev-decision").display = not proposing
        rev = s.revision if not proposing else None
        self._fill(s.before, rev.after if rev else None)
        if proposing:
            self._summary("Enter what was wrong: the reading, or units, basis, load, category or arrear.")
            self.query_one("#reading", Input).focus()
        else:
            self.query_one("#rev-decision", Static).update(plain(self._decision_text(s)))
            self._summary(amounts_text(s.before, rev.after) if rev else "")
            self.query_one("#lines", DataTable).focus()
        # Where the revision stands is in the panel already; say only why the user may not act.
        standing = rev is not None and s.note.startswith(f"revision {rev.revision_id} ")
        self._error(s.note if s.mode == revision.VIEW and not standing else "")
        self.refresh_bindings()

    def _decision_text(self, s: Worksheet) -> str:
        rev: RevisionInfo | None = s.revision
        if rev is None:
            return s.note
        lines = [
            f"Revision {rev.revision_id} {rev.status} · by {rev.maker_id} {rev.maker_name} · "
            f"{timefmt.show(rev.proposed_at)}",
            f"{rev.reason_code}: {rev.remark}",
        ]
        if rev.checker_id:
            lines.append(f"{rev.status.title()} by {rev.checker_id} {timefmt.show(rev.decided_at)}"
                         + (f" · revised bill {rev.new_bill_no}" if rev.new_bill_no else "")
                         + (f" · {rev.decision_note}" if rev.decision_note else ""))
        else:
            lines.append(f"Waits for approval by {rev.route.role} {rev.route.office_code}")
        return "\n".join(lines)

    def _fill(self, before: BillFigures, after: BillFigures | None) -> None:
        table = self.query_one("#lines", DataTable)
        keep = table.cursor_row
        table.clear()
        old = cells(before)
        new = cells(after) if after else {}
        for key, label in LINES:
            right = key in NUMERIC or key in MONEY
            table.add_row(
                plain(label),
                plain(old[key], justify="right" if right else "left"),
                plain(new.get(key, ""), justify="right" if right else "left"),
                change(key, before, after) if after else plain(""),
                key=key,
            )
        table.move_cursor(row=max(keep, 0))

    def _summary(self, text: str) -> None:
        self.query_one("#rev-summary", Static).update(plain(text))

    def _error(self, text: str) -> None:
        self.query_one("#rev-error", Label).update(plain(text))

    # --- the form and its preview --------------------------------------------------------------------

    def correction(self) -> Correction:
        """What the form says, or Invalid naming the field that does not read as a number."""
        q = self.query_one
        basis, category = q("#basis", Select).value, q("#category", Select).value
        return Correction(
            reason_code=str(q("#reason", Select).value),
            remark=q("#remark", Input).value,
            curr_reading=_number(q("#reading", Input), "Reading"),
            units=_number(q("#units", Input), "Units"),
            basis=None if basis == KEEP else str(basis),
            load_kw=_number(q("#load", Input), "Load"),
            category=None if category == KEEP else str(category),
            arrear_paise=_paise(q("#arrear", Input), "Arrear"),
        )

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self.mode != revision.PROPOSE:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.25, self._refresh_preview)

    def _refresh_preview(self) -> None:
        assert self.sheet is not None
        try:
            correction = self.correction()
        except Invalid as exc:
            self._no_preview(str(exc))
            return
        if not correction.changes_anything:
            self._no_preview("")
            self._summary("Enter what was wrong: the reading, or units, basis, load, category or arrear.")
            return
        self._preview(correction)

    def _no_preview(self, error: str) -> None:
        self.preview = None
        self._fill(self.sheet.before, None)
        self._summary("")
        self._error(error)

    @work(thread=True, exclusive=True, group="revision-preview", exit_on_error=False)
    def _preview(self, correction: Correction) -> None:
        try:
            with db.read(self.engine) as session:
                found = revision.preview(session, self.who.user_id, self.sheet.account_id, self.sheet.bill_no, correction)
        except WssError as exc:
            self.post_message(PreviewFailed(str(exc), correction))
            return
        self.post_message(PreviewReady(found, correction))

    def on_preview_ready(self, message: PreviewReady) -> None:
        if self._stale(message.correction):
            return
        p = self.preview = message.preview
        self._fill(p.before, p.after)
        self._summary(f"{amounts_text(p.before, p.after)} · approval: {p.route.role} {p.route.office_code}")
        self._error("")

    def on_preview_failed(self, message: PreviewFailed) -> None:
        if not self._stale(message.correction):
            self._no_preview(message.text)

    def _stale(self, correction: Correction) -> bool:
        """An answer to what the form said before the last keystroke."""
        try:
            return correction != self.correction()
        except Invalid:
            return True

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "remark":
            self.action_propose()
        else:
            self.focus_next()

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "propose":
            return self.mode == revision.PROPOSE
        if action in ("approve", "reject"):
            return self.mode == revision.DECIDE
        return True

    def action_propose(self) -> None:
        if self.mode != revision.PROPOSE or self.busy:
            return
        try:
            correction = self.correction()
        except Invalid as exc:
            self._error(str(exc))
            return
        p = self.preview
        if p is None or self._stale(correction):
            self._error("Correction: enter what was wrong first; the revised bill shows beside the old one")
            return
        if len(correction.remark.strip()) < rules().min_remark_chars:
            self._error(f"Remark: write at least {rules().min_remark_chars} characters saying what was wrong")
            self.query_one("#remark", Input).focus()
            return
        s = self.sheet
        question = (f"Bill {s.bill_no}: {amounts_text(p.before, p.after)}\n"
                    f"It goes to {p.route.role} {p.route.office_code} for approval.")
        kind = str(self.query_one("#case-kind", Select).value) if s.todo_id is None else None

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self._error("saving…")
                self._propose(correction, kind)

        self.app.push_screen(ConfirmDialog("Propose bill revision", question, yes="Propose"), confirmed)

    @work(thread=True, exclusive=True, group="revision-save", exit_on_error=False)
    def _propose(self, correction: Correction, kind: str | None) -> None:
        s = self.sheet
        try:
            with db.write(self.engine) as session:
                if s.todo_id is not None:
                    info = revision.propose(session, self.who.user_id, s.todo_id, s.todo_version, correction)
                else:
                    info = revision.open_officer_case(session, self.who.user_id, s.account_id, s.bill_no, kind,
                                                      correction)
        except WssError as exc:
            self.post_message(Refused(str(exc)))
            return
        self.post_message(Saved(f"Revision {info.revision_id} proposed; it waits for {info.route.role} "
                                f"{info.route.office_code}" + ("" if s.todo_id else f" (case {info.case_id})")))

    def action_approve(self) -> None:
        if self.mode != revision.DECIDE or self.busy:
            return
        rev = self.sheet.revision
        question = (f"Approve revision {rev.revision_id} of bill {rev.bill_no}?\n"
                    f"{amounts_text(self.sheet.before, rev.after)}\n"
                    "The revised bill is issued and the difference posted to the account.")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self._decide("approve", "")

        self.app.push_screen(ConfirmDialog("Approve bill revision", question, yes="Approve"), confirmed)

    def action_reject(self, error: str = "", value: str = "") -> None:
        if self.mode != revision.DECIDE or self.busy:
            return

        def given(reason: str | None) -> None:
            if reason:
                self.busy = True
                self._decide("reject", reason)

        self.app.push_screen(TextDialog("Reject bill revision", "Reason (goes back to the maker)",
                                        hint="Say what is wrong so the maker can put it right.", ok="Reject",
                                        min_length=rules().min_remark_chars, value=value, error=error,
                                        error_field="reason" if error else ""), given)

    @work(thread=True, exclusive=True, group="revision-save", exit_on_error=False)
    def _decide(self, verb: str, text: str) -> None:
        s = self.sheet
        try:
            with db.write(self.engine) as session:
                if verb == "approve":
                    info = revision.approve(session, self.who.user_id, s.todo_id, s.todo_version)
                    done = f"Revision {info.revision_id} approved: revised bill {info.new_bill_no}"
                else:
                    info = revision.reject(session, self.who.user_id, s.todo_id, s.todo_version, text)
                    done = f"Revision {info.revision_id} rejected: back to {info.maker_id}"
        except WssError as exc:
            self.post_message(Refused(str(exc), exc.field, text if verb == "reject" else ""))
            return
        self.post_message(Saved(done))

    def on_saved(self, message: Saved) -> None:
        self.busy = False
        self.notify(message.text, timeout=6)
        self.dismiss(True)

    def on_refused(self, message: Refused) -> None:
        self.busy = False
        if message.reason and message.field == "reason":
            # The reason itself was refused: the dialog again, with what was typed and why, inline.
            self.action_reject(error=message.text, value=message.reason)
            return
        self._error(message.text)

    def worker_failed(self, exc: BaseException | None) -> None:
        self.busy = False
        super().worker_failed(exc)

    def action_back(self) -> None:
        self.dismiss(False)
