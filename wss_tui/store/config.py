"""Shipped configuration (data/*.toml) read into plain, frozen objects.

The files live in `data/` of the source tree and are packaged as `wss_tui/_data` in the wheel;
`WSS_DATA_DIR` points elsewhere (an office's own copy).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import Invalid

OFFICE_LEVELS = ("discom", "zone", "circle", "division", "subdivision")


def data_dir() -> Path:
    explicit = os.environ.get("WSS_DATA_DIR")
    if explicit:
        return Path(explicit)
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_data"
    return packaged if packaged.is_dir() else here.parent / "data"


def load(name: str) -> dict:
    with open(data_dir() / name, "rb") as fh:
        return tomllib.load(fh)


@dataclass(frozen=True)
class OfficeSpec:
    code: str
    name: str
    level: str
    parent: str | None
    town: str
    area: str | None


@dataclass(frozen=True)
class Role:
    code: str
    description: str
    scope: str
    works_todos: bool
    counter: bool = False  # enters consumers' requests on their behalf (intake's operator)


@dataclass(frozen=True)
class RequestType:
    code: str
    name: str
    case_type: str
    initial_status: str
    needs_bill: bool
    todo_type: str
    todo_description: str
    message: str
    role: str
    priority: int
    sla_days: int
    roles: tuple[str, ...] = ()  # the roles that work its To Do type (todo_rights.py); `role` among them


@dataclass(frozen=True)
class IntakeRules:
    max_attachment_bytes: int
    min_reason_chars: int
    max_reason_chars: int
    max_attachments: int
    attachment_types: tuple[str, ...]


@cache
def offices() -> tuple[OfficeSpec, ...]:
    specs = tuple(
        OfficeSpec(
            code=o["code"],
            name=o["name"],
            level=o["level"],
            parent=o.get("parent"),
            town=o["town"],
            area=o.get("area"),
        )
        for o in load("offices.toml")["office"]
    )
    seen: set[str] = set()
    for spec in specs:
        if spec.level not in OFFICE_LEVELS:
            raise Invalid("offices.toml", f"office {spec.code} has unknown level {spec.level!r}")
        if spec.parent is not None and spec.parent not in seen:
            raise Invalid("offices.toml", f"office {spec.code} names parent {spec.parent} before it is defined")
        seen.add(spec.code)
    return specs


@cache
def roles() -> dict[str, Role]:
    return {
        code: Role(code=code, description=r["description"], scope=r["scope"], works_todos=r["works_todos"],
                   counter=bool(r.get("counter", False)))
        for code, r in load("roles.toml")["role"].items()
    }


@cache
def request_types() -> dict[str, RequestType]:
    found = {}
    for code, r in load("request_types.toml")["request"].items():
        r = dict(r)
        roles = working_roles(f"request_types.toml request.{code}.roles", r.pop("roles", [r["role"]]), (r["role"],))
        found[code] = RequestType(code=code, roles=roles, **r)
    return found


def working_roles(key: str, value, must_include: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A `roles = [...]` setting: the roles that work a To Do type, and so may be forwarded it.
    Each a role of roles.toml that works To Dos; `must_include` are the roles the type is routed to,
    which must work it. In roles.toml order, so every list reads the same way."""
    known = roles()
    workers = [c for c, r in known.items() if r.works_todos]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise Invalid(key, f'give a list of roles, e.g. roles = ["{workers[0]}", "{workers[1]}"]')
    for code in value:
        if code not in workers:
            raise Invalid(key, f"{code} is not a role that works To Dos; use roles of roles.toml: {', '.join(workers)}")
    for code in must_include:
        if code not in value:
            raise Invalid(key, f"add {code}: its To Dos are sent to {code}, so {code} must work them")
    return tuple(c for c in known if c in value)


def request_type(code: str) -> RequestType:
    try:
        return request_types()[code]
    except KeyError:
        known = ", ".join(request_types())
        raise Invalid("type", f"unknown request type {code!r}; use one of: {known}") from None


@cache
def intake_rules() -> IntakeRules:
    raw = dict(load("request_types.toml")["intake"])
    override = os.environ.get("WSS_MAX_ATTACHMENT_BYTES")
    if override:
        raw["max_attachment_bytes"] = int(override)
    raw["attachment_types"] = tuple(raw["attachment_types"])
    return IntakeRules(**raw)


@cache
def sms_templates() -> dict[str, dict[str, str]]:
    return load("sms.toml")


@cache
def search_check_seconds() -> float:
    """data/search.toml [search] check_seconds: how often an open To Do Search checks for changes."""
    value = load("search.toml").get("search", {}).get("check_seconds", 10)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 3 <= value <= 300:
        raise Invalid("search.toml search.check_seconds", f"give a number of seconds from 3 to 300, not {value!r}")
    return float(value)
