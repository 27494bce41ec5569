"""The MIS's figures and report: what report() returns, and how its rows are exported and rounded.

Tables show money rounded to the rupee (money.whole_rupees); CSV and JSON carry the exact paise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from .. import money


@dataclass(frozen=True)
class Figures:
    pending: int = 0
    age_0_7: int = 0
    age_8_15: int = 0
    age_16_30: int = 0
    age_over_30: int = 0
    due_today: int = 0  # not yet due, due before midnight IST
    breached: int = 0
    levels: tuple[int, ...] = ()  # pending cases at escalation level 0, 1, 2, …
    compensation_paise: int = 0  # accrued on the pending cases up to now
    received: int = 0
    closed: int = 0
    closed_within_sla: int = 0
    rejected: int = 0
    closed_without_otp: int = 0
    closed_compensation_paise: int = 0  # owed on the cases closed in the period
    revisions_approved: int = 0  # bill revisions approved in the period
    revision_amount_paise: int = 0  # their net change to the bills (negative: credited to consumers)
    sms_failed: int = 0  # messages on these cases that delivery gave up on, of any date
    reviews_overdue: int = 0  # Director's review To Dos of approved revisions still open past their due time
    audits_overdue: int = 0  # audit To Dos of sampled revisions still open past revision.toml audit.due_days

    @property
    def ageing(self) -> tuple[int, int, int, int]:
        return (self.age_0_7, self.age_8_15, self.age_16_30, self.age_over_30)

    def __add__(self, other: Figures) -> Figures:
        values = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "levels":
                width = max(len(a), len(b))
                values[f.name] = tuple(x + y for x, y in zip(a + (0,) * (width - len(a)), b + (0,) * (width - len(b))))
            else:
                values[f.name] = a + b
        return Figures(**values)


@dataclass(frozen=True)
class MisRow:
    key: str  # office code, or the officer's user ID ("" for cases nobody has taken)
    name: str
    level: str  # discom … subdivision, or officer
    figures: Figures
    drillable: bool  # Enter goes one level down from this row


@dataclass(frozen=True)
class MisReport:
    office_code: str | None  # whose subtree; None: every discom (the administrator's top)
    office_name: str
    office_level: str  # discom … subdivision, or "all"
    breadcrumb: list[tuple[str | None, str]]  # (code, name) from the top of the actor's scope down
    parent_code: str | None  # one level up (None with can_go_up: the administrator's top)
    can_go_up: bool  # False at the top of the actor's scope
    row_level: str
    rows: list[MisRow]
    total: Figures
    period_start: datetime
    period_end: datetime
    as_of: datetime
    escalation_levels: int  # levels of the matrix; Figures.levels has one more (level 0)
    kind: str = "bill-revision"  # which cases the figures count (kinds.KINDS)
    channel: str | None = None  # and through which channel only; None: every channel
    pending_by_kind: tuple[tuple[str, int], ...] = ()  # (kind, pending) of each separate kind, in the office


def from_mapping(m: dict, n_levels: int) -> Figures:
    values = {f.name: int(m[f.name] or 0) for f in fields(Figures) if f.name in m}
    values["levels"] = tuple(int(m.get(f"level_{k}") or 0) for k in range(n_levels + 1))
    return Figures(**values)


# The money figures, as the tables head them. Tables show them rounded to the rupee (money.whole_rupees);
# CSV and JSON carry the exact paise.
MONEY_LABELS = {
    "compensation_paise": "Comp Rs",
    "closed_compensation_paise": "Disposal Comp Rs",
    "revision_amount_paise": "Rev Rs",
}


def rounding_notes(report: MisReport, names: tuple[str, ...] = tuple(MONEY_LABELS)) -> list[str]:
    """A line for each money column whose rows, each rounded to the rupee, do not add up to the
    rounded total (Rs 0.50 in each of two rows shows as 1 and 1, their total of Rs 1.00 as 1)."""
    notes = []
    for name in names:
        rows = [getattr(r.figures, name) for r in report.rows]
        total = getattr(report.total, name)
        if money.rounding_gap(rows, total):
            shown = sum(money.round_rupees(p) for p in rows)
            notes.append(
                f"{MONEY_LABELS[name]}: rows rounded to the rupee add to {money.whole_rupees(shown * 100)}; "
                f"the total is {money.rupees(total).removesuffix('INR')}"
            )
    return notes


def export_columns(escalation_levels: int) -> list[str]:
    """The column names of a CSV or JSON row, in order (the figures of Figures, levels spread)."""
    names = []
    for f in fields(Figures):
        if f.name == "levels":
            names += [f"level_{k}" for k in range(escalation_levels + 1)]
        else:
            names.append(f.name)
    return names


def export_row(figures: Figures) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in fields(Figures):
        value = getattr(figures, f.name)
        if f.name == "levels":
            out.update({f"level_{k}": n for k, n in enumerate(value)})
        else:
            out[f.name] = value
    return out
