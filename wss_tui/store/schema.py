"""The schema's versions: what `wss db upgrade` did, and `wss db revision` to write the next migration.

A migration is generated against a scratch SQLite database made for the purpose and upgraded to head,
never against the database the office works in; it is written to the migrations/versions folder of
this package (the repository's, in a development install), numbered after the head (0007 after 0006).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect

from . import db
from .errors import Invalid, WssError

MAX_MESSAGE = 120


@dataclass(frozen=True)
class Upgraded:
    before: str | None  # the revision found; None: the database had no schema
    after: str

    @property
    def created(self) -> bool:
        return self.before is None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def current(engine: Engine) -> str | None:
    """The revision the database is at; None when it has no schema yet."""
    from alembic.migration import MigrationContext

    try:
        if not inspect(engine).has_table("alembic_version"):
            return None
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # the server is down, the file is unreadable …
        raise db.explain(exc, engine) from None


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config(None)).get_current_head()


def upgrade(engine: Engine) -> Upgraded:
    """Bring the schema to head and say from which revision (None: it was created)."""
    before = current(engine)
    db.upgrade(engine)
    return Upgraded(before, current(engine) or head())


@dataclass(frozen=True)
class NewRevision:
    path: Path
    revision: str
    down_revision: str
    operations: int  # top-level changes found between the models and the migrations


def new_revision(message: str) -> NewRevision:
    """Write the next migration: what the models (models.py) hold that the migrations do not make.

    Refused, writing nothing, when they already match: an empty migration is a file to delete."""
    from alembic import command

    message = _check_message(message)
    previous = head()
    rev_id = _next_id(previous)
    found: list[int] = []

    def keep_if_changed(context, revision, directives) -> None:
        script = directives[0]
        n = sum(len(ops.ops) for ops in script.upgrade_ops_list)
        found.append(n)
        if n == 0:
            directives[:] = []  # nothing is written

    with tempfile.TemporaryDirectory(prefix="wss-revision-") as scratch:
        engine = db.make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        try:
            db.upgrade(engine)
            cfg = db.alembic_config(engine)
            cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
            cfg.set_main_option("truncate_slug_length", "40")
            cfg.attributes["process_revision_directives"] = keep_if_changed
            cfg.cmd_opts = argparse.Namespace(quiet=True)  # the caller says where the file went
            written = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    if not found or found[0] == 0 or written is None:
        raise WssError("revision", f"the models match the migrations (head {previous}); there is nothing to generate")
    return NewRevision(Path(written.path), rev_id, previous, found[0])


def _check_message(message: str) -> str:
    from . import text as text_rule

    message = text_rule.check("message", (message or "").strip())
    if not re.search(r"[A-Za-z0-9]", message):
        raise Invalid("message", "say in a few words what the migration changes, e.g. -m \"case priority\"")
    if len(message) > MAX_MESSAGE:
        raise Invalid("message", f"{len(message)} characters; say it in {MAX_MESSAGE} or fewer (the file's docstring holds more)")
    return message


def _next_id(previous: str) -> str:
    """0007 after 0006: the revisions are numbered, so the files sort in the order they run."""
    if previous.isdigit():
        return f"{int(previous) + 1:0{len(previous)}d}"
    raise WssError("revision", f"the head revision {previous!r} is not a number; give the next one by hand with alembic")
