"""Identifiers in the shapes staff and consumers know, typed and shown: 10-digit request IDs, 14-digit
To Do IDs, account IDs, OTP codes and mobile numbers.

One rule for every ID anybody types, on a screen or the command line: blanks are dropped (IDs are read
out in groups: "0173 220 842"), and any Unicode decimal digit — Devanagari ०-९ from a Hindi keyboard,
full-width, Arabic-Indic — counts as the ASCII digit it is, so "४७०५५९०२७६" is 4705590276. What the
store keeps and queries is ASCII only. Amounts and counts are not IDs: numbers.py refuses such digits
there, since an amount is checked by eye.
"""

from __future__ import annotations

import random
import secrets
import unicodedata

from sqlalchemy import select
from sqlmodel import Session

from .errors import Invalid
from .models import Case, ToDo

REQUEST_ID_DIGITS = 10
TODO_ID_DIGITS = 14
MOBILE_DIGITS = 10

_system_random = secrets.SystemRandom()


def digits(text: str | None) -> str:
    """`text` without blanks, each Unicode decimal digit as its ASCII digit; anything else is kept as
    it is (so the caller's check refuses it and can show what was typed)."""
    out = []
    for ch in "".join((text or "").split()):
        if ch.isdecimal() and not ch.isascii():
            ch = str(unicodedata.decimal(ch))
        out.append(ch)
    return "".join(out)


def is_digits(text: str, lengths: int | tuple[int, ...]) -> bool:
    """ASCII digits only, of one of `lengths`."""
    lengths = (lengths,) if isinstance(lengths, int) else lengths
    return len(text) in lengths and text.isascii() and text.isdigit()


def _shown(text: str | None) -> str:
    text = (text or "").strip()
    return repr(text if len(text) <= 24 else text[:23] + "…")


def request_id(text: str | None, *, field_name: str = "request") -> str:
    """A typed request ID (the registration number in the consumer's SMS), or Invalid."""
    typed = digits(text)
    if not is_digits(typed, REQUEST_ID_DIGITS):
        raise Invalid(
            field_name,
            f"{_shown(text)} is not a request ID; type the {REQUEST_ID_DIGITS} digits of the registration number from the SMS",
        )
    return typed


def todo_or_request_id(text: str | None) -> tuple[str, str]:
    """("todo", ID) for a typed 14-digit To Do ID, ("request", ID) for a 10-digit request ID, or Invalid."""
    typed = digits(text)
    if is_digits(typed, TODO_ID_DIGITS):
        return "todo", typed
    if is_digits(typed, REQUEST_ID_DIGITS):
        return "request", typed
    raise Invalid("ID", f"type a {TODO_ID_DIGITS}-digit To Do ID or the consumer's {REQUEST_ID_DIGITS}-digit request ID")


def otp_code(text: str | None, length: int) -> str:
    """The OTP as the clerk types what the consumer reads out, or Invalid (before anything is read or
    written, so a wrong shape never uses up a try)."""
    code = digits(text)
    if not is_digits(code, length):
        raise Invalid("OTP", f"the OTP has {length} digits; type the {length} digits the consumer reads from the SMS")
    return code


def is_mobile(number: str) -> bool:
    """An Indian mobile number as stored: 10 ASCII digits, the first 6 to 9."""
    return is_digits(number, MOBILE_DIGITS) and number[0] in "6789"


def mask_mobile(mobile: str | None) -> str:
    """A mobile as staff and logs may show it: its last four digits ("******3210"); "" for none."""
    return "*" * 6 + mobile[-4:] if mobile else ""


def _random_digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def new_case_id(session: Session, rng: random.Random = _system_random) -> str:
    """A random 10-digit request ID not yet used (random, so IDs tell nothing about volume)."""
    while True:
        candidate = _random_digits(rng, REQUEST_ID_DIGITS)
        if session.get(Case, candidate) is None:
            return candidate


def new_todo_id(session: Session, rng: random.Random = _system_random) -> str:
    while True:
        candidate = str(rng.randrange(10 ** (TODO_ID_DIGITS - 1), 10**TODO_ID_DIGITS))
        if session.scalar(select(ToDo.todo_id).where(ToDo.todo_id == candidate)) is None:
            return candidate


def new_todo_ids(session: Session, n: int, rng: random.Random = _system_random) -> list[str]:
    """`n` To Do IDs not yet used, consecutive from a random start (the escalation sweep's thousands):
    they go into the ID indexes side by side, a few pages written, where as many random IDs write a
    page each all over them; one range read checks them all. IDs of one length compare as numbers."""
    low, high = 10 ** (TODO_ID_DIGITS - 1), 10**TODO_ID_DIGITS
    while True:
        start = rng.randrange(low, high - n + 1)
        first, last = str(start), str(start + n - 1)
        if session.scalar(select(ToDo.todo_id).where(ToDo.todo_id.between(first, last)).limit(1)) is None:
            return [str(start + i) for i in range(n)]
