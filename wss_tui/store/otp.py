"""The consumer's OTP that closes their complaint, so no complaint is marked resolved behind their back.

Closing asks the store to send a 6-digit OTP by SMS to the registered mobile, naming the outcome it
confirms; the officer types the code the consumer reads out. The code is made only when the SMS is
handed to the gateway (`mint`, called by sms.delivery), and kept only as an argon2 hash from then on: the
outbox holds the text with the code masked, so nobody who reads the database can read a code. It lives
`valid_minutes` from being sent, and allows `max_tries` wrong entries before a new one must be sent. Only an
Executive Engineer may close without it, giving a reason that is recorded (closure.WITHOUT_OTP) and
counted (closure.closures_without_otp).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy import case as when
from sqlmodel import Session

from . import cases, clock, db, ids, sms, timefmt
from .revision.closure import (
    BY_OTP,
    WITHOUT_OTP,
    Closed,
    check_closable,
    check_comment,
    check_outcome,
    close,
    held_case,
)
from .codes import OtpStatus
from .errors import Denied, Invalid
from .models import Account, Case, CaseLog, CaseOtp
from .revision.rules import rules
from . import text as text_rule

LIVE, USED, VOID = OtpStatus
MAX_OVERRIDE_REASON = 500
UNSENT = ""  # code_hash of an OTP whose SMS has not gone yet

# Cheaper than a password's hash (a code lives minutes, not years), still far too slow to try all
# million codes against a copied table before the code expires.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True)
class OtpSent:
    case_id: str
    mobile: str  # masked
    outcome: str
    expires_at: datetime
    tries: int  # wrong entries allowed


def check_code(text: str | None) -> str:
    """The code as typed, or Invalid before anything is read or written (a try is not used up)."""
    return ids.otp_code(text, rules().otp.digits)


def _void_live(session: Session, case_id: str) -> None:
    session.execute(update(CaseOtp).where(CaseOtp.case_id == case_id, CaseOtp.status == LIVE).values(status=VOID))


def send(session: Session, actor_id: str, todo_id: str, version: int, outcome: str, comment: str) -> OtpSent:
    """A new OTP to the consumer's registered mobile, confirming the case closes as `outcome`
    (any earlier one stops working)."""
    outcome, comment = check_outcome(outcome), check_comment(comment)
    actor, detail, case = held_case(session, actor_id, todo_id, version)
    if case.channel == cases.OFFICER_CHANNEL:
        raise Invalid("OTP", f"case {case.case_id} is an officer's own case; close it without an OTP")
    check_closable(session, case, outcome)
    account = session.get(Account, case.account_id)
    if not account.mobile:
        raise Invalid(
            "mobile",
            f"account {account.account_id} has no registered mobile, so no OTP can be sent; "
            f"forward the To Do to the {rules().otp.override_role} to close it without one",
        )
    r = rules().otp
    now = clock.now()
    # The case's row lock makes counting the day's OTPs and adding one a single step (PostgreSQL; on
    # SQLite BEGIN IMMEDIATE already runs one writer at a time): sends racing never pass the cap.
    session.execute(select(Case.case_id).where(Case.case_id == case.case_id).with_for_update(key_share=True))
    sent_today = session.scalar(
        select(func.count()).select_from(CaseOtp).where(CaseOtp.case_id == case.case_id,
                                                        CaseOtp.created_at > now - timedelta(days=1))
    )
    if sent_today >= r.max_sends_per_day:
        raise Invalid("OTP", f"{sent_today} OTPs were sent for case {case.case_id} in the last 24 hours; try again tomorrow")
    _void_live(session, case.case_id)
    expires = now + timedelta(minutes=r.valid_minutes)  # from queuing, till `mint` counts it from sending
    # No code yet (an empty hash matches nothing): it is minted when the SMS goes, never kept in clear.
    row = CaseOtp(case_id=case.case_id, todo_id=detail.todo_id, mobile=account.mobile, code_hash=UNSENT,
                  outcome=outcome, comment=comment, created_by=actor.user_id, created_at=now, expires_at=expires)
    session.add(row)
    session.flush()  # its id, for the message to name
    sms.queue(session, case_id=case.case_id, mobile=account.mobile, template="otp", language=account.language,
              otp=sms.masked_code(r.digits), otp_id=row.id, request_id=case.case_id,
              account_id=account.account_id, status=outcome, minutes=r.valid_minutes)
    session.add(
        CaseLog(case_id=case.case_id, at=now, log_type="OTP Sent", user_id=actor.user_id,
                details=f"to {ids.mask_mobile(account.mobile)} to confirm {outcome}; valid till {timefmt.show(expires)}")
    )
    session.flush()
    return OtpSent(case.case_id, ids.mask_mobile(account.mobile), outcome, expires, r.max_tries)


def new_code() -> tuple[str, str]:
    """A fresh code and its hash. Outside any transaction: argon2 takes a while on purpose."""
    digits = rules().otp.digits
    code = f"{secrets.randbelow(10**digits):0{digits}d}"
    return code, _hasher.hash(code)


def mint(conn: Connection, otp_id: int, code_hash: str) -> bool:
    """Give a LIVE OTP the hash of the code about to be sent, valid from now (a resend's new code
    replaces the one before). False when it is no longer live (replaced, used, spent): not to be sent."""
    now = clock.now()
    t = CaseOtp.__table__
    done = conn.execute(
        update(t)
        .where(t.c.id == otp_id, t.c.status == LIVE)
        .values(code_hash=code_hash, expires_at=now + timedelta(minutes=rules().otp.valid_minutes))
    )
    return done.rowcount == 1


def _matches(code_hash: str, code: str) -> bool:
    try:
        return _hasher.verify(code_hash, code)
    except (VerificationError, InvalidHashError):
        return False


_OTP = CaseOtp.__table__
# Rounds of read → check → record, should new OTPs keep replacing the one being checked.
_ROUNDS = 3


def _live(session: Session, case_id: str) -> CaseOtp | None:
    row = session.scalar(
        select(CaseOtp).where(CaseOtp.case_id == case_id, CaseOtp.status == LIVE).order_by(CaseOtp.id.desc()).limit(1)
    )
    if row is not None:
        session.expunge(row)
    return row


def _count_wrong(session: Session, otp_id: int, now: datetime) -> Invalid | None:
    """Count one wrong entry, and spend the OTP at the last, in one statement; what to tell the officer,
    or None when the OTP was no longer live (spent, used, replaced or expired) to count against."""
    max_tries = rules().otp.max_tries
    t = _OTP
    spends = t.c.tries + 1 >= max_tries
    row = session.execute(
        update(t)
        .where(t.c.id == otp_id, t.c.status == LIVE, t.c.expires_at > now)
        .values(tries=t.c.tries + 1, status=when((spends, VOID), else_=t.c.status))
        .returning(t.c.tries, t.c.status)
    ).one_or_none()
    if row is None:
        return None
    if row.status == VOID:
        return _spent(max_tries)
    left = max_tries - row.tries
    return Invalid("OTP", f"wrong OTP; {left} more {'try' if left == 1 else 'tries'} before a new one must be sent")


def _spent(max_tries: int) -> Invalid:
    return Invalid("OTP", f"wrong OTP {max_tries} times; it no longer works — send a new one")


def _use(session: Session, otp_id: int, now: datetime) -> bool:
    """LIVE → USED, only while it is live, unexpired and not over its tries: of a right code racing
    wrong ones (or another right one), one outcome wins."""
    t = _OTP
    used = session.execute(
        update(t)
        .where(t.c.id == otp_id, t.c.status == LIVE, t.c.tries < rules().otp.max_tries, t.c.expires_at > now)
        .values(status=USED, used_at=now)
        .returning(t.c.id)
    ).one_or_none()
    return used is not None


def _why_not(session: Session, checked: CaseOtp, now: datetime) -> Invalid | None:
    """Why the OTP just checked could not be counted or used; None when a newer one replaced it (the
    code is then checked against that one, as it would have been had the officer typed it a moment later)."""
    row = session.get(CaseOtp, checked.id)
    if row.status == LIVE:  # so it expired
        row.status = VOID
        return Invalid("OTP", f"the OTP sent at {timefmt.show(row.created_at)} expired at {timefmt.show(row.expires_at)}; send a new one")
    if row.status == VOID and row.tries >= rules().otp.max_tries:
        return _spent(rules().otp.max_tries)
    if row.status == USED:
        return Invalid("OTP", f"the OTP was used at {timefmt.show(row.used_at)}; case {row.case_id} is closed")
    if _live(session, row.case_id) is not None:
        return None
    return Invalid("OTP", f"no OTP is waiting for case {row.case_id}; send one first")


def _log_attempt(session: Session, case_id: str, actor_id: str, now: datetime, outcome: str) -> None:
    """Every OTP typed in leaves a line in the case log — right, wrong, expired, spent — saying who typed
    it and what came of it, never the digits themselves."""
    session.add(CaseLog(case_id=case_id, at=now, log_type="OTP Entered", user_id=actor_id,
                        details=f"OTP typed by {actor_id}: {outcome}"))


def close_with_otp(engine: Engine, actor_id: str, todo_id: str, version: int, code: str) -> Closed:
    """Close the case with the OTP the consumer read out.

    Takes the engine, not a session, for the same reason as auth.attempt_login: a wrong code must be
    counted (and a spent or expired one voided) even though the closing itself is refused; and so
    that the argon2 check runs with no transaction open. A short read finds the live OTP, the code is
    checked, then one conditional UPDATE counts the try (spending the OTP at the last) or marks it used,
    so that entries arriving at once are each counted and at most one closes the case.
    """
    code = check_code(code)
    for _ in range(_ROUNDS):
        with db.read(engine) as session:
            case_id = held_case(session, actor_id, todo_id, version, lock=False)[2].case_id
            row = _live(session, case_id)
        if row is None:
            with db.write(engine) as session:
                _log_attempt(session, case_id, actor_id, clock.now(), "none was waiting (spent, used or not sent)")
            raise Invalid("OTP", f"no OTP is waiting for case {case_id}; send one first")
        if row.code_hash == UNSENT:  # no code exists yet: a guess cannot be right, and is not counted
            raise Invalid("OTP", f"the OTP for case {case_id} has not gone to the consumer yet (its SMS is queued); "
                                 "type the code once the consumer has the SMS")
        right = clock.now() < row.expires_at and _matches(row.code_hash, code)
        with db.write(engine) as session:
            now = clock.now()
            if right:
                actor, detail, case = held_case(session, actor_id, todo_id, version)
                if _use(session, row.id, now):
                    check_closable(session, case, row.outcome)
                    _log_attempt(session, case_id, actor_id, now, f"right; the case closes as {row.outcome}")
                    return close(session, actor=actor, detail=detail, case=case, outcome=row.outcome,
                                 comment=row.comment, method=BY_OTP, otp_id=row.id)
                failure = _why_not(session, row, now)
            else:
                failure = _count_wrong(session, row.id, now) or _why_not(session, row, now)
            if failure is not None:
                _log_attempt(session, case_id, actor_id, now, failure.message)
        if failure is not None:
            raise failure
    raise Invalid("OTP", "new OTPs were sent while this one was checked; type the code from the latest SMS")


def close_without_otp(session: Session, actor_id: str, todo_id: str, version: int, outcome: str, comment: str,
                      reason: str) -> Closed:
    """An Executive Engineer closes a complaint without the consumer's OTP, for a recorded reason."""
    r = rules().otp
    outcome, comment = check_outcome(outcome), check_comment(comment)
    actor, detail, case = held_case(session, actor_id, todo_id, version)
    if actor.role != r.override_role:
        raise Denied("OTP", f"only an Executive Engineer ({r.override_role}) may close a complaint without the consumer's OTP; send the OTP")
    if case.channel == cases.OFFICER_CHANNEL:
        raise Invalid("OTP", f"case {case.case_id} is an officer's own case; it needs no OTP")
    reason = text_rule.typed("reason", reason, minimum=r.min_override_reason_chars, maximum=MAX_OVERRIDE_REASON,
                             too_short="say why the consumer cannot give the OTP, in at least {minimum} characters",
                             name="the reason")
    check_closable(session, case, outcome)
    _void_live(session, case.case_id)
    return close(session, actor=actor, detail=detail, case=case, outcome=outcome, comment=comment,
                 method=WITHOUT_OTP, reason=reason)
