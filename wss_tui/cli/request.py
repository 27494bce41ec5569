"""Placeholder: filled in by its own change."""

from .base import app  # noqa: F401
