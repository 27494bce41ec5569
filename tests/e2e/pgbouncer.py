"""A private PgBouncer (transaction mode) in front of the test database, to stop and start at will.

Never the machine's PostgreSQL: other runs share it. Stopping this pooler is what a database restart
looks like to the app (connections refused, then lost), without touching anyone else's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from .sshd import free_port

PGBOUNCER = Path("/usr/sbin/pgbouncer")


class PgBouncer:
    """One pgbouncer with its files in a temporary folder; `url` leads to the test's own schema."""

    def __init__(self, test_url: str, schema: str) -> None:
        if not PGBOUNCER.exists():
            pytest.skip("pgbouncer is not installed (.ci/run installs it)")
        target = make_url(test_url)
        self.dir = Path(tempfile.mkdtemp(prefix="wss-pgbouncer-"))
        self.port = free_port()
        # The schema rides on the pooler's own database entry (connect_query): a client's startup
        # `options` cannot pass PgBouncer.
        entry = (f"wss_e2e = host={target.host or '127.0.0.1'} port={target.port or 5432} dbname={target.database}"
                 f" connect_query='SET search_path = \"{schema}\"'")
        (self.dir / "pgbouncer.ini").write_text("\n".join([
            "[databases]", entry, "", "[pgbouncer]",
            "listen_addr = 127.0.0.1", f"listen_port = {self.port}", "unix_socket_dir =",
            "auth_type = trust", f"auth_file = {self.dir / 'userlist.txt'}", "pool_mode = transaction",
            "default_pool_size = 4", f"logfile = {self.dir / 'pgbouncer.log'}",
            f"pidfile = {self.dir / 'pgbouncer.pid'}", "",
        ]))
        (self.dir / "userlist.txt").write_text(f'"{target.username}" ""\n')
        self.url = target.set(host="127.0.0.1", port=self.port, database="wss_e2e", query={}).render_as_string(
            hide_password=False)
        self.as_root = os.geteuid() == 0
        if self.as_root:  # PgBouncer refuses to run as root
            self.dir.chmod(0o755)
            shutil.chown(self.dir, "postgres")
            for f in self.dir.iterdir():
                shutil.chown(f, "postgres")

    def start(self) -> None:
        argv = [str(PGBOUNCER), "-d", *(["-u", "postgres"] if self.as_root else []), str(self.dir / "pgbouncer.ini")]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"pgbouncer did not start: {done.stderr.strip()} {self.log()}")
        self._wait(listening=True)

    def stop(self) -> None:
        """SIGTERM: PgBouncer closes every client and server connection at once, as a crash would."""
        pid_file = self.dir / "pgbouncer.pid"
        if not pid_file.exists():
            return
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            return
        self._wait(listening=False)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        path = self.dir / "pgbouncer.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def _wait(self, *, listening: bool, timeout: float = 15) -> None:
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                up = s.connect_ex(("127.0.0.1", self.port)) == 0
            if up == listening and (listening or not (self.dir / "pgbouncer.pid").exists()):
                return
            time.sleep(0.05)
        raise RuntimeError(f"pgbouncer on port {self.port} did not {'start' if listening else 'stop'}: {self.log()}")
