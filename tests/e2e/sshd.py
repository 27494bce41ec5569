"""A throwaway OpenSSH server on a loopback port, and a throwaway Unix account whose forced command is
the installed `wss` — the office deployment of deploy/sshd_config.d/wss.conf, in a test.

Needs root (sshd switches to the account; useradd) and the OpenSSH server; skips clearly otherwise.
Everything made here is removed by `close()`: the account, its group, its processes, the directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from .tmux import WSS

REPO = Path(__file__).resolve().parents[2]
SNIPPET = REPO / "deploy" / "sshd_config.d" / "wss.conf"
FORK_CLIENT = "wss_tui/forkclient.py --socket /run/wss-ssh/fork.sock tui --ssh-user"
SBIN = "/usr/sbin:/sbin:/usr/bin:/bin"
TOOLS = ("ssh", "ssh-keygen", "useradd", "userdel", "groupadd", "groupdel", "runuser")


def require_sshd() -> str:
    """sshd's path, or skip saying what is missing."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root: sshd switches to a throwaway Unix account that the test creates with useradd")
    sshd = shutil.which("sshd", path=os.environ.get("PATH", "") + ":" + SBIN)
    if sshd is None:
        pytest.skip("the OpenSSH server (sshd) is not installed; .ci/run installs openssh-server")
    missing = [t for t in TOOLS if shutil.which(t, path=os.environ.get("PATH", "") + ":" + SBIN) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (openssh-client, passwd, util-linux)")
    return sshd


def _run(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Office:
    """A shared directory other accounts can read, a group and one clerk account in it."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.user = f"wsse2e{tag}"
        self.group = f"wss-e2e-{tag}"
        # Not under pytest's tmp_path: that lives in a 0700 directory the clerk cannot enter.
        self.shared = Path(tempfile.mkdtemp(prefix="wss-ssh-e2e-"))
        self.shared.chmod(0o755)
        self.home = self.shared / "home"
        self._made_run_sshd = False
        self._user_made = self._group_made = False
        self._sshd: subprocess.Popen | None = None

    def create_account(self) -> None:
        out = _run("groupadd", self.group)
        assert out.returncode == 0, out.stderr
        self._group_made = True
        # "*" rather than useradd's locked "!": without PAM, sshd refuses locked accounts even a key.
        out = _run("useradd", "--home-dir", str(self.home), "--create-home", "--shell", "/bin/sh",
                   "--groups", self.group, "--password", "*", self.user)
        assert out.returncode == 0, out.stderr
        self._user_made = True

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.user).pw_uid

    def give(self, path: Path) -> None:
        """Make `path` (a file or a directory) the clerk's."""
        shutil.chown(path, self.user, self.user)

    def runs(self, *argv: str) -> bool:
        return _run("runuser", "-u", self.user, "--", *argv, cwd="/").returncode == 0

    def runnable_wss(self) -> Path:
        """The installed `wss`, or the same installed packages behind a Python the clerk can run.

        The test's interpreter may sit where other accounts cannot reach it (pyenv under a 0700
        /root): then a system Python of the same version runs the installed site-packages."""
        if self.runs(str(WSS), "--help"):
            return WSS
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        python = next((p for p in (Path("/usr/bin") / version, Path("/usr/local/bin") / version) if p.exists()), None)
        if python is None:
            pytest.skip(f"{WSS} cannot be run by other accounts and there is no system {version} to run it with")
        venv = self.shared / "venv"
        out = _run(str(python), "-m", "venv", "--without-pip", str(venv))
        assert out.returncode == 0, out.stderr
        installed = sysconfig.get_paths()["purelib"]
        (venv / "lib" / version / "site-packages" / "wss_installed.pth").write_text(f"import site; site.addsitedir({installed!r})\n")
        script = venv / "bin" / "wss"
        script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom wss_tui.cli import main\nsys.exit(main())\n")
        script.chmod(0o755)
        if not self.runs(str(script), "--help"):
            pytest.skip(f"the installed packages ({installed}) cannot be read by other accounts")
        return script

    def start_sshd(self, sshd: str, workdir: Path, *, wss: Path, env: dict[str, str], client_key: Path,
                   force_command: str | None = None) -> int:
        """sshd on 127.0.0.1 with the shipped snippet, the clerk's group and wss path put in; its port."""
        host_key = workdir / "host_key"
        out = _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key))
        assert out.returncode == 0, out.stderr
        keys = self.shared / "authorized_keys"  # read by sshd as the clerk
        keys.write_text(client_key.with_suffix(".pub").read_text())
        keys.chmod(0o644)
        port = free_port()
        config = workdir / "sshd_config"
        config.write_text(
            "\n".join([
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {workdir / 'sshd.pid'}",
                f"AuthorizedKeysFile {keys}",
                "StrictModes no",  # the keys file sits under /tmp, which is world-writable
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin no",
                f"AllowUsers {self.user}",
                "LogLevel VERBOSE",
                "",
                self.snippet(wss, env, force_command),
            ])
        )
        if not Path("/run/sshd").exists():  # privilege separation directory; systemd makes it for the service
            os.makedirs("/run/sshd", mode=0o755)
            self._made_run_sshd = True
        check = _run(sshd, "-t", "-f", str(config))
        assert check.returncode == 0, f"sshd -t: {check.stderr}"
        self.log = workdir / "sshd.log"
        self._sshd = subprocess.Popen([sshd, "-D", "-f", str(config), "-E", str(self.log)])
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                if self._sshd.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"sshd did not start: {self.log.read_text() if self.log.exists() else ''}") from None
                time.sleep(0.1)

    def snippet(self, wss: Path, env: dict[str, str], force_command: str | None = None) -> str:
        """deploy/sshd_config.d/wss.conf as shipped, with this test's group, command and settings;
        `force_command`: the snippet's commented-out line for the fork server, made to run this test's."""
        text = SNIPPET.read_text()
        lines = text.splitlines()
        setenv = [n for n, line in enumerate(lines) if line.strip().startswith("SetEnv ")]
        assert len(setenv) == 1 and "Match Group wss-clerks" in text and "/opt/wss/bin/wss tui --ssh-user" in text, (
            "the shipped snippet changed shape; update this test with it"
        )
        indent = lines[setenv[0]][: len(lines[setenv[0]]) - len(lines[setenv[0]].lstrip())]
        lines[setenv[0]] = indent + "SetEnv " + " ".join(f"{k}={v}" for k, v in env.items())
        if force_command is not None:
            forced = [n for n, line in enumerate(lines) if line.strip().startswith("ForceCommand ")]
            forked = [n for n, line in enumerate(lines) if line.strip().startswith("# ForceCommand ") and FORK_CLIENT in line]
            assert len(forced) == 1 and len(forked) == 1, "the shipped snippet's ForceCommand lines changed shape"
            lines[forced[0]] = indent + "# " + lines[forced[0]].strip()
            lines[forked[0]] = indent + "ForceCommand " + force_command
        return (
            "\n".join(lines)
            .replace("Match Group wss-clerks", f"Match Group {self.group}")
            .replace("/opt/wss/bin/wss", str(wss))
        ) + "\n"

    def processes(self) -> list[int]:
        """Every process of the clerk's account (all of them started by this test)."""
        uid, found = self.uid, []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        found.append(int(entry.name))
                except FileNotFoundError:
                    pass
        return found

    def wait_until_no_processes(self, timeout: float = 15.0) -> list[int]:
        deadline = time.monotonic() + timeout
        while (left := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def close(self) -> None:
        if self._sshd is not None:
            self._sshd.terminate()
            try:
                self._sshd.wait(10)
            except subprocess.TimeoutExpired:
                self._sshd.kill()
        if self._user_made:
            for pid in self.processes():
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            self.wait_until_no_processes(5)
            _run("userdel", "--force", self.user)
        if self._group_made:
            _run("groupdel", self.group)
        if self._made_run_sshd:
            shutil.rmtree("/run/sshd", ignore_errors=True)
        shutil.rmtree(self.shared, ignore_errors=True)


def ssh_command(port: int, key: Path, user: str) -> list[str]:
    """The OpenSSH client as a clerk runs it, with no trace left in root's ~/.ssh."""
    return [
        "ssh", "-tt", "-F", "/dev/null", "-p", str(port), "-i", str(key),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", f"{user}@127.0.0.1",
    ]
