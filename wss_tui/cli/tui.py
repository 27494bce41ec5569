"""`wss tui`: the To Do app in the terminal (login, To Do Search, To Do Entry, account context)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .base import app, engine, fail

THEMES = ("default", "high-contrast")


@app.command()
def tui(
    ctx: typer.Context,
    theme: str = typer.Option(
        "default",
        "--theme",
        envvar="WSS_THEME",
        help="Colours: default, high-contrast, or any Textual theme name (ctrl+t switches while running).",
    ),
    ssh_user: bool = typer.Option(
        False,
        "--ssh-user",
        help="Log in as the Unix account running this (sshd's ForceCommand): the user ID is fixed, only the password is asked.",
    ),
    ssh_users: Path = typer.Option(
        None,
        "--ssh-users",
        envvar="WSS_SSH_USERS",
        dir_okay=False,
        help="With --ssh-user: TOML file mapping Unix accounts to staff user IDs (default: the account name upper-cased).",
    ),
) -> None:
    """Open the To Do app. Log in with your user ID and password; `?` lists every key."""
    login_as = None
    if ssh_user:
        from wss_tui.store import ssh_login

        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            fail("tui: needs a terminal; connect with `ssh -t` (scp, sftp and commands are not offered here)")
        login_as = ssh_login.resolve(ssh_login.unix_account(), ssh_users).user_id
    eng = engine(ctx)  # a missing schema is one `error:` line, before any screen is drawn
    # Textual is imported only here, so every other `wss` command starts without it.
    from wss_tui.app import THEME_ALIASES, make_app

    if theme not in THEME_ALIASES:
        from textual.theme import BUILTIN_THEMES

        if theme not in BUILTIN_THEMES:
            fail(f"theme: unknown theme {theme!r}; use {', '.join(THEMES)} or a Textual theme such as nord")
    make_app(eng, theme=theme, login_as=login_as).run()
