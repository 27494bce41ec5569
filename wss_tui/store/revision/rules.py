"""The configuration of bill revision work, read once from data/revision.toml and data/powers.toml.

Amounts in the files are rupees (as the delegation orders write them); here they are paise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from .. import config, settings
from ..settings.files import TodoTypeSettings
from ..errors import Invalid

PAISE = 100
SOURCE = "revision.toml"
# The revision work's To Do types (data/revision.toml [todo_type]).
APPROVAL, REVIEW, AUDIT, OFFICER_CASE = "BRAPPROV", "BRREVIEW", "BRAUDIT", "IMOFCASE"
HOLD_REASON = "HOLD"  # the reason a held bill is released under; the one that may change nothing (hold.py)
LATE = "BRLATE"  # an overdue review or audit, reported to the next authority (late.py)


@dataclass(frozen=True)
class Approver:
    role: str
    up_to_paise: int | None  # None: any amount
    level: str  # the office level the role sits at (roles.toml `scope`)


@dataclass(frozen=True)
class OfficerCase:
    code: str
    case_type: str
    reason_code: str
    target_days: int  # the office's own timetable (case.due_at), never a consumer's due date


@dataclass(frozen=True)
class AuditBand:
    up_to_paise: int | None
    rate: float


@dataclass(frozen=True)
class OtpRules:
    digits: int
    valid_minutes: int
    max_tries: int
    max_sends_per_day: int
    override_role: str
    min_override_reason_chars: int


@dataclass(frozen=True)
class Rules:
    makers: tuple[str, ...]
    reasons: dict[str, str]
    officer_cases: dict[str, OfficerCase]
    todo_types: dict[str, str]
    # The roles that work each type but the approval (its approvers are powers.toml's: todo_rights.py).
    todo_roles: dict[str, tuple[str, ...]]
    min_remark_chars: int
    max_remark_chars: int
    approval_priority: int
    revised_due_days: int
    meter_digits: int  # a meter's register digits when the maker gives none ([meter])
    rollover_max_share: float
    lps_percent: float  # late payment surcharge, percent per whole month past the due date ([lps])
    review_role: str
    # Reviews the revisions the review role itself approved (a Director's own approval), never him.
    review_next_role: str
    review_from_paise: int
    review_due_days: int
    review_priority: int
    audit_role: str
    audit_priority: int
    audit_due_days: int  # an audit To Do open longer after approval is overdue: escalated, counted
    audit_escalate_to: str  # who is told of an overdue audit, at the division
    late_todo_type: str  # the To Do telling the next authority of an overdue review or audit
    late_priority: int
    # A late review held by one of these is reported to the next one senior to its holder; one held by
    # the last (the chain's end) is raised and logged, and reported to nobody (late.py).
    late_review_chain: tuple[str, ...]
    audit_bands: tuple[AuditBand, ...]
    otp: OtpRules
    hold_roles: tuple[str, ...]  # who may put an issued bill on hold (hold.py)
    hold_min_reason_chars: int


def _paise(rupees: int | float | None) -> int | None:
    return None if rupees is None else int(round(rupees * PAISE))


@cache
def approvers() -> tuple[Approver, ...]:
    """The approving roles, lowest power first; only the last may have no limit."""
    roles = config.roles()
    found = []
    for n, row in enumerate(settings.read("powers.toml").approver, start=1):
        if row.role not in roles:
            raise Invalid(f"powers.toml approver[{n}].role", f"unknown role {row.role}; use a role of roles.toml")
        if config.rank(row.role) is None:
            raise Invalid(f"powers.toml approver[{n}].role", f"{row.role} is not in roles.toml seniority; an approver must rank above makers")
        found.append(Approver(role=row.role, up_to_paise=_paise(row.up_to), level=roles[row.role].scope))
    limits = [a.up_to_paise for a in found]
    if not found or None in limits[:-1] or limits[:-1] != sorted(limits[:-1]):
        raise Invalid("powers.toml", "list approvers lowest power first; only the last may have no up_to")
    return tuple(found)


@cache
def rules() -> Rules:
    raw = settings.read(SOURCE)
    proposal, review, audit, otp = raw.proposal, raw.review, raw.audit, raw.otp
    bands = tuple(AuditBand(_paise(b.up_to), float(b.rate)) for b in audit.bands)
    if bands[-1].up_to_paise is not None:
        raise Invalid(f"{SOURCE} audit.bands", "the last band has no up_to: it takes every larger amount")
    reasons = dict(raw.reason)
    officer_cases = {
        code: OfficerCase(code=code, case_type=c.case_type, reason_code=c.reason_code,
                          target_days=c.target_days) for code, c in raw.officer_case.items()
    }
    for case in officer_cases.values():
        if case.reason_code not in reasons:
            raise Invalid(f"{SOURCE} officer_case.{case.code}.reason_code", f"unknown reason {case.reason_code}; use a code of [reason]")
    makers = tuple(raw.makers)
    unranked = [m for m in makers if config.rank(m) is None]
    if unranked:
        raise Invalid(f"{SOURCE} makers", f"{', '.join(unranked)} not in roles.toml seniority; a checker must be senior to every maker")
    if not (config.rank(review.next_role) or -1) > (config.rank(review.role) or -1):
        raise Invalid(f"{SOURCE} review.next_role", f"name a role senior to {review.role} in roles.toml seniority")
    unknown = [r for r in raw.hold.roles if r not in config.roles()]
    if unknown:
        raise Invalid(f"{SOURCE} hold.roles", f"unknown role {unknown[0]}; use roles of roles.toml")
    if HOLD_REASON not in reasons:
        raise Invalid(f"{SOURCE} reason", f"keep the reason {HOLD_REASON}: a held bill is released under it")
    chain = _review_chain(raw.late.review_chain, review.role, review.next_role)
    todo_types, todo_roles = _todo_types(raw.todo_type, makers, (review.role, review.next_role), audit.role,
                                         (*chain[1:], audit.escalate_to))
    return Rules(
        makers=makers,
        reasons=reasons,
        officer_cases=officer_cases,
        todo_types=todo_types,
        todo_roles=todo_roles,
        min_remark_chars=proposal.min_remark_chars,
        max_remark_chars=proposal.max_remark_chars,
        approval_priority=proposal.priority,
        revised_due_days=proposal.revised_due_days,
        meter_digits=raw.meter.digits,
        rollover_max_share=float(raw.meter.rollover_max_share),
        lps_percent=float(raw.lps.percent_per_month),
        review_role=review.role,
        review_next_role=review.next_role,
        review_from_paise=_paise(review.review_from),
        review_due_days=review.due_days,
        review_priority=review.priority,
        audit_role=audit.role,
        audit_priority=audit.priority,
        audit_due_days=audit.due_days,
        audit_escalate_to=audit.escalate_to,
        late_todo_type=LATE,
        late_priority=raw.late.priority,
        late_review_chain=chain,
        audit_bands=bands,
        otp=OtpRules(**otp.model_dump()),
        hold_roles=tuple(raw.hold.roles),
        hold_min_reason_chars=raw.hold.min_reason_chars,
    )


def _review_chain(given: list[str] | None, role: str, next_role: str) -> tuple[str, ...]:
    """[late] review_chain, checked: roles of roles.toml seniority, most junior first, from the review
    role up to (at least) its next authority."""
    chain = tuple(given) if given is not None else (role, next_role)
    key = f"{SOURCE} late.review_chain"
    ranks = [config.rank(r) for r in chain]
    if None in ranks:
        raise Invalid(key, f"{chain[ranks.index(None)]} is not in roles.toml seniority; name the authorities in it")
    if ranks != sorted(set(ranks)):
        raise Invalid(key, "list each authority once, most junior first, as roles.toml seniority orders them")
    if role not in chain or next_role not in chain:
        raise Invalid(key, f"start at review.role {role} and include review.next_role {next_role}")
    return chain


def _todo_types(raw: dict, makers: tuple[str, ...], review_roles: tuple[str, ...], audit_role: str,
                late_roles: tuple[str, ...]):
    """[todo_type]: each type's description, and the roles that work it (see revision.toml)."""
    routed = {OFFICER_CASE: makers, REVIEW: review_roles, AUDIT: (audit_role,), LATE: late_roles}
    descriptions, roles = {}, {}
    for code, spec in raw.items():
        if isinstance(spec, str):  # the older form, CODE = "description": worked by the roles it is sent to
            spec = TodoTypeSettings(description=spec)
        key = f"{SOURCE} todo_type.{code}"
        if code == APPROVAL:
            if spec.roles is not None:
                raise Invalid(f"{key}.roles", "remove it: an approval is worked by the approvers of powers.toml")
        else:
            must = routed.get(code, ())
            roles[code] = config.working_roles(f"{key}.roles", spec.roles if spec.roles is not None else list(must), must)
        descriptions[code] = spec.description if spec.description is not None else code
    return descriptions, roles


def shipped_salt() -> str:
    return settings.read(SOURCE).audit.salt


def audit_salt() -> str:
    """The office's own secret salt (WSS_AUDIT_SALT) or the shipped demo one."""
    return os.environ.get("WSS_AUDIT_SALT") or shipped_salt()


def own_salt_refusal() -> Invalid | None:
    """Why the audit salt may not be used on an office's (not the demo's) database, or None: it must
    be the office's own secret from the environment, never the salt printed in revision.toml."""
    own = os.environ.get("WSS_AUDIT_SALT", "")
    if not own:
        return Invalid("WSS_AUDIT_SALT", "this database is not the demo: set WSS_AUDIT_SALT to the office's own secret "
                                         "so nobody can foresee which revisions are drawn for audit")
    if own == shipped_salt():
        return Invalid("WSS_AUDIT_SALT", "is the demo's salt printed in revision.toml; set the office's own secret")
    return None


def todo_type_description(code: str) -> str | None:
    return rules().todo_types.get(code)
