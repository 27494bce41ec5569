"""What the processes of test_counters.py do: one login or one OTP entry each, with its own engine, as
a `wss tui` session does. Each returns (what it got, the line it was shown), so the parent counts the
answers; kept free of pytest so a spawned process starts quickly."""

from __future__ import annotations

from wss_tui.store import auth, db, otp
from wss_tui.store.errors import WssError


def login(url: str, user_id: str, password: str) -> tuple[str, str]:
    engine = db.make_engine(url)
    try:
        return "in", auth.attempt_login(engine, user_id, password).user_id
    except WssError as exc:
        return exc.__class__.__name__, str(exc)
    finally:
        engine.dispose()


def close_with_otp(url: str, actor: str, todo_id: str, version: int, code: str) -> tuple[str, str]:
    engine = db.make_engine(url)
    try:
        return "closed", otp.close_with_otp(engine, actor, todo_id, version, code).status
    except WssError as exc:
        return exc.__class__.__name__, str(exc)
    finally:
        engine.dispose()
