"""`wss`: the command line. Each module registers its commands on the one Typer app."""

from __future__ import annotations

import errno
import inspect
import os
import sys

from .base import app, error_line, interrupted, made
from . import account, bill, configcmd, dbcmd, demo, escalate, history, importer, mis, request, revision, sms, staff, tui  # noqa: E402,F401  (register commands)

EXIT_USAGE = 2  # as click's, and as `wss import` documents it


def _paragraphs_as_lines(typer_app) -> None:
    """Rich help keeps a docstring's single line breaks, which are where the source wraps, not the
    terminal: each paragraph of a command's help becomes one line that Rich wraps to the width."""
    for info in typer_app.registered_commands:
        doc = info.help or inspect.getdoc(info.callback) or ""
        info.help = "\n\n".join(" ".join(paragraph.split()) for paragraph in doc.split("\n\n"))
    for group in typer_app.registered_groups:
        _paragraphs_as_lines(group.typer_instance)


_paragraphs_as_lines(app)


def main(args: list[str] | None = None) -> None:
    """Entry point: any refusal, bad value or failure is one `error:` line on stderr; never a traceback.

    Exit status: 0 done; 1 a rule, the database or the system said no; 2 the command line itself is
    wrong (an unknown option, a value of the wrong kind); what a command documents beyond that (3 for
    an import with rejects); 130 interrupted."""
    _never_fail_to_print()
    args = sys.argv[1:] if args is None else list(args)
    refused = _not_utf8(args)
    if refused:
        error_line(refused)
        sys.exit(1)
    if "tui" in args:
        from wss_tui.terminal import typing_ahead_unseen

        with typing_ahead_unseen():
            code = _run(args)
        sys.exit(code)
    sys.exit(_run(args))


def _run(args: list[str]) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from wss_tui.store import db
    from wss_tui.store.errors import WssError
    import typer
    from typer._click import exceptions as click_errors  # Typer's own click (it vendors it)

    try:
        code = app(args=args, prog_name="wss", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except click_errors.NoArgsIsHelpError as exc:  # `wss` or `wss staff` alone: the help (base.Group), as before
        if exc.format_message().strip():  # plain help is in the message; Rich help was printed already
            exc.show()
        return EXIT_USAGE
    except click_errors.UsageError as exc:
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        # Typer checks values with pydantic, whose messages start "Value error, ": not for a user.
        error_line(exc.format_message().replace("Value error, ", "") + where)
        return EXIT_USAGE
    except click_errors.ClickException as exc:  # a FILE argument that does not exist, and the like
        error_line(exc.format_message())
        return exc.exit_code or 1
    except typer.Abort:
        error_line("stopped; nothing was changed")
        return 1
    except WssError as exc:
        error_line(str(exc))
        return 1
    except (SQLAlchemyError, KeyboardInterrupt) as exc:
        if interrupted(exc):
            error_line("interrupted; nothing half-written was kept")
            return 130
        error_line(str(db.explain(exc, made[-1] if made else None)))
        return 1
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # `wss sms list | head`: the reader has had enough
            _quiet_broken_pipe()
            return 1
        error_line(f"{exc.strerror or exc.__class__.__name__}" + (f": {exc.filename}" if exc.filename else ""))
        return 1
    except Exception as exc:  # a defect: still one line, never a traceback with local variables
        detail = str(exc).strip().splitlines()
        error_line(f"internal: {exc.__class__.__name__}" + (f": {detail[0]}" if detail else "")
                   + "; nothing more was done; please report this with the command you ran")
        return 1


def _not_utf8(args: list[str]) -> str | None:
    """The error line for the first argument with bytes that are not UTF-8, or None.

    Python hands such bytes over as lone surrogates, which no database driver, file or terminal takes;
    they are refused here, before any command sees them, naming the option they were given to."""
    from wss_tui.store.text import describe, visible

    named = [("WSS_DATABASE_URL", os.environ.get("WSS_DATABASE_URL") or "")]
    previous = ""
    for arg in args:
        name = "argument"
        if arg.startswith("--") and "=" in arg:
            name = arg.split("=", 1)[0]
        elif arg.startswith("-") and len(arg) > 1:
            name = arg
        elif previous.startswith("-") and "=" not in previous:
            name = previous
        named.append((name, arg))
        previous = arg
    for name, value in named:
        for position, ch in enumerate(value, start=1):
            if 0xD800 <= ord(ch) <= 0xDFFF:
                return (f"{visible(name)}: has {describe(ch)} at character {position}; type it again as UTF-8 text "
                        "(rename a file whose name is not UTF-8)")
    return None


def _never_fail_to_print() -> None:
    """Whatever the terminal's encoding (LANG=C, an ASCII pipe), print what it cannot show as escapes
    instead of failing with UnicodeEncodeError in the middle of a line."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # already closed or detached: nothing to protect
                pass


def _quiet_broken_pipe() -> None:
    # Python would report the failed flush at exit; the output went where it was asked to.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
