"""Importing CC&B and mPower account and bill extracts (documented in docs/import-formats.md).

    bills.py    import_file(engine, path, kind=, system=, batch_size=, progress=) -> ImportSummary:
                the run, one transaction per batch, and the checks that need the store
    batch.py    a batch of rows read into the store's values, bad rows rejected with their reason
    writer.py   the upsert compiled once per dialect, and the lookups of a batch's keys
    files.py    the extract's bytes counted as read; the reject file beside it
    ahead.py    the next batch read in a thread while PostgreSQL works on this one
    layouts.py  which column of each extract is which field; fields.py how each field is read
"""

from __future__ import annotations

from .bills import KINDS, SYSTEMS, ImportSummary, Progress, import_file
from .fields import REASONS
from .files import reject_path
from .layouts import LAYOUTS

__all__ = ["KINDS", "LAYOUTS", "REASONS", "SYSTEMS", "ImportSummary", "Progress", "import_file", "reject_path"]
