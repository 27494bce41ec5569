"""`wss tui`: the To Do app in the terminal (login, To Do Search, To Do Entry, account context)."""

from __future__ import annotations

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
) -> None:
    """Open the To Do app. Log in with your user ID and password; `?` lists every key."""
    eng = engine(ctx)  # a missing schema is one `error:` line, before any screen is drawn
    # Textual is imported only here, so every other `wss` command starts without it.
    from wss_tui.app import THEME_ALIASES, make_app

    if theme not in THEME_ALIASES:
        from textual.theme import BUILTIN_THEMES

        if theme not in BUILTIN_THEMES:
            fail(f"theme: unknown theme {theme!r}; use {', '.join(THEMES)} or a Textual theme such as nord")
    make_app(eng, theme=theme).run()
