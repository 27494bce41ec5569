"""A month's bill from tariff category, load and units, by the rates in data/tariff.toml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from . import config
from .errors import Invalid


@dataclass(frozen=True)
class Rates:
    key: str
    description: str
    fixed_per_kw: float
    slabs: tuple[tuple[float, float], ...]
    duty_percent: float


@dataclass(frozen=True)
class Charges:
    fixed_paise: int
    energy_paise: int
    duty_paise: int

    @property
    def total_paise(self) -> int:
        return self.fixed_paise + self.energy_paise + self.duty_paise


@cache
def schedule() -> dict[str, Rates]:
    raw = config.load("tariff.toml")["category"]
    return {
        key: Rates(
            key=key,
            description=r["description"],
            fixed_per_kw=r["fixed_per_kw"],
            slabs=tuple((float(b), float(rate)) for b, rate in r["slabs"]),
            duty_percent=r["duty_percent"],
        )
        for key, r in raw.items()
    }


def rates_for(category: str, area: str) -> Rates:
    key = f"{category}-{area}"
    try:
        return schedule()[key]
    except KeyError:
        raise Invalid("tariff", f"no rates for category {category} in {area.lower()} areas; see data/tariff.toml") from None


def compute(category: str, area: str, load_kw: float, units: float, days: int = 30) -> Charges:
    """Fixed charge pro rata for the billing days, slab-wise energy charge, then duty on both."""
    if units < 0:
        raise Invalid("units", "units cannot be negative")
    if load_kw <= 0:
        raise Invalid("load", "sanctioned load must be more than 0 kW")
    rates = rates_for(category, area)
    fixed = rates.fixed_per_kw * load_kw * days / 30
    energy = 0.0
    floor = 0.0
    for bound, rate in rates.slabs:
        top = units if bound == 0 else min(units, bound)
        if top > floor:
            energy += (top - floor) * rate
        if bound == 0 or units <= bound:
            break
        floor = bound
    duty = (fixed + energy) * rates.duty_percent / 100
    return Charges(round(fixed * 100), round(energy * 100), round(duty * 100))
