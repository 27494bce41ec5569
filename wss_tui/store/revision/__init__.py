"""Bill revision: the worksheet and its figures (`sheet.py`, `calc.py`), the rules and powers of
approval (`rules.py`, `powers.py`), proposing, approving and rejecting (`proposals.py`), the review and
audit drawn after approval (`oversight.py`), and closing the case (`closure.py`).

Callers use `revision.propose(...)`, `revision.worksheet(...)` …; the submodules for the rest
(`from wss_tui.store.revision import closure, powers`, `from wss_tui.store.revision.calc import Correction`).
"""

from __future__ import annotations

from .proposals import approve, open_officer_case, propose, reject
from .rules import APPROVAL, AUDIT, OFFICER_CASE, REVIEW
from .sheet import (
    DECIDE,
    PROPOSE,
    REVISED,
    REVISION_TODO_TYPES,
    VIEW,
    Preview,
    RevisionInfo,
    Worksheet,
    active_staff,
    after_of,
    bill_of_account,
    bill_worksheet,
    case_and_bill,
    case_of,
    info,
    latest_of_case,
    open_case_on,
    preview,
    proposal_refusal,
    revision_of_todo,
    standing,
    worksheet,
)

__all__ = [
    "APPROVAL",
    "AUDIT",
    "DECIDE",
    "OFFICER_CASE",
    "PROPOSE",
    "Preview",
    "REVIEW",
    "REVISED",
    "REVISION_TODO_TYPES",
    "RevisionInfo",
    "VIEW",
    "Worksheet",
    "active_staff",
    "after_of",
    "approve",
    "bill_of_account",
    "bill_worksheet",
    "case_and_bill",
    "case_of",
    "info",
    "latest_of_case",
    "open_case_on",
    "open_officer_case",
    "preview",
    "proposal_refusal",
    "propose",
    "reject",
    "revision_of_todo",
    "standing",
    "worksheet",
]
