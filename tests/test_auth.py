"""Logging in: the right password lets a clerk in, wrong ones count down to a lock-out kept in the store."""

from datetime import timedelta

import pytest

from wss_tui.store import auth, clock, db
from wss_tui.store.errors import Denied, Invalid, LockedOut
from wss_tui.store.models import Staff

from .conftest import FIXED_NOW

CLERK, PASSWORD = "INR1-SDC1", "clerk@123"


def _staff(engine, user_id=CLERK) -> Staff:
    """The staff row as stored now (detached, attributes loaded)."""
    with db.read(engine) as s:
        staff = s.get(Staff, user_id)
        s.expunge(staff)
        return staff


def _fail(engine, user_id=CLERK, password="wrong-password"):
    with pytest.raises((Denied, LockedOut)) as err:
        auth.attempt_login(engine, user_id, password)
    return err.value


def test_right_password_logs_in_and_records_the_time(engine):
    who = auth.attempt_login(engine, CLERK, PASSWORD)
    staff = _staff(engine)
    assert (who.user_id, who.name, who.role, who.office_code) == (CLERK, staff.name, "TR-SDC", "ESD-INR-1")
    assert who.role_description == "To Do Role for Sub Divisional Clerk"
    assert who.office_name == "Electricity Distribution Sub-Division Indira Nagar I"
    assert staff.last_login_at == FIXED_NOW


def test_user_id_is_read_without_case_or_blanks(engine):
    assert auth.attempt_login(engine, "  inr1-sdc1 ", PASSWORD).user_id == CLERK


def test_wrong_password_says_how_many_tries_are_left(engine):
    messages = [str(_fail(engine)) for _ in range(4)]
    assert messages == [
        "password: user ID or password is wrong; 4 more tries before lock-out",
        "password: user ID or password is wrong; 3 more tries before lock-out",
        "password: user ID or password is wrong; 2 more tries before lock-out",
        "password: user ID or password is wrong; 1 more try before lock-out",
    ]
    assert _staff(engine).failed_logins == 4
    assert _staff(engine).last_login_at is None


def test_a_good_login_clears_the_count_of_failures(engine):
    for _ in range(3):
        _fail(engine)
    auth.attempt_login(engine, CLERK, PASSWORD)
    assert _staff(engine).failed_logins == 0
    assert "4 more tries" in str(_fail(engine))


def test_five_failures_lock_the_user_out_for_fifteen_minutes(engine):
    for _ in range(4):
        assert isinstance(_fail(engine), Denied)
    fifth = _fail(engine)
    assert isinstance(fifth, LockedOut)
    assert str(fifth) == f"user: 5 failed logins: {CLERK} is locked until 28-11-2026 11:15:00AM"
    assert _staff(engine).locked_until == FIXED_NOW + timedelta(minutes=15)

    # Locked: even the right password is refused, and says until when.
    locked = _fail(engine, password=PASSWORD)
    assert isinstance(locked, LockedOut)
    assert "locked after 5 failed logins until 28-11-2026 11:15:00AM" in str(locked)

    clock.set_clock(lambda: FIXED_NOW + timedelta(minutes=14, seconds=59))
    assert isinstance(_fail(engine, password=PASSWORD), LockedOut)

    clock.set_clock(lambda: FIXED_NOW + timedelta(minutes=15))
    who = auth.attempt_login(engine, CLERK, PASSWORD)
    assert who.user_id == CLERK
    staff = _staff(engine)
    assert staff.locked_until is None and staff.failed_logins == 0


def test_lock_out_of_one_user_leaves_the_others_alone(engine):
    for _ in range(5):
        _fail(engine)
    assert auth.attempt_login(engine, "INR1-SDC2", PASSWORD).user_id == "INR1-SDC2"


def test_after_the_lock_lifts_the_count_starts_again(engine):
    for _ in range(5):
        _fail(engine)
    clock.set_clock(lambda: FIXED_NOW + timedelta(minutes=16))
    assert str(_fail(engine)).endswith("4 more tries before lock-out")


def test_unknown_or_inactive_user_gets_the_words_of_a_wrong_password(engine):
    with db.write(engine) as s:
        s.get(Staff, "INR1-SDC2").active = False
    wrong = _fail(engine)
    for user_id in ("NOSUCH-USER", "INR1-SDC2"):
        err = _fail(engine, user_id, PASSWORD)
        assert type(err) is type(wrong) and err.field == wrong.field
        assert str(err).startswith("password: user ID or password is wrong")
    assert _staff(engine, "INR1-SDC2").failed_logins == 0


def test_unknown_user_line_is_identical_to_a_first_wrong_password(engine):
    assert str(_fail(engine, "NOSUCH-USER")) == str(_fail(engine))


@pytest.mark.parametrize("typed", ["INR1\x00SDC1", "INR1-SDC1\x1b[2J", "INR1\u202eSDC1"])
def test_a_user_id_with_a_control_character_is_refused_before_the_database(engine, typed):
    """A NUL would break PostgreSQL's driver with a traceback; any control is refused, naming the field."""
    with pytest.raises(Invalid) as err:
        auth.attempt_login(engine, typed, "clerk@123")
    assert err.value.field == "user"
    with db.read(engine) as s:
        assert s.get(Staff, "INR1-SDC1").failed_logins == 0
