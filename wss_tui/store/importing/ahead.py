"""A generator run one item ahead in a thread: while the import's connection waits on PostgreSQL
(the COPY and the upsert of a batch), the next batch is read and checked, so client and server work at
once instead of taking turns."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of `items`, in order, each computed in a thread while the caller works on the one
    before. An exception in the thread is raised here, in its place after the items before it; when the
    caller stops early (an error, Ctrl-C), the thread stops at its next item and is waited for."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not hand_over((item, None)):
                    return
            hand_over((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            hand_over((_END, exc))

    thread = threading.Thread(target=work, name="wss-import-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = ready.get()
            if exc is not None:
                raise exc
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()
