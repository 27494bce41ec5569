"""Identifiers in the shapes staff and consumers know: 10-digit request IDs, 14-digit To Do IDs, mobiles."""

from __future__ import annotations

import random
import secrets

from sqlalchemy import select
from sqlmodel import Session

from .models import Case, ToDo

_system_random = secrets.SystemRandom()


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def new_case_id(session: Session, rng: random.Random = _system_random) -> str:
    """A random 10-digit request ID not yet used (random, so IDs tell nothing about volume)."""
    while True:
        candidate = _digits(rng, 10)
        if session.get(Case, candidate) is None:
            return candidate


def new_todo_id(session: Session, rng: random.Random = _system_random) -> str:
    while True:
        candidate = str(rng.randrange(10**13, 10**14))
        if session.scalar(select(ToDo.todo_id).where(ToDo.todo_id == candidate)) is None:
            return candidate


def is_mobile(number: str) -> bool:
    """An Indian mobile number as stored: 10 digits, the first 6 to 9."""
    return len(number) == 10 and number.isascii() and number.isdigit() and number[0] in "6789"
