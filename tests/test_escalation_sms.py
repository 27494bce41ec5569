"""The consumer is told when the complaint escalates: one SMS per escalation, queued by the sweep in the
same transaction (one INSERT … SELECT), in the account's language, naming the officer it went to; none
for an officer's own case or an account without a registered mobile, none again on a second sweep."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from wss_tui.store.models import SmsOutbox
from wss_tui.store.sms import outbox, parts

from ._intake_data import free_bill
from .test_escalation import LEVEL_AT, REGISTERED, SECOND, matrix_file, register, sweep  # noqa: F401

pytestmark = pytest.mark.usefixtures("matrix_file")


def told(engine, case_id: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT template, language, mobile, text, status, created_at FROM sms_outbox "
                 "WHERE case_id = :c AND template = 'escalated' ORDER BY id"), {"c": case_id}
        ).all()


def queued_at(engine, at) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).where(SmsOutbox.template == "escalated", SmsOutbox.created_at == at))


def account_of(engine, case_id: str) -> str:
    with engine.connect() as conn:
        return conn.execute(text('SELECT account_id FROM "case" WHERE case_id = :c'), {"c": case_id}).scalar_one()


def on_another_account(engine, case_id: str) -> str:
    """A complaint registered at REGISTERED on an account other than `case_id`'s."""
    taken = account_of(engine, case_id)
    skip = 0
    while free_bill(engine, skip=skip)[0] == taken:
        skip += 1
    return register(engine, REGISTERED, skip=skip)[0]


def set_account(engine, case_id: str, **values) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with engine.begin() as conn:
        conn.execute(text(f'UPDATE account SET {sets} WHERE account_id = (SELECT account_id FROM "case" WHERE case_id = :c)'),
                     {"c": case_id, **values})


def test_each_level_reached_tells_the_consumer_once_in_their_language(engine):
    english, _, _ = register(engine, REGISTERED)
    hindi = on_another_account(engine, english)
    set_account(engine, english, language="en")
    set_account(engine, hindi, language="hi")
    sweep(engine, LEVEL_AT[1] - SECOND)  # the demo's own pending complaints escalate too, and are told
    assert not told(engine, english) and not told(engine, hindi)

    report = sweep(engine, LEVEL_AT[1])
    assert report.sms_queued == queued_at(engine, LEVEL_AT[1]) >= 2
    [en] = told(engine, english)
    assert (en.language, en.status) == ("en", outbox.QUEUED)
    assert en.text == (f"Dear Consumer, your request {english} for A/c {account_of(engine, english)} is overdue "
                       "and is escalated to the Executive Engineer for early disposal. -UPPCL")
    assert parts.count(en.text) == 1
    [hi] = told(engine, hindi)
    assert hi.language == "hi" and "अधिशासी अभियन्ता को भेजा गया" in hi.text and hindi in hi.text
    assert parts.count(hi.text) <= 2
    # The same text as render() makes for one message: the rule is written once.
    assert hi.text == outbox.render("escalated", "hi", request_id=hindi, account_id=account_of(engine, hindi),
                                    authority="TR-EE")[1]

    assert sweep(engine, LEVEL_AT[1]).sms_queued == 0  # a second sweep at the same time tells nobody again
    assert len(told(engine, english)) == 1
    sweep(engine, LEVEL_AT[2])
    assert [m.text.split(" to the ")[1].split(" for")[0] for m in told(engine, english)] == [
        "Executive Engineer", "Superintending Engineer"]


def test_a_sweep_that_skipped_levels_sends_one_message_for_the_level_reached(engine):
    case_id, _, _ = register(engine, REGISTERED)
    set_account(engine, case_id, language="en")
    sweep(engine, LEVEL_AT[3])
    [only] = told(engine, case_id)
    assert "escalated to the Chief Engineer (Zone) for" in only.text


def test_no_message_without_a_mobile_nor_for_an_officers_case(engine):
    no_mobile, _, _ = register(engine, REGISTERED)
    officer = on_another_account(engine, no_mobile)
    set_account(engine, no_mobile, mobile=None)
    with engine.begin() as conn:  # as open_officer_case would have it: no complainant behind it
        conn.execute(text("UPDATE \"case\" SET channel = 'officer' WHERE case_id = :c"), {"c": officer})
    report = sweep(engine, LEVEL_AT[1])
    assert report.escalated[1] >= 2 and report.sms_queued == queued_at(engine, LEVEL_AT[1])
    assert not told(engine, no_mobile) and not told(engine, officer)


def test_the_messages_cost_one_statement_however_many_cases(engine):
    cases = [register(engine, REGISTERED)[0]]
    for _ in range(5):
        cases.append(on_another_account(engine, cases[-1]))
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        report = sweep(engine, LEVEL_AT[1])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert report.sms_queued == queued_at(engine, LEVEL_AT[1]) >= len(cases)
    assert len([s for s in sent if s.lstrip().upper().startswith("INSERT INTO SMS_OUTBOX")]) == 1
    assert all(len(told(engine, c)) == 1 for c in cases)


def test_request_history_shows_the_escalation_sms(engine, demo_url):
    import json

    from ._cli import wss

    case_id, _, _ = register(engine, REGISTERED)
    set_account(engine, case_id, language="en")
    sweep(engine, LEVEL_AT[1])
    shown = wss("--db", demo_url, "request", "history", case_id)
    assert shown.returncode == 0, shown.stderr
    assert "escalated (en) to ******" in shown.stdout and "Executive Engineer" in shown.stdout
    events = json.loads(wss("--db", demo_url, "request", "history", case_id, "--json").stdout)
    assert any("escalated (en)" in json.dumps(e) for e in (events["events"] if isinstance(events, dict) else events))
