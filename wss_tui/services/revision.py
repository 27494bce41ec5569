"""Bill revision's units of work: the worksheet of a bill, the preview of a correction, and the maker's
proposal and the checker's approval or rejection, each in its own transaction.

A proposal or decision on a To Do that moved since it was read is not an error here: `Decided` carries
the worksheet read again and says why, so the screen shows what is there now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wss_tui.store import db, revision
from wss_tui.store.errors import Stale
from wss_tui.store.revision import Preview, RevisionInfo, Worksheet, hold
from wss_tui.store.revision.hold import HoldCheck, HoldEntry

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from wss_tui.store.revision.calc import Correction
    from wss_tui.store.revision.run import RunRequest


@dataclass(frozen=True)
class Decided:
    """A proposal or decision saved (`info`), or not, because the To Do changed (`stale`, with `sheet`)."""

    info: RevisionInfo | None
    sheet: Worksheet | None = None
    stale: str = ""


def sheet(engine: Engine, actor_id: str, todo_id: str) -> Worksheet:
    """The bill of a To Do's case, with what the actor may do there (propose, decide or only view)."""
    with db.read(engine) as session:
        return revision.worksheet(session, actor_id, todo_id)


def bill_sheet(engine: Engine, actor_id: str, account_id: str, bill_no: str) -> Worksheet:
    """A bill of an account, for an officer's own revision case."""
    with db.read(engine) as session:
        return revision.bill_worksheet(session, actor_id, account_id, bill_no)


def preview(engine: Engine, actor_id: str, account_id: str, bill_no: str, correction: Correction,
            bills: RunRequest | None = None) -> Preview:
    with db.read(engine) as session:
        return revision.preview(session, actor_id, account_id, bill_no, correction, bills)


def _on_todo(engine: Engine, actor_id: str, todo_id: str, act: Callable[..., RevisionInfo]) -> Decided:
    """Run once more if Busy, as a To Do action is (services/todos.py): it names the To Do's version,
    and its SMS and To Dos are written in its own transaction."""
    try:
        return Decided(db.once_more_if_busy(engine, act))
    except Stale as exc:
        return Decided(None, sheet(engine, actor_id, todo_id), str(exc))


def propose(engine: Engine, actor_id: str, todo_id: str, version: int, correction: Correction,
            bills: RunRequest | None = None) -> Decided:
    """The maker's proposal on the complaint's To Do they are working (of a run of bills, `bills`)."""
    return _on_todo(engine, actor_id, todo_id,
                    lambda s: revision.propose(s, actor_id, todo_id, version, correction, bills))


def open_officer_case(engine: Engine, actor_id: str, account_id: str, bill_no: str, kind: str,
                      correction: Correction, bills: RunRequest | None = None) -> RevisionInfo:
    """An officer's own case on a bill (or a run of bills, `bills`), opened with its proposal."""
    with db.write(engine) as session:
        return revision.open_officer_case(session, actor_id, account_id, bill_no, kind, correction, bills)


def hold_check(engine: Engine, actor_id: str, bill_no: str) -> HoldCheck:
    """Whether the actor may put the bill on hold now, and what it would take off the balance."""
    with db.read(engine) as session:
        return hold.check(session, actor_id, bill_no)


def hold_bill(engine: Engine, actor_id: str, bill_no: str, reason: str) -> HoldEntry:
    """An officer puts an issued bill on hold, with the reason (store/revision/hold.py)."""
    with db.write(engine) as session:
        return hold.hold(session, actor_id, bill_no, reason)


def approve(engine: Engine, actor_id: str, todo_id: str, version: int) -> Decided:
    return _on_todo(engine, actor_id, todo_id, lambda s: revision.approve(s, actor_id, todo_id, version))


def reject(engine: Engine, actor_id: str, todo_id: str, version: int, reason: str) -> Decided:
    return _on_todo(engine, actor_id, todo_id, lambda s: revision.reject(s, actor_id, todo_id, version, reason))
