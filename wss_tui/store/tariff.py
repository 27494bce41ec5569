"""A bill's charges from tariff category, load, units (or readings x multiplying factor) and billing
days, by the UPERC rates in data/tariff.toml: fixed charge, slab-wise energy charge, electricity duty,
and the arrear carried in.

Money is worked in Decimal rupees and rounded once per charge to whole paise (half up), so a bill
recomputed by hand from the schedule comes out to the paisa.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from . import settings
from .errors import Invalid
from .settings.files import RatesSettings

KW_PER_BHP = Decimal("0.746")
MONTH_DAYS = 30
MAX_DAYS = 366  # a bill can cover several unread months, never more than a year


@dataclass(frozen=True)
class Rates:
    key: str  # "LMV-1-URBAN"
    description: str
    schedule_line: str  # the line of UPERC's Rate Schedule the figures come from
    fixed: Decimal  # rupees per kW (or BHP) per month
    fixed_per: str  # "kW" | "BHP"
    slabs: tuple[tuple[Decimal, Decimal], ...]  # (monthly upper bound, 0 = none; rupees per kWh)
    duty_percent: Decimal


@dataclass(frozen=True)
class Period:
    start: date
    order: str
    rates: dict[str, Rates]


@dataclass(frozen=True)
class Charges:
    fixed_paise: int
    energy_paise: int
    duty_paise: int
    arrear_paise: int = 0

    @property
    def total_paise(self) -> int:
        """This period's charges: fixed, energy and duty (without the arrear)."""
        return self.fixed_paise + self.energy_paise + self.duty_paise

    @property
    def amount_paise(self) -> int:
        """What the bill asks for: this period's charges and the arrear."""
        return self.total_paise + self.arrear_paise


def _rates(key: str, raw: RatesSettings) -> Rates:
    per = raw.fixed_per
    slabs = tuple((Decimal(str(b)), Decimal(str(r))) for b, r in raw.slabs)
    bounds = [b for b, _ in slabs]
    if not slabs or bounds[-1] != 0 or any(b <= 0 for b in bounds[:-1]) or bounds[:-1] != sorted(set(bounds[:-1])):
        raise Invalid("tariff.toml", f"{key}: slabs must rise and end with an open slab [0, rate]")
    return Rates(
        key=key,
        description=raw.description,
        schedule_line=raw.schedule,
        fixed=Decimal(str(raw.fixed)),
        fixed_per=per,
        slabs=slabs,
        duty_percent=Decimal(str(raw.duty_percent)),
    )


@cache
def periods() -> tuple[Period, ...]:
    """Every rate period of data/tariff.toml, oldest first."""
    found = sorted(
        (
            Period(start=p.start, order=p.order, rates={k: _rates(k, r) for k, r in p.category.items()})
            for p in settings.read("tariff.toml").period
        ),
        key=lambda p: p.start,
    )
    if not found:
        raise Invalid("tariff.toml", "no [[period]] of rates; add one")
    return tuple(found)


def period_on(on: date | None = None) -> Period:
    """The rates in force on `on` (the latest when None)."""
    all_periods = periods()
    if on is None:
        return all_periods[-1]
    in_force = [p for p in all_periods if p.start <= on]
    if not in_force:
        raise Invalid("tariff", f"no rates for bills before {all_periods[0].start:%d-%m-%Y}; see data/tariff.toml")
    return in_force[-1]


def schedule(on: date | None = None) -> dict[str, Rates]:
    """Rates by "CATEGORY-AREA" key, of the period in force on `on` (the latest when None)."""
    return period_on(on).rates


def rates_for(category: str, area: str, on: date | None = None) -> Rates:
    key = f"{category}-{area}"
    try:
        return schedule(on)[key]
    except KeyError:
        raise Invalid("category", f"no rates for category {category} in {area.lower()} areas; see data/tariff.toml") from None


def units_from_readings(prev: float, curr: float, multiplying_factor: float = 1.0) -> float:
    """kWh billed between two readings of one meter: the advance times the meter's multiplying factor."""
    if multiplying_factor <= 0:
        raise Invalid("multiplying factor", "the multiplying factor must be more than 0; see the meter's CT ratio")
    if curr < prev:
        raise Invalid("reading", f"current reading {curr:,g} is lower than the previous reading {prev:,g}")
    return float((Decimal(str(curr)) - Decimal(str(prev))) * Decimal(str(multiplying_factor)))


def billing_days(period_from: date, period_to: date) -> int:
    return (period_to - period_from).days + 1


def _paise(rupees: Decimal) -> int:
    return int((rupees * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute(
    category: str,
    area: str,
    load_kw: float,
    units: float,
    days: int = MONTH_DAYS,
    *,
    on: date | None = None,
    arrear_paise: int = 0,
) -> Charges:
    """The charges of a bill of `days` days for `units` kWh, by the rates in force on `on`.

    Fixed charge: the monthly rate x load (kW, or BHP for categories charged per BHP) x days / 30.
    Energy: each slab's monthly bound scaled by days / 30, its units at its rate. Duty: its percent
    of fixed + energy, each already in whole paise.
    """
    if units < 0:
        raise Invalid("units", "units cannot be negative")
    if load_kw <= 0:
        raise Invalid("load", "sanctioned load must be more than 0 kW")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid("days", f"a bill covers 1 to {MAX_DAYS} days, not {days}")
    rates = rates_for(category, area, on)
    share = Decimal(days) / MONTH_DAYS
    load = Decimal(str(load_kw))
    if rates.fixed_per == "BHP":
        load = load / KW_PER_BHP
    fixed = _paise(rates.fixed * load * share)

    left, floor, energy = Decimal(str(units)), Decimal(0), Decimal(0)
    for bound, rate in rates.slabs:
        top = left + floor if bound == 0 else min(left + floor, bound * share)
        in_slab = top - floor
        if in_slab > 0:
            energy += in_slab * rate
            left -= in_slab
            floor = top
        if left <= 0:
            break
    energy_paise = _paise(energy)

    duty = int((Decimal(fixed + energy_paise) * rates.duty_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Charges(fixed, energy_paise, duty, arrear_paise)
