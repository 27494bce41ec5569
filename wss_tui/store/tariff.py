"""A bill's charges from tariff category, load, units (or readings x multiplying factor) and billing
period, by the UPERC rates in data/tariff.toml: fixed charge, slab-wise energy charge, the minimum
charge where the schedule has one, electricity duty, and the arrear carried in.

Each line of rates cites its order and clause and has the date it took effect; a bill is charged by
the lines in force over its period, split by days where it straddles a change (data/tariff.toml says
how). The fixed charge and the minimum are on the contracted load rounded up to the next whole kW (BHP),
as the Rate Schedule's general provisions require: `billed_load` is that rule, and the only place of it.

Money is worked in Decimal rupees and rounded once per charge to whole paise (half up), so a bill
recomputed by hand from the schedule comes out to the paisa.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cache

from . import settings
from .errors import Invalid
from .settings.files import RatesSettings

KW_PER_BHP = Decimal("0.746")
MONTH_DAYS = 30
MAX_DAYS = 366  # a bill can cover several unread months, never more than a year
SOURCE = "tariff.toml"


@dataclass(frozen=True)
class Order:
    key: str  # "FY2023-24"
    title: str  # "UPERC tariff order FY 2023-24"
    number: str  # petition or case numbers
    issued: date


@dataclass(frozen=True)
class Rates:
    """One line of data/tariff.toml: a category's rates in an area, as one order set them."""

    key: str  # "LMV-1-URBAN"
    description: str
    order: Order
    clause: str  # the clause of the order's Rate Schedule the figures come from
    effective_from: date
    effective_to: date | None  # its last day; None: until a later line
    fixed: Decimal  # rupees per kW (or BHP) per month
    fixed_per: str  # "kW" | "BHP"
    slabs: tuple[tuple[Decimal, Decimal], ...]  # (monthly upper bound, 0 = none; rupees per kWh)
    duty_percent: Decimal
    minimum: Decimal | None = None  # rupees per kW (or BHP) per month, against fixed + energy
    minimum_clause: str = ""

    @property
    def citation(self) -> str:
        """`UPERC tariff order FY 2023-24 of 24-05-2023, LMV-1 (d) …`: one line, for a screen or a log."""
        return f"{self.order.title} of {self.order.issued:%d-%m-%Y}, {self.clause}"

    @property
    def short_citation(self) -> str:
        """`LMV-1 (d) metered, urban, UPERC order of 24-05-2023`: the clause and order, within 80 columns."""
        return f"{self.clause}, UPERC order of {self.order.issued:%d-%m-%Y}"

    def charges_like(self, other: Rates) -> bool:
        """The same figures (whatever the citation): a bill across the two lines need not be split."""
        return (self.fixed, self.fixed_per, self.slabs, self.duty_percent, self.minimum) == (
            other.fixed, other.fixed_per, other.slabs, other.duty_percent, other.minimum)


@dataclass(frozen=True)
class Charges:
    fixed_paise: int
    energy_paise: int  # with the minimum charge's shortfall, which the bill carries on this line
    duty_paise: int
    arrear_paise: int = 0
    minimum_paise: int = 0  # of energy_paise, what the minimum charge added
    billed_load: Decimal = Decimal(0)  # the load the fixed charge is on: whole kW (or BHP)
    load_per: str = "kW"
    rates: tuple[Rates, ...] = ()  # the lines the bill was charged by, oldest first

    @property
    def total_paise(self) -> int:
        """This period's charges: fixed, energy and duty (without the arrear)."""
        return self.fixed_paise + self.energy_paise + self.duty_paise

    @property
    def amount_paise(self) -> int:
        """What the bill asks for: this period's charges and the arrear."""
        return self.total_paise + self.arrear_paise


# --- the file --------------------------------------------------------------------------------------


def _field(key: str) -> str:
    return f"{SOURCE} {key}"


def _day(d: date) -> str:
    return f"{d:%d-%m-%Y}"


def _rates(key: str, where: str, raw: RatesSettings, orders: dict[str, Order]) -> Rates:
    order = orders.get(raw.order)
    if order is None:
        raise Invalid(_field(f"{where}.order"),
                      f"{raw.order!r} is not an [order] of the file; use one of {', '.join(orders)}")
    if raw.effective_from < order.issued:
        raise Invalid(_field(f"{where}.effective_from"), f"{_day(raw.effective_from)} is before order {order.key} was "
                      f"issued ({_day(order.issued)}); a line takes effect on or after its order")
    if raw.effective_to is not None and raw.effective_to < raw.effective_from:
        raise Invalid(_field(f"{where}.effective_to"), f"{_day(raw.effective_to)} is before the line takes effect "
                      f"({_day(raw.effective_from)})")
    slabs = tuple((Decimal(str(b)), Decimal(str(r))) for b, r in raw.slabs)
    bounds = [b for b, _ in slabs]
    if bounds[-1] != 0 or any(b <= 0 for b in bounds[:-1]) or bounds[:-1] != sorted(set(bounds[:-1])):
        raise Invalid(_field(f"{where}.slabs"), "slabs must rise and end with an open slab [0, rate]")
    return Rates(
        key=key,
        description=raw.description,
        order=order,
        clause=raw.clause,
        effective_from=raw.effective_from,
        effective_to=raw.effective_to,
        fixed=Decimal(str(raw.fixed)),
        fixed_per=raw.fixed_per,
        slabs=slabs,
        duty_percent=Decimal(str(raw.duty_percent)),
        minimum=Decimal(str(raw.minimum.per_month)) if raw.minimum else None,
        minimum_clause=raw.minimum.clause if raw.minimum else "",
    )


@cache
def lines() -> dict[str, tuple[Rates, ...]]:
    """Every line of data/tariff.toml by "CATEGORY-AREA" key, oldest first, checked: each cites a known
    order, takes effect on or after it, and a category's lines run in date order without overlapping."""
    raw = settings.read(SOURCE)
    orders = {k: Order(k, o.title, o.number, o.issued) for k, o in raw.order.items()}
    found: dict[str, tuple[Rates, ...]] = {}
    per: dict[str, tuple[str, str]] = {}  # category -> (fixed_per, where first seen)
    for key, raw_lines in raw.category.items():
        if key.rsplit("-", 1)[-1] not in ("URBAN", "RURAL"):
            raise Invalid(_field(f"category.{key}"), "name a category and its area, e.g. LMV-1-URBAN or LMV-1-RURAL")
        out: list[Rates] = []
        for i, raw_line in enumerate(raw_lines, start=1):
            where = f"category.{key}[{i}]"
            line = _rates(key, where, raw_line, orders)
            if out:
                before = out[-1]
                if line.effective_from <= before.effective_from:
                    raise Invalid(_field(f"{where}.effective_from"), f"{_day(line.effective_from)} is not after line "
                                  f"[{i - 1}]'s {_day(before.effective_from)}; list a category's lines oldest first, "
                                  "one per date")
                if before.effective_to is not None and before.effective_to >= line.effective_from:
                    raise Invalid(_field(f"{where}.effective_from"), f"line [{i - 1}] is in force to "
                                  f"{_day(before.effective_to)}, which overlaps this line from "
                                  f"{_day(line.effective_from)}; end it the day before")
            category = key.rsplit("-", 1)[0]
            seen = per.setdefault(category, (line.fixed_per, where))
            if seen[0] != line.fixed_per:
                raise Invalid(_field(f"{where}.fixed_per"), f"{category} is charged per {seen[0]} in {seen[1]}; "
                              "a category is charged per kW or per BHP throughout")
            out.append(line)
        found[key] = tuple(out)
    return found


def _line_on(key: str, day: date) -> Rates | None:
    in_force = [r for r in lines().get(key, ()) if r.effective_from <= day]
    if not in_force or (in_force[-1].effective_to is not None and in_force[-1].effective_to < day):
        return None
    return in_force[-1]


def _latest_day() -> date:
    return max(r.effective_from for rs in lines().values() for r in rs)


def schedule(on: date | None = None) -> dict[str, Rates]:
    """Rates by "CATEGORY-AREA" key, of the lines in force on `on` (the latest line's date when None)."""
    day = on or _latest_day()
    found = {key: _line_on(key, day) for key in lines()}
    return {key: r for key, r in found.items() if r is not None}


def rates_for(category: str, area: str, on: date | None = None) -> Rates:
    key = f"{category}-{area}"
    if key not in lines():
        raise Invalid("category", f"no rates for category {category} in {area.lower()} areas; see data/tariff.toml")
    day = on or _latest_day()
    found = _line_on(key, day)
    if found is None:
        raise Invalid("tariff", f"no rates for {category} in {area.lower()} areas on {_day(day)}; see data/tariff.toml")
    return found


def citation_on(category: str, area: str, on: date) -> str:
    """The short citation of the rates a category is on, on `on`; "" when data/tariff.toml has none."""
    try:
        return rates_for(category, area, on).short_citation
    except Invalid:
        return ""


def parts(category: str, area: str, period_from: date, period_to: date) -> list[tuple[Rates, int]]:
    """The lines in force over a bill's period, with the days each covers; consecutive lines of the same
    figures are one part, cited by the later line."""
    found: list[tuple[Rates, int]] = []
    day = period_from
    while day <= period_to:
        line = rates_for(category, area, day)
        last = period_to if line.effective_to is None else min(period_to, line.effective_to)
        later = [r.effective_from for r in lines()[line.key] if day < r.effective_from <= last]
        if later:
            last = later[0] - timedelta(days=1)
        days = (last - day).days + 1
        if found and found[-1][0].charges_like(line):
            found[-1] = (line, found[-1][1] + days)
        else:
            found.append((line, days))
        day = last + timedelta(days=1)
    return found


# --- the load ----------------------------------------------------------------------------------------


def billed_load(load_kw: float, per: str = "kW") -> Decimal:
    """The load the fixed and minimum charges are on: the contracted load in kW (or BHP), a fraction
    counted as the next whole one (Rate Schedule, general provisions: 1.2 kW is billed as 2 kW)."""
    load = Decimal(str(load_kw))
    if per == "BHP":
        load = load / KW_PER_BHP
    return Decimal(int(load.to_integral_value(rounding=ROUND_CEILING)))


def _per(category: str) -> str | None:
    for key, rs in lines().items():
        if key.rsplit("-", 1)[0] == category:
            return rs[0].fixed_per
    return None


def load_text(category: str, load_kw: float, *, short: bool = False) -> str:
    """`1.2 kW (billed 2 kW)`, `2 kW`, `7.5 kW (billed 11 BHP)`; short: `1.2 (billed 2)`, `7.5 = 11 BHP`."""
    shown = f"{load_kw:,.0f}" if float(load_kw).is_integer() else f"{load_kw:,.3f}".rstrip("0")
    per = _per(category)
    if per is None or load_kw <= 0:
        return shown if short else f"{shown} kW"
    billed = billed_load(load_kw, per)
    if per == "BHP":
        return f"{shown} = {billed} BHP" if short else f"{shown} kW (billed {billed} BHP)"
    if billed == Decimal(str(load_kw)):
        return shown if short else f"{shown} kW"
    return f"{shown} (billed {billed})" if short else f"{shown} kW (billed {billed} kW)"


# --- the charges -------------------------------------------------------------------------------------


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


def _part(rates: Rates, load: Decimal, units: Decimal, days: int) -> tuple[int, int, int, int]:
    """(fixed, energy with the minimum's shortfall, the shortfall, duty) in paise, of a bill of `days` days."""
    share = Decimal(days) / MONTH_DAYS
    fixed = _paise(rates.fixed * load * share)
    left, floor, energy = units, Decimal(0), Decimal(0)
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
    # The minimum is of the tariff's own charges, fixed and energy: not the duty (the State's), not the arrear.
    short = 0 if rates.minimum is None else max(0, _paise(rates.minimum * load * share) - fixed - energy_paise)
    energy_paise += short
    duty = int((Decimal(fixed + energy_paise) * rates.duty_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return fixed, energy_paise, short, duty


def compute(
    category: str,
    area: str,
    load_kw: float,
    units: float,
    days: int = MONTH_DAYS,
    *,
    on: date | None = None,
    period_from: date | None = None,
    arrear_paise: int = 0,
) -> Charges:
    """The charges of a bill of `days` days for `units` kWh, by the rates in force on `on` (the period's
    last day); with `period_from` too, by the lines in force over the period, split by days.

    Fixed charge: the monthly rate x the billed load (whole kW, or BHP for categories charged per BHP)
    x days / 30. Energy: each slab's monthly bound scaled by days / 30, its units at its rate. Minimum:
    where the line has one, the monthly minimum x billed load x days / 30, less fixed + energy, if more.
    Duty: its percent of fixed + energy, each already in whole paise. A split bill charges each part so
    for its days and its share of the units (units x part's days / days), and adds the parts.
    """
    if units < 0:
        raise Invalid("units", "units cannot be negative")
    if load_kw <= 0:
        raise Invalid("load", "sanctioned load must be more than 0 kW")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid("days", f"a bill covers 1 to {MAX_DAYS} days, not {days}")
    if period_from is not None:
        if on is None or billing_days(period_from, on) != days:
            raise Invalid("days", f"a bill from {_day(period_from)} covers {days} days; give its last day too")
        split = parts(category, area, period_from, on)
    else:
        split = [(rates_for(category, area, on), days)]
    per = split[0][0].fixed_per
    load = billed_load(load_kw, per)
    total = Decimal(str(units))
    fixed = energy = short = duty = 0
    counted = Decimal(0)
    for i, (rates, part_days) in enumerate(split):
        # The last part takes what the others left, so the parts' units add up to the bill's exactly.
        part_units = total - counted if i == len(split) - 1 else total * part_days / days
        counted += part_units
        f, e, s, d = _part(rates, load, part_units, part_days)
        fixed, energy, short, duty = fixed + f, energy + e, short + s, duty + d
    return Charges(fixed, energy, duty, arrear_paise, short, load, per, tuple(r for r, _ in split))
