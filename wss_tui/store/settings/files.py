"""The shape of each data/*.toml: its tables, keys, types and ranges (pydantic models).

What one file cannot say alone — a role that must be in roles.toml, levels that must climb — the code
that reads the file checks (config.py, escalation/matrix.py, revision/rules.py …), naming the key too.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from .base import Strict

OfficeLevel = Literal["discom", "zone", "circle", "division", "subdivision"]
Number = float  # strict floats take TOML's integers too (10 and 10.0 alike)


# --- offices.toml, roles.toml, request_types.toml ----------------------------------------------


class OfficeSettings(Strict):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1)
    level: OfficeLevel
    parent: str | None = None
    town: str
    area: Literal["URBAN", "RURAL"] | None = None


class OfficesFile(Strict):
    office: list[OfficeSettings] = Field(min_length=1)


class RoleSettings(Strict):
    description: str
    scope: OfficeLevel
    works_todos: bool
    counter: bool = False


class RolesFile(Strict):
    role: dict[str, RoleSettings] = Field(min_length=1)
    seniority: list[str] = []  # the line of authority over revisions, most junior first (config.seniority)


class IntakeSettings(Strict):
    max_attachment_bytes: int = Field(ge=1)
    min_reason_chars: int = Field(ge=0)
    max_reason_chars: int = Field(ge=1)
    max_attachments: int = Field(ge=0)
    attachment_types: list[str]


class RequestTypeSettings(Strict):
    name: str
    case_type: str
    initial_status: str
    needs_bill: bool
    todo_type: str = Field(min_length=1, max_length=8)
    todo_description: str
    message: str
    role: str
    roles: list[str] | None = None
    priority: int = Field(ge=1, le=99)
    sla_days: int = Field(ge=1)
    compensation_rupees_per_day: int | None = Field(None, ge=0)


class RequestTypesFile(Strict):
    intake: IntakeSettings
    request: dict[str, RequestTypeSettings] = Field(min_length=1)


# --- routing.toml, search.toml -------------------------------------------------------------------


class DefaultRouting(Strict):
    policy: Literal["least-loaded", "queue"] = "least-loaded"


class ReassignSettings(Strict):
    roles: list[str] = ["TR-SDO", "TR-EE"]


class RoutingFile(Strict):
    default: DefaultRouting = DefaultRouting()
    # [office.CODE] and [office.CODE.ROLE]: their keys depend on the roles, checked by config.routing_rules.
    office: dict[str, dict[str, object]] = {}
    reassign: ReassignSettings = ReassignSettings()


class SearchSettings(Strict):
    check_seconds: Number = Field(10, ge=3, le=300)


class SearchFile(Strict):
    search: SearchSettings = SearchSettings()


# --- escalation.toml -----------------------------------------------------------------------------


class CalendarSettings(Strict):
    weekly_off: list[str] = ["Sunday"]
    second_saturday_off: bool = False
    holidays: dict[str, str] = {}


class SlaSettings(Strict):
    warn_before_hours: Number = Field(48, ge=0)


class CompensationSettings(Strict):
    rupees_per_day: int = Field(ge=0)
    cap_percent_of_fixed_charges: int = Field(ge=0)
    cap_bills: int = Field(ge=1)


class LevelSettings(Strict):
    after_days: int = Field(ge=1)
    counting: Literal["calendar", "working"] = "calendar"
    office: OfficeLevel
    role: str
    priority: int = Field(ge=10, le=50)
    warn_before_hours: Number | None = Field(None, ge=0)


class MatrixSettings(Strict):
    applies_to: list[str] = []
    todo_type: str = Field(min_length=1, max_length=8)
    todo_description: str | None = None
    roles: list[str] | None = None
    warn_before_hours: Number = Field(24, ge=0)
    level: list[LevelSettings] = Field(min_length=1)


class EscalationFile(Strict):
    calendar: CalendarSettings = CalendarSettings()
    sla: SlaSettings = SlaSettings()
    compensation: CompensationSettings | None = None
    matrix: MatrixSettings | None = None


# --- revision.toml, powers.toml ------------------------------------------------------------------


class OfficerCaseSettings(Strict):
    case_type: str
    reason_code: str
    # The office's own target for finishing it: no consumer waits, so no SLA, compensation or escalation.
    target_days: int = Field(15, ge=1)


class TodoTypeSettings(Strict):
    description: str | None = None
    roles: list[str] | None = None


class ProposalSettings(Strict):
    min_remark_chars: int = Field(ge=0)
    max_remark_chars: int = Field(ge=1)
    priority: int = Field(ge=1, le=99)
    revised_due_days: int = Field(15, ge=1)


class MeterSettings(Strict):
    digits: int = Field(5, ge=4, le=7)  # register digits of a meter the maker says nothing about
    # A reading below the previous one is a rollover only if the units it makes are at most this share
    # of the register; more is a misread or a replaced meter.
    rollover_max_share: Number = Field(0.5, gt=0, le=1)


class LpsSettings(Strict):
    percent_per_month: Number = Field(ge=0, le=10)


class ReviewSettings(Strict):
    role: str
    next_role: str  # reviews what the review role approved itself
    review_from: Number = Field(ge=0)
    due_days: int = Field(ge=1)
    priority: int = Field(ge=1, le=99)


class AuditBandSettings(Strict):
    up_to: Number | None = Field(None, gt=0)
    rate: Number = Field(ge=0, le=1)


class AuditSettings(Strict):
    role: str
    salt: str = Field(min_length=1)
    priority: int = Field(ge=1, le=99)
    bands: list[AuditBandSettings] = Field(min_length=1)
    due_days: int = Field(30, ge=1)
    escalate_to: str = "TR-EE"


class LateSettings(Strict):
    priority: int = Field(10, ge=1, le=99)
    # The authorities a late review climbs, most junior first; None: [review.role, review.next_role].
    review_chain: list[str] | None = None


class OtpSettings(Strict):
    digits: int = Field(ge=4, le=8)  # the outbox finds a code to mask by 4 to 8 digits (sms/outbox.py)
    valid_minutes: int = Field(ge=1)
    max_tries: int = Field(ge=1)
    max_sends_per_day: int = Field(ge=1)
    override_role: str
    min_override_reason_chars: int = Field(ge=0)


class HoldSettings(Strict):
    roles: list[str] = Field(min_length=1)
    min_reason_chars: int = Field(10, ge=1)


class RevisionFile(Strict):
    makers: list[str] = Field(min_length=1)
    reason: dict[str, str] = Field(min_length=1)
    officer_case: dict[str, OfficerCaseSettings] = {}
    # CODE = "description" (the older form) or a table with description and roles.
    todo_type: dict[str, TodoTypeSettings | str]
    proposal: ProposalSettings
    review: ReviewSettings
    audit: AuditSettings
    otp: OtpSettings
    late: LateSettings = LateSettings()
    meter: MeterSettings = MeterSettings()
    lps: LpsSettings
    hold: HoldSettings = HoldSettings(roles=["TR-SDO", "TR-EE"])


class ApproverSettings(Strict):
    role: str
    up_to: Number | None = Field(None, gt=0)


class PowersFile(Strict):
    approver: list[ApproverSettings] = Field(min_length=1)


# --- tariff.toml ---------------------------------------------------------------------------------


class OrderSettings(Strict):
    """A tariff order the rate lines cite."""

    title: str = Field(min_length=1)  # "UPERC tariff order FY 2023-24"
    number: str = Field(min_length=1)  # its petition or case numbers, as on its cover
    issued: date = Field(alias="date")  # the day it was issued


class MinimumSettings(Strict):
    per_month: Number = Field(ge=0)  # rupees per kW (or BHP) of the rounded load
    clause: str = Field(min_length=1)


class RatesSettings(Strict):
    """One line of rates for a category in an area, with its citation (checked across lines by tariff.py)."""

    effective_from: date
    effective_to: date | None = None
    order: str = Field(min_length=1)  # a key of [order]
    clause: str = Field(min_length=1)  # the clause of the order's Rate Schedule
    description: str
    fixed: Number = Field(ge=0)
    fixed_per: Literal["kW", "BHP"] = "kW"
    slabs: list[Annotated[list[Number], Field(min_length=2, max_length=2)]] = Field(min_length=1)  # [up to units, rate]
    duty_percent: Number = Field(ge=0, le=100)
    minimum: MinimumSettings | None = None


class TariffFile(Strict):
    order: dict[str, OrderSettings] = Field(min_length=1)
    category: dict[str, Annotated[list[RatesSettings], Field(min_length=1)]] = Field(min_length=1)


# --- sms.toml, sms_gateway.toml ------------------------------------------------------------------


class SmsFile(Strict):
    """The texts of each message the program sends, by language (en, hi …)."""

    registered: dict[str, str] = Field(min_length=1)
    status_changed: dict[str, str] = Field(min_length=1)
    otp: dict[str, str] = Field(min_length=1)
    revision_approved: dict[str, str] = Field(min_length=1)
    revision_approved_run: dict[str, str] = Field(min_length=1)
    revision_rejected: dict[str, str] = Field(min_length=1)
    escalated: dict[str, str] = Field(min_length=1)


class RetrySettings(Strict):
    max_tries: int = Field(5, ge=1)
    backoff_seconds: Number = Field(60, gt=0)
    backoff_factor: Number = Field(2, ge=1)
    backoff_max_seconds: Number = Field(3600, gt=0)
    lease_seconds: Number = Field(300, gt=0)
    batch: int = Field(20, ge=1)


class WatchSettings(Strict):
    poll_seconds: Number = Field(5, gt=0)


class ConsoleSettings(Strict):
    file: str = ""
    show_otp: bool = False


class ResponseSettings(Strict):
    format: Literal["json", "text"] = "json"
    ok_path: str = ""
    ok_values: list[str] = []
    id_path: str = ""
    id_regex: str = ""


class HttpSettings(Strict):
    url: str = ""
    method: Literal["GET", "POST", "get", "post"] = "POST"
    body: Literal["form", "json"] = "form"
    timeout_seconds: Number = Field(10, gt=0)
    sender_id: str = ""
    api_key_env: str = "WSS_SMS_API_KEY"
    mobile_prefix: str = "91"
    unicode_on: str = "1"
    unicode_off: str = "0"
    params: dict[str, str] = {}
    headers: dict[str, str] = {}
    response: ResponseSettings = ResponseSettings()


class SmsGatewayFile(Strict):
    sender: Literal["console", "http"] = "console"
    retry: RetrySettings = RetrySettings()
    watch: WatchSettings = WatchSettings()
    console: ConsoleSettings = ConsoleSettings()
    http: HttpSettings = HttpSettings()
    dlt: dict[str, dict[str, str]] = {}


class HindiFile(Strict):
    """Hindi names of case statuses, requests and officers, for Hindi SMS texts (config.hindi_names)."""

    status: dict[str, str] = {}
    request: dict[str, str] = {}
    role: dict[str, str] = {}


MODELS = {
    "offices.toml": OfficesFile,
    "roles.toml": RolesFile,
    "request_types.toml": RequestTypesFile,
    "routing.toml": RoutingFile,
    "search.toml": SearchFile,
    "escalation.toml": EscalationFile,
    "revision.toml": RevisionFile,
    "powers.toml": PowersFile,
    "tariff.toml": TariffFile,
    "sms.toml": SmsFile,
    "sms_gateway.toml": SmsGatewayFile,
    "hindi.toml": HindiFile,
}
