"""A realistic, reproducible demo database (`wss demo`): build.py builds it; people.py, bills.py and
complaints.py make its rows."""

from __future__ import annotations

from .build import DemoSummary, build
from .people import STAFF_PLAN

__all__ = ["STAFF_PLAN", "DemoSummary", "build"]
