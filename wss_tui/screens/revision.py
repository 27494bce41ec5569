"""Bill revision: the disputed bill line by line, the recomputed bill beside it and the difference.

Opened from a complaint's To Do (the maker proposes), from an approval To Do (the checker approves or
rejects), or from an account (an officer's own revision case). The store recomputes every preview
and has the last word on every rule; this screen only reads what was typed into numbers
(`widgets/revision_form.py`) and shows the bills side by side (`widgets/bill_comparison.py`).
"""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.screens.dialogs import ConfirmDialog, TextDialog
from wss_tui.services import revision as service
from wss_tui.store import money, revision, timefmt
from wss_tui.store.errors import Invalid, WssError
from wss_tui.store.revision import Preview, RevisionInfo, Worksheet, hold
from wss_tui.store.revision.calc import Correction
from wss_tui.store.revision.rules import HOLD_REASON, rules
from wss_tui.store.revision.run import RunRequest
from wss_tui.widgets.bill_comparison import BillComparison, Terms, amounts_text
from wss_tui.widgets.header import UserHeader
from wss_tui.widgets.key_footer import KeyFooter
from wss_tui.widgets.revision_form import RevisionForm
from wss_tui.widgets.run_table import RunTable, run_text

ASK = "Enter what was wrong: the reading, or units, basis, load, category or arrear."


def terms_of(rev: RevisionInfo) -> Terms:
    return Terms(rev.due_date_before, rev.due_date_after, rev.revised_due_days, rev.lps)


class RevisionScreen(WssScreen):
    CSS_PATH = "revision.tcss"
    HELP_TITLE = "Bill revision"
    FORM = True
    HELP_TERMS = [
        ("LPS", "Late payment surcharge (reversed on what a revision cuts)"),
        ("Mult. factor", "Multiplying factor: units = reading change x factor"),
    ]
    BINDINGS = [
        Binding("ctrl+s", "propose", "Propose"),
        Binding("a", "approve", "Approve"),
        Binding("x", "reject", "Reject"),
        Binding("escape", "back", "Back"),
    ]

    busy = reactive(False, bindings=True)  # reading the bill or saving: the keys that act wait

    def __init__(self, *, todo_id: str | None = None, account_id: str | None = None, bill_no: str | None = None) -> None:
        super().__init__()
        self.todo_id, self.account_id, self.bill_no = todo_id, account_id, bill_no
        self.sheet: Worksheet | None = None
        self.preview: Preview | None = None
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
        yield UserHeader("Bill Revision", self.who)
        yield Static("loading…", id="rev-info", markup=False)
        yield BillComparison(id="lines")
        yield RunTable(id="run")
        yield Static("", id="rev-summary", markup=False)
        yield RevisionForm(id="rev-form")
        yield Static("", id="rev-decision", markup=False)
        yield Label("", id="rev-error", markup=False)
        yield KeyFooter()

    @property
    def form(self) -> RevisionForm:
        return self.query_one(RevisionForm)

    def on_mount(self) -> None:
        self.form.display = False
        self.query_one("#rev-decision").display = False
        self.query_one(RunTable).display = False
        self.query_one("#case-kind-row").display = self.todo_id is None  # an officer's own case
        self._load()

    # --- loading ----------------------------------------------------------------------------------

    @work(exclusive=True, group="revision-load", exit_on_error=False)
    async def _load(self) -> None:
        self.busy = True
        try:
            if self.todo_id is not None:
                sheet = await asyncio.to_thread(service.sheet, self.engine, self.who.user_id, self.todo_id)
            else:
                sheet = await asyncio.to_thread(service.bill_sheet, self.engine, self.who.user_id, self.account_id,
                                                self.bill_no)
        except WssError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            self.dismiss(False)
            return
        finally:
            self.busy = False
        self._show(sheet)

    def _show(self, s: Worksheet) -> None:
        self.sheet = s
        case = f"Case {s.case_id} {s.case_status}" if s.case_id else "A new officer's case (no consumer complaint)"
        self.query_one("#rev-info", Static).update(plain(
            f"Bill {s.bill_no} of {timefmt.show_month(s.bill_month)} ({s.bill_state}) · A/c {s.account_id} {s.person_name}\n{case}"))
        self.form.set_categories(s.categories)
        proposing = s.mode == revision.PROPOSE
        self.form.display = proposing
        self.query_one("#rev-decision").display = not proposing
        rev = s.revision if not proposing else None
        self.query_one(BillComparison).show(s.before, rev.after if rev else None, terms_of(rev) if rev else None)
        run = bool(rev and rev.months)  # a run of bills: its months and total instead of the one bill's lines
        self._show_run(rev.months if run else ())
        if proposing and s.bill_state == hold.HELD:  # a held bill takes a bill-on-hold case, reason HOLD
            self.form.choose(case_kind=hold.HOLD_CASE, reason=HOLD_REASON)
        if proposing:
            self._summary(ASK)
            self.query_one("#reading", Input).focus()
        else:
            self.query_one("#rev-decision", Static).update(plain(self._decision_text(s)))
            self._summary((run_text(rev.months, rev.run_basis, rev.lps.paise) if run else amounts_text(s.before, rev.after, rev.lps.paise))
                          if rev else "")
            self.query_one(RunTable if run else BillComparison).focus()
        # Where the revision stands is in the panel already; say only why the user may not act.
        standing = rev is not None and s.note.startswith(f"revision {rev.revision_id} ")
        self._error(s.note if s.mode == revision.VIEW and not standing else "")
        self.refresh_bindings()

    def _decision_text(self, s: Worksheet) -> str:
        rev: RevisionInfo | None = s.revision
        if rev is None:
            return ""  # nothing to show but why the user may not act: the error line says it, once
        lines = [
            f"Revision {rev.revision_id} {rev.status} · by {rev.maker_id} {rev.maker_name} · "
            f"{timefmt.show(rev.proposed_at)}",
            f"{rev.reason_code}: {rev.remark}",
            *(f"Check: {flag}" for flag in rev.flags),
        ]
        if rev.checker_id:
            lines.append(f"{rev.status.title()} by {rev.checker_id} {timefmt.show(rev.decided_at)}"
                         + (f" · revised bill {rev.new_bill_no}" if rev.new_bill_no else "")
                         + (f" · {rev.decision_note}" if rev.decision_note else ""))
        else:
            lines.append(f"Waits for approval by {rev.route.role} {rev.route.office_code}")
        return "\n".join(lines)

    def _summary(self, text: str) -> None:
        self.query_one("#rev-summary", Static).update(plain(text))

    def _error(self, text: str) -> None:
        self.query_one("#rev-error", Label).update(plain(text))

    # --- the form and its preview --------------------------------------------------------------------

    def correction(self) -> Correction:
        """What the form says, or Invalid naming the field that does not read as a number."""
        return self.form.correction()

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
        if not correction.changes_anything and not hold.releases_as_billed(self.sheet.bill_state, correction):
            self._no_preview("")
            self._summary(ASK)
            return
        self._preview(correction, self.form.run_request())

    def _show_run(self, months: tuple) -> None:
        """A run of bills: its months in place of the one bill's lines; () shows the bill's lines again."""
        self.query_one(BillComparison).display = not months
        self.query_one(RunTable).display = bool(months)
        if months:
            self.query_one(RunTable).show(months)

    def _no_preview(self, error: str) -> None:
        self.preview = None
        self.query_one(BillComparison).show(self.sheet.before, None)
        self._show_run(())
        self._summary("")
        self._error(error)

    @work(exclusive=True, group="revision-preview", exit_on_error=False)
    async def _preview(self, correction: Correction, bills: RunRequest) -> None:
        s = self.sheet
        try:
            p = await asyncio.to_thread(service.preview, self.engine, self.who.user_id, s.account_id, s.bill_no,
                                        correction, bills)
        except WssError as exc:
            if not self._stale(correction, bills):
                self._no_preview(str(exc))
            return
        if self._stale(correction, bills):
            return
        self.preview = p
        terms = Terms(p.due_date_before, None, p.revised_due_days, p.lps)
        self.query_one(BillComparison).show(p.before, p.after, terms)
        self._show_run(p.months)
        flags = "".join(f" · {flag}" for flag in p.flags)
        amounts = run_text(p.months, p.run_basis, p.lps.paise) if p.months else amounts_text(p.before, p.after, p.lps.paise)
        self._summary(f"{amounts} · approval: {p.route.role} {p.route.office_code}{flags}")
        self._error("")

    def _stale(self, correction: Correction, bills: RunRequest | None = None) -> bool:
        """An answer to what the form said before the last keystroke."""
        try:
            return correction != self.correction() or (bills or RunRequest()) != self.form.run_request()
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
            allowed = self.mode == revision.PROPOSE
        elif action in ("approve", "reject"):
            allowed = self.mode == revision.DECIDE
        else:
            return True
        if allowed and self.busy:
            return None  # shown, greyed, until the answer is in
        return allowed

    def action_propose(self) -> None:
        if self.mode != revision.PROPOSE or self.busy:
            return
        try:
            correction = self.correction()
        except Invalid as exc:
            self._error(str(exc))
            return
        p, bills = self.preview, self.form.run_request()
        if p is None or self._stale(correction, bills):
            self._error("Correction: enter what was wrong first; the revised bill shows beside the old one")
            return
        if len(correction.remark.strip()) < rules().min_remark_chars:
            self._error(f"Remark: write at least {rules().min_remark_chars} characters saying what was wrong")
            self.query_one("#remark", Input).focus()
            return
        s = self.sheet
        what = (f"{len(p.months)} bills from {p.months[0].bill_no}: {run_text(p.months, p.run_basis, p.lps.paise)}" if p.months
                else f"Bill {s.bill_no}: {amounts_text(p.before, p.after, p.lps.paise)}")
        question = (f"{what}\n"
                    f"It goes to {p.route.role} {p.route.office_code} for approval.")
        kind = self.form.case_kind if s.todo_id is None else None

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._error("saving…")
                self._propose(correction, kind, bills)

        self.app.push_screen(ConfirmDialog("Propose bill revision", question, yes="Propose"), confirmed)

    @work(exclusive=True, group="revision-save", exit_on_error=False)
    async def _propose(self, correction: Correction, kind: str | None, bills: RunRequest | None = None) -> None:
        s, user = self.sheet, self.who.user_id
        self.busy = True
        try:
            if s.todo_id is not None:
                done = await asyncio.to_thread(service.propose, self.engine, user, s.todo_id, s.todo_version,
                                               correction, bills)
            else:
                info = await asyncio.to_thread(service.open_officer_case, self.engine, user, s.account_id,
                                               s.bill_no, kind, correction, bills)
                done = service.Decided(info)
        except WssError as exc:
            self._error(str(exc))
            return
        finally:
            self.busy = False
        if self._reloaded(done):
            return
        info = done.info
        self._saved(f"Revision {info.revision_id} proposed; it waits for {info.route.role} "
                    f"{info.route.office_code}" + ("" if s.todo_id else f" (case {info.case_id})"))

    def action_approve(self) -> None:
        if self.mode != revision.DECIDE or self.busy:
            return
        rev = self.sheet.revision
        what = f"{len(rev.months)} bills from {rev.months[0].bill_no}" if rev.months else f"bill {rev.bill_no}"
        amounts = (run_text(rev.months, rev.run_basis, rev.lps.paise) if rev.months
                   else amounts_text(self.sheet.before, rev.after, rev.lps.paise))
        question = (f"Approve revision {rev.revision_id} of {what}?\n{amounts}\n"
                    + "".join(f"Check: {flag}\n" for flag in rev.flags)
                    + ("The revised bill is issued and the difference posted to the account"
                       + (", less the LPS reversed." if rev.lps.paise else ".")
                       if self.sheet.bill_state != hold.HELD else
                       f"The bill is released as {rev.new_bill_no or 'a new bill'} and its own charges "
                       f"({money.rupees(hold.posted_on_release(self.sheet.before, rev.after))}) posted to the account."))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._decide("approve", "")

        self.app.push_screen(ConfirmDialog("Approve bill revision", question, yes="Approve"), confirmed)

    def action_reject(self, error: str = "", value: str = "") -> None:
        if self.mode != revision.DECIDE or self.busy:
            return

        def given(reason: str | None) -> None:
            if reason:
                self._decide("reject", reason)

        self.app.push_screen(TextDialog("Reject bill revision", "Reason (goes back to the maker)",
                                        hint="Say what is wrong so the maker can put it right.", ok="Reject",
                                        min_length=rules().min_remark_chars, value=value, error=error,
                                        error_field="reason" if error else ""), given)

    @work(exclusive=True, group="revision-save", exit_on_error=False)
    async def _decide(self, verb: str, reason: str) -> None:
        s, user = self.sheet, self.who.user_id
        self.busy = True
        try:
            if verb == "approve":
                done = await asyncio.to_thread(service.approve, self.engine, user, s.todo_id, s.todo_version)
            else:
                done = await asyncio.to_thread(service.reject, self.engine, user, s.todo_id, s.todo_version, reason)
        except WssError as exc:
            if verb == "reject" and exc.field == "reason":
                # The reason itself was refused: the dialog again, with what was typed and why, inline.
                self.busy = False
                self.action_reject(error=str(exc), value=reason)
            else:
                self._error(str(exc))
            return
        finally:
            self.busy = False
        if self._reloaded(done):
            return
        info = done.info
        self._saved(f"Revision {info.revision_id} approved: revised bill {info.new_bill_no}" if verb == "approve"
                    else f"Revision {info.revision_id} rejected: back to {info.maker_id}")

    def _reloaded(self, done: service.Decided) -> bool:
        """The To Do moved on meanwhile: show it as it is now, and why nothing was saved."""
        if not done.stale:
            return False
        self._show(done.sheet)
        self._error(done.stale)
        return True

    def _saved(self, text: str) -> None:
        self.notify(text, timeout=6)
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
