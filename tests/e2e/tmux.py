"""Drive a real terminal: the installed `wss` in tmux, typed at with send-keys, read with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

WSS = Path(sys.executable).parent / "wss"
POLL = 0.03  # seconds between looks at the screen while waiting for something to show


def require_tmux_and_wss() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    if not WSS.exists():
        pytest.skip(f"the wss command is not installed beside {sys.executable}")


class Terminal:
    """One tmux server of its own (private socket), one window of `width` x `height`."""

    def __init__(self, command: list[str], env: dict[str, str], width: int = 80, height: int = 24) -> None:
        self.socket = f"wss-e2e-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, "TERM": "xterm-256color", **env}
        self._tmux("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), " ".join(map(_quote, command)))

    def _tmux(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, text=True, timeout=20)
        if out.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def keys(self, *keys: str) -> None:
        """Named keys (Enter, Tab, Escape, C-n …), one send-keys (one write) each, as fast as tmux takes
        them: the app's type-ahead gate (wss_tui/keys.py) lands each where it would land typed slowly.
        A lone Escape is told from the start of an escape sequence by the quiet after it: after one,
        wait for what it shows before sending more."""
        for key in keys:
            self._tmux("send-keys", "-t", "main", key)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def burst(self, text: str) -> None:
        """`text` in ONE write to the terminal, as a slow SSH link or a password manager delivers it;
        a Tab or Enter in it is the character itself (\\t, \\r)."""
        self._tmux("send-keys", "-t", "main", "-l", text)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-t", "main", "-p")

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear within {timeout}s; the screen shows:\n{shown}")
            time.sleep(POLL)

    def cursor(self) -> tuple[int, int]:
        """Where the terminal's cursor is: the app keeps it at the focused field's text cursor."""
        x, y = self._tmux("display", "-p", "-t", "main", "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def wait_for_cursor_to_leave(self, where: tuple[int, int], timeout: float = 15.0) -> tuple[int, int]:
        """Wait until the cursor is no longer at `where`: a key that moves focus to another field has landed."""
        deadline = time.monotonic() + timeout
        while (now := self.cursor()) == where:
            if time.monotonic() > deadline:
                raise AssertionError(f"the cursor stayed at {where} for {timeout}s; the screen shows:\n{self.screen()}")
            time.sleep(POLL)
        return now

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
