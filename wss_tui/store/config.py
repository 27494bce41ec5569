"""Shipped configuration (data/*.toml) read into plain, frozen objects.

Each file is read through its pydantic model (store/settings/), which names the file, the key and the
rule of any problem; what the models cannot say alone (a role of roles.toml, a parent office defined
before its children) is checked here. The files live in `data/` of the source tree and are packaged as `wss_tui/_data` in the wheel;
`WSS_DATA_DIR` points elsewhere (an office's own copy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import settings
from .codes import RequestType as KnownRequestType
from .errors import Invalid

KNOWN_REQUEST_TYPES = tuple(KnownRequestType)

OFFICE_LEVELS = ("discom", "zone", "circle", "division", "subdivision")


def data_dir() -> Path:
    explicit = os.environ.get("WSS_DATA_DIR")
    if explicit:
        return Path(explicit)
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_data"
    return packaged if packaged.is_dir() else here.parent / "data"


def load(name: str) -> dict:
    """The file as a dict, checked against its model (settings.ConfigError names file and key)."""
    return settings.raw(name)


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
    # Owed per full day late (SoP); None: escalation.toml [compensation] rupees_per_day.
    compensation_rupees_per_day: int | None = None


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
        OfficeSpec(code=o.code, name=o.name, level=o.level, parent=o.parent, town=o.town, area=o.area)
        for o in settings.read("offices.toml").office
    )
    seen: set[str] = set()
    for spec in specs:
        if spec.parent is not None and spec.parent not in seen:
            raise Invalid("offices.toml", f"office {spec.code} names parent {spec.parent} before it is defined")
        seen.add(spec.code)
    return specs


@cache
def roles() -> dict[str, Role]:
    return {
        code: Role(code=code, description=r.description, scope=r.scope, works_todos=r.works_todos, counter=r.counter)
        for code, r in settings.read("roles.toml").role.items()
    }


@cache
def seniority() -> tuple[str, ...]:
    """roles.toml `seniority`: the roles that make and check bill revisions, most junior first."""
    order = load("roles.toml").get("seniority", [])
    known = roles()
    if not isinstance(order, list) or not all(isinstance(c, str) for c in order):
        raise Invalid("roles.toml seniority", 'list the roles most junior first, e.g. seniority = ["TR-SDC", "TR-SDO"]')
    for code in order:
        if code not in known:
            raise Invalid("roles.toml seniority", f"{code} is not a role of roles.toml")
    if len(set(order)) != len(order):
        raise Invalid("roles.toml seniority", "name each role once")
    return tuple(order)


ROLE_PREFIX = "To Do Role for "  # how roles.toml describes a role; the title is what follows


def role_title(code: str) -> str:
    """The role as people name the officer: "Executive Engineer" (its code, for a role not configured)."""
    role = roles().get(code)
    return code if role is None else role.description.removeprefix(ROLE_PREFIX)


def rank(role: str) -> int | None:
    """The role's place in the seniority order (0 the most junior), or None for a role outside it."""
    order = seniority()
    return order.index(role) if role in order else None


@cache
def request_types() -> dict[str, RequestType]:
    found = {}
    for code, r in settings.read("request_types.toml").request.items():
        if code not in KNOWN_REQUEST_TYPES:  # `wss request new --type` offers codes.RequestType, no other
            raise Invalid(f"request_types.toml request.{code}",
                          f"not a request type of WSS; use one of: {', '.join(KNOWN_REQUEST_TYPES)}")
        fields = r.model_dump(exclude={"roles"})
        roles = working_roles(f"request_types.toml request.{code}.roles", r.roles or [r.role], (r.role,))
        found[code] = RequestType(code=code, roles=roles, **fields)
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
    raw = settings.read("request_types.toml").intake.model_dump()
    override = os.environ.get("WSS_MAX_ATTACHMENT_BYTES")
    if override:
        raw["max_attachment_bytes"] = int(override)
    raw["attachment_types"] = tuple(raw["attachment_types"])
    return IntakeRules(**raw)


@cache
def hindi_names() -> dict[str, dict[str, str]]:
    """data/hindi.toml: the Hindi names of case statuses ([status]), requests ([request]) and the
    officers a complaint escalates to ([role])."""
    raw = settings.read("hindi.toml")
    return {"status": dict(raw.status), "request": dict(raw.request), "role": dict(raw.role)}


@cache
def sms_templates() -> dict[str, dict[str, str]]:
    return settings.read("sms.toml").model_dump()


@cache
def search_check_seconds() -> float:
    """data/search.toml [search] check_seconds: how often an open To Do Search checks for changes."""
    return float(settings.read("search.toml").search.check_seconds)


LOCK_AFTER_ENV = "WSS_LOCK_AFTER_MINUTES"


def lock_after_seconds() -> float:
    """`WSS_LOCK_AFTER_MINUTES`: how long a logged-in session may go without a key before it locks
    (default 15 minutes; 0: never). Read when the app starts."""
    raw = os.environ.get(LOCK_AFTER_ENV, "").strip()
    if not raw:
        return 15 * 60.0
    try:
        minutes = float(raw)
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes <= 480:
        raise Invalid(LOCK_AFTER_ENV, f"give minutes from 0 (never lock) to 480, not {raw!r}")
    return minutes * 60


# --- routing (data/routing.toml; store/routing/ applies it) -------------------------------------

LEAST_LOADED, QUEUE, NAMED_USER, POOL = "least-loaded", "queue", "user", "pool"
ROUTING_POLICIES = (LEAST_LOADED, QUEUE, NAMED_USER, POOL)


@dataclass(frozen=True)
class RoutingPolicy:
    kind: str  # one of ROUTING_POLICIES
    users: tuple[str, ...] = ()  # the named user, or the pool


@dataclass(frozen=True)
class RoutingRules:
    default: RoutingPolicy
    offices: dict[tuple[str, str | None], RoutingPolicy]  # (office code, role or None: every role)
    reassign_roles: tuple[str, ...]

    def policy(self, office_code: str, role: str) -> RoutingPolicy:
        return self.offices.get((office_code, role)) or self.offices.get((office_code, None)) or self.default


@cache
def routing_rules() -> RoutingRules:
    """data/routing.toml, checked; a copy of data/ without the file routes least-loaded everywhere."""
    try:
        raw = load("routing.toml")
    except FileNotFoundError:
        raw = {}
    default = _routing_policy("routing.toml default", raw.get("default", {}), allow_users=False)
    known_offices = {spec.code for spec in offices()}
    found: dict[tuple[str, str | None], RoutingPolicy] = {}
    office_tables = raw.get("office", {})
    if not isinstance(office_tables, dict):
        raise Invalid("routing.toml office", "give one [office.CODE] table per office")
    for code, table in office_tables.items():
        key = f"routing.toml office.{code}"
        if code not in known_offices:
            raise Invalid(key, f"no office {code} in offices.toml; use an office's code")
        if not isinstance(table, dict):
            raise Invalid(key, 'give a table: policy = "queue", "user" or "pool"')
        own = {k: v for k, v in table.items() if not isinstance(v, dict)}
        for role, sub in table.items():
            if not isinstance(sub, dict):
                continue
            if role not in roles() or not roles()[role].works_todos:
                raise Invalid(f"{key}.{role}", f"{role} is not a role that works To Dos; use a role of roles.toml")
            found[(code, role)] = _routing_policy(f"{key}.{role}", sub, allow_users=True)
        if own:
            found[(code, None)] = _routing_policy(key, own, allow_users=True)
    reassign = raw.get("reassign", {})
    reassign_roles = working_roles("routing.toml reassign.roles", reassign.get("roles", ["TR-SDO", "TR-EE"]))
    return RoutingRules(default, found, reassign_roles)


def _routing_policy(key: str, table: dict, *, allow_users: bool) -> RoutingPolicy:
    kinds = ROUTING_POLICIES if allow_users else (LEAST_LOADED, QUEUE)
    allowed = {"policy", "user", "pool"} if allow_users else {"policy"}
    for name in table:
        if name not in allowed:
            raise Invalid(f"{key}.{name}", f"unknown setting; use {', '.join(sorted(allowed))}")
    kind = table.get("policy", LEAST_LOADED)
    if kind not in kinds:
        raise Invalid(f"{key}.policy", f"{kind!r} is not a policy; use one of: {', '.join(kinds)}")
    if kind == NAMED_USER:
        user = table.get("user")
        if not isinstance(user, str) or not user.strip():
            raise Invalid(f"{key}.user", 'name the user ID, e.g. user = "INR1-SDC1"')
        if "pool" in table:
            raise Invalid(f"{key}.pool", 'a "user" policy names one user; drop pool, or use policy = "pool"')
        return RoutingPolicy(kind, (user.strip().upper(),))
    if kind == POOL:
        pool = table.get("pool")
        if not isinstance(pool, list) or not pool or not all(isinstance(u, str) and u.strip() for u in pool):
            raise Invalid(f"{key}.pool", 'list the user IDs, e.g. pool = ["INR1-SDC1", "INR1-SDC2"]')
        if "user" in table:
            raise Invalid(f"{key}.user", 'a "pool" policy lists its users in pool; drop user')
        return RoutingPolicy(kind, tuple(dict.fromkeys(u.strip().upper() for u in pool)))
    for name in ("user", "pool"):
        if name in table:
            raise Invalid(f"{key}.{name}", f'only a "{name}" policy takes {name}; set policy = "{name}" or drop it')
    return RoutingPolicy(kind)
