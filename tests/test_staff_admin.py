"""Administering staff in the store: each rule of adding one, passwords, lock-outs, disabling, the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wss_tui.store import auth, clock, db, staff_admin
from wss_tui.store.errors import Denied, Invalid, LockedOut, NotFound
from wss_tui.store.models import Office, Staff
from wss_tui.store.staff_admin import NewStaff

from .conftest import FIXED_NOW

NEW = NewStaff("INR1-SDC9", "VERMA,RAM", "TR-SDC", "ESD-INR-1", "9876543210")
PASSWORD = "monsoon-2026"
CLERK, CLERK_PASSWORD = "INR1-SDC1", "clerk@123"


def _row(engine, user_id):
    with db.read(engine) as s:
        staff = s.get(Staff, user_id)
        if staff is not None:
            s.expunge(staff)
        return staff


def _staff_table(engine) -> list[tuple]:
    with db.read(engine) as s:
        return [tuple(r) for r in s.execute(select(Staff.__table__).order_by(Staff.user_id))]


def _lock(engine, user_id=CLERK):
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises((Denied, LockedOut)):
            auth.attempt_login(engine, user_id, "not-the-password")
    assert _row(engine, user_id).locked_until is not None


def _logs_in(engine, user_id, password) -> bool:
    try:
        return auth.attempt_login(engine, user_id, password).user_id == user_id
    except (Denied, LockedOut):
        return False


# --- adding ------------------------------------------------------------------------------------------


def test_added_member_is_stored_and_can_log_in(engine):
    entry = staff_admin.add(engine, NEW, PASSWORD)
    assert (entry.user_id, entry.role, entry.office_code, entry.status) == ("INR1-SDC9", "TR-SDC", "ESD-INR-1", "active")
    row = _row(engine, "INR1-SDC9")
    assert (row.name, row.mobile, row.active, row.failed_logins, row.locked_until) == ("VERMA,RAM", "9876543210", True, 0, None)
    assert row.password_hash.startswith("$argon2") and PASSWORD not in row.password_hash
    who = auth.attempt_login(engine, "inr1-sdc9", PASSWORD)
    assert (who.user_id, who.role, who.office_code) == ("INR1-SDC9", "TR-SDC", "ESD-INR-1")


def test_input_is_normalised(engine):
    spec = NewStaff("  inr1-sdc9 ", "  Ram   Verma ", "tr-sdc", "esd-inr-1", " ")
    entry = staff_admin.add(engine, spec, PASSWORD)
    row = _row(engine, "INR1-SDC9")
    assert (entry.user_id, row.name, row.role, row.office_code, row.mobile) == ("INR1-SDC9", "Ram Verma", "TR-SDC", "ESD-INR-1", None)


@pytest.mark.parametrize(
    "role, office",
    [("TR-SDO", "ESD-INR-2"), ("TR-OPR", "ESD-INR-1"), ("TR-EE", "EDD-INR"), ("TR-ACC", "EDD-AMS"),
     ("TR-SE", "LKO-C1"), ("TR-CE", "LKO"), ("TR-DIRC", "MVVNL"), ("TR-ADM", "MVVNL")],
)
def test_each_role_sits_at_its_own_level(engine, role, office):
    staff_admin.add(engine, NewStaff("NEW-1", "A B", role, office), PASSWORD)
    assert auth.attempt_login(engine, "NEW-1", PASSWORD).role == role


BAD = {
    "user ID with a blank": (dict(user_id="INR1 SDC9"), Invalid, "user ID", "is not a user ID"),
    "user ID of 21 characters": (dict(user_id="A" * 21), Invalid, "user ID", "1-20 letters, digits and hyphens"),
    "user ID starting with a hyphen": (dict(user_id="-INR1"), Invalid, "user ID", "starting with a letter or digit"),
    "user ID with a dot": (dict(user_id="INR1.SDC9"), Invalid, "user ID", "is not a user ID"),
    "user ID empty": (dict(user_id=""), Invalid, "user ID", "is not a user ID"),
    "user ID not ASCII": (dict(user_id="INR१"), Invalid, "user ID", "is not a user ID"),
    "user ID taken": (dict(user_id="inr1-sdc1"), Invalid, "user ID", "INR1-SDC1 already exists"),
    "name empty": (dict(name="   "), Invalid, "name", "give the staff member's name"),
    "name too long": (dict(name="A" * 81), Invalid, "name", "1-80 characters"),
    "name with a control character": (dict(name="RAM\x1b[31m"), Invalid, "name", "has the control character U+001B (ESC) at character 4"),
    "unknown role": (dict(role="TR-XYZ"), Invalid, "role", "unknown role 'TR-XYZ'; use one of: TR-SDC, "),
    "unknown office": (dict(office_code="ESD-NOPE"), NotFound, "office", "no office 'ESD-NOPE'; use a code from data/offices.toml"),
    "clerk at a division": (dict(office_code="EDD-INR"), Invalid, "office",
                            "TR-SDC works at a sub-division; EDD-INR is a division; give a sub-division's code"),
    "EE at a sub-division": (dict(role="TR-EE"), Invalid, "office",
                             "TR-EE works at a division; ESD-INR-1 is a sub-division; give a division's code"),
    "administrator at a zone": (dict(role="TR-ADM", office_code="LKO"), Invalid, "office", "TR-ADM works at a discom; LKO is a zone"),
    "mobile of 9 digits": (dict(mobile="987654321"), Invalid, "mobile", "is not a 10-digit mobile number"),
    "mobile starting with 5": (dict(mobile="5876543210"), Invalid, "mobile", "starting with 6-9"),
    "mobile with +91": (dict(mobile="+919876543210"), Invalid, "mobile", "is not a 10-digit mobile number"),
    "mobile with letters": (dict(mobile="98765432AB"), Invalid, "mobile", "is not a 10-digit mobile number"),
}


@pytest.mark.parametrize("change, error, field, words", BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_and_nothing_is_written(engine, change, error, field, words):
    spec = NewStaff(**{**NEW.__dict__, **change})
    before = _staff_table(engine)
    with pytest.raises(error) as checked:
        staff_admin.check_new(engine, spec)
    with pytest.raises(error) as added:
        staff_admin.add(engine, spec, PASSWORD)
    for err in (checked.value, added.value):
        assert err.field == field and words in err.message, str(err)
    assert _staff_table(engine) == before


BAD_PASSWORDS = {
    "7 characters": ("monsoon", "too short; use at least 8 characters"),
    "empty": ("", "too short"),
    "the user ID": ("INR1-SDC9", "must not be the user ID"),
    "the user ID in lower case": ("inr1-sdc9", "must not be the user ID"),
    "129 characters": ("x" * 129, "too long; use at most 128 characters"),
    "a line break": ("monsoon\n2026", "contains a control character or line break"),
}


@pytest.mark.parametrize("password, words", BAD_PASSWORDS.values(), ids=BAD_PASSWORDS.keys())
def test_bad_password_is_refused_and_nothing_is_written(engine, password, words):
    before = _staff_table(engine)
    with pytest.raises(Invalid) as err:
        staff_admin.add(engine, NEW, password)
    assert err.value.field == "password" and words in err.value.message
    with pytest.raises(Invalid, match=words):
        staff_admin.set_password(engine, CLERK, password.replace("INR1-SDC9", CLERK).replace("inr1-sdc9", CLERK.lower()))
    assert _staff_table(engine) == before


def test_a_user_id_taken_between_the_check_and_the_insert_is_still_refused(engine, monkeypatch):
    """Two administrators at once: the second insert fails on the key, and says so as a refusal."""
    monkeypatch.setattr(staff_admin, "_checked_in", lambda session, spec: spec.checked())
    before = _staff_table(engine)
    with pytest.raises(Invalid, match="user ID: INR1-SDC1 already exists"):
        staff_admin.add(engine, NewStaff(CLERK, "A B", "TR-SDC", "ESD-INR-1"), PASSWORD)
    assert _staff_table(engine) == before


# --- passwords, lock-outs, disabling ----------------------------------------------------------------


def test_new_password_replaces_the_old_and_lifts_the_lock_out(engine):
    _lock(engine)
    entry = staff_admin.set_password(engine, "inr1-sdc1", PASSWORD)
    assert entry.status == "active" and entry.locked_until is None
    row = _row(engine, CLERK)
    assert (row.failed_logins, row.locked_until) == (0, None)
    assert not _logs_in(engine, CLERK, CLERK_PASSWORD)
    assert _logs_in(engine, CLERK, PASSWORD)


def test_new_password_for_an_unknown_user(engine):
    with pytest.raises(NotFound, match="user ID: no staff member NOBODY; `wss staff list` shows who there is"):
        staff_admin.set_password(engine, "nobody", PASSWORD)


def test_unlock_lifts_the_lock_out_and_keeps_the_password(engine):
    _lock(engine)
    assert staff_admin.get(engine, CLERK).status == "locked"
    change = staff_admin.unlock(engine, CLERK)
    assert change.changed and change.entry.status == "active"
    assert (_row(engine, CLERK).failed_logins, _row(engine, CLERK).locked_until) == (0, None)
    assert _logs_in(engine, CLERK, CLERK_PASSWORD)
    assert staff_admin.unlock(engine, CLERK).changed is False


def test_unlock_clears_failed_logins_short_of_a_lock(engine):
    for _ in range(3):
        assert not _logs_in(engine, CLERK, "wrong-password")
    assert staff_admin.unlock(engine, CLERK).changed
    with pytest.raises(Denied, match="4 more tries"):
        auth.attempt_login(engine, CLERK, "wrong-password")


def test_a_lock_that_has_run_out_is_not_a_lock(engine):
    _lock(engine)
    clock.set_clock(lambda: FIXED_NOW + timedelta(minutes=15))
    assert staff_admin.get(engine, CLERK).status == "active"
    assert staff_admin.unlock(engine, CLERK).changed is False


def test_disabled_member_cannot_log_in_until_enabled(engine):
    change = staff_admin.set_active(engine, CLERK, False)
    assert change.changed and change.entry.status == "disabled"
    with pytest.raises(Denied) as err:
        auth.attempt_login(engine, CLERK, CLERK_PASSWORD)
    assert str(err.value) == "password: user ID or password is wrong; 4 more tries before lock-out"
    assert staff_admin.set_active(engine, CLERK, False).changed is False
    # A new password does not enable them.
    staff_admin.set_password(engine, CLERK, PASSWORD)
    assert not _logs_in(engine, CLERK, PASSWORD)

    assert staff_admin.set_active(engine, CLERK, True).changed
    assert _logs_in(engine, CLERK, PASSWORD)
    assert staff_admin.set_active(engine, CLERK, True).changed is False


def test_an_open_session_of_a_disabled_member_is_refused_at_its_next_action(engine):
    """Disabling does not wait for the next login: every store action checks the actor is active."""
    from wss_tui.store import todos

    with db.read(engine) as s:
        todos.search(s, CLERK, todos.SearchFilter())
    staff_admin.set_active(engine, CLERK, False)
    with db.read(engine) as s, pytest.raises(Denied, match="INR1-SDC1 is not an active staff member"):
        todos.search(s, CLERK, todos.SearchFilter())


@pytest.mark.parametrize("action", [staff_admin.unlock, lambda e, u: staff_admin.set_active(e, u, False), staff_admin.get])
def test_unknown_or_malformed_user(engine, action):
    with pytest.raises(NotFound, match="no staff member NO-ONE"):
        action(engine, "no-one")
    with pytest.raises(Invalid, match="user ID: 'NO ONE' is not a user ID"):
        action(engine, "NO ONE")


# --- the list -----------------------------------------------------------------------------------------


def _expected(engine, path_prefix="/", role=None) -> list[str]:
    """The user IDs the list should give, by a query of its own."""
    with db.read(engine) as s:
        q = select(Staff.user_id).join(Office, Office.code == Staff.office_code).where(Office.path.startswith(path_prefix))
        if role:
            q = q.where(Staff.role == role)
        return list(s.scalars(q.order_by(Staff.user_id)))


def _path(engine, code) -> str:
    with db.read(engine) as s:
        return s.get(Office, code).path


def test_list_filters_by_office_subtree_and_role(engine):
    with db.read(engine) as s:
        everyone = staff_admin.list_staff(s, limit=10_000)
        division = staff_admin.list_staff(s, office="edd-inr", limit=10_000)
        clerks = staff_admin.list_staff(s, office="EDD-INR", role="tr-sdc", limit=10_000)
        eng = staff_admin.list_staff(s, role="TR-EE", limit=10_000)
        sub = staff_admin.list_staff(s, office="ESD-INR-1")
        total = s.execute(select(func.count()).select_from(Staff)).scalar_one()
    assert [e.user_id for e in everyone.entries] == _expected(engine) and everyone.total == total
    assert [e.user_id for e in division.entries] == _expected(engine, _path(engine, "EDD-INR"))
    assert {"INR-EE", "INR-ACC", "INR1-SDC1", "INR2-SDO"} <= {e.user_id for e in division.entries}
    assert [e.user_id for e in clerks.entries] == ["INR1-SDC1", "INR1-SDC2", "INR2-SDC1", "INR2-SDC2"]
    assert [e.user_id for e in eng.entries] == _expected(engine, role="TR-EE") and all(e.role == "TR-EE" for e in eng.entries)
    assert [e.user_id for e in sub.entries] == ["INR1-OPR", "INR1-SDC1", "INR1-SDC2", "INR1-SDO"] and sub.total == 4


def test_list_pages_from_sql(engine):
    expected = _expected(engine)
    got, after = [], None
    with db.read(engine) as s:
        while True:
            page = staff_admin.list_staff(s, limit=7, after=after)
            assert len(page.entries) <= 7 and page.total == len(expected)
            got += [e.user_id for e in page.entries]
            if len(page.entries) < 7:
                break
            after = page.entries[-1].user_id
    assert got == expected


def test_list_shows_status_and_last_login(engine):
    auth.attempt_login(engine, "INR1-SDO", "sdo@123")
    _lock(engine, "INR1-SDC2")
    staff_admin.set_active(engine, "INR1-OPR", False)
    with db.read(engine) as s:
        by_id = {e.user_id: e for e in staff_admin.list_staff(s, office="ESD-INR-1").entries}
    assert {u: e.status for u, e in by_id.items()} == {
        "INR1-OPR": "disabled", "INR1-SDC1": "active", "INR1-SDC2": "locked", "INR1-SDO": "active"}
    assert by_id["INR1-SDC2"].locked_until == FIXED_NOW + auth.LOCKOUT
    assert by_id["INR1-SDO"].last_login_at == FIXED_NOW and by_id["INR1-SDC1"].last_login_at is None


def test_list_refuses_unknown_filters(engine):
    with db.read(engine) as s:
        with pytest.raises(NotFound, match="office: no office 'NOPE'"):
            staff_admin.list_staff(s, office="NOPE")
        with pytest.raises(Invalid, match="role: unknown role 'TR-XYZ'"):
            staff_admin.list_staff(s, role="tr-xyz")
        with pytest.raises(Invalid, match="limit"):
            staff_admin.list_staff(s, limit=0)


def test_an_office_of_the_configuration_missing_from_the_database_says_so(empty_engine):
    """A schema made by the migrations alone has no offices (`wss db upgrade` loads them): the refusal
    must not claim the office is unknown, and says what loads it."""
    with pytest.raises(NotFound, match="office: MVVNL is in data/offices.toml but not in this database; run `wss db upgrade`"):
        staff_admin.add(empty_engine, NewStaff("ADM-1", "IT CELL", "TR-ADM", "MVVNL"), PASSWORD)
    assert _staff_table(empty_engine) == []
