"""`wss` run through its entry point (`wss_tui.cli.main`, what the installed script calls) in this
process: its exit status and what it wrote on stdout and stderr, reported as `subprocess.run` reports a
real process's.

A new interpreter per command costs about a second of CPU; this costs milliseconds, and it is the same
code from the argument list to the exit status. What only a real process shows stays a real process in
the tests of it: the installed script, signals, a terminal's encoding, a pseudo-terminal's hidden prompt,
and the environment read at start (the configuration is read once per process, so a test that changes
the environment for one command starts a process).

As in a fresh process, the command sees none of this test's clock override (only `WSS_NOW`) and its
engines are closed when it ends; its output streams are pipes, not terminals, so Rich lays out 80
columns as it does when writing to a pipe.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from wss_tui.store import clock

PIPE_COLUMNS = "80"  # Rich's width when none of stdin, stdout and stderr is a terminal


def wss(*args: str | bytes | Path, stdin: str | bytes = "", text: bool = True, cwd: str | Path | None = None,
        columns: int | None = None) -> subprocess.CompletedProcess:
    """`wss ARGS` with `stdin` as its (piped) input; arguments may be bytes, as a shell passes $'\\xff'.
    `columns`: as COLUMNS=N in the command's environment."""
    from wss_tui import cli
    from wss_tui.cli import base

    argv = [os.fsdecode(a) if isinstance(a, (bytes, Path)) else a for a in args]
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_clock, saved_columns, saved_cwd = clock._override, os.environ.get("COLUMNS"), os.getcwd()
    # As Python sets them up for pipes: stdout strict (main() relaxes it), stderr backslashreplace.
    piped = (io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"),
             io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True),
             io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True))
    sys.stdin, sys.stdout, sys.stderr = piped
    os.environ["COLUMNS"] = str(columns) if columns else PIPE_COLUMNS
    clock.set_clock(None)
    code: int | str | None = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    finally:
        for stream in piped[1:]:
            try:
                stream.flush()
            except ValueError:  # closed by the command
                pass
        sys.stdin, sys.stdout, sys.stderr = streams
        os.chdir(saved_cwd)
        clock.set_clock(saved_clock)
        if saved_columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved_columns
        while base.made:
            base.made.pop().dispose()
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    stdout, stderr = out.getvalue(), err.getvalue()  # `piped` still holds them open
    if text:
        stdout, stderr = _as_text(stdout), _as_text(stderr)
    return subprocess.CompletedProcess(["wss", *argv], returncode, stdout, stderr)


def _as_text(data: bytes) -> str:
    # subprocess.run(text=True): the locale's encoding (UTF-8 here) and universal newlines.
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
