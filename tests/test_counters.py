"""The five-try lock-out and the three-try OTP hold when the tries come at once, and checking a password
or an OTP (argon2, slow on purpose) holds no transaction, so nobody else's work waits behind it.

The races run in separate processes (test_concurrency.in_processes), as separate `wss tui` sessions
do; on PostgreSQL (WSS_TEST_DATABASE_URL) that is the office deployment.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wss_tui.store import auth, clock, db, otp, staff_admin
from wss_tui.store.errors import Denied, Invalid, LockedOut
from wss_tui.store.models import Case, CaseClosure, Staff

from . import _counter_workers as work
from ._revision_data import CLERK, version
from .conftest import FIXED_NOW
from .test_concurrency import in_processes
from .test_otp import code_sent, otp_row, revised, send

# Revision and closure flows start from a To Do taken from the queue, as before routing (test_routing.py
# covers who a new To Do is routed to).
pytestmark = pytest.mark.usefixtures("queue_routing")

PASSWORD = "clerk@123"
LOCKED_UNTIL = "28-11-2026 11:15:00AM"  # FIXED_NOW + 15 minutes, as the clerk reads it


def wrong_password(left: int) -> str:
    return f"password: user ID or password is wrong; {left} more {'try' if left == 1 else 'tries'} before lock-out"


def wrong_otp(left: int) -> str:
    return f"OTP: wrong OTP; {left} more {'try' if left == 1 else 'tries'} before a new one must be sent"


SPENT = "OTP: wrong OTP 3 times; it no longer works — send a new one"


def not_the(code: str, k: int = 1) -> str:
    return f"{(int(code) + k) % 10**6:06d}"


def staff_row(engine, user_id=CLERK) -> Staff:
    with db.read(engine) as s:
        staff = s.get(Staff, user_id)
        s.expunge(staff)
        return staff


def closures(engine, case_id: str) -> int:
    with db.read(engine) as s:
        return s.scalar(select(func.count()).select_from(CaseClosure).where(CaseClosure.case_id == case_id))


# --- at once, in separate processes ------------------------------------------------------------


def test_twenty_wrong_passwords_at_once_count_every_one_and_lock_the_user(engine, demo_url):
    answers = [value for _, value in in_processes([(work.login, demo_url, CLERK, f"wrong-{k}") for k in range(20)])]
    assert {kind for kind, _ in answers} == {"Denied", "LockedOut"}, answers
    # Each of the first four wrong passwords counted once, the fifth locked; the rest found the lock.
    assert sorted(line for kind, line in answers if kind == "Denied") == sorted(wrong_password(n) for n in (4, 3, 2, 1))
    locked = Counter(line for kind, line in answers if kind == "LockedOut")
    assert locked == {
        f"user: 5 failed logins: {CLERK} is locked until {LOCKED_UNTIL}": 1,
        f"user: {CLERK} is locked after 5 failed logins until {LOCKED_UNTIL}; wait, or ask the administrator": 15,
    }
    staff = staff_row(engine)
    assert staff.locked_until == FIXED_NOW + auth.LOCKOUT and staff.last_login_at is None

    with pytest.raises(LockedOut):
        auth.attempt_login(engine, CLERK, PASSWORD)
    clock.set_clock(lambda: FIXED_NOW + auth.LOCKOUT - timedelta(seconds=1))
    with pytest.raises(LockedOut):
        auth.attempt_login(engine, CLERK, PASSWORD)
    clock.set_clock(lambda: FIXED_NOW + auth.LOCKOUT)
    assert auth.attempt_login(engine, CLERK, PASSWORD).user_id == CLERK


def test_twelve_wrong_otps_at_once_spend_it_after_three(engine, demo_url):
    c = revised(engine)
    send(engine, c)
    code = code_sent(engine, c.case_id)
    seen = version(engine, CLERK, c.todo_id)
    answers = [value for _, value in in_processes(
        [(work.close_with_otp, demo_url, CLERK, c.todo_id, seen, not_the(code, k)) for k in range(1, 13)])]
    assert {kind for kind, _ in answers} == {"Invalid"}, answers
    lines = [line for _, line in answers]
    assert sorted(line for line in lines if "more tr" in line) == sorted([wrong_otp(2), wrong_otp(1)])
    rest = [line for line in lines if "more tr" not in line]
    assert SPENT in rest  # the third wrong one
    assert all(line in (SPENT, f"OTP: no OTP is waiting for case {c.case_id}; send one first") for line in rest), rest
    row = otp_row(engine, c.case_id)
    assert (row.tries, row.status) == (3, "VOID")
    with pytest.raises(Invalid, match="no OTP is waiting"):
        otp.close_with_otp(engine, CLERK, c.todo_id, seen, code)
    with db.read(engine) as s:
        assert s.get(Case, c.case_id).closed_at is None


def test_the_right_otp_racing_wrong_ones_closes_the_case_at_most_once(engine, demo_url):
    c = revised(engine)
    send(engine, c)
    code = code_sent(engine, c.case_id)
    seen = version(engine, CLERK, c.todo_id)
    codes = [code if k % 3 == 0 else not_the(code, k) for k in range(12)]  # four right, eight wrong
    answers = [value for _, value in in_processes(
        [(work.close_with_otp, demo_url, CLERK, c.todo_id, seen, typed) for typed in codes])]
    assert {kind for kind, _ in answers} <= {"closed", "Invalid", "Stale"}, answers
    closed = [line for kind, line in answers if kind == "closed"]
    assert len(closed) == closures(engine, c.case_id) <= 1
    assert len([line for _, line in answers if "more tr" in line]) <= 2
    row = otp_row(engine, c.case_id)
    with db.read(engine) as s:
        status, closed_at = s.execute(select(Case.status, Case.closed_at).where(Case.case_id == c.case_id)).one()
    if closed:
        assert closed == ["Case Completed"] == [status] and row.status == "USED" and row.tries <= 2
    else:  # three wrong ones came first
        assert (row.tries, row.status, closed_at) == (3, "VOID", None)


# --- argon2 outside the transaction -------------------------------------------------------------


class PausedHasher:
    """Stands in for a module's argon2 hasher: checking `secret` waits until the test lets it go."""

    def __init__(self, real, secret: str) -> None:
        self.real, self.secret = real, secret
        self.checking, self.go = threading.Event(), threading.Event()

    def verify(self, hash_: str, secret: str) -> bool:
        if secret == self.secret:
            self.checking.set()
            self.go.wait(30)
        return self.real.verify(hash_, secret)

    def __getattr__(self, name):
        return getattr(self.real, name)


class Meanwhile:
    """Runs `action` in a thread while the main thread holds a check paused; its answer or error."""

    def __init__(self, action) -> None:
        self.result: object = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(action,), daemon=True)
        self.thread.start()

    def _run(self, action) -> None:
        try:
            self.result = action()
        except BaseException as exc:  # handed to the test
            self.error = exc

    def finish(self, timeout: float = 30):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "still waiting"
        return self.result, self.error


def writes_meanwhile(engine, timeout: float = 5) -> bool:
    """Another clerk's save, done while a check is paused: True when it did not have to wait for it.

    On SQLite a transaction open across the check would hold the one writer lock, and this would wait
    out the busy timeout (10 s)."""
    done = threading.Event()

    def save() -> None:
        with db.write(engine) as s:
            s.get(Staff, "INR1-SDC2").mobile = "9000000001"
        done.set()

    threading.Thread(target=save, daemon=True).start()
    return done.wait(timeout)


@pytest.fixture
def paused_login(monkeypatch):
    def pause(secret: str) -> PausedHasher:
        paused = PausedHasher(auth._hasher, secret)
        monkeypatch.setattr(auth, "_hasher", paused)
        return paused

    return pause


def test_a_password_is_checked_with_no_transaction_open(engine, paused_login):
    paused = paused_login(PASSWORD)
    login = Meanwhile(lambda: auth.attempt_login(engine, CLERK, PASSWORD))
    try:
        assert paused.checking.wait(30), "the login never checked the password"
        assert db.connections_held(engine) == 0  # no connection held, so no transaction, while argon2 runs
        assert writes_meanwhile(engine), "a save waited for a login's password check"
    finally:
        paused.go.set()
    who, error = login.finish()
    assert error is None and who.user_id == CLERK
    assert staff_row(engine).last_login_at == FIXED_NOW


def test_a_right_password_checked_as_the_lock_falls_is_still_refused(engine, paused_login):
    paused = paused_login(PASSWORD)
    login = Meanwhile(lambda: auth.attempt_login(engine, CLERK, PASSWORD))
    try:
        assert paused.checking.wait(30)
        for _ in range(5):  # someone else guesses meanwhile, and locks the user
            with pytest.raises((Denied, LockedOut)):
                auth.attempt_login(engine, CLERK, "wrong-password")
    finally:
        paused.go.set()
    _, error = login.finish()
    assert isinstance(error, LockedOut) and f"is locked after 5 failed logins until {LOCKED_UNTIL}" in str(error)
    staff = staff_row(engine)
    assert staff.locked_until == FIXED_NOW + auth.LOCKOUT and staff.last_login_at is None  # the lock stands


def test_an_old_password_checked_as_it_is_changed_no_longer_logs_in(engine, paused_login):
    paused = paused_login(PASSWORD)
    login = Meanwhile(lambda: auth.attempt_login(engine, CLERK, PASSWORD))
    try:
        assert paused.checking.wait(30)
        staff_admin.set_password(engine, CLERK, "a-new-pass-2026")
    finally:
        paused.go.set()
    _, error = login.finish()
    assert str(error) == wrong_password(4)  # checked again, against the new password
    assert staff_row(engine).last_login_at is None
    assert auth.attempt_login(engine, CLERK, "a-new-pass-2026").user_id == CLERK


@pytest.fixture
def paused_otp(monkeypatch):
    def pause(secret: str) -> PausedHasher:
        paused = PausedHasher(otp._hasher, secret)
        monkeypatch.setattr(otp, "_hasher", paused)
        return paused

    return pause


def test_an_otp_is_checked_with_no_transaction_open(engine, paused_otp):
    c = revised(engine)
    send(engine, c)
    code = code_sent(engine, c.case_id)
    paused = paused_otp(code)
    closing = Meanwhile(lambda: otp.close_with_otp(engine, CLERK, c.todo_id, version(engine, CLERK, c.todo_id), code))
    try:
        assert paused.checking.wait(30), "the close never checked the OTP"
        assert db.connections_held(engine) == 0
        assert writes_meanwhile(engine), "a save waited for an OTP check"
    finally:
        paused.go.set()
    closed, error = closing.finish()
    assert error is None and closed.status == "Case Completed"
    assert otp_row(engine, c.case_id).status == "USED" and closures(engine, c.case_id) == 1


def test_a_right_otp_checked_as_wrong_ones_spend_it_does_not_close(engine, paused_otp):
    c = revised(engine)
    send(engine, c)
    code = code_sent(engine, c.case_id)
    seen = version(engine, CLERK, c.todo_id)
    paused = paused_otp(code)
    closing = Meanwhile(lambda: otp.close_with_otp(engine, CLERK, c.todo_id, seen, code))
    try:
        assert paused.checking.wait(30)
        for k in (1, 2, 3):
            with pytest.raises(Invalid, match="wrong OTP"):
                otp.close_with_otp(engine, CLERK, c.todo_id, seen, not_the(code, k))
    finally:
        paused.go.set()
    _, error = closing.finish()
    assert str(error) == SPENT
    assert (otp_row(engine, c.case_id).tries, otp_row(engine, c.case_id).status) == (3, "VOID")
    assert closures(engine, c.case_id) == 0
