"""The fixed code sets of the store, each defined once: To Do, case, SMS, OTP and revision statuses,
closure methods, bill states and bases, channels, billing systems and areas, account statuses,
request types, and what `wss staff` changes.

They are `StrEnum`s: a member *is* its stored string (`TodoStatus.OPEN == "Open"`, the same hash, the
same JSON, the same bind parameter on SQLite and PostgreSQL), so the values in the database are the
ones they always were, and code that compares with a plain string keeps working. The CLI lists them
as the choices of its options; the screens take their labels from them.

Not here: what `data/*.toml` configures (a request type's first case status, To Do types, roles).
"""

from __future__ import annotations

from enum import StrEnum


class TodoStatus(StrEnum):
    """A To Do's status, as CC&B names it."""

    OPEN = "Open"
    BEING_WORKED_ON = "Being Worked On"
    COMPLETE = "Complete"


class CaseStatus(StrEnum):
    """The case statuses the store itself sets. A case starts in its request type's `initial_status`
    (data/request_types.toml), which is not one of these."""

    REVISION_REQUIRED = "Bill Revision Required"
    COMPLETED = "Case Completed"
    REJECTED = "Reject the Case"


CLOSED_CASE_STATUSES = (CaseStatus.COMPLETED, CaseStatus.REJECTED)  # the outcomes a case closes to


class Channel(StrEnum):
    """Where a case came in."""

    WSS = "wss"
    WALK_IN = "walk-in"
    HELPLINE = "1912"
    CSC = "csc"
    OFFICER = "officer"  # an officer's own revision case: no consumer complaint behind it

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    Channel.WSS: "WSS", Channel.WALK_IN: "walk-in counter", Channel.HELPLINE: "1912 helpline", Channel.CSC: "CSC",
    Channel.OFFICER: "officer",
}


class IntakeChannel(StrEnum):
    """The channels a consumer's request is registered through (`wss request new --channel`): every
    Channel but an officer's own case. Each member equals the Channel of the same value."""

    WSS = Channel.WSS.value
    WALK_IN = Channel.WALK_IN.value
    HELPLINE = Channel.HELPLINE.value
    CSC = Channel.CSC.value

    @property
    def label(self) -> str:
        return Channel(self).label


STAFF_CHANNELS = (IntakeChannel.WALK_IN, IntakeChannel.HELPLINE, IntakeChannel.CSC)  # staff key the request in


class RequestType(StrEnum):
    """The consumer requests of UPPCL's WSS "Services Request" menu: the keys of data/request_types.toml,
    which says how each is routed."""

    BILL_CORRECTION = "bill-correction"
    MOBILE_EMAIL = "mobile-email"
    NAME_ADDRESS = "name-address"
    CATEGORY_CHANGE = "category-change"
    OWNERSHIP_CHANGE = "ownership-change"
    METER = "meter"
    LOAD_CHANGE = "load-change"
    PERMANENT_DISCONNECTION = "permanent-disconnection"


class SmsStatus(StrEnum):
    """An outbox message: waiting, claimed by a sender, delivered, given up on, or no longer needed."""

    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class OtpStatus(StrEnum):
    LIVE = "LIVE"
    USED = "USED"
    VOID = "VOID"  # replaced by a newer one, or spent by wrong tries


class ClosureMethod(StrEnum):
    """How a case was closed: the consumer's OTP, an EE without it, or an officer's own case."""

    OTP = "OTP"
    NO_OTP = "NO-OTP"
    OFFICER = "OFFICER"


class RevisionStatus(StrEnum):
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class RunBasis(StrEnum):
    """How a revision covering a run of bills revises them (store/revision/run.py)."""

    EACH = "EACH"  # the same correction applied to each month (or each month's own units)
    SPREAD = "SPREAD"  # one actual reading at the run's end, its units spread over the months by days

    @property
    def label(self) -> str:
        return {"EACH": "each month re-billed", "SPREAD": "actual units spread over the run by days"}[self.value]


class BillState(StrEnum):
    """A bill's state in wss-tui. HELD and PAID may also come from the billing system's extract
    (store/importing/); HELD is a bill held back before issue (store/revision/hold.py)."""

    ISSUED = "ISSUED"
    DISPUTED = "DISPUTED"
    REVISED = "REVISED"  # superseded by the revised (or, for a held bill, the released) bill beside it
    HELD = "HELD"  # not issued: its charges are not on the account's balance until it is released
    PAID = "PAID"  # paid in full, as the billing system's extract says


class HoldAction(StrEnum):
    """A step of a bill's hold record (models.BillHold)."""

    HOLD = "HOLD"
    RELEASE = "RELEASE"


class BillingSystem(StrEnum):
    """The billing system an account is kept in: CC&B (10-digit account IDs, urban) or mPower (12, rural)."""

    CCB = "CCB"
    MPOWER = "MPOWER"

    @property
    def label(self) -> str:
        return "CC&B" if self is BillingSystem.CCB else "mPower"


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PD = "PD"  # permanently disconnected: no request is registered on it


class Area(StrEnum):
    """Where an account is: urban accounts are billed in CC&B, rural ones in mPower."""

    URBAN = "URBAN"
    RURAL = "RURAL"


class BillBasis(StrEnum):
    """What a bill's units rest on."""

    ACT = "ACT"
    ASS = "ASS"
    PROV = "PROV"
    MU = "MU"  # the billing system's own: a revised bill is never put on it

    @property
    def label(self) -> str:
        return _BASIS_LABELS[self]


_BASIS_LABELS = {BillBasis.ACT: "Actual reading", BillBasis.ASS: "Assessed", BillBasis.PROV: "Provisional",
                 BillBasis.MU: "Meter unread"}


class StaffAction(StrEnum):
    """What `wss staff` changed, as `wss staff log` lists it."""

    ADD = "add"
    PASSWD = "passwd"
    UNLOCK = "unlock"
    DISABLE = "disable"
    ENABLE = "enable"
    REASSIGN = "reassign"
    # A session's own moments (staff_admin.record_session): locked when left alone, opened again, logged out.
    IDLE_LOCK = "idle-lock"
    RESUME = "resume"
    LOGOUT = "logout"
