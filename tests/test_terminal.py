"""`wss tui` hides what is typed ahead from the terminal's own echo, and leaves the terminal as it found it."""

from __future__ import annotations

import os
import pty
import sys
import termios

import pytest

from wss_tui.terminal import typing_ahead_unseen


@pytest.fixture
def terminal_as_stdin(monkeypatch):
    leader, follower = pty.openpty()
    stdin = os.fdopen(follower, "r", closefd=False)
    monkeypatch.setattr(sys, "stdin", stdin)
    yield follower
    stdin.close()
    os.close(leader)
    os.close(follower)


def test_no_echo_and_enter_stays_enter_while_the_app_starts_then_the_terminal_is_as_before(terminal_as_stdin):
    before = termios.tcgetattr(terminal_as_stdin)
    assert before[3] & termios.ECHO and before[0] & termios.ICRNL  # a fresh terminal echoes and maps CR → NL
    with typing_ahead_unseen():
        during = termios.tcgetattr(terminal_as_stdin)
        assert not during[3] & termios.ECHO
        assert not during[0] & termios.ICRNL
    assert termios.tcgetattr(terminal_as_stdin) == before


def test_not_a_terminal_is_left_alone(monkeypatch, tmp_path):
    with open(tmp_path / "input", "w+") as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        with typing_ahead_unseen():
            pass
