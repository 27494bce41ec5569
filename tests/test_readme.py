"""The README is executable: every `wss` line of its ```sh blocks runs, in order, as written, on a fresh
`wss demo --reset`, and ends with exit status 0, or the one the README documents beside it (a comment
saying `exit status N`, on the line or on a comment line before it in the same block).

Each runs as its own process (`python -m wss_tui`, the `wss` script's code) in a folder holding a copy
of the repository's data/samples (an import writes its reject file beside its input), with
WSS_DATABASE_URL naming this test's database, as `export WSS_DATABASE_URL=…` in the README does.
Three lines are run as a person would: `wss staff add` asks for the password twice at a hidden prompt
(answered through a pseudo-terminal), and `wss sms send --watch` and `wss serve` run until stopped
(stopped, once they are up, by Ctrl-C and by a terminate; `wss serve` on a free port, since a test
machine may have another program on 8000).
"""

from __future__ import annotations

import os
import pty
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXIT_NOTE = re.compile(r"exit status (\d+)")
TIMEOUT = 180


@dataclass
class Example:
    line: str  # as written, continuation lines joined
    argv: list[str]  # without the leading `wss`
    expected: int


def examples(text: str) -> list[Example]:
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        expected = 0
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("#"):
                if note := EXIT_NOTE.search(line):
                    expected = int(note.group(1))
                continue
            if not line.startswith("wss "):
                continue
            note = EXIT_NOTE.search(line.partition("#")[2])
            argv = shlex.split(line, comments=True)
            found.append(Example(line, argv[1:], int(note.group(1)) if note else expected))
    return found


def test_the_readme_has_examples_to_run():
    found = examples(README.read_text(encoding="utf-8"))
    lines = [" ".join(e.argv[:2]) for e in found]
    for wanted in ("request new", "request status", "account show", "mis", "import accounts", "staff add", "serve"):
        assert any(line.startswith(wanted) for line in lines), wanted
    assert examples("```sh\n# exit status 3 below\nwss import a \\\n   b  # note\nnot wss\n```\n") == [
        Example("wss import a     b  # note", ["import", "a", "b"], 3)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wss(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "wss_tui", *argv]


def run_at_a_terminal(argv: list[str], cwd: Path, env: dict, prompts: list[tuple[bytes, str]]) -> tuple[int, str]:
    """Run with a pseudo-terminal for stdin (and no controlling terminal, so a hidden prompt reads it),
    typing each answer once its prompt has been printed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(wss(argv), cwd=cwd, env=env, stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    os.close(slave)
    out = b""
    seen = b""
    answered = 0  # prompts answered; each answer cuts `out` to what follows, for the next prompt
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            chunk = os.read(proc.stdout.fileno(), 4096) if ready else b""
            out += chunk
            if ready and not chunk:
                break  # the command closed its output: it has ended
            # click prints the prompt, then getpass flushes the terminal's input and prints one space:
            # an answer typed before that space would be thrown away.
            if answered < len(prompts) and prompts[answered][0] in out and out.endswith(b": "):
                os.write(master, prompts[answered][1].encode() + b"\n")
                answered += 1
                seen, out = seen + out, b""
        if proc.poll() is None:
            proc.wait(max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    finally:
        os.close(master)
    return proc.returncode, (seen + out).decode(errors="replace")


def run_until_up(argv: list[str], cwd: Path, env: dict, up, stop_signal: int) -> tuple[int, str]:
    """Start a command that runs until stopped, wait until `up(output)` says it is serving, stop it."""
    proc = subprocess.Popen(wss(argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    out = b""
    os.set_blocking(proc.stdout.fileno(), False)
    deadline = time.monotonic() + TIMEOUT
    try:
        while not up(out):
            if proc.poll() is not None or time.monotonic() > deadline:
                return -1, f"not up (exit {proc.poll()}): {(out + (proc.stdout.read() or b'')).decode(errors='replace')}"
            select.select([proc.stdout], [], [], 0.2)
            out += proc.stdout.read() or b""
        proc.send_signal(stop_signal)
        proc.wait(30)
        os.set_blocking(proc.stdout.fileno(), True)
        out += proc.stdout.read()
        return proc.returncode, out.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()


def listening(port: int):
    def up(_out: bytes) -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    return up


def test_every_wss_example_in_the_readme_runs_on_a_fresh_demo(db_url, pg_run, tmp_path):
    cwd = tmp_path / "work"
    shutil.copytree(ROOT / "data" / "samples", cwd / "data" / "samples")
    # As the README's deployment section exports it: an office's database needs its own audit salt.
    env = {**os.environ, "WSS_DATABASE_URL": db_url, "COLUMNS": "80", "WSS_AUDIT_SALT": "the-office-secret"}
    env.pop("WSS_DATA_DIR", None)
    demo = subprocess.run(wss(["demo", "--reset"]), cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert demo.returncode == 0, demo.stdout + demo.stderr

    failures = []
    for example in examples(README.read_text(encoding="utf-8")):
        argv = example.argv
        if argv[:2] == ["db", "backup"] and pg_run and not shutil.which("pg_dump"):
            continue  # as tests/test_backup.py: a PostgreSQL backup needs pg_dump on PATH
        if argv[:2] == ["staff", "add"]:
            password = "Verma@Counter-26"
            code, out = run_at_a_terminal(argv, cwd, env, [(b"New password for", password), (b"Type it again", password)])
        elif argv[:3] == ["sms", "send", "--watch"]:
            code, out = run_until_up(argv, cwd, env, lambda out: b"Ctrl-C stops" in out, signal.SIGINT)
        elif argv[:1] == ["serve"]:
            port = free_port()
            code, out = run_until_up([*argv, "--port", str(port)], cwd, env, listening(port), signal.SIGTERM)
            code = 0 if code in (0, -signal.SIGTERM) else code  # stopped by us once it answered
        else:
            done = subprocess.run(wss(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                                  stdin=subprocess.DEVNULL)
            code, out = done.returncode, done.stdout + done.stderr
        if code != example.expected or "Traceback" in out:
            failures.append(f"{example.line}\n  exit {code}, expected {example.expected}\n  {out.strip()[-600:]}")
    assert not failures, "README examples that fail:\n" + "\n".join(failures)
