"""The thin end of a fork-served `wss` session: hands this process's terminal (or textual-serve's pipes)
to the fork server and waits for the session to end.

    python -I -S .../wss_tui/forkclient.py --socket PATH tui [options of `wss tui`]

Standard library only, and run by path with `-I -S` (no site-packages), so it costs a few MB, not the
60 of a `wss tui` that imports Textual and SQLModel itself. It sends fds 0, 1 and 2, its arguments,
environment, working directory and umask over the UNIX socket (SCM_RIGHTS); the server forks a child
that is `wss <arguments>` on those fds. Signals this process gets (window size, hang-up, terminate)
go on to the child; its exit status becomes this one's. When the server cannot be reached the
session starts on its own instead (`python -m wss_tui <arguments>`): slower and bigger, never refused.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys

FORWARDED = (signal.SIGWINCH, signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGCONT)
HEADER = struct.Struct(">I")


def send_frame(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    payload = HEADER.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [payload], fds)
        payload = payload[sent:]
    if payload:
        sock.sendall(payload)


def read_frame(sock: socket.socket) -> dict | None:
    """The next message, or None when the other end has closed."""
    head = _exactly(sock, HEADER.size)
    if head is None:
        return None
    body = _exactly(sock, HEADER.unpack(head)[0])
    return None if body is None else json.loads(body)


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def run(path: str, args: list[str]) -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        print(f"wss: the fork server at {path} is not reachable ({exc.strerror or exc}); starting on its own",
              file=sys.stderr, flush=True)
        os.execv(sys.executable, [sys.executable, "-m", "wss_tui", *args])
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        send_frame(sock, {"argv": args, "env": dict(os.environ), "cwd": os.getcwd(), "umask": umask}, [0, 1, 2])
    except OSError:  # a server that refuses this uid answers and closes without reading: its answer follows
        pass
    answer = read_frame(sock)
    if answer is None or "pid" not in answer:
        reason = (answer or {}).get("refused", "the fork server closed the connection")
        print(f"error: {reason}", file=sys.stderr, flush=True)
        return 1
    pid = answer["pid"]

    def forward(signum, frame) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in FORWARDED:
        signal.signal(sig, forward)
    while True:
        message = read_frame(sock)
        if message is None:
            print("error: the session ended unexpectedly; log in again", file=sys.stderr, flush=True)
            return 1
        if "exit" in message:
            return int(message["exit"])


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 2 or args[0] != "--socket":
        print("usage: forkclient.py --socket PATH WSS-ARGUMENTS...", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(args[1], args[2:]))


if __name__ == "__main__":
    main()
