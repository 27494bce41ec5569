"""Type-ahead: keys typed in one burst land where they would have landed typed slowly.

Textual routes each key to whatever has focus when the App takes it off its queue, and only then does
the focused widget, in its own queue, act on it: a Tab, an Enter that submits, a key that opens a
dialog or a screen, all take effect a few messages later. Keys that arrive in one read (a slow SSH
link, a password manager) are routed before that, so `USER<Tab>PASS` typed the user ID *and* the
password into the User ID field, and the note typed after `u` went to the screen under the dialog.

`TypeAhead` makes the App take one key at a time: after a key is dispatched, the keys behind it are
held until the app has settled from it — every queue of the App and the current screen drained, the
key's own chain (the focused widget and its ancestors) done, focus and screen no longer changing, and
any worker the key started finished (a screen that loads its data before its fields exist). Then the
next key is released. A person typing slowly gets the same: each key meets a settled app.

Nothing is ever swallowed: a key is held at most HOLD_LIMIT seconds, then released regardless.
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic
from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump
    from textual.worker import Worker

# The longest a key waits for the app to settle from the one before; then it goes anyway.
HOLD_LIMIT = 5.0
# How often a held burst looks again while the app is busy: at once at first, then less and less often,
# since each look walks the screen's widgets, and a key waiting on a slow database call (a loaded host,
# many sessions) must not spend the CPU that call is waiting for.
POLL = 0.004
POLL_MAX = 0.064
# A worker in one of these groups runs in the background by design (it never "finishes" for a key).
# search-check is the To Do Search's timed look for changes; search-remember saves the filter as used.
BACKGROUND_GROUPS = frozenset({"background", "search-check", "search-remember"})

Held = events.Key | events.Paste


class TypeAhead:
    """The App's key gate. `WssApp.on_event` asks `take` about each key or paste before Textual sees it."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._held: deque[Held] = deque()
        self._released: Held | None = None  # the held event posted back to the App, to go through
        self._settling = False

    @property
    def holding(self) -> int:
        return len(self._held)

    def take(self, event: Held) -> bool:
        """True: `event` is held behind an earlier key; False: the App dispatches it now."""
        if event is self._released:
            self._released = None
            self._watch(event)
            return False
        if self._settling or self._held or self._released is not None:
            self._held.append(event)
            return True
        self._watch(event)
        return False

    def _watch(self, event: Held) -> None:
        """`event` is about to be dispatched: settle after it before the next key goes."""
        self._settling = True
        before = set(self.app.workers)
        self.app.run_worker(self._settle(before), group="type-ahead", exit_on_error=False)

    async def _settle(self, workers_before: set[Worker]) -> None:
        try:
            await self._wait_settled(workers_before)
        finally:
            self._settling = False
            self._release_next()

    def _release_next(self) -> None:
        if not self._held:
            return
        event = self._held.popleft()
        self._released = event
        if not self.app.post_message(event):  # the app is closing: nothing more to deliver
            self._held.clear()
            self._released = None

    async def _wait_settled(self, workers_before: set[Worker]) -> None:
        deadline = monotonic() + HOLD_LIMIT
        pause = POLL
        while monotonic() < deadline:
            if self._busy(workers_before):
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_MAX)
                continue
            # Queues look empty; a handler may still be running (an awaited action, a mount). A
            # callback through the key's own chain returns only once each of them is done.
            seen = self._where()
            if not await self._round_trip(deadline):
                return
            if not self._busy(workers_before) and self._where() == seen:
                return

    def _where(self) -> tuple[object, object, int]:
        try:
            return self.app.screen, self.app.focused, len(self.app.screen_stack)
        except Exception:  # no screen yet, or the app is shutting down
            return None, None, 0

    def _pumps(self) -> list[MessagePump]:
        try:
            screen = self.app.screen
        except Exception:
            return [self.app]
        return [self.app, *screen.walk_children(with_self=True)]

    def _busy(self, workers_before: set[Worker]) -> bool:
        for pump in self._pumps():
            if pump._closing or pump._closed:
                continue
            if pump.message_queue_size or pump._pending_message is not None or pump._next_callbacks:
                return True
        return any(_works_for_the_key(worker) for worker in self.app.workers if worker not in workers_before)

    async def _round_trip(self, deadline: float) -> bool:
        """A callback through the App, the screen and the focused widget's ancestors; True once all ran."""
        chain: list[MessagePump] = [self.app]
        try:
            screen = self.app.screen
            focused = self.app.focused
        except Exception:
            return True
        chain.append(screen)
        if focused is not None:
            chain.extend(node for node in focused.ancestors_with_self if node is not screen and node is not self.app)
        done = asyncio.Event()
        waiting = 0

        def one_done() -> None:
            nonlocal waiting
            waiting -= 1
            if waiting == 0:
                done.set()

        for pump in chain:
            if pump.call_later(one_done):
                waiting += 1
        if not waiting:
            return True
        try:
            await asyncio.wait_for(done.wait(), timeout=max(0.0, deadline - monotonic()))
        except asyncio.TimeoutError:
            return False
        return True


def _works_for_the_key(worker: Worker) -> bool:
    if worker.group == "type-ahead" or worker.group in BACKGROUND_GROUPS:
        return False
    return not worker.is_finished
