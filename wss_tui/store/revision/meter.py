"""Units from a meter's readings where the simple advance is wrong: a meter replaced during the period
(the old meter's last units and the new meter's first, each at its own multiplying factor), or a
register that rolled over past its last figure. Pure, no database; every refusal is one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import Invalid

METER_CHANGE = "METER-CHANGE"


def number(value: float | None) -> str:
    """4,512 or 4,512.5: readings and units as a meter shows them."""
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def _d(value: float) -> Decimal:
    return Decimal(str(value))  # the figure as typed: 0.1 + 0.2 kWh is 0.3, not 0.30000000000000004


@dataclass(frozen=True)
class MeterChange:
    """What the maker entered for a replaced meter, and the units it makes."""

    old_final: float
    old_mf: float
    new_initial: float
    new_mf: float
    curr: float
    units: float


def require(old_final: float | None, old_mf: float | None, new_initial: float | None) -> None:
    """Each piece a meter change is worked out from, or Invalid naming those missing."""
    missing = [what for what, value in (("the old meter's final reading", old_final),
                                        ("the old meter's multiplying factor", old_mf),
                                        ("the new meter's initial reading", new_initial)) if value is None]
    if missing:
        raise Invalid("meter change", f"needs {', '.join(missing)}; enter "
                                      + ("it" if len(missing) == 1 else "them"))


def changed(bill_no: str, prev: float | None, curr: float | None, new_mf: float, old_final: float | None,
            old_mf: float | None, new_initial: float | None) -> MeterChange:
    """units = (old final - previous) x old MF + (current - new initial) x new MF, or Invalid."""
    require(old_final, old_mf, new_initial)
    if prev is None:
        raise Invalid("reading", f"bill {bill_no} has no previous reading of the old meter to count from; "
                                 "revise it on units with reason UNITS")
    if curr is None:
        raise Invalid("reading", "enter the new meter's current reading")
    for field, value in (("old final", old_final), ("new initial", new_initial), ("reading", curr)):
        if value < 0:
            raise Invalid(field, "a meter reading cannot be negative")
    for field, value in (("old MF", old_mf), ("new MF", new_mf)):
        if value <= 0:
            raise Invalid(field, "a multiplying factor must be more than 0; see the meter's CT ratio")
    if old_final < prev:
        raise Invalid("old final", f"the old meter's final reading {number(old_final)} is below its previous reading "
                                   f"{number(prev)}; check the meter replacement report")
    if curr < new_initial:
        raise Invalid("reading", f"the new meter's current reading {number(curr)} is below its initial reading "
                                 f"{number(new_initial)}; check the readings")
    units = (_d(old_final) - _d(prev)) * _d(old_mf) + (_d(curr) - _d(new_initial)) * _d(new_mf)
    return MeterChange(old_final, old_mf, new_initial, new_mf, curr, float(units))


def check_digits(digits: int | None) -> None:
    if digits is not None and not 4 <= digits <= 7:
        raise Invalid("digits", f"a meter register has 4 to 7 digits, not {digits}")


def fits(digits: int, *readings: float | None) -> None:
    """Each reading within a `digits`-digit register, or Invalid."""
    register = 10**digits
    for value in readings:
        if value is not None and value >= register:
            raise Invalid("digits", f"reading {number(value)} does not fit a {digits}-digit register "
                                    f"(at most {number(register - 1)}); give the meter's own digits")


def rolled_over(prev: float, curr: float, mf: float, digits: int, max_share: float) -> float:
    """Units of a register that passed its last figure (…99,999 → 0 → curr), times the MF, or Invalid
    if that would be more than `max_share` of the register: a misread, or a meter replaced unrecorded."""
    fits(digits, prev, curr)
    register = 10**digits
    advance = Decimal(register) - _d(prev) + _d(curr)
    if advance > Decimal(register) * _d(max_share):
        raise Invalid(
            "reading",
            f"{number(curr)} is lower than the previous reading {number(prev)} and "
            f"{number(float(advance))} units is too many for a {digits}-digit rollover; check it, or choose "
            f"reason {METER_CHANGE}",
        )
    return float(advance * _d(mf))


def rollover_text(digits: int) -> str:
    return f"register rollover ({digits} digits)"
