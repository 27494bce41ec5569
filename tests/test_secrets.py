"""Secrets stay secret: the OTP is readable only on the consumer's phone — never in the outbox, never
on the console sender's standard error (the journal) unless asked for — and a complaint's To Do is
done only by closing its case with that OTP."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from wss_tui.store import clock, db, marks, sms, todos
from wss_tui.store.errors import Invalid
from wss_tui.store.models import Case, CaseOtp, SmsOutbox, ToDo
from wss_tui.store.sms.senders import ConsoleSender, SendFailed, from_config

from ._revision_data import CLERK, EE
from ._sms_capture import Capture, deliver
from .test_otp import COMPLETED, close, otp_row, revised, send, version

# Revision and closure flows start from a To Do taken from the queue, as before routing (test_routing.py
# covers who a new To Do is routed to).
pytestmark = pytest.mark.usefixtures("queue_routing")

WSS = Path(sys.executable).parent / "wss"
SIX = re.compile(r"(?<!\d)\d{6}(?!\d)")


def otp_of_case(engine, case_id: str):
    """The case's latest case_otp row, through the model's types (aware UTC times)."""
    t = CaseOtp.__table__
    with db.read(engine) as s:
        return s.execute(select(t).where(t.c.case_id == case_id).order_by(t.c.id.desc()).limit(1)).one()


def otp_messages(engine, case_id: str) -> list:
    """The case's OTP messages as the outbox table holds them, oldest first."""
    t = SmsOutbox.__table__
    with db.read(engine) as s:
        return s.execute(select(t).where(t.c.case_id == case_id, t.c.template == "otp").order_by(t.c.id)).all()


def code_of(message) -> str:
    return SIX.search(message.text.split("OTP ", 1)[1]).group()


class Tee:
    """The console sender, and a phone that keeps what the consumer would have got."""

    def __init__(self, console: ConsoleSender) -> None:
        self.console, self.phone = console, Capture()

    def send(self, message) -> str:
        self.phone.send(message)
        return self.console.send(message)


# --- the outbox ----------------------------------------------------------------------------------------


def test_the_outbox_never_holds_the_live_code_yet_the_consumers_sms_closes_the_case(engine):
    c = revised(engine)
    send(engine, c)
    [queued] = otp_messages(engine, c.case_id)
    assert "OTP ****** " in queued.text and not SIX.search(queued.text)
    assert otp_row(engine, c.case_id).code_hash == ""  # no code exists before the SMS goes

    phone = deliver(engine)
    [sms] = [m for m in phone.sent if m.template == "otp"]
    code = code_of(sms)
    [sent] = otp_messages(engine, c.case_id)
    assert sent.status == "SENT" and code not in sent.text and sent.text == queued.text
    assert sms.text == queued.text.replace("******", code, 1)
    assert PasswordHasher().verify(otp_row(engine, c.case_id).code_hash, code)
    assert close(engine, c, code).status == COMPLETED


def test_a_code_typed_before_the_sms_went_is_not_counted_as_a_try(engine):
    c = revised(engine)
    send(engine, c)
    with pytest.raises(Invalid, match="has not gone to the consumer yet"):
        close(engine, c, "123456")
    assert otp_row(engine, c.case_id).tries == 0
    code = code_of(next(m for m in deliver(engine).sent if m.template == "otp"))
    assert close(engine, c, code).status == COMPLETED


def test_the_code_is_valid_from_when_it_is_sent(engine, fixed_clock):
    c = revised(engine)
    send(engine, c)
    later = fixed_clock + timedelta(minutes=40)  # the sender was down for 40 minutes
    clock.set_clock(lambda: later)
    code = code_of(next(m for m in deliver(engine).sent if m.template == "otp"))
    assert otp_of_case(engine, c.case_id).expires_at == later + timedelta(minutes=15)
    assert close(engine, c, code).status == COMPLETED


class FailOtp:
    """A gateway that fails every OTP message (after the consumer's phone may have got it anyway)."""

    def __init__(self) -> None:
        self.seen = []

    def send(self, message) -> str:
        if message.template != "otp":
            return f"ok-{message.id}"
        self.seen.append(message)
        raise SendFailed("gateway answered HTTP 503")


def test_a_retry_mints_a_new_code_and_the_first_stops_working(engine, fixed_clock):
    c = revised(engine)
    send(engine, c)
    failing = FailOtp()
    assert sms.deliver(engine, failing, sms.Settings(backoff_seconds=1)).retrying == 1
    first = code_of(failing.seen[0])
    row = otp_row(engine, c.case_id)
    assert not SIX.search(otp_messages(engine, c.case_id)[0].text)  # a failed try leaves it masked too
    clock.set_clock(lambda: fixed_clock + timedelta(seconds=5))
    second = code_of(next(m for m in deliver(engine).sent if m.template == "otp"))
    assert otp_row(engine, c.case_id).code_hash != row.code_hash  # the old hash replaced
    if second != first:  # one in a million they are the same
        with pytest.raises(Invalid, match="wrong OTP"):
            close(engine, c, first)
    assert close(engine, c, second).status == COMPLETED


def test_an_otp_replaced_before_it_went_is_not_sent(engine):
    c = revised(engine)
    send(engine, c)
    send(engine, c)  # the officer asked again before the sender ran: the first is void
    phone = Capture()
    report = sms.deliver(engine, phone, sms.Settings())
    first, second = otp_messages(engine, c.case_id)
    assert (first.status, first.last_error) == ("CANCELLED", sms.NOT_NEEDED)
    assert second.status == "SENT" and report.cancelled == 1
    assert [m.id for m in phone.sent if m.template == "otp"] == [second.id]
    assert close(engine, c, code_of(next(m for m in phone.sent if m.id == second.id))).status == COMPLETED


def test_an_otp_used_before_a_resend_is_not_sent_again(engine, fixed_clock):
    """A message retried after its OTP closed the case (the consumer got the first try after all)."""
    c = revised(engine)
    send(engine, c)
    failing = FailOtp()
    sms.deliver(engine, failing, sms.Settings(backoff_seconds=1))
    assert close(engine, c, code_of(failing.seen[0])).status == COMPLETED  # the "failed" SMS did arrive
    clock.set_clock(lambda: fixed_clock + timedelta(seconds=5))
    assert [m for m in deliver(engine).sent if m.template == "otp"] == []
    assert otp_messages(engine, c.case_id)[0].status == "CANCELLED"


# --- the console sender --------------------------------------------------------------------------------


def test_the_console_sender_masks_the_otp_unless_configured_to_show_it(engine, tmp_path):
    c = revised(engine)
    send(engine, c)
    err = io.StringIO()
    tee = Tee(ConsoleSender(stream=err))
    sms.deliver(engine, tee, sms.Settings())
    code = code_of(next(m for m in tee.phone.sent if m.template == "otp"))
    line = next(line for line in err.getvalue().splitlines() if "(otp, " in line)
    assert "OTP ****** " in line and code not in line and not SIX.search(line)

    send(engine, c)
    shown, journal = io.StringIO(), tmp_path / "sms.jsonl"
    tee = Tee(ConsoleSender(stream=shown, show_otp=True))
    sms.deliver(engine, tee, sms.Settings())
    code = code_of(next(m for m in tee.phone.sent if m.template == "otp"))
    assert f"OTP {code} " in shown.getvalue()

    send(engine, c)
    tee = Tee(ConsoleSender(file=journal))
    sms.deliver(engine, tee, sms.Settings())
    code = code_of(next(m for m in tee.phone.sent if m.template == "otp"))
    written = json.loads(journal.read_text().splitlines()[-1])["text"]
    assert "OTP ****** " in written and code not in written


def test_show_otp_is_off_unless_the_configuration_says_true():
    assert from_config({"sender": "console"}).show_otp is False
    assert from_config({"sender": "console", "console": {"show_otp": True}}).show_otp is True
    with pytest.raises(Invalid, match=r"\[console\] show_otp must be true or false"):
        from_config({"sender": "console", "console": {"show_otp": "yes"}})


def test_a_database_not_built_by_the_demo_masks(empty_engine):
    assert sms.configured(engine=empty_engine)[1].show_otp is False


def test_the_shipped_configuration_masks_and_a_demo_database_shows(engine):
    settings, sender = sms.configured()
    assert sender.show_otp is False  # data/sms_gateway.toml as shipped
    assert sms.configured(engine=engine)[1].show_otp is True  # the demo's own database
    marks.note_import(engine, "accounts from ccb.csv, ccb")
    assert sms.configured(engine=engine)[1].show_otp is False  # real data came in


@pytest.mark.skipif(not WSS.exists(), reason="the wss command is not installed")
def test_wss_sms_send_shows_the_otp_on_a_demo_database_only_and_says_so(engine, demo_url):
    c = revised(engine)
    send(engine, c)
    out = subprocess.run([str(WSS), "--db", demo_url, "sms", "send"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith("OTPs are printed in full (a demo database, or [console] show_otp = true).\n")
    code = SIX.search(next(line for line in out.stderr.splitlines() if "(otp, " in line).split("OTP ", 1)[1]).group()
    assert not any(code in m.text for m in otp_messages(engine, c.case_id))

    marks.note_import(engine, "accounts from ccb.csv, ccb")
    send(engine, c)
    out = subprocess.run([str(WSS), "--db", demo_url, "sms", "send"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "printed in full" not in out.stderr
    line = next(line for line in out.stderr.splitlines() if "(otp, " in line)
    assert "OTP ****** " in line and not SIX.search(line.split("OTP ", 1)[1])


# --- a complaint's To Do is done by closing its case -------------------------------------------------------


def test_todos_complete_refuses_a_complaints_to_do_while_its_case_is_open(engine):
    c = revised(engine)
    with db.write(engine) as s, pytest.raises(Invalid) as refused:
        todos.complete(s, CLERK, c.todo_id, version(engine, CLERK, c.todo_id), "Bill revised; done")
    assert str(refused.value) == (
        f"To Do: To Do {c.todo_id} works case {c.case_id}, which is still open; close the case with the "
        "consumer's OTP (c in the app), which completes the To Do"
    )
    with db.read(engine) as s:
        assert s.get(Case, c.case_id).closed_at is None
        assert todos.get(s, CLERK, c.todo_id).status != "Complete"
    # Closing with the OTP completes it (closure.close closes the case, then the To Do).
    send(engine, c)
    code = code_of(next(m for m in deliver(engine).sent if m.template == "otp"))
    close(engine, c, code)
    with db.read(engine) as s:
        assert todos.get(s, CLERK, c.todo_id).status == "Complete"


def test_other_to_dos_of_an_open_case_still_complete(engine):
    """An escalation (or review, audit) To Do carries the case too, and is done while it stays open:
    the rule goes by To Do type, the working types of data/request_types.toml."""
    c = revised(engine)
    with engine.begin() as conn:
        conn.execute(ToDo.__table__.update().where(ToDo.todo_id == c.todo_id)
                     .values(todo_type="ESCLCASE", role="TR-EE", assigned_to=EE))  # the roles that work escalations
    with db.write(engine) as s:
        done = todos.complete(s, EE, c.todo_id, version(engine, EE, c.todo_id), "Seen at the division")
    assert done.status == "Complete"
    with db.read(engine) as s:
        assert s.get(Case, c.case_id).closed_at is None
    assert "IMITCASE" in todos.working_todo_types() and "ESCLCASE" not in todos.working_todo_types()
