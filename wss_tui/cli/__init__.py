"""`wss`: the command line. Each module registers its commands on the one Typer app."""

from __future__ import annotations

import sys

from .base import app
from . import account, dbcmd, demo, escalate, importer, mis, request, sms, staff, tui  # noqa: E402,F401  (register commands)


def main() -> None:
    """Entry point: a rule's refusal is one `error:` line and exit 1; never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from wss_tui.store.errors import WssError

    try:
        app()
    except WssError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except SQLAlchemyError as exc:
        detail = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
        print(f"error: db: {detail}; check --db / WSS_DATABASE_URL and that the database is up", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("error: interrupted; nothing half-written was kept", file=sys.stderr)
        sys.exit(130)
