"""The maker's correction of a bill: what was wrong (reason, reading or units, basis, load, category,
arrear, the meter's register digits for a rollover), the remark, and for an officer's own case its
kind. Reason METER-CHANGE shows a row more: the old meter's final reading and MF, the new meter's
initial reading and MF. The form only reads what was typed into numbers; the store recomputes the bill
and has the last word on every rule.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select

from wss_tui.plain import plain
from wss_tui.store import money, numbers
from wss_tui.store.errors import Invalid
from wss_tui.store.revision.calc import BASES, METER_CHANGE, REVISED_BASES, Correction
from wss_tui.store.revision.rules import rules
from wss_tui.store.revision.run import RunRequest

KEEP = "="  # a select left "as billed"
EACH, SPREAD = "each", "spread"


class RevisionForm(Vertical):
    def compose(self) -> ComposeResult:
        r = rules()
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
        with Horizontal(classes="form-row", id="meter-row"):
            yield Label("Old final", classes="form-label")
            yield Input(id="old-final", placeholder="reading", compact=True, max_length=12)
            yield Label("Old MF", classes="form-label")
            yield Input(id="old-mf", placeholder="MF", compact=True, max_length=6)
            yield Label("New initial", classes="form-label")
            yield Input(id="new-initial", placeholder="reading", compact=True, max_length=12)
            yield Label("New MF", classes="form-label")
            yield Input(id="new-mf", placeholder="as billed", compact=True, max_length=6)
        with Horizontal(classes="form-row"):
            yield Label("Arrear Rs", classes="form-label")
            yield Input(id="arrear", placeholder="as billed", compact=True, max_length=14)
            yield Label("Digits", classes="form-label")
            yield Input(id="digits", placeholder=str(r.meter_digits), compact=True, max_length=1)
            yield Label("Remark", classes="form-label")
            yield Input(id="remark", placeholder="what was wrong and how you found it", compact=True,
                        max_length=r.max_remark_chars)
        with Horizontal(classes="form-row", id="run-row"):
            yield Label("Run from bill", classes="form-label")
            yield Input(id="from-bill", placeholder="this bill", compact=True, max_length=16)
            yield Label("through", classes="form-label")
            yield Input(id="through-bill", placeholder="this bill", compact=True, max_length=16)
            yield Select([("re-bill each month", EACH), ("spread the reading", SPREAD)], value=EACH,
                         allow_blank=False, compact=True, id="run-way")
        with Horizontal(classes="form-row", id="case-kind-row"):
            yield Label("Case", classes="form-label")
            yield Select([(plain(c.case_type), code) for code, c in r.officer_cases.items()], allow_blank=False,
                         compact=True, id="case-kind")

    def on_mount(self) -> None:
        self.query_one("#meter-row").display = False

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "reason":
            self.query_one("#meter-row").display = event.value == METER_CHANGE

    def set_categories(self, categories: list[str]) -> None:
        category = self.query_one("#category", Select)
        category.set_options([("as billed", KEEP)] + [(plain(c), c) for c in categories])
        category.value = KEEP

    def choose(self, *, case_kind: str, reason: str) -> None:
        self.query_one("#case-kind", Select).value = case_kind
        self.query_one("#reason", Select).value = reason

    @property
    def case_kind(self) -> str:
        return str(self.query_one("#case-kind", Select).value)

    def run_request(self) -> RunRequest:
        """The run of bills around the case's bill the form names (empty: the bill alone)."""
        q = self.query_one
        return RunRequest(from_bill=q("#from-bill", Input).value.strip() or None,
                          through_bill=q("#through-bill", Input).value.strip() or None,
                          spread=q("#run-way", Select).value == SPREAD)

    def correction(self) -> Correction:
        """What the form says, or Invalid naming the field that does not read as a number."""
        q = self.query_one
        basis, category = q("#basis", Select).value, q("#category", Select).value
        reason = str(q("#reason", Select).value)
        changing_meter = reason == METER_CHANGE  # the row's fields count only while it shows

        def meter(field_id: str, name: str) -> float | None:
            return numbers.quantity(q(f"#{field_id}", Input).value, name) if changing_meter else None

        digits = q("#digits", Input).value.strip()
        if digits and not digits.isdigit():
            raise Invalid("Digits", f"{digits!r} is not a number of digits; type 4 to 7, "
                                    f"or leave it for {rules().meter_digits}")
        return Correction(
            reason_code=reason,
            remark=q("#remark", Input).value,
            curr_reading=numbers.quantity(q("#reading", Input).value, "Reading"),
            units=numbers.quantity(q("#units", Input).value, "Units"),
            basis=None if basis == KEEP else str(basis),
            load_kw=numbers.quantity(q("#load", Input).value, "Load"),
            category=None if category == KEEP else str(category),
            arrear_paise=money.paise(q("#arrear", Input).value, "Arrear"),
            old_final_reading=meter("old-final", "Old final"),
            old_multiplying_factor=meter("old-mf", "Old MF"),
            new_initial_reading=meter("new-initial", "New initial"),
            new_multiplying_factor=meter("new-mf", "New MF"),
            digits=int(digits) if digits else None,
        )
