"""The terminal before the app owns it.

Keys a clerk types while `wss tui` starts (an SSH login followed at once by the user ID and password)
reach a terminal still in its ordinary line mode, which echoes them and turns Enter into a newline.
The echo would leave the password readable in the scroll-back once the app exits, and Textual reads
the newline as ctrl+j, so the Enter was lost. `typing_ahead_unseen` stops the echo and the translation
the moment `wss tui` runs, and puts the terminal back as it was when it ends; what was typed before
that is read by the app as typed (`WssApp` takes ctrl+j as Enter, as readline does).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def typing_ahead_unseen() -> Iterator[None]:
    try:
        import termios
    except ImportError:  # Windows
        yield
        return
    try:
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError, AttributeError):  # not a terminal
        yield
        return
    quiet = [list(x) if isinstance(x, list) else x for x in saved]
    quiet[0] &= ~termios.ICRNL  # iflag: Enter stays a carriage return
    quiet[3] &= ~(termios.ECHO | termios.ECHONL)  # lflag: nothing typed is shown by the terminal itself
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        yield
    finally:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
