"""A consumer's request coming in: the account as the counter sees it, and registering the request with
its documents — one unit of work each, shared by the walk-in screen and `wss request new`, so the
counter and the command line refuse exactly the same things.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from wss_tui.store import attachments, db, intake
from wss_tui.store.accounts import AccountContext
from wss_tui.store.intake import Receipt

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["AccountContext", "Receipt", "counter_account", "register"]


def counter_account(engine: Engine, operator_id: str, account_id: str) -> AccountContext:
    with db.read(engine) as session:
        return intake.counter_account(session, account_id, operator_id)


def register(engine: Engine, operator_id: str | None, *, account_id: str, bill_no: str | None, reason: str,
             request_type: str, channel: str, attach: Sequence[str] = ()) -> Receipt:
    """Register the request; the documents named in `attach` are read (and refused) before anything is written.

    `operator_id` is the staff entering it (walk-in, 1912, CSC); None for the consumer's own (WSS).
    """
    docs = [attachments.read(path) for path in attach]
    with db.write(engine) as session:
        return intake.submit_request(session, account_id=account_id, bill_no=bill_no, reason=reason,
                                     request_type=request_type, channel=channel, attachments=docs,
                                     operator_id=operator_id)
