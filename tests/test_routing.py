"""Every new To Do reaches a person: the least-loaded active clerk of its office, as data/routing.toml
says, and a disabled clerk's To Dos move in one step."""

from __future__ import annotations

import re

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from wss_tui.store import clock, config, db, intake, routing, todos
from wss_tui.store.errors import Denied, Invalid
from wss_tui.store.models import BEING_WORKED_ON, OPEN

from ._revision_data import CLERK, CLERK2, SDO, SUB, arrear_by, execute, free_bill, one, propose
from .test_cli_staff import wss

REASON = "The units billed are more than the meter shows"


def new_complaint(engine, sub: str = SUB) -> intake.Receipt:
    account_id, bill_no = free_bill(engine, sub=sub)
    with db.write(engine) as s:
        return intake.submit_request(s, account_id=account_id, bill_no=bill_no, reason=REASON)


def open_count(engine, user_id: str) -> int:
    return one(engine, "SELECT count(*) AS n FROM todo WHERE assigned_to = :u AND status <> 'Complete'", u=user_id).n


def mine(engine, user_id: str) -> list[str]:
    """The clerk's first screen: To Do Search, "assigned to user", open."""
    with db.read(engine) as s:
        page = todos.search(s, user_id, todos.SearchFilter(), limit=500)
    return [r.todo_id for r in page.rows]


def log_of(engine, todo_id: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            text("SELECT log_type, details FROM todo_log WHERE todo_id = :t ORDER BY at, id"), dict(t=todo_id))]


def policy(monkeypatch, default: str = config.LEAST_LOADED, **offices: config.RoutingPolicy) -> None:
    rules = config.RoutingRules(config.RoutingPolicy(default), {(code.replace("_", "-"), None): p for code, p in offices.items()},
                                config.routing_rules().reassign_roles)
    monkeypatch.setattr(config, "routing_rules", lambda: rules)


def test_a_new_complaint_goes_to_the_least_loaded_clerk_and_is_on_their_first_screen(engine):
    loads = {CLERK: open_count(engine, CLERK), CLERK2: open_count(engine, CLERK2)}
    lighter = min(loads, key=lambda u: (loads[u], u))
    if loads[CLERK] == loads[CLERK2]:
        execute(engine, "UPDATE todo SET assigned_to = :u, status = :st WHERE todo_id = "
                "(SELECT min(todo_id) FROM todo WHERE status = 'Open' AND role = 'TR-SDC' AND office_code = :o)",
                u=CLERK2, st=BEING_WORKED_ON, o=SUB)
        lighter = CLERK
    receipt = new_complaint(engine)
    assert (receipt.assigned_to, receipt.assigned_to_name) == (lighter, one(engine, "SELECT name FROM staff WHERE user_id = :u", u=lighter).name)
    assert receipt.todo_id in mine(engine, lighter)
    with db.read(engine) as s:
        d = todos.get(s, lighter, receipt.todo_id)
    assert (d.status, d.assigned_to) == (BEING_WORKED_ON, lighter)
    log = log_of(engine, receipt.todo_id)
    assert [t for t, _ in log] == ["Created", "Assigned"]
    assert log[1][1].startswith(f"Routed to {lighter} (") and "fewest open To Dos" in log[1][1]
    # `t` on it changes nothing; the other clerk cannot take it from them.
    with db.write(engine) as s:
        assert todos.take(s, lighter, receipt.todo_id, d.version).version == d.version
    other = CLERK2 if lighter == CLERK else CLERK
    with db.write(engine) as s, pytest.raises(Denied, match="being worked on by"):
        todos.take(s, other, receipt.todo_id, d.version)


def test_complaints_alternate_between_equally_loaded_clerks_idle_longest_first(engine):
    # Give both clerks the same load; CLERK2's newest open To Do was handed over longer ago.
    execute(engine, "UPDATE todo SET assigned_to = NULL, status = 'Open', last_assigned_at = NULL "
                    "WHERE assigned_to IN (:a, :b) AND status <> 'Complete'", a=CLERK, b=CLERK2)
    first, second = new_complaint(engine), None
    assert first.assigned_to == CLERK  # both idle (no open work): by user ID
    execute(engine, "UPDATE todo SET last_assigned_at = :at WHERE todo_id = :t",
            at=clock.now() - timedelta(hours=1), t=first.todo_id)
    second = new_complaint(engine)
    assert second.assigned_to == CLERK2  # fewer open To Dos
    third = new_complaint(engine)
    # Tied at one each: CLERK's was handed over an hour ago, CLERK2's just now.
    assert third.assigned_to == CLERK
    assert "tied with 1 other, given work longest ago" in log_of(engine, third.todo_id)[1][1]


@pytest.mark.parametrize("how", ["disabled", "locked"])
def test_a_disabled_or_locked_clerk_gets_none(engine, how):
    if how == "disabled":
        execute(engine, "UPDATE staff SET active = :no WHERE user_id = :u", no=False, u=CLERK)
    else:
        execute(engine, "UPDATE staff SET locked_until = :t WHERE user_id = :u", t=clock.now() + timedelta(minutes=15), u=CLERK)
    execute(engine, "UPDATE todo SET assigned_to = NULL, status = 'Open' WHERE assigned_to = :u", u=CLERK2)
    for _ in range(3):
        assert new_complaint(engine).assigned_to == CLERK2


def test_nobody_to_take_it_leaves_it_in_the_role_queue_where_n_finds_it(engine):
    execute(engine, "UPDATE staff SET active = :no WHERE role = 'TR-SDC' AND office_code = :o AND user_id <> :u",
            no=False, o=SUB, u=CLERK)
    execute(engine, "UPDATE staff SET locked_until = :t WHERE user_id = :u", t=clock.now() + timedelta(minutes=15), u=CLERK)
    receipt = new_complaint(engine)
    assert receipt.assigned_to is None
    assert log_of(engine, receipt.todo_id) == [("Created", f"Left in the TR-SDC queue of {SUB}: no active TR-SDC covering it may take it")]
    execute(engine, "UPDATE staff SET locked_until = NULL WHERE user_id = :u", u=CLERK)
    execute(engine, "UPDATE todo SET priority = 10 WHERE todo_id = :t", t=receipt.todo_id)
    with db.write(engine) as s:
        assert todos.assign_next(s, CLERK).todo_id == receipt.todo_id


def test_office_config_named_user_pool_and_queue(engine, monkeypatch):
    policy(monkeypatch, ESD_INR_1=config.RoutingPolicy(config.NAMED_USER, (CLERK2,)))
    assert {new_complaint(engine).assigned_to for _ in range(3)} == {CLERK2}
    policy(monkeypatch, ESD_INR_1=config.RoutingPolicy(config.POOL, (CLERK,)))
    assert {new_complaint(engine).assigned_to for _ in range(2)} == {CLERK}
    policy(monkeypatch, ESD_INR_1=config.RoutingPolicy(config.QUEUE))
    queued = new_complaint(engine)
    assert queued.assigned_to is None
    assert "routing.toml" in log_of(engine, queued.todo_id)[0][1]
    # A named user who may not take it (disabled): the queue, saying why.
    policy(monkeypatch, ESD_INR_1=config.RoutingPolicy(config.NAMED_USER, (CLERK2,)))
    execute(engine, "UPDATE staff SET active = :no WHERE user_id = :u", no=False, u=CLERK2)
    r = new_complaint(engine)
    assert r.assigned_to is None and f"{CLERK2}, the office's named user, cannot take it" in log_of(engine, r.todo_id)[0][1]


def test_routing_toml_errors_name_the_key(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(config.data_dir(), tmp_path / "data")
    monkeypatch.setenv("WSS_DATA_DIR", str(tmp_path / "data"))
    cases = {
        '[office.ESD-INR-1]\npolicy = "pool"\n': "routing.toml office.ESD-INR-1.pool",
        '[office.NOWHERE]\npolicy = "queue"\n': "routing.toml office.NOWHERE",
        '[default]\npolicy = "random"\n': "routing.toml",  # its model's: "…routing.toml: default.policy: must be …"
        '[office.ESD-INR-1.TR-XYZ]\npolicy = "queue"\n': "routing.toml office.ESD-INR-1.TR-XYZ",
    }
    try:
        for body, key in cases.items():
            (tmp_path / "data" / "routing.toml").write_text(body)
            config.routing_rules.cache_clear()
            with pytest.raises(Invalid) as err:
                config.routing_rules()
            assert err.value.field.endswith(key)
            assert key != "routing.toml" or err.value.message.startswith("default.policy: must be 'least-loaded' or 'queue'")
        (tmp_path / "data" / "routing.toml").write_text(
            '[office.ESD-INR-1]\npolicy = "queue"\n[office.ESD-INR-1.TR-SDO]\npolicy = "user"\nuser = "inr1-sdo"\n')
        config.routing_rules.cache_clear()
        rules = config.routing_rules()
        assert rules.policy("ESD-INR-1", "TR-SDC").kind == config.QUEUE
        assert rules.policy("ESD-INR-1", "TR-SDO") == config.RoutingPolicy(config.NAMED_USER, ("INR1-SDO",))
        assert rules.policy("ESD-INR-2", "TR-SDC").kind == config.LEAST_LOADED
    finally:
        config.routing_rules.cache_clear()


def test_an_approval_goes_to_an_sdo_who_may_approve_it_never_the_maker(engine):
    receipt = new_complaint(engine)
    clerk = receipt.assigned_to
    from ._revision_data import Complaint

    with db.read(engine) as s:
        d = todos.get(s, clerk, receipt.todo_id)
    c = Complaint(receipt.todo_id, d.version, receipt.request_id, "", "")
    c = Complaint(c.todo_id, c.version, c.case_id, one(engine, "SELECT bill_no FROM \"case\" WHERE case_id = :c", c=c.case_id).bill_no, "")
    info = propose(engine, c, arrear_by(engine, c.bill_no, 5_000_00), actor=clerk)
    row = one(engine, "SELECT status, assigned_to, role FROM todo WHERE todo_id = :t", t=info.approval_todo_id)
    assert (row.status, row.assigned_to, row.role) == (BEING_WORKED_ON, SDO, "TR-SDO")
    assert info.approval_todo_id in mine(engine, SDO)
    # The SDO proposes on their own case: the approval goes past them, to the EE.
    r2 = new_complaint(engine)
    with db.write(engine) as s:
        v = todos.get(s, r2.assigned_to, r2.todo_id).version
        v = todos.forward(s, r2.assigned_to, r2.todo_id, v, to_user=SDO, note="Please revise this one").version
    bill2 = one(engine, "SELECT bill_no FROM \"case\" WHERE case_id = :c", c=r2.request_id).bill_no
    info2 = propose(engine, Complaint(r2.todo_id, v, r2.request_id, bill2, ""), arrear_by(engine, bill2, 5_000_00), actor=SDO)
    row2 = one(engine, "SELECT assigned_to, role FROM todo WHERE todo_id = :t", t=info2.approval_todo_id)
    assert row2.assigned_to != SDO and row2.role == "TR-EE"


def test_reassign_moves_a_disabled_clerks_todos_with_a_log_entry_each(engine, demo_url):
    held = [new_complaint(engine) for _ in range(2)]
    execute(engine, "UPDATE todo SET assigned_to = :u WHERE todo_id IN (:a, :b)", u=CLERK, a=held[0].todo_id, b=held[1].todo_id)
    before = open_count(engine, CLERK)
    result = wss(demo_url, "staff", "disable", CLERK)
    assert f"{CLERK} holds {before} open To Dos; move them with `wss staff reassign {CLERK} --route`" in result.stdout
    result = wss(demo_url, "staff", "reassign", CLERK, "--route", "--json")
    assert result.returncode == 0, result.stderr
    moved = json.loads(result.stdout)
    assert len(moved) == before and open_count(engine, CLERK) == 0
    assert {m["to_user"] for m in moved} == {CLERK2}
    for m in moved:
        kind, details = log_of(engine, m["todo_id"])[-1]
        assert kind == "Assigned" and details.startswith(f"Reassigned from {CLERK} (")
        assert f"{CLERK} is disabled" in details and f"routed to {CLERK2}" in details
    log = wss(demo_url, "staff", "log", "--user", CLERK).stdout
    assert re.search(rf"reassign +{CLERK}", log) and f"{before} open To Do(s) re-routed" in log
    # Nothing left: says so.
    again = wss(demo_url, "staff", "reassign", CLERK, "--to-role", "TR-SDC")
    assert again.stdout == f"{CLERK} holds no open To Dos; nothing moved\n"
    bad = wss(demo_url, "staff", "reassign", CLERK2, "--to", "INR-ACC", "--reason", "leave")
    assert bad.returncode == 1 and bad.stderr.startswith("error: to user:")
    assert open_count(engine, CLERK2) > 0  # refused: nothing moved


def test_an_officer_reassigns_to_a_colleague_or_the_queue_in_one_step(engine):
    a, b = new_complaint(engine), new_complaint(engine)
    ids = [a.todo_id, b.todo_id]
    with db.write(engine) as s:
        moved = routing.reassign(s, SDO, ids, to_user=CLERK, reason="CLERK2 on leave")
    assert {m.to_user for m in moved} == {CLERK}
    with db.write(engine) as s:
        moved = routing.reassign(s, SDO, ids, to_role="TR-SDC", reason="balance the work")
    rows = {one(engine, "SELECT status, assigned_to FROM todo WHERE todo_id = :t", t=t) for t in ids}
    assert {tuple(r) for r in rows} == {(OPEN, None)}
    assert log_of(engine, a.todo_id)[-1][0] == "Forwarded"
    with db.write(engine) as s, pytest.raises(Denied, match="does not move others' To Dos"):
        routing.reassign(s, CLERK, ids, to_user=CLERK2, reason="x")
    with db.write(engine) as s, pytest.raises(Invalid, match="reason"):
        routing.reassign(s, SDO, ids, to_user=CLERK2, reason="  ")
