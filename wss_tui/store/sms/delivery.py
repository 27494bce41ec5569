"""Delivering the SMS outbox: claim, send, mark sent, or retry with backoff and in the end give up.

At least once, and never twice by our own doing:

- A message is *claimed* before it is sent: one conditional UPDATE moves it from QUEUED (or from an
  expired SENDING lease) to SENDING, so of two senders running at once only one gets it. On PostgreSQL the
  candidates are picked `FOR UPDATE SKIP LOCKED`, so the two senders take different messages instead of
  queueing behind each other; on SQLite the claim is a `BEGIN IMMEDIATE` unit of work.
- While SENDING, `next_try_at` is the end of the claim's *lease*. A sender that dies mid-send leaves the
  message SENDING; once the lease ends another run claims it again. That resend is the "at least once";
  the message's reference (`wss-<id>`, the same on every try) lets a gateway that de-duplicates drop it.
- `tries` counts claims. A failed try puts the message back to QUEUED with `next_try_at` pushed out by
  the backoff; at `max_tries` it becomes FAILED, and stays listed by `wss sms list --failed`.
- No network call is ever made inside a database transaction: a slow gateway holds no locks.
- An OTP's code is never in the outbox: its text holds the code masked, and the code is minted as the
  claimed message is about to go (otp.mint: only its hash is kept, on the case_otp row, valid from
  then). A retry mints a new code, replacing the old hash. An OTP replaced or used meanwhile is not
  sent: the message becomes CANCELLED. The text with the code exists only in memory, for the gateway.

Every change to a message is conditional on the claim it was sent under (its `tries`), so a sender whose
lease ran out cannot overwrite what a later claimant decided — except "sent": a message that went, went.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, and_, func, or_, select, update
from sqlmodel import Session

from .. import clock, config, marks, numbers, settings
from ..codes import SmsStatus
from ..errors import Invalid
from ..models import SmsOutbox
from . import outbox
from . import parts as sms_parts
from .senders import CONFIG, ConsoleSender, Message, Sender, SendFailed, from_config

QUEUED, SENDING, SENT, FAILED, CANCELLED = SmsStatus
STATUSES = tuple(SmsStatus)
NOT_NEEDED = "not sent: the OTP was replaced, used or spent before the message went"
ERROR_KEPT = 500  # characters of a failure reason kept in last_error

T = SmsOutbox.__table__


@dataclass(frozen=True)
class Settings:
    max_tries: int = 5
    backoff_seconds: float = 60.0
    backoff_factor: float = 2.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 300.0
    batch: int = 20
    poll_seconds: float = 5.0

    def backoff(self, tries: int) -> timedelta:
        """Wait before the next try after `tries` failed ones: base, base*factor, … capped."""
        seconds = self.backoff_seconds * self.backoff_factor ** max(tries - 1, 0)
        return timedelta(seconds=min(seconds, self.backoff_max_seconds))


@dataclass(frozen=True)
class Claim:
    """A message this run holds the lease on; `tries` is the claim's token."""

    message: Message  # as the outbox holds it (an OTP's code masked)
    tries: int
    otp_id: int | None = None


@dataclass
class Report:
    sent: int = 0
    retrying: int = 0  # failed this time, queued again for later
    gave_up: int = 0  # failed for the last time: now FAILED
    released: int = 0  # claimed but handed back unsent because the run was stopped
    cancelled: int = 0  # an OTP replaced or used before it went: not sent, and not to be

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.gave_up

    def add(self, other: Report) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.gave_up += other.gave_up
        self.released += other.released
        self.cancelled += other.cancelled


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    case_id: str | None
    mobile: str
    template: str
    language: str
    text: str
    status: str
    tries: int
    created_at: datetime
    next_try_at: datetime | None
    sent_at: datetime | None
    gateway_id: str | None
    last_error: str | None
    parts: int = 1  # SMS parts the text is billed as (store/sms/parts.py)


# --- configuration -------------------------------------------------------------------------------------


def load_config(path: Path | None = None) -> dict:
    """data/sms_gateway.toml (or the file given), as a dict."""
    try:
        return settings.raw(CONFIG, path)
    except FileNotFoundError:
        raise Invalid("config", f"no SMS gateway configuration at {path or config.data_dir() / CONFIG}") from None


def settings_from(raw: dict) -> Settings:
    """[retry] and [watch], their shape and ranges checked by settings' model of sms_gateway.toml."""
    file = settings.validate(CONFIG, raw)
    retry = file.retry
    return Settings(
        max_tries=retry.max_tries,
        backoff_seconds=float(retry.backoff_seconds),
        backoff_factor=float(retry.backoff_factor),
        backoff_max_seconds=float(retry.backoff_max_seconds),
        lease_seconds=float(retry.lease_seconds),
        batch=retry.batch,
        poll_seconds=float(file.watch.poll_seconds),
    )


def configured(path: Path | None = None, engine: Engine | None = None) -> tuple[Settings, Sender]:
    """The settings and sender of the configuration. With `engine`: on a database `wss demo` built and
    nothing else wrote to (marks.demo_only), the console sender shows OTPs in full, so the demo can be
    worked end to end (`shows_otp` tells the caller to say so)."""
    raw = load_config(path)
    sender = from_config(raw)
    if isinstance(sender, ConsoleSender) and not sender.show_otp and engine is not None and marks.demo_only(engine):
        sender.show_otp = True
    return settings_from(raw), sender


def shows_otp(sender: Sender) -> bool:
    return isinstance(sender, ConsoleSender) and sender.show_otp


# --- claiming and marking ------------------------------------------------------------------------------


@contextmanager
def _unit(engine: Engine) -> Iterator[Connection]:
    # BEGIN IMMEDIATE on SQLite (db.py): a claim reads, then writes.
    with engine.execution_options(wss_write=True).begin() as conn:
        yield conn


def claim(engine: Engine, settings: Settings, limit: int) -> list[Claim]:
    """Take up to `limit` due messages, oldest due first, for this run alone."""
    now = clock.now()
    due = or_(
        and_(T.c.status == QUEUED, or_(T.c.next_try_at.is_(None), T.c.next_try_at <= now)),
        and_(T.c.status == SENDING, T.c.next_try_at <= now, T.c.tries < settings.max_tries),
    )
    with _unit(engine) as conn:
        # A sender died holding the last allowed try: that try counts, and it was the last.
        lapsed = and_(T.c.status == SENDING, T.c.next_try_at <= now, T.c.tries >= settings.max_tries)
        held = None
        if conn.dialect.name == "postgresql":
            # Senders on several hosts: each gives up those no other holds, so two never lock the
            # same rows in different orders (a deadlock) nor wait on each other.
            held = list(conn.scalars(select(T.c.id).where(lapsed).order_by(T.c.id).with_for_update(skip_locked=True)))
        abandoned = [] if held == [] else conn.execute(
            update(T)
            .where(lapsed, *([] if held is None else [T.c.id.in_(held)]))
            .values(status=FAILED, next_try_at=None, last_error="the sender stopped during the last try (its lease ran out); gave up")
            .returning(T.c.id, T.c.template, T.c.text)
        ).all()
        for r in abandoned:
            if r.template in outbox.SECRET_TEMPLATES:
                conn.execute(update(T).where(T.c.id == r.id).values(text=outbox.redacted(r.template, r.text)))
        pick = select(T.c.id).where(due).order_by(T.c.next_try_at, T.c.id).limit(limit)
        if conn.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids = list(conn.scalars(pick))
        if not ids:
            return []
        # The WHERE repeats `due`: whatever another sender did since the pick, only a still-due message
        # is taken, so a message is never claimed twice under one lease.
        rows = conn.execute(
            update(T)
            .where(T.c.id.in_(ids), due)
            .values(status=SENDING, tries=T.c.tries + 1, next_try_at=now + timedelta(seconds=settings.lease_seconds))
            .returning(T.c.id, T.c.mobile, T.c.template, T.c.language, T.c.text, T.c.tries, T.c.otp_id)
        ).all()
    claims = [Claim(Message(r.id, r.mobile, r.template, r.language, r.text), r.tries, r.otp_id) for r in rows]
    return sorted(claims, key=lambda c: ids.index(c.message.id))


def mark_sent(engine: Engine, claim: Claim, gateway_id: str) -> None:
    """Record that the message went. Not conditional on the lease: even if another run has since
    claimed it, the consumer has it, and "sent" is the truth."""
    with _unit(engine) as conn:
        conn.execute(
            update(T)
            .where(T.c.id == claim.message.id, T.c.status != SENT)
            .values(status=SENT, sent_at=clock.now(), gateway_id=gateway_id[:64], next_try_at=None, last_error=None,
                    text=outbox.redacted(claim.message.template, claim.message.text))
        )


def mark_failed(engine: Engine, claim: Claim, settings: Settings, reason: str) -> str:
    """Queue the message again after the backoff, or give up at max_tries. Returns the new status
    (or "" when the claim had already lapsed and another run holds the message)."""
    now = clock.now()
    reason = reason if len(reason) <= ERROR_KEPT else reason[: ERROR_KEPT - 2] + " …"
    text = claim.message.text
    if claim.tries >= settings.max_tries:
        status, next_try = FAILED, None
        reason = f"gave up after {claim.tries} tries: {reason}"
        text = outbox.redacted(claim.message.template, text)
    else:
        status, next_try = QUEUED, now + settings.backoff(claim.tries)
    with _unit(engine) as conn:
        done = conn.execute(
            update(T)
            .where(T.c.id == claim.message.id, T.c.status == SENDING, T.c.tries == claim.tries)
            .values(status=status, next_try_at=next_try, last_error=reason, text=text)
        ).rowcount
    return status if done else ""


def release(engine: Engine, claims: list[Claim]) -> int:
    """Hand back claimed messages that were not tried (the run is stopping): due again at once, and
    the claim does not count as a try."""
    if not claims:
        return 0
    released = 0
    with _unit(engine) as conn:
        for c in claims:
            released += conn.execute(
                update(T)
                .where(T.c.id == c.message.id, T.c.status == SENDING, T.c.tries == c.tries)
                .values(status=QUEUED, tries=T.c.tries - 1, next_try_at=clock.now())
            ).rowcount
    return released


# --- delivering ----------------------------------------------------------------------------------------


def deliver(
    engine: Engine,
    sender: Sender,
    settings: Settings,
    *,
    limit: int | None = None,
    stop: threading.Event | None = None,
) -> Report:
    """Send what is due now, batch by batch, until nothing is due, `limit` messages were tried, or
    `stop` is set (the message in hand is finished; the rest of its batch is handed back)."""
    report = Report()
    while limit is None or report.tried < limit:
        if stop is not None and stop.is_set():
            break
        want = settings.batch if limit is None else min(settings.batch, limit - report.tried)
        claims = claim(engine, settings, want)
        if not claims:
            break
        for i, c in enumerate(claims):
            if stop is not None and stop.is_set():
                report.released += release(engine, claims[i:])
                break
            _send_one(engine, sender, settings, c, report)
    return report


def mint(engine: Engine, c: Claim) -> Message | str:
    """The message to hand to the gateway: an OTP's with a code minted now (its hash stored, the
    text in the outbox left masked). Or why it is not to be sent: NOT_NEEDED (the message is now
    CANCELLED), or "" when this run's claim has lapsed and another run holds the message."""
    if c.otp_id is None:
        return c.message
    from .. import otp  # here, not at the top: otp → closure → cases → sms would import in a circle

    code, code_hash = otp.new_code()  # before the unit of work: argon2 holds no lock
    with _unit(engine) as conn:
        held = select(T.c.id).where(T.c.id == c.message.id, T.c.status == SENDING, T.c.tries == c.tries)
        if conn.scalar(held.with_for_update()) is None:
            return ""
        if not otp.mint(conn, c.otp_id, code_hash):
            conn.execute(update(T).where(T.c.id == c.message.id).values(status=CANCELLED, next_try_at=None, last_error=NOT_NEEDED))
            return NOT_NEEDED
    m = c.message
    return Message(m.id, m.mobile, m.template, m.language, outbox.with_code(m.text, code), secret=code)


def _send_one(engine: Engine, sender: Sender, settings: Settings, c: Claim, report: Report) -> None:
    outgoing = mint(engine, c)
    if isinstance(outgoing, str):
        report.cancelled += outgoing == NOT_NEEDED
        return
    try:
        gateway_id = sender.send(outgoing)
    except SendFailed as exc:
        reason = str(exc)
    except Exception as exc:  # a sender's bug must not wedge the queue: it counts as a failed try
        reason = f"sender error {exc.__class__.__name__}: {exc}"
    else:
        mark_sent(engine, c, gateway_id)
        report.sent += 1
        return
    status = mark_failed(engine, c, settings, reason)
    if status == FAILED:
        report.gave_up += 1
    else:
        report.retrying += 1


def watch(
    engine: Engine,
    sender: Sender,
    settings: Settings,
    *,
    stop: threading.Event,
    limit: int | None = None,
    on_round: Callable[[Report], None] | None = None,
) -> Report:
    """Keep delivering as messages arrive, polling every `poll_seconds`, until `stop` is set."""
    total = Report()
    while not stop.is_set():
        left = None if limit is None else limit - total.tried
        if left is not None and left <= 0:
            break
        got = deliver(engine, sender, settings, limit=left, stop=stop)
        total.add(got)
        if on_round is not None and (got.tried or got.released or got.cancelled):
            on_round(got)
        if got.tried == 0:
            stop.wait(settings.poll_seconds)
    return total


# --- reading the outbox --------------------------------------------------------------------------------


def list_messages(session: Session, *, status: str | None = None, limit: int = 50, before_id: int | None = None) -> list[OutboxEntry]:
    """A page of the outbox, newest first; `before_id` continues after the last ID of a page."""
    if status is not None and status not in STATUSES:
        raise Invalid("status", f"{status!r} is not an SMS status; use one of {', '.join(STATUSES)}")
    limit = numbers.whole(limit, "limit", lo=1)
    if before_id is not None:
        before_id = numbers.whole(before_id, "before", lo=1, hi=numbers.MAX_ROW_ID)
    q = select(T).order_by(T.c.id.desc()).limit(limit)
    if status is not None:
        q = q.where(T.c.status == status)
    if before_id is not None:
        q = q.where(T.c.id < before_id)
    return [
        OutboxEntry(
            id=r.id,
            case_id=r.case_id,
            mobile=r.mobile,
            template=r.template,
            language=r.language,
            text=r.text,
            status=r.status,
            tries=r.tries,
            created_at=r.created_at,
            next_try_at=r.next_try_at,
            sent_at=r.sent_at,
            gateway_id=r.gateway_id,
            last_error=r.last_error,
            parts=sms_parts.count(r.text),
        )
        for r in session.execute(q)
    ]


def count_by_status(session: Session) -> dict[str, int]:
    """How many messages are in each status (every status present, zero where none): for the MIS."""
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(session.execute(select(T.c.status, func.count()).group_by(T.c.status)).all())
    return counts
