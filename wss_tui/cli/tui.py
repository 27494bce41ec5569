"""`wss tui`: the To Do app in the terminal (login, To Do Search, To Do Entry, account context)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from wss_tui.themes import ThemeName

from .base import app, engine, fail


@app.command()
def tui(
    ctx: typer.Context,
    theme: Annotated[ThemeName, typer.Option(
        "--theme",
        envvar="WSS_THEME",
        help="Colours: default, high-contrast, or one of Textual's themes (ctrl+t switches while running).",
    )] = ThemeName.DEFAULT,
    ssh_user: Annotated[bool, typer.Option(
        "--ssh-user",
        help="Log in as the Unix account running this (sshd's ForceCommand): the user ID is fixed, only the password is asked.",
    )] = False,
    ssh_users: Annotated[Path | None, typer.Option(
        "--ssh-users",
        metavar="FILE",
        envvar="WSS_SSH_USERS",
        dir_okay=False,
        help="With --ssh-user: TOML file mapping Unix accounts to staff user IDs (default: the account name upper-cased).",
    )] = None,
) -> None:
    """Open the To Do app. Log in with your user ID and password; `?` lists every key."""
    from .configcmd import refuse_bad_config

    refuse_bad_config()
    login_as = None
    if ssh_user:
        from wss_tui.store import ssh_login

        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            fail("tui: needs a terminal; connect with `ssh -t` (scp, sftp and commands are not offered here)")
        login_as = ssh_login.resolve(ssh_login.unix_account(), ssh_users).user_id
    eng = engine(ctx)  # a missing schema is one `error:` line, before any screen is drawn
    # Textual is imported only here, so every other `wss` command starts without it.
    from wss_tui.app import make_app

    make_app(eng, theme=theme.value, login_as=login_as).run()


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on; keep 127.0.0.1 behind a TLS reverse proxy.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    public_url: Annotated[str | None, typer.Option("--public-url", metavar="URL", help="The address browsers use, when behind a proxy (e.g. https://wss.office/).")] = None,
    max_sessions: Annotated[int, typer.Option("--max-sessions", min=1, max=1000, envvar="WSS_SERVE_MAX_SESSIONS", metavar="N",
                                              help="Sessions at once (each about 55 MB forked, 75 on its own); the next browser is told to wait.")] = 30,
    fork_server: Annotated[bool, typer.Option("--fork-server/--no-fork-server",
                                              help="Fork each session from one preloaded process, sharing the libraries' memory.")] = True,
) -> None:
    """Offer the To Do app in a web browser (textual-serve): each visitor gets `wss tui` and its login."""
    import os
    import shlex

    from wss_tui.store import db

    engine(ctx)  # a missing schema is one `error:` line now, not in every browser later
    try:
        from wss_tui.serve import WssServer
    except ImportError:
        fail("serve: textual-serve is not installed; pip install 'wss-tui[serve]'")
    # Each browser gets its own `wss tui` process; the database reaches it through the environment,
    # not its command line, where `ps` would show a password.
    os.environ["WSS_DATABASE_URL"] = db.database_url(ctx.obj.db_url if ctx.obj else None)
    command = f"{shlex.quote(sys.executable)} -m wss_tui tui"
    WssServer(command, max_sessions=max_sessions, host=host, port=port, title="WSS To Do", public_url=public_url,
              fork_server=fork_server).serve()
