"""The files of an import: the extract's bytes counted as they are read (for the progress bar and
its time left), and the reject file beside it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .fields import Bad

REJECT_COLUMNS = ("REJECT_ROW", "REJECT_REASON", "REJECT_DETAIL")


def reject_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


class Counting(io.RawIOBase):
    """The file's bytes, counted as they are read, for the progress bar and its time left."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer) or 0
        self.bytes += n
        return n


class RejectFile:
    """The reject file, created on the first rejected row only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = None
        self.writer = None
        self.header: list[str] = []

    def __enter__(self) -> RejectFile:
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            self.fh.close()

    def write(self, rejected: list[tuple[int, Bad, list[str]]]) -> None:
        if not rejected:
            return
        if self.writer is None:
            self.fh = open(self.path, "w", encoding="utf-8", newline="")
            self.writer = csv.writer(self.fh)
            self.writer.writerow([*REJECT_COLUMNS, *self.header])
        for row, bad, fields in sorted(rejected, key=lambda r: r[0]):
            self.writer.writerow([row, bad.reason, bad.detail, *fields])
        self.fh.flush()
