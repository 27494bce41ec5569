"""Messages the thread workers post back to their screens: plain results, no live ORM objects."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from wss_tui.store.auth import Who


@dataclass
class LoggedIn(Message):
    who: Who


@dataclass
class LoginFailed(Message):
    text: str


@dataclass
class LoadFailed(Message):
    """The thing a screen was opened for cannot be shown (not found, out of scope)."""

    text: str
