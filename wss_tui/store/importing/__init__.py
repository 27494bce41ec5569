"""Importing CC&B and mPower account and bill extracts (`bills.py`; the files' layouts in `layouts.py`,
documented in docs/import-formats.md)."""

from __future__ import annotations

from .bills import KINDS, SYSTEMS, ImportSummary, Progress, import_file, reject_path
from .layouts import LAYOUTS, REASONS

__all__ = ["KINDS", "LAYOUTS", "REASONS", "SYSTEMS", "ImportSummary", "Progress", "import_file", "reject_path"]
