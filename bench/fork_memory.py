"""Memory of N logged-in `wss tui` sessions, each started on its own or forked from the fork server.

    .venv/bin/python bench/fork_memory.py [--sessions 1 10 30] [--accounts 2000] [--pg ADMIN-URL]

Builds the demo data in a SQLite file of its own, then for each N and each way of starting (alone:
`python -m wss_tui tui`, as `wss tui` and `wss serve --no-fork-server` start one; forked: the thin
client `wss_tui/forkclient.py` and a child of one `wss_tui/forkserver.py`, as `wss serve` does) opens N
real 80x24 terminals (one tmux server, a window each), logs a clerk in in each, searches (F5), opens
the first To Do and goes back, and then reads /proc/PID/smaps_rollup of every process involved:

- RSS: what `ps` and `top` show; it counts every page a process maps, shared or not;
- PSS: each shared page divided among the processes sharing it: the sum over all processes is the
  memory really used, so PSS is the honest cost of a session;
- USS: the pages of that process alone (Private_Clean + Private_Dirty): what ending it gives back.

For the forked sessions the cost per session is (the children's PSS + the clients' PSS + the fork
server's PSS) / N. Linux and tmux only.

`--ssh-group GROUP --ssh-account NAME` (as root; the account a member of the group, made beforehand,
e.g. `groupadd wss-bench && useradd -M -s /bin/sh -G wss-bench wssbench`) measures "forked" as the SSH
sessions' server runs: `--clerks-group GROUP` as root, each client run as the account (`setpriv`), each
session dropped to it. Both run a venv of the system Python over this one's packages, which the
account can read (a pyenv under root's 0700 home it cannot).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

CLERK_PASSWORD = "clerk@123"
CLIENT = HERE.parent / "wss_tui" / "forkclient.py"


def smaps(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of a process in MB."""
    got = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        got[name] = int(value.split()[0]) / 1024
    return {"rss": got["Rss"], "pss": got["Pss"], "uss": got["Private_Clean"] + got["Private_Dirty"],
            "anon": got.get("Anonymous", 0.0)}


class Tmux:
    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"wss-bench-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.windows = 0

    def run(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, text=True,
                             timeout=30, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def open(self, command: list[str]) -> str:
        import shlex

        line = " ".join(map(shlex.quote, command))
        name = f"w{self.windows}"
        if self.windows == 0:
            self.run("new-session", "-d", "-s", "bench", "-n", name, "-x", "80", "-y", "24", line)
        else:
            self.run("new-window", "-d", "-t", "bench", "-n", name, line)
        self.windows += 1
        return f"bench:{name}"

    def pane_pid(self, target: str) -> int:
        return int(self.run("display", "-p", "-t", target, "#{pane_pid}").strip())

    def keys(self, target: str, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", target, key)

    def type(self, target: str, text: str) -> None:
        self.run("send-keys", "-t", target, "-l", text)

    def wait_for(self, target: str, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in (shown := self.run("capture-pane", "-p", "-t", target)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{text!r} not shown in {target}:\n{shown}")
            time.sleep(0.1)

    def cursor(self, target: str) -> str:
        return self.run("display", "-p", "-t", target, "#{cursor_x} #{cursor_y}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True, check=False)


def work(tmux: Tmux, target: str, clerk: str) -> None:
    tmux.wait_for(target, "staff login")
    tmux.type(target, clerk)
    tmux.wait_for(target, clerk)
    at = tmux.cursor(target)
    tmux.keys(target, "Enter")
    deadline = time.monotonic() + 60
    while tmux.cursor(target) == at and time.monotonic() < deadline:
        time.sleep(0.05)
    tmux.type(target, CLERK_PASSWORD)
    tmux.keys(target, "Enter")
    tmux.wait_for(target, "To Do Search")
    tmux.keys(target, "F5")
    tmux.wait_for(target, "⏎ Open")
    tmux.keys(target, "Enter")
    tmux.wait_for(target, "To Do ID")
    tmux.keys(target, "Escape")
    tmux.wait_for(target, "To Do Search")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def python_of(pid: int) -> int:
    """The pane's Python: tmux may start the command under a shell."""
    while "python" not in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace"):
        (pid,) = children(pid)
    return pid


@dataclass(frozen=True)
class SshClerks:
    group: str
    account: str
    python: str  # readable by the account


def readable_python(tmp: Path) -> str:
    """A venv of the system Python (same version) over this interpreter's site-packages."""
    import sysconfig

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    venv = tmp / "venv"
    subprocess.run([f"/usr/bin/{version}", "-m", "venv", "--without-pip", str(venv)], check=True)
    installed = sysconfig.get_paths()["purelib"]
    (venv / "lib" / version / "site-packages" / "wss_installed.pth").write_text(
        f"import site; site.addsitedir({installed!r}); import sys; sys.path.insert(0, {str(HERE.parent)!r})\n")
    return str(venv / "bin" / "python")


def run(n: int, forked: bool, url: str, clerk: str, env: dict[str, str], tmp: Path,
        ssh: SshClerks | None = None) -> dict:
    server = None
    if forked:
        run_dir = tmp / f"run-{uuid.uuid4().hex[:6]}"
        run_dir.mkdir(mode=0o700)
        sock = run_dir / "fork.sock"
        python, clerks, as_account = sys.executable, [], []
        if ssh is not None:
            import grp
            import pwd

            os.chown(run_dir, 0, grp.getgrnam(ssh.group).gr_gid)
            os.chmod(run_dir, 0o750)
            # setpriv execs the client in its place, as sshd's session would be: the pane's hang-up reaches it.
            gid = pwd.getpwnam(ssh.account).pw_gid
            python, clerks = ssh.python, ["--clerks-group", ssh.group]
            as_account = ["setpriv", f"--reuid={ssh.account}", f"--regid={gid}", "--init-groups"]
        server = subprocess.Popen([python, "-m", "wss_tui.forkserver", "--socket", str(sock), *clerks],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert server.stdout.readline() == b"ready\n"
        command = [*as_account, python, "-I", "-S", str(CLIENT), "--socket", str(sock), "--db", url, "tui"]
    else:
        command = [sys.executable, "-m", "wss_tui", "--db", url, "tui"]
    tmux = Tmux(env)
    try:
        targets = [tmux.open(command) for _ in range(n)]
        for target in targets:
            work(tmux, target, clerk)
        time.sleep(1)
        clients = [python_of(tmux.pane_pid(t)) for t in targets]
        if forked:
            sessions = children(server.pid)
            assert len(sessions) == n, (len(sessions), n)
            parts = {"session": [smaps(p) for p in sessions], "client": [smaps(p) for p in clients],
                     "server": [smaps(server.pid)]}
        else:
            parts = {"session": [smaps(p) for p in clients]}
    finally:
        left = children(server.pid) if server is not None else []
        tmux.close()
        if server is not None:
            server.terminate()
            server.wait(15)
        _end(left)
    total_pss = sum(m["pss"] for ms in parts.values() for m in ms)
    return {"parts": parts, "per_session_pss": total_pss / n}


def _end(pids: list[int], wait: float = 10.0) -> None:
    """Sessions whose terminal closed end by themselves; any still there after `wait` s are killed, so a
    run never leaves work behind for the next one to be measured beside."""
    deadline = time.monotonic() + wait
    while (alive := [p for p in pids if Path(f"/proc/{p}").exists()]) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in alive:
        print(f"  session {pid} still running {wait:g} s after its terminal closed: killed", file=sys.stderr)
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


@contextmanager
def scratch_database(admin_url: str | None):
    if admin_url is None:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = f"wss_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def med(ms: list[dict], key: str) -> float:
    return statistics.median(m[key] for m in ms)


def main() -> None:
    import os

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL instead of SQLite: the demo in a database of its own "
                                               "there (created and dropped; the URL's database is only connected to)")
    ap.add_argument("--ssh-group", help="forked as the SSH sessions' server does, for this group (as root)")
    ap.add_argument("--ssh-account", help="the group's member each client runs as")
    args = ap.parse_args()
    if bool(args.ssh_group) != bool(args.ssh_account) or (args.ssh_group and os.geteuid() != 0):
        sys.exit("error: --ssh-group and --ssh-account go together, as root")
    if shutil.which("tmux") is None:
        sys.exit("error: tmux is not installed")

    from sqlalchemy import select

    from wss_tui.store import db, demo
    from wss_tui.store.models import Staff

    with tempfile.TemporaryDirectory() as tmp_name, scratch_database(args.pg) as pg_url:
        tmp = Path(tmp_name)
        ssh = None
        if args.ssh_group:
            tmp.chmod(0o755)  # the account reaches its venv, the socket and the SQLite file
            ssh = SshClerks(args.ssh_group, args.ssh_account, readable_python(tmp))
            (tmp / "db").mkdir()
            shutil.chown(tmp / "db", args.ssh_account)
        url = pg_url or f"sqlite:///{tmp}/{'db/' if ssh else ''}demo.db"
        engine = db.make_engine(url)
        demo.build(engine, seed=11, accounts=args.accounts)
        if ssh and not pg_url:
            for made in (tmp / "db").iterdir():
                shutil.chown(made, args.ssh_account)
        with db.read(engine) as s:
            clerk = s.execute(select(Staff.user_id).where(Staff.role == "TR-SDC").order_by(Staff.user_id)).scalar()
        engine.dispose()
        env = {**os.environ, "TERM": "xterm-256color"}
        print(f"demo: {args.accounts} accounts in {'PostgreSQL' if pg_url else 'SQLite'}; clerk {clerk} logged in "
              "N times; load average "
              f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
        print(f"{'N':>3} {'started':8} {'session RSS':>12} {'PSS':>7} {'USS':>7} {'client PSS':>11} "
              f"{'server PSS':>11} {'cost per session (PSS)':>23}")
        for n in args.sessions:
            for forked in (False, True):
                got = run(n, forked, url, clerk, env, tmp, ssh)
                p = got["parts"]
                client = f"{med(p['client'], 'pss'):9.1f}MB" if forked else f"{'':11}"
                server = f"{p['server'][0]['pss']:9.1f}MB" if forked else f"{'':11}"
                print(f"{n:>3} {('ssh-fork' if ssh else 'forked') if forked else 'alone':8} {med(p['session'], 'rss'):10.1f}MB "
                      f"{med(p['session'], 'pss'):5.1f}MB {med(p['session'], 'uss'):5.1f}MB {client} {server} "
                      f"{got['per_session_pss']:21.1f}MB", flush=True)


if __name__ == "__main__":
    main()
