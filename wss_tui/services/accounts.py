"""A consumer's account as staff look it up: who, where, what they owe, its activity, bills and open To Dos."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wss_tui.store import accounts, db
from wss_tui.store.accounts import AccountContext

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["AccountContext", "context"]


def context(engine: Engine, actor_id: str | None, account_id: str) -> AccountContext:
    """The account in the actor's scope (None: the command line, which has no actor and sees every office)."""
    with db.read(engine) as session:
        return accounts.account_context(session, account_id, actor_id)
