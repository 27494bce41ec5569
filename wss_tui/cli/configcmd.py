"""`wss config check`: every data/*.toml read through its model and its readers' checks. The app and
`wss db upgrade` run the same check before they start (`refuse_bad_config`)."""

from __future__ import annotations

from typing import Annotated

import typer

from .base import app, error_line, print_json, say

config_app = typer.Typer(help="The configuration files of data/ (or WSS_DATA_DIR).", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print {sound: [files], problems: [lines]} as JSON.")] = False,
) -> None:
    """Check every data/*.toml: a line per sound file; an `error:` line per problem (file, key, rule), exit 1."""
    from wss_tui.store import settings

    sound, problems = settings.check_all()
    if as_json:
        print_json({"sound": [str(s) for s in sound], "problems": list(problems)})
        if problems:
            raise typer.Exit(1)
        return
    for shown in sound:
        say(f"{shown}: ok")
    for line in problems:
        error_line(line)
    if problems:
        raise typer.Exit(1)


def refuse_bad_config() -> None:
    """Stop, with one `error:` line per problem, before starting on a configuration that is not sound."""
    from wss_tui.store import settings

    _, problems = settings.check_all()
    if problems:
        for line in problems:
            error_line(line)
        error_line("the configuration has problems (above); correct them and run `wss config check`")
        raise typer.Exit(1)
