"""Approval To Dos belong to approvers; every To Do is forwarded only to roles that work its type.

Issue 11, finding 4: a maker could take the approval To Do of their own revision (the SDO's approve was
then refused), forward it to a clerk role (gone from the SDO's queue) or lower its priority; any To Do
could be forwarded to any role (TR-DIRC, TR-ADM) and so hidden from the queue that must work it.
"""

from __future__ import annotations

import pytest

from wss_tui.store import config, db, escalation, money, todo_rights, todos
from wss_tui.store.errors import Denied, Invalid
from wss_tui.store.models import BEING_WORKED_ON, OPEN, Staff
from wss_tui.store.revision import powers
from wss_tui.store.revision.rules import rules

from ._revision_data import (ACC, ADMIN, CLERK, CLERK2, DIRC, EE, SDO, SE, approve, arrear_by, complaint, counts,
                             detail, one, propose, version)

# What a clerk and an officer may do with To Dos taken from the queue; routing has its own tests
# (tests/test_routing.py).
pytestmark = pytest.mark.usefixtures("queue_routing")


NOTE = "Please decide this one today"


def act(engine, fn, actor: str, todo_id: str, *args, **kwargs) -> todos.TodoDetail:
    with db.write(engine) as s:
        return fn(s, actor, todo_id, version(engine, actor, todo_id), *args, **kwargs)


def c_office(engine, c) -> str:
    return one(engine, "SELECT subdivision_code FROM account WHERE account_id = :a", a=c.account_id)[0]


def proposed(engine, rupees: int = 2_000, maker: str = CLERK):
    """A complaint taken by `maker` and a revision of it proposed: (the complaint, the revision)."""
    c = complaint(engine, clerk=maker)
    return c, propose(engine, c, arrear_by(engine, c.bill_no, rupees * 100), actor=maker)


# --- the approval To Do: only an officer who may approve it, never the maker ------------------------


ACTIONS = {
    "take": lambda e, a, t: act(e, todos.take, a, t),
    "forward to a role": lambda e, a, t: act(e, todos.forward, a, t, to_role="TR-SDC", note=NOTE),
    "forward to a user": lambda e, a, t: act(e, todos.forward, a, t, to_user=CLERK2, note=NOTE),
    "send back": lambda e, a, t: act(e, todos.send_back, a, t, NOTE),
    "priority": lambda e, a, t: act(e, todos.change_priority, a, t, 50, note="later"),
    "complete": lambda e, a, t: act(e, todos.complete, a, t, "approved, I think"),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", [CLERK, CLERK2], ids=["maker", "other clerk"])
def test_a_clerk_cannot_work_the_approval_to_do(engine, actor, action):
    _, info = proposed(engine)
    todo_id = info.approval_todo_id
    before, counted = detail(engine, SDO, todo_id), counts(engine)
    with pytest.raises(Denied) as refused:
        ACTIONS[action](engine, actor, todo_id)
    assert refused.value.field == "approver"
    line = str(refused.value)
    assert "\n" not in line and line.startswith(f"approver: revision {info.revision_id} waits for TR-SDO ESD-INR-1")
    assert ("proposed this revision" if actor == CLERK else "TR-SDC has no power to approve") in line
    assert counts(engine) == counted
    after = detail(engine, SDO, todo_id)
    assert (after.status, after.role, after.assigned_to, after.priority, after.version) == (
        OPEN, "TR-SDO", None, before.priority, before.version)


def test_the_sdo_still_approves_after_the_clerk_tried_to_take_it(engine):
    _, info = proposed(engine)
    with pytest.raises(Denied):
        act(engine, todos.take, CLERK, info.approval_todo_id)
    done = approve(engine, SDO, info)
    assert (done.status, done.checker_id) == ("APPROVED", SDO)


def test_the_sdo_takes_reprioritises_and_forwards_the_approval_up(engine):
    _, info = proposed(engine)
    todo_id = info.approval_todo_id
    taken = act(engine, todos.take, SDO, todo_id)
    assert (taken.status, taken.assigned_to) == (BEING_WORKED_ON, SDO)
    assert act(engine, todos.change_priority, SDO, todo_id, 10, note="repeat complaint").priority == 10
    sent = act(engine, todos.forward, SDO, todo_id, to_user=EE, note="Please look: large arrear")
    assert (sent.assigned_to, sent.role, sent.sent_by) == (EE, "TR-EE", SDO)
    back = act(engine, todos.send_back, EE, todo_id, "Within your power; decide it")
    assert (back.assigned_to, back.role) == (SDO, "TR-SDO")
    done = approve(engine, SDO, info)
    assert done.status == "APPROVED"


def test_the_approver_cannot_send_it_back_to_the_maker(engine):
    _, info = proposed(engine)
    todo_id = info.approval_todo_id
    act(engine, todos.take, SDO, todo_id)
    with pytest.raises(Invalid, match=r"^sent by: INR1-SDC1 proposed revision \d+ and may not decide it; "
                                      r"to return it to them, reject the revision \(v, then x\)$"):
        act(engine, todos.send_back, SDO, todo_id, "Please check the arrear again")
    assert detail(engine, SDO, todo_id).assigned_to == SDO


@pytest.mark.parametrize("target, words", [
    (CLERK, "INR1-SDC1 (.*) may not decide revision \\d+: INR1-SDC1 proposed this revision"),
    (CLERK2, "INR1-SDC2 (.*) may not decide revision \\d+: TR-SDC has no power to approve"),
    (ACC, "INR-ACC (.*) may not decide revision \\d+: TR-ACC has no power to approve"),
])
def test_an_approval_is_forwarded_to_a_user_only_if_they_may_approve_it(engine, target, words):
    _, info = proposed(engine)
    act(engine, todos.take, SDO, info.approval_todo_id)
    with pytest.raises(Invalid, match=f"^to user: {words}"):
        act(engine, todos.forward, SDO, info.approval_todo_id, to_user=target, note=NOTE)


def test_an_approval_is_forwarded_to_a_role_only_if_it_may_approve_it(engine):
    _, info = proposed(engine, rupees=60_000)  # over the SDO's Rs 50,000: the EE's
    todo_id = info.approval_todo_id
    assert detail(engine, EE, todo_id).role == "TR-EE"
    act(engine, todos.take, EE, todo_id)
    for role, why in [("TR-SDC", "TR-SDC has no power to approve bill revisions (see powers.toml)"),
                      ("TR-ADM", "TR-ADM has no power to approve bill revisions (see powers.toml)"),
                      ("TR-SDO", f"TR-SDO may approve revisions up to {money.rupees(50_000_00)}; this one is "
                                 f"{money.rupees(60_000_00)} and waits for a higher officer")]:
        with pytest.raises(Invalid) as refused:
            act(engine, todos.forward, EE, todo_id, to_role=role, note=NOTE)
        assert str(refused.value) == f"to role: forward it to TR-EE, TR-SE, TR-CE or TR-DIRC; {why}"
    sent = act(engine, todos.forward, EE, todo_id, to_role="TR-SE", note="Circle to decide")
    assert (sent.status, sent.role, sent.assigned_to) == (OPEN, "TR-SE", None)
    done = approve(engine, SE, info)
    assert (done.status, done.checker_id) == ("APPROVED", SE)


def test_an_approval_is_not_forwarded_to_a_role_only_its_maker_holds(engine):
    """The SDO proposed: the approval went to the EE; the SDO role may approve the amount, but the
    sub-division's only SDO is the maker, so nobody there could."""
    c = complaint(engine)
    with db.write(engine) as s:  # the clerk hands the complaint to the SDO, who proposes
        todos.forward(s, CLERK, c.todo_id, version(engine, CLERK, c.todo_id), to_user=SDO, note="Please revise")
    info = propose(engine, c, arrear_by(engine, c.bill_no, 2_000 * 100), actor=SDO)
    assert (info.route.role, info.route.office_code) == ("TR-EE", "EDD-INR")
    act(engine, todos.take, EE, info.approval_todo_id)
    with pytest.raises(Invalid, match=r"^to role: .*TR-SDO is not senior to TR-SDO \(INR1-SDO\), who proposed"):
        act(engine, todos.forward, EE, info.approval_todo_id, to_role="TR-SDO", note=NOTE)
    # Nor is the SDO, its maker, handed it by name.
    with pytest.raises(Invalid, match="^to user: INR1-SDO .* does not cover EDD-INR"):
        act(engine, todos.forward, EE, info.approval_todo_id, to_user=SDO, note=NOTE)


def test_an_sdos_proposal_never_goes_to_a_peer_sdo(engine):
    """Two SDOs in one sub-division: the first's Rs 2,000 proposal is within an SDO's power, but goes up
    to the EE of the division; the peer SDO can neither approve it nor be handed it, and `n` never
    gives it to either SDO."""
    with db.write(engine) as s:
        sdo = s.get(Staff, SDO)
        s.add(Staff(user_id="INR1-SDO2", name="Second SDO", role="TR-SDO", office_code=sdo.office_code,
                    password_hash=sdo.password_hash, active=True))
    c = complaint(engine)
    with db.write(engine) as s:
        todos.forward(s, CLERK, c.todo_id, version(engine, CLERK, c.todo_id), to_user=SDO, note="Please revise")
    info = propose(engine, c, arrear_by(engine, c.bill_no, 2_000 * 100), actor=SDO)
    assert (info.route.role, info.route.office_code) == ("TR-EE", "EDD-INR")
    with db.read(engine) as s:
        with pytest.raises(Denied, match=r"^approver: TR-SDO is not senior to TR-SDO \(INR1-SDO\)"):
            powers.check_checker(s, s.get(Staff, "INR1-SDO2"), maker_id=SDO, amount_paise=info.difference_paise,
                                 office_code=c_office(engine, c))
    act(engine, todos.take, EE, info.approval_todo_id)
    with pytest.raises(Invalid, match=r"^to user: INR1-SDO2 .* does not cover EDD-INR"):
        act(engine, todos.forward, EE, info.approval_todo_id, to_user="INR1-SDO2", note=NOTE)
    for sdo_id in (SDO, "INR1-SDO2"):
        with db.write(engine) as s:
            got = todos.assign_next(s, sdo_id)
        assert got is None or got.todo_id != info.approval_todo_id
    assert approve(engine, EE, info).checker_id == EE


# --- the Director's review and the audit: their own roles only ---------------------------------------


def test_the_review_to_do_is_the_directors_alone(engine):
    _, info = proposed(engine, rupees=1_20_000)
    with db.write(engine) as s:
        take = todos.take(s, EE, info.approval_todo_id, version(engine, EE, info.approval_todo_id))
    done = approve(engine, EE, info)
    review = done.review_todo_id
    assert review and detail(engine, ADMIN, review).role == "TR-DIRC"
    with pytest.raises(Denied, match="^role: TR-ADM does not work BRREVIEW To Dos .*; TR-DIRC or TR-MD do$"):
        act(engine, todos.take, ADMIN, review)
    with pytest.raises(Denied, match="^role: TR-ADM does not work BRREVIEW"):
        act(engine, todos.change_priority, ADMIN, review, 50)
    assert act(engine, todos.take, DIRC, review).assigned_to == DIRC
    with pytest.raises(Invalid, match="^to role: forward it to TR-DIRC or TR-MD; TR-ADM does not work BRREVIEW To Dos"):
        act(engine, todos.forward, DIRC, review, to_role="TR-ADM", note=NOTE)
    with pytest.raises(Invalid, match=r"^to user: MVVNL-ADM \(.*\) is TR-ADM, which does not work BRREVIEW To Dos; "
                                      r"choose someone who is TR-DIRC or TR-MD$"):
        act(engine, todos.forward, DIRC, review, to_user=ADMIN, note=NOTE)
    assert take.status == BEING_WORKED_ON


def test_a_directors_own_approval_is_reviewed_by_the_md_never_by_himself(engine):
    """Rs 60,00,000 is past the CE's power (Rs 50,00,000): the Director (Commercial) approves it, and its
    review (Rs 1,00,000 and above) goes to the next authority of revision.toml, the MD, not to him."""
    _, info = proposed(engine, rupees=60_00_000)
    assert info.route.role == "TR-DIRC"
    done = approve(engine, DIRC, info)
    review = detail(engine, ADMIN, done.review_todo_id)
    assert (review.role, review.office_code) == ("TR-MD", "MVVNL")
    with pytest.raises(Denied, match=f"^reviewer: {DIRC} approved revision {info.revision_id} and may not review"):
        act(engine, todos.take, DIRC, done.review_todo_id)
    assert act(engine, todos.take, "MVVNL-MD", done.review_todo_id).assigned_to == "MVVNL-MD"


# --- forwarding any To Do: only to the roles configured for its type, within scope ------------------


def mine(engine) -> str:
    return complaint(engine).todo_id


@pytest.mark.parametrize("role", ["TR-DIRC", "TR-ADM", "TR-ACC", "TR-SE"])
def test_a_complaint_is_not_forwarded_to_a_role_that_does_not_work_it(engine, role):
    todo_id = mine(engine)
    counted = counts(engine)
    with pytest.raises(Invalid) as refused:
        act(engine, todos.forward, CLERK, todo_id, to_role=role, note=NOTE)
    assert str(refused.value) == (f"to role: forward it to TR-SDC, TR-SDO or TR-EE; {role} does not work "
                                  "IMITCASE To Dos (Start Investigation for Bill Revision Request through WSS)")
    assert counts(engine) == counted
    assert detail(engine, CLERK, todo_id).assigned_to == CLERK


@pytest.mark.parametrize("role", ["TR-SDC", "TR-SDO", "TR-EE"])
def test_a_complaint_is_forwarded_to_a_role_that_works_it(engine, role):
    todo_id = mine(engine)
    sent = act(engine, todos.forward, CLERK, todo_id, to_role=role, note=NOTE)
    assert (sent.status, sent.role, sent.assigned_to) == (OPEN, role, None)


@pytest.mark.parametrize("user, role", [(DIRC, "TR-DIRC"), (ADMIN, "TR-ADM"), (ACC, "TR-ACC")])
def test_a_complaint_is_not_forwarded_to_a_user_whose_role_does_not_work_it(engine, user, role):
    todo_id = mine(engine)
    with pytest.raises(Invalid, match=rf"^to user: {user} \(.*\) is {role}, which does not work IMITCASE To Dos; "
                                      r"choose someone who is TR-SDC, TR-SDO or TR-EE$"):
        act(engine, todos.forward, CLERK, todo_id, to_user=user, note=NOTE)


def test_an_escalation_to_do_goes_only_to_the_roles_of_the_matrix(engine):
    c = complaint(engine)
    with db.write(engine) as s:
        todo_id = escalation_todo(s, c.case_id)
    act(engine, todos.take, EE, todo_id)
    with pytest.raises(Invalid, match="^to role: forward it to TR-EE, TR-SE, TR-CE or TR-DIRC; TR-SDC does not work"):
        act(engine, todos.forward, EE, todo_id, to_role="TR-SDC", note=NOTE)


def escalation_todo(s, case_id: str) -> str:
    from wss_tui.store import work_todos

    mx = escalation.matrix()
    return work_todos.create(s, todo_type=mx.todo_type, role="TR-EE", office_code="EDD-INR", message="escalated",
                             priority=20, case_id=case_id, account_id=None, chars=[("CASE", case_id)], user_id=EE)


def test_a_role_may_not_take_a_type_it_does_not_work(engine):
    todo_id = mine(engine)
    act(engine, todos.forward, CLERK, todo_id, to_role="TR-SDO", note=NOTE)
    with pytest.raises(Denied, match="^role: TR-ACC does not work IMITCASE To Dos .*; TR-SDC, TR-SDO or TR-EE do$"):
        act(engine, todos.take, ACC, todo_id)
    assert act(engine, todos.take, SDO, todo_id).assigned_to == SDO


def test_anyone_in_scope_may_still_add_a_log_entry(engine):
    """A note obstructs nobody: the maker may still add one on the approval To Do."""
    _, info = proposed(engine)
    after = act(engine, todos.add_log, CLERK, info.approval_todo_id, "Consumer sent the meter photo again")
    assert after.log[-1].log_type == "User Details" and after.status == OPEN


# --- the configuration ---------------------------------------------------------------------------


def test_each_to_do_type_has_its_working_roles_from_data():
    assert todo_rights.roles_working("IMITCASE") == ("TR-SDC", "TR-SDO", "TR-EE")
    assert todo_rights.roles_working("IMCCCASE") == ("TR-SDC", "TR-SDO", "TR-EE")
    assert todo_rights.roles_working("BRAPPROV") == ("TR-SDO", "TR-EE", "TR-SE", "TR-CE", "TR-DIRC")
    assert todo_rights.roles_working("BRREVIEW") == (rules().review_role, rules().review_next_role)
    assert todo_rights.roles_working("BRAUDIT") == (rules().audit_role,)
    assert todo_rights.roles_working("IMOFCASE") == rules().makers
    assert todo_rights.roles_working(escalation.matrix().todo_type) == ("TR-EE", "TR-SE", "TR-CE", "TR-DIRC")
    every = {code for code, _ in todos.todo_types()}
    assert all(todo_rights.roles_working(code) for code in every)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    import shutil

    from wss_tui.store import calendar
    from wss_tui.store.revision import rules

    caches = (config.request_types, rules.rules, escalation.matrix, calendar.load_settings)
    data = tmp_path / "data"
    shutil.copytree(config.data_dir(), data)
    monkeypatch.setenv("WSS_DATA_DIR", str(data))
    for fn in caches:
        fn.cache_clear()
    yield data
    monkeypatch.delenv("WSS_DATA_DIR")
    for fn in caches:
        fn.cache_clear()


@pytest.mark.parametrize("file, old, new, field, words", [
    ("request_types.toml", 'roles = ["TR-SDC", "TR-SDO", "TR-EE"]\npriority = 30', 'roles = "TR-SDC"\npriority = 30',
     "request_types.toml", "request.bill-correction.roles: must be a list"),
    ("request_types.toml", 'roles = ["TR-SDC", "TR-SDO", "TR-EE"]\npriority = 30', 'roles = ["TR-SDO", "TR-XX"]\npriority = 30',
     "request_types.toml request.bill-correction.roles", "TR-XX is not a role that works To Dos"),
    ("request_types.toml", 'roles = ["TR-SDC", "TR-SDO", "TR-EE"]\npriority = 30', 'roles = ["TR-SDO", "TR-EE"]\npriority = 30',
     "request_types.toml request.bill-correction.roles", "add TR-SDC"),
    ("revision.toml", 'roles = ["TR-DIRC", "TR-MD"]', 'roles = ["TR-ADM"]', "revision.toml todo_type.BRREVIEW.roles", "add TR-DIRC"),
    ("escalation.toml", 'roles = ["TR-EE", "TR-SE", "TR-CE", "TR-DIRC"]', 'roles = ["TR-EE", "TR-SE", "TR-OPR"]',
     "escalation.toml matrix.roles", "TR-OPR is not a role that works To Dos"),
])
def test_a_wrong_roles_setting_names_its_key(data_copy, file, old, new, field, words):
    path = data_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(Invalid) as refused:
        todo_rights.roles_working("IMITCASE")
    assert refused.value.field.endswith(field) and words in refused.value.message


# --- through the TUI --------------------------------------------------------------------------------


async def test_the_maker_presses_t_on_the_approval_and_is_told_why_not(engine):
    from wss_tui.screens.todo_entry import TodoEntryScreen

    from .test_tui_entry import open_entry
    from .tui_helpers import app_as, notifications, settle, text_of

    _, info = proposed(engine)
    todo_id = info.approval_todo_id
    before = detail(engine, SDO, todo_id)
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        said = [n for n in notifications(app) if "approver:" in n]
        assert said == [f"approver: revision {info.revision_id} waits for TR-SDO ESD-INR-1; "
                        f"{CLERK} proposed this revision; another officer must decide it"]
        assert text_of(app, "#f-status") == OPEN and text_of(app, "#f-assigned") == ""
    after = detail(engine, SDO, todo_id)
    assert (after.status, after.role, after.assigned_to, after.version) == (OPEN, "TR-SDO", None, before.version)
    assert approve(engine, SDO, info).status == "APPROVED"  # the SDO's queue still has it, and decides it


async def test_the_maker_is_not_offered_the_approvals_priority_and_p_says_why(engine):
    from wss_tui.screens.todo_entry import TodoEntryScreen

    from .test_tui_entry import footer_keys, open_entry
    from .tui_helpers import app_as, notifications, settle

    _, info = proposed(engine)
    todo_id = info.approval_todo_id
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        assert "p priority" not in footer_keys(app)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)  # no dialog to fill only to be refused
        assert notifications(app)[-1].startswith(f"approver: revision {info.revision_id} waits for TR-SDO")
    assert detail(engine, SDO, todo_id).priority == rules().approval_priority


async def test_the_forward_dialog_offers_the_roles_that_work_the_to_do_and_refuses_others_inline(engine):
    from textual.widgets import Input

    from wss_tui.screens.dialogs import ForwardDialog
    from wss_tui.screens.todo_entry import TodoEntryScreen

    from .test_tui_entry import fill, open_entry
    from .tui_helpers import app_as, settle, text_of

    todo_id = mine(engine)
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("f")
        await settle(pilot)
        await fill(pilot, to_kind="role")
        assert app.screen.query_one("#target", Input).placeholder == "TR-SDC, TR-SDO or TR-EE"
        await fill(pilot, target="TR-DIRC", note="Director to see")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ForwardDialog)
        assert text_of(app, ".dialog-error") == (
            "to role: forward it to TR-SDC, TR-SDO or TR-EE; TR-DIRC does not work IMITCASE To Dos "
            "(Start Investigation for Bill Revision Request through WSS)")
        assert app.focused is app.screen.query_one("#target")
        assert detail(engine, CLERK, todo_id).assigned_to == CLERK
        await fill(pilot, target="TR-SDO")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
    after = detail(engine, CLERK, todo_id)
    assert (after.status, after.role, after.assigned_to) == (OPEN, "TR-SDO", None)
