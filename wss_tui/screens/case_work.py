"""The To Do Entry's case work: `v` opens the bill revision screen (propose, or decide an approval),
and completing a To Do that carries an open case closes the case — with the consumer's OTP, or
(an EE only) without it for a recorded reason, or on the officer's word for an officer's own case.

A mixin for TodoEntryScreen, like AssignNext: the screen calls `load_case_work()` whenever it shows a
To Do, and asks `closes_case()` before its own plain Complete. A refusal from the store opens the close
(or reason) dialog again with what was typed and why, as the screen's own actions do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import work

from wss_tui.screens.dialogs import CloseCaseDialog, OtpAnswer, OtpDialog, TextDialog
from wss_tui.services import closure as service
from wss_tui.store import timefmt
from wss_tui.store.errors import Stale, WssError
from wss_tui.store.codes import ClosureMethod, RevisionStatus
from wss_tui.store.otp import OtpSent
from wss_tui.store.revision import closure
from wss_tui.store.revision.closure import CaseWork, Closed
from wss_tui.store.revision.rules import rules


class CaseWorkActions:
    """Mixin for TodoEntryScreen (needs `detail`, `todo_id`, `_load`, `busy`, `who`, `engine`, `drafts`)."""

    case_work: CaseWork | None = None
    # A key that needs the case work, pressed before it arrived (typed ahead over a slow link):
    # replayed when it comes, so the key is neither lost nor judged on a guess.
    _typed_ahead: str | None = None

    # --- what the To Do offers -------------------------------------------------------------------

    def load_case_work(self) -> None:
        self._load_case_work()

    @work(exclusive=True, group="case-work", exit_on_error=False)
    async def _load_case_work(self) -> None:
        # A failure is shown by the screen's worker_failed.
        found = await asyncio.to_thread(service.work, self.engine, self.who.user_id, self.todo_id)
        self.case_work = found
        self.refresh_bindings()
        action, self._typed_ahead = self._typed_ahead, None
        if action == "revision":
            if found.can_revise:
                self.action_revision()
            else:
                self.notify("This To Do has no bill to revise and no revision to decide", severity="warning")
        elif action == "complete":
            self.action_complete()

    def work_known(self, action: str) -> bool:
        """False, remembering the key to replay, while the case work is still being read."""
        if self.case_work is not None and self.case_work.todo_id == self.todo_id:
            return True
        self._typed_ahead = action
        return False

    def revision_enabled(self) -> bool | None:
        if self.case_work is None:
            return self.detail is not None or None  # still reading: the key waits for it (work_known)
        return self.case_work.can_revise or None  # None: shown greyed out, so the key is still learnt

    def closes_case(self) -> bool:
        return self.case_work is not None and self.case_work.closes_case and self.detail is not None

    def decides_revision(self) -> bool:
        """An approval waiting for its decision: completing it means approving or rejecting."""
        w = self.case_work
        return w is not None and w.kind == closure.APPROVAL and w.revision_status == RevisionStatus.PROPOSED

    # --- revision -------------------------------------------------------------------------------------

    def action_revision(self) -> None:
        from wss_tui.screens.revision import RevisionScreen

        if not self.work_known("revision"):
            return

        def back(changed: bool | None) -> None:
            if changed:
                self.wss.todos_changed += 1
                self._load()  # the revision screen has said what was saved

        self.app.push_screen(RevisionScreen.for_todo(self.todo_id), back)

    # --- closing the case ----------------------------------------------------------------------------

    def start_closure(self, error: str = "", error_field: str = "") -> None:
        w = self.case_work
        assert w is not None
        if w.needs_otp:
            hint = (f"An OTP goes to the consumer's mobile {w.mobile} to confirm it."
                    if w.mobile else "The account has no registered mobile: only an EE may close it, without OTP.")
        else:
            hint = "An officer's own case: no consumer complaint, so no OTP."

        def chosen(result: tuple[str, str]) -> None:
            outcome, comment = result
            if not w.needs_otp:
                self._close_officer_case(outcome, comment)
            elif not w.mobile and w.may_skip_otp:
                self._ask_reason(outcome, comment)
            else:
                self._send_otp(outcome, comment)

        dialog = CloseCaseDialog(w.case_id, closure.OUTCOMES, hint, draft=self.drafts.take("close"), error=error,
                                 error_field=error_field)
        self.drafts.push(self.app, "close", dialog, chosen)

    async def _closure_step(self, unit: Callable[..., Closed | OtpSent], *args: object, outcome: str, comment: str,
                       sent: OtpSent | None = None, reason: str = "") -> Closed | OtpSent | None:
        """One unit of work of the closure, in a thread; None when the store said no (shown as it says)."""
        self.busy = True
        try:
            return await asyncio.to_thread(unit, self.engine, self.who.user_id, self.todo_id, self.detail.version,
                                           *args)
        except WssError as exc:
            refused = exc
        finally:
            self.busy = False
        self._closure_refused(refused, outcome, comment, sent, reason)
        return None

    @work(exclusive=True, group="todo-action", exit_on_error=False)
    async def _send_otp(self, outcome: str, comment: str) -> None:
        sent = await self._closure_step(service.send_otp, outcome, comment, outcome=outcome, comment=comment)
        if sent is not None:
            self.notify(f"OTP queued for {sent.mobile}: the consumer reads it out when it arrives", timeout=4)
            self._ask_otp(sent, comment)

    def _ask_otp(self, sent: OtpSent, comment: str, error: str = "") -> None:
        r = rules().otp
        hint = (f"Sent to {sent.mobile} to confirm: {sent.outcome}. Valid till {timefmt.show(sent.expires_at)}; "
                f"{sent.tries} wrong tries allowed.")

        def answered(answer: OtpAnswer | None) -> None:
            if answer is None:
                self.notify("Case left open; the OTP sent still works until it expires.", timeout=5)
            elif answer.kind == "code":
                self._check_otp(answer.code, sent, comment)
            elif answer.kind == "resend":
                self._send_otp(sent.outcome, comment)
            else:
                self._ask_reason(sent.outcome, comment)

        self.app.push_screen(
            OtpDialog(f"OTP for case {sent.case_id}", hint, digits=r.digits,
                      may_skip=bool(self.case_work and self.case_work.may_skip_otp), error=error),
            answered,
        )

    @work(exclusive=True, group="todo-action", exit_on_error=False)
    async def _check_otp(self, code: str, sent: OtpSent, comment: str) -> None:
        closed = await self._closure_step(service.close_with_otp, code, outcome=sent.outcome, comment=comment,
                                          sent=sent)
        if closed is not None:
            self._case_closed(closed)

    def _ask_reason(self, outcome: str, comment: str, error: str = "", error_field: str = "") -> None:
        minimum = rules().otp.min_override_reason_chars

        def given(reason: str) -> None:
            self._close_without_otp(outcome, comment, reason)

        counted = self.case_work.closed_without_otp if self.case_work else None
        so_far = f" Closed without OTP in your offices, last 30 days: {counted}." if counted is not None else ""
        dialog = TextDialog("Close without the consumer's OTP", "Reason (recorded and counted)",
                            hint=f"{outcome}. Say why the consumer cannot give the OTP.{so_far}", ok="Close case",
                            min_length=minimum, value=self.drafts.take("close-reason") or "", error=error,
                            error_field=error_field)
        self.drafts.push(self.app, "close-reason", dialog, given)

    @work(exclusive=True, group="todo-action", exit_on_error=False)
    async def _close_without_otp(self, outcome: str, comment: str, reason: str) -> None:
        closed = await self._closure_step(service.close_without_otp, outcome, comment, reason, outcome=outcome,
                                     comment=comment, reason=reason)
        if closed is not None:
            self._case_closed(closed)

    @work(exclusive=True, group="todo-action", exit_on_error=False)
    async def _close_officer_case(self, outcome: str, comment: str) -> None:
        closed = await self._closure_step(service.close_officer_case, outcome, comment, outcome=outcome,
                                          comment=comment)
        if closed is not None:
            self._case_closed(closed)

    def _closure_refused(self, exc: WssError, outcome: str, comment: str, sent: OtpSent | None, reason: str) -> None:
        """The store said no: show it in the OTP, close or reason dialog again, or as a toast."""
        if sent is not None and exc.field == "OTP":
            # Wrong, expired or spent: the dialog again, with the reason, to retype or send a new one.
            self._ask_otp(sent, comment, error=str(exc))
            return
        if exc.field in ("", "To Do", "case", "assigned to"):
            self._load()
        self.drafts.keep("close", (outcome, comment))
        if isinstance(exc, Stale) or sent is not None:
            # Changed under them (reloaded), or refused after the OTP went: say so; `c` starts from the draft.
            self.notify(str(exc), severity="error", timeout=10)
        elif reason and exc.field == "reason":
            self.drafts.keep("close-reason", reason)
            self._ask_reason(outcome, comment, error=str(exc), error_field=exc.field)
        else:
            self.start_closure(error=str(exc), error_field=exc.field)

    def _case_closed(self, closed: Closed) -> None:
        self.drafts.clear()
        self.wss.todos_changed += 1
        how = {ClosureMethod.OTP: "confirmed by the consumer's OTP", ClosureMethod.NO_OTP: "without OTP (recorded)",
               ClosureMethod.OFFICER: "officer's own case"}[closed.method]
        self._load(f"Case {closed.case_id} closed: {closed.status}, {how}")
