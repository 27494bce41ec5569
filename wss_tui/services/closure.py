"""Closing a complaint's case from its To Do: what the To Do offers (revise, close, with or without the
consumer's OTP), sending the OTP, and closing — with the code, without it for a recorded reason (an EE),
or on the officer's word for an officer's own case. Each is one unit of work.

Checking the OTP (`otp.close_with_otp`) opens its own short transactions so the argon2 check runs with
none open and a wrong code is counted even though the closing is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wss_tui.store import db, otp
from wss_tui.store.otp import OtpSent
from wss_tui.store.revision import closure
from wss_tui.store.revision.closure import CaseWork, Closed

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["CaseWork", "Closed", "OtpSent", "close_officer_case", "close_with_otp", "close_without_otp",
           "send_otp", "work"]


def work(engine: Engine, actor_id: str, todo_id: str) -> CaseWork:
    with db.read(engine) as session:
        return closure.todo_work(session, actor_id, todo_id)


def _written(engine: Engine, act):
    """`act(session)` run once more if Busy: each closing names the To Do's version and queues its SMS
    in its own transaction, so a second run closes the case once or says why not. Not close_with_otp:
    it counts a wrong code in a transaction of its own, and the officer types again."""
    return db.once_more_if_busy(engine, act)


def send_otp(engine: Engine, actor_id: str, todo_id: str, version: int, outcome: str, comment: str) -> OtpSent:
    return _written(engine, lambda s: otp.send(s, actor_id, todo_id, version, outcome, comment))


def close_with_otp(engine: Engine, actor_id: str, todo_id: str, version: int, code: str) -> Closed:
    return otp.close_with_otp(engine, actor_id, todo_id, version, code)


def close_without_otp(engine: Engine, actor_id: str, todo_id: str, version: int, outcome: str, comment: str,
                      reason: str) -> Closed:
    return _written(engine, lambda s: otp.close_without_otp(s, actor_id, todo_id, version, outcome, comment, reason))


def close_officer_case(engine: Engine, actor_id: str, todo_id: str, version: int, outcome: str,
                       comment: str) -> Closed:
    return _written(engine, lambda s: closure.close_officer_case(s, actor_id, todo_id, version, outcome, comment))
