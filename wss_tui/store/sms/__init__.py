"""SMS to consumers: the outbox rows a unit of work queues (`outbox.py`), their delivery by
`wss sms send` (`delivery.py`), and the senders that hand them to a gateway or the console
(`senders.py`)."""

from __future__ import annotations

from .delivery import (
    FAILED,
    NOT_NEEDED,
    STATUSES,
    Claim,
    OutboxEntry,
    Report,
    Settings,
    claim,
    configured,
    count_by_status,
    deliver,
    list_messages,
    load_config,
    mark_failed,
    mark_sent,
    release,
    settings_from,
    shows_otp,
    watch,
)
from .outbox import CODE_MASK, QUEUED, SECRET_TEMPLATES, masked_code, queue, redacted, render, with_code

__all__ = [
    "CODE_MASK", "FAILED", "NOT_NEEDED", "QUEUED", "SECRET_TEMPLATES", "STATUSES", "Claim", "OutboxEntry", "Report",
    "Settings", "claim", "configured", "count_by_status", "deliver", "list_messages", "load_config", "mark_failed",
    "mark_sent", "masked_code", "queue", "redacted", "release", "render", "settings_from", "shows_otp", "watch",
    "with_code",
]
