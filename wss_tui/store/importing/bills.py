"""Importing account and bill extracts of CC&B and mPower (CSV) into the store.

- Upsert by key (account ID, bill number): running an import again changes nothing it already did.
- Bad rows never stop an import and are never dropped silently: each goes to a reject file beside the
  input (`<name>.rejects.csv`) with its row number, a reason code (`layouts.REASONS`), one line of
  detail, and the row itself, so the file can be corrected and imported in its turn.
- Each batch is one transaction. A killed or interrupted import leaves whole batches behind, never half a
  batch; since every write is an upsert, running the same import again completes it.
- Fast: `INSERT … ON CONFLICT DO UPDATE` built by SQLAlchemy Core (the dialect's own `insert`), run in
  batches: multi-row pages on SQLite; on PostgreSQL the batch is COPYed to a temporary table and
  upserted from it in one statement, while a thread reads and checks the next batch (ahead.py).

An import is an administrator's shell job (docs/architecture.md), like `wss demo`; it acts as whoever holds the
database URL, so there is no staff member to check rights for. It takes the engine rather than a session
because it commits once per batch.

Duplicate keys within one file: the first row is imported and each later one rejected (`duplicate-key`,
naming the first row), since an extract holding one bill twice is broken and nobody can say which copy is
right; the reject file shows both row numbers. Keeping that check costs memory of about 100 bytes per
row of the file (100 MB for 1,000,000 rows).

A bill's status in the extract (CC&B `BILL_STAT_CD`, mPower `BILL_STATUS`: ISSUED, HELD or PAID; empty or
the column left out, ISSUED; anything else rejected as `unknown-state`) is its state when first imported.
Importing a bill again updates its figures, and its state only while it is ISSUED: the extract may say
it has been held or paid since, but what wss-tui made of a bill (DISPUTED by a complaint, HELD by an
officer, REVISED) no extract undoes. A held bill's charges are not on the balance of the accounts
extract (store/revision/hold.py).
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterator, Sequence
from itertools import islice, repeat
from operator import add, mul
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from .. import marks, tariff
from .. import text as text_rule
from ..errors import Invalid
from ..models import Account, Office
from .ahead import read_ahead
from .batch import BatchReader
from .fields import Bad
from .files import Counting, RejectFile, reject_path
from .layouts import LAYOUTS, Layout
from .writer import Writer

KINDS = ("accounts", "bills")
SYSTEMS = ("ccb", "mpower")
BATCH = 5_000
# PostgreSQL: each batch is a round trip for its existing keys, a COPY and one upsert, and the
# upsert's plan and commit cost the same for 5,000 rows as for 50,000: ten times fewer of them.
PG_BATCH = 50_000
ACCOUNT_CACHE = 200_000  # accounts remembered between batches of a bills import (extracts group by account)
SQLITE_CACHE_KB = 256_000  # the importing connection's page cache (a cap): the bill indexes stay in memory


@dataclass
class Progress:
    rows: int = 0  # rows read (imported + rejected), committed
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    bytes_read: int = 0
    bytes_total: int = 0


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    system: str
    file: str
    rows: int
    inserted: int
    updated: int
    rejected: int
    reject_file: str | None
    reject_reasons: dict[str, int]
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def import_file(
    engine: Engine,
    path: Path | str,
    *,
    kind: str,
    system: str,
    batch_size: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ImportSummary:
    """Import one extract; see the module's docstring for what is promised."""
    if kind not in KINDS:
        raise Invalid("kind", f"{kind!r}: import accounts or bills")
    if system not in SYSTEMS:
        raise Invalid("system", f"{system!r} is not known; use ccb or mpower")
    if batch_size is None:
        batch_size = BATCH if engine.dialect.name == "sqlite" else PG_BATCH
    if batch_size < 1:
        raise Invalid("batch", "the batch size must be at least 1")
    path = Path(path)
    if not path.is_file():
        raise Invalid("file", f"no file {path}; give the path of the CSV extract")
    started = time.perf_counter()
    marks.note_import(engine, f"{kind} from {text_rule.visible(path.name)}, {system}")  # real data from now on: `wss demo --reset` asks
    run = _Run(engine, LAYOUTS[(kind, system)], batch_size, progress)
    rejects = reject_path(path)
    rejects.unlink(missing_ok=True)  # a stale reject file would send someone fixing rows already in
    with open(path, "rb", buffering=0) as fh:
        counted = Counting(fh)
        run.state.bytes_total = os.fstat(fh.fileno()).st_size
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark; newline="" as csv wants.
        text = io.TextIOWrapper(io.BufferedReader(counted, 1 << 20), encoding="utf-8-sig", newline="")
        with RejectFile(rejects) as out:
            run.go(text, counted, out)
    return ImportSummary(
        kind=kind,
        system=system,
        file=str(path),
        rows=run.state.rows,
        inserted=run.state.inserted,
        updated=run.state.updated,
        rejected=run.state.rejected,
        reject_file=str(rejects) if run.state.rejected else None,
        reject_reasons=dict(sorted(run.reasons.items())),
        seconds=time.perf_counter() - started,
    )


# --- the import run ----------------------------------------------------------------------------------


class _Run:
    def __init__(self, engine: Engine, layout: Layout, batch_size: int, progress) -> None:
        self.engine = engine.execution_options(wss_write=True)
        self.sqlite = engine.dialect.name == "sqlite"
        self.layout = layout
        self.kind = layout.kind
        self.batch_size = batch_size
        self.progress = progress
        self.state = Progress()
        self.reasons: dict[str, int] = {}
        # Keys imported so far -> the row each came from. A key is held as int(key) * 16 + len(key): a
        # third of the string's memory, and 0012 and 12 still differ.
        self.seen: dict[int, int] = {}
        self.tariffs = frozenset(tariff.schedule())
        self.accounts: dict[str, str] = {}  # account_id -> area, for bills
        self.rated: set[tuple[str, str]] = set()  # (account_id, tariff category) pairs seen to have rates
        with engine.connect() as conn:
            subdivisions = dict(conn.execute(select(Office.code, Office.area).where(Office.level == "subdivision")).all())
        self.writer = Writer(engine, layout)
        self.reader = BatchReader(layout, self.writer.fields, subdivisions, self.tariffs)
        table = self.writer.table
        key = table.c[layout.key]
        fetch = [key, table.c.account_id] if self.kind == "bills" else [key]
        self.existing = select(*fetch).where(self.writer.among(key))
        self.account_areas = select(Account.account_id, Account.area).where(self.writer.among(Account.account_id))

    # -- reading ------------------------------------------------------------------------------------

    def go(self, text, lines: Counting, out: RejectFile) -> None:
        reader = csv.reader(text)
        try:
            self._go(reader, lines, out)
        except UnicodeDecodeError:
            raise Invalid(
                "file",
                "is not UTF-8 text; whole batches before the first undecodable part were imported. "
                "Save the extract as CSV UTF-8 and import it again",
            ) from None
        except csv.Error as exc:
            raise Invalid("file", f"line {reader.line_num} cannot be read as CSV ({exc}); whole batches before it were imported") from None

    def _go(self, reader, lines: Counting, out: RejectFile) -> None:
        header = next(reader, None)
        if header is None:
            raise Invalid("file", "the file is empty; an extract starts with its header row")
        out.header = header
        self.reader.plan(header)
        batches = self._batches(reader, len(header), lines)
        if not self.sqlite:
            # SQLite works inside this process, under the same interpreter lock: nothing to overlap.
            batches = read_ahead(batches)
        for batch in batches:
            self._commit(*batch, out)

    def _batches(self, reader, width: int, lines: Counting) -> Iterator[tuple]:
        """Each batch read and checked field by field (nothing here touches the store): its good rows'
        numbers, their values by column and raw fields, the rows rejected, and the bytes read so far."""
        first = 2  # the row number of the batch's first row: the header is row 1
        # A batch is read whole (islice at C speed): a per-row loop here cost as much as the csv parsing.
        while chunk := list(islice(reader, self.batch_size)):
            rows: Sequence[int] = range(first, first + len(chunk))
            first += len(chunk)
            raws = chunk
            rejected: list[tuple[int, Bad, list[str]]] = []
            if len(chunk[0]) != width or len(set(map(len, chunk))) != 1:
                good_rows: list[int] = []
                raws = []
                for row, fields in zip(rows, chunk):
                    if len(fields) == width:
                        good_rows.append(row)
                        raws.append(fields)
                    elif any(f.strip() for f in fields):  # a blank line (often the last) is not a row
                        rejected.append((row, Bad("bad-row", f"{len(fields)} fields where the header has {width}"), fields))
                rows = good_rows
            rows, columns, raws = self.reader.read(rows, raws, rejected)
            # PostgreSQL: the COPY text of the batch is made here too, in the thread (read_ahead).
            yield rows, columns, raws, rejected, None if self.sqlite or not rows else self.writer.rows(columns), lines.bytes
        if first == 2:
            yield [], {}, [], [], None, lines.bytes  # a header alone: progress once all the same

    # -- one batch, one transaction ---------------------------------------------------------------

    def _commit(self, rows: Sequence[int], columns: dict[str, list], raws: list[list[str]], rejected: list, prepared: list | None, bytes_read: int, out: RejectFile) -> None:
        """One batch in one transaction; `prepared` is its rows as the writer takes them, if made already."""
        inserted = updated = 0
        if rows:
            with self.engine.begin() as conn:
                if self.sqlite:
                    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
                drop: dict[int, Bad] = {}
                if self.kind == "bills":
                    self._check_accounts(conn, columns, drop)
                keys = columns[self.layout.key]
                existing = self._existing(conn, keys)
                if self.kind == "bills" and existing:
                    for i, (key, account) in enumerate(zip(keys, columns["account_id"])):
                        holder = existing.get(key)
                        if holder is not None and holder != account:
                            drop[i] = Bad("other-account", f"bill {key} belongs to account {holder}, not {account}")
                self._check_duplicates(rows, keys, drop)
                if drop:
                    rejected.extend((rows[i], bad, raws[i]) for i, bad in drop.items())
                    keep = [i for i in range(len(rows)) if i not in drop]
                    columns = {f: [values[i] for i in keep] for f, values in columns.items()}
                    keys = columns[self.layout.key]
                    if prepared is not None:
                        prepared = [prepared[i] for i in keep]
                updated = len(existing.keys() & set(keys))
                inserted = len(keys) - updated
                if keys:
                    self.writer.upsert(conn, self.writer.rows(columns) if prepared is None else prepared)
        out.write(rejected)
        s = self.state
        s.rows += inserted + updated + len(rejected)
        s.inserted += inserted
        s.updated += updated
        s.rejected += len(rejected)
        s.bytes_read = bytes_read
        for _, bad, _ in rejected:
            self.reasons[bad.reason] = self.reasons.get(bad.reason, 0) + 1
        if self.progress is not None:
            self.progress(s)

    def _existing(self, conn, keys: list[str]) -> dict:
        """Keys of the batch already in the store (for bills: with the account holding each)."""
        found = self.writer.select_in(conn, self.existing, keys)
        return dict(found) if self.kind == "bills" else dict.fromkeys(key for key, in found)

    def _check_accounts(self, conn, columns: dict[str, list], drop: dict[int, Bad]) -> None:
        """Each bill's account must be in the store, and have rates for the bill's tariff category."""
        accounts = columns["account_id"]
        wanted = set(accounts) - self.accounts.keys()
        if wanted:
            if len(self.accounts) > ACCOUNT_CACHE:
                self.accounts.clear()
                self.rated.clear()
            self.accounts.update(self.writer.select_in(conn, self.account_areas, list(wanted)))
        pairs = set(zip(accounts, columns["tariff_category"])) - self.rated
        if all(f"{category}-{self.accounts.get(account)}" in self.tariffs for account, category in pairs):
            self.rated |= pairs
            return
        for i, (account, category) in enumerate(zip(accounts, columns["tariff_category"])):
            area = self.accounts.get(account)
            if area is None:
                drop[i] = Bad("unknown-account", f"account {account} is not in the store; import the accounts extract first")
            elif f"{category}-{area}" not in self.tariffs:
                drop[i] = Bad("unknown-tariff", f"tariff category {category} has no rates for {area.lower()} areas in data/tariff.toml")

    def _check_duplicates(self, rows: list[int], keys: list[str], drop: dict[int, Bad]) -> None:
        """A key met before in this file (in an earlier batch or earlier in this one) is a duplicate."""
        numbers = list(map(add, map(mul, map(int, keys), repeat(16)), map(len, keys)))  # at C speed
        if not drop and len(set(numbers)) == len(numbers) and self.seen.keys().isdisjoint(numbers):
            self.seen.update(zip(numbers, rows))
            return
        for i, number in enumerate(numbers):
            if i in drop:
                continue
            first = self.seen.get(number)
            if first is not None:
                drop[i] = Bad("duplicate-key", f"{self.layout.key} {keys[i]} was already imported from row {first}")
            else:
                self.seen[number] = rows[i]

