"""The revised bill's terms: its new due date, and the late payment surcharge (LPS) the billing system
charged on the disputed part of the old bill, which the approval reverses. Pure, no database.

The extracts (store/importing/layouts.py) carry no surcharge column, so the LPS is worked out as the
billing system added it: percent (revision.toml [lps]) x disputed amount x whole months from the old
due date to the day of the revision. The disputed amount is what the revision takes off the bill; a
revision that raises the bill reverses nothing (no surcharge was charged on what was never billed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .. import money


@dataclass(frozen=True)
class Lps:
    percent: float  # per month
    months: int  # whole months from the old due date to the revision
    disputed_paise: int
    paise: int  # the surcharge charged on the disputed amount: reversed when the revision is approved
    held: bool = False  # a bill on hold was never issued, so never charged a surcharge

    @property
    def text(self) -> str:
        """`LPS 1.25% x 3 months on 86.62INR: 3.25INR reversed`, or why there is none."""
        if self.held:
            return "LPS: none (a bill on hold was never issued)"
        if not self.disputed_paise:
            return "LPS: none to reverse (the revision takes nothing off the bill)"
        if not self.months:
            return "LPS: none charged yet (not a whole month past the due date)"
        return (f"LPS {self.percent:g}% x {self.months} month{'s' if self.months != 1 else ''} on "
                f"{money.rupees(self.disputed_paise)}: {money.rupees(self.paise)} reversed")


def whole_months(since: date, on: date) -> int:
    """Whole months from `since` to `on`: 10-08 to 09-11 is 2, to 10-11 is 3; none before `since`."""
    months = (on.year - since.year) * 12 + on.month - since.month - (on.day < since.day)
    return max(months, 0)


def lps(amount_before_paise: int, amount_after_paise: int, due_date: date, on: date, percent: float) -> Lps:
    disputed = max(amount_before_paise - amount_after_paise, 0)
    months = whole_months(due_date, on)
    charged = Decimal(disputed) * Decimal(str(percent)) / 100 * months
    return Lps(percent, months, disputed, int(charged.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def balance_change(difference_paise: int, reversed_lps: Lps | None) -> int:
    """What the approval posts to the account: the bill's difference less the LPS reversed."""
    return difference_paise - (reversed_lps.paise if reversed_lps else 0)
