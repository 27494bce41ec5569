"""The consumer's side of the SMS: deliver the outbox to a sender that keeps what it was handed.

The outbox never holds a live OTP (the code is minted as the message goes), so a test that needs the
code the consumer reads out delivers the queue here and reads it from the captured message, as a
phone would.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from wss_tui.store import db, sms
from wss_tui.store.models import SmsOutbox


class Capture:
    """A Sender that sends nothing and keeps every message it is handed."""

    def __init__(self) -> None:
        self.sent = []

    def send(self, message) -> str:
        self.sent.append(message)
        return f"capture-{message.id}"


def deliver(engine, sender=None):
    sender = sender or Capture()
    sms.deliver(engine, sender, sms.Settings())
    return sender


def otp_sent(engine, case_id: str) -> str:
    """The code of the case's latest OTP as the consumer's phone shows it (delivering what is queued)."""
    codes = engine.__dict__.setdefault("_test_otp_codes", {})  # per database: a code is seen once
    for m in deliver(engine).sent:
        if m.template == "otp":
            codes[m.id] = re.search(r"(?<!\d)(\d{6})(?!\d)", m.text).group(1)
    with db.read(engine) as s:
        latest = s.scalars(
            select(SmsOutbox.id).where(SmsOutbox.case_id == case_id, SmsOutbox.template == "otp").order_by(SmsOutbox.id.desc())
        ).first()
    return codes[latest]
