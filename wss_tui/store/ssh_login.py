"""Who is logging in over SSH: the Unix account sshd authenticated, as a staff user ID.

Under `ForceCommand wss tui --ssh-user` the account is fixed by sshd, so the login screen only asks for
the staff password. The account is read from the process's own user ID, not from `USER`/`LOGNAME`,
which a client could try to set.

The mapping file (TOML; `--ssh-users` / `WSS_SSH_USERS`) lists accounts whose names differ from their
user IDs; an account not listed logs in as its name upper-cased (`inr1-sdc1` → `INR1-SDC1`), unless
the file says `unlisted = "refuse"`:

    unlisted = "upper"          # or "refuse": only the accounts below may log in
    [users]
    ramesh = "INR1-SDC1"
"""

from __future__ import annotations

import os
import pwd
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import Denied, Invalid

UNLISTED = ("upper", "refuse")
MAX_USER_ID = 20  # the Staff.user_id column


@dataclass(frozen=True)
class SshLogin:
    unix_account: str
    user_id: str  # the staff user ID the password is checked for
    client: str | None  # "10.1.2.3" from SSH_CONNECTION; None on a local terminal


def unix_account() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def client_address(environ: dict[str, str] | None = None) -> str | None:
    conn = (environ if environ is not None else os.environ).get("SSH_CONNECTION", "").split()
    return conn[0] if conn else None


def read_mapping(path: Path) -> tuple[dict[str, str], str]:
    """({unix account: staff user ID}, what to do with unlisted accounts), checked line by line."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise Invalid("ssh users", f"{path} does not exist; give the mapping file's path, or leave it out") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise Invalid("ssh users", f"{path}: {exc}; fix the file") from None
    unlisted = raw.get("unlisted", "upper")
    if unlisted not in UNLISTED:
        raise Invalid("ssh users", f"{path}: unlisted = {unlisted!r}; use \"upper\" or \"refuse\"")
    users = raw.get("users", {})
    if not isinstance(users, dict):
        raise Invalid("ssh users", f"{path}: [users] must be a table of account = \"USER-ID\" lines")
    mapping = {}
    for account, user_id in users.items():
        if not isinstance(user_id, str) or not user_id.strip() or len(user_id.strip()) > MAX_USER_ID:
            raise Invalid("ssh users", f"{path}: {account} = {user_id!r}; give a staff user ID of 1-{MAX_USER_ID} characters")
        mapping[account] = user_id.strip().upper()
    return mapping, unlisted


def resolve(account: str, mapping_file: Path | None = None, environ: dict[str, str] | None = None) -> SshLogin:
    """The staff user ID this Unix account logs in as; Denied when the mapping refuses it."""
    mapping, unlisted = read_mapping(mapping_file) if mapping_file else ({}, "upper")
    user_id = mapping.get(account)
    if user_id is None:
        if unlisted == "refuse":
            raise Denied("ssh user", f"the account {account} is not given a staff user ID in {mapping_file}; ask the administrator")
        user_id = account.upper()
    return SshLogin(unix_account=account, user_id=user_id, client=client_address(environ))
