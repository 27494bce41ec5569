"""Importing account and bill extracts of CC&B and mPower (CSV) into the store.

- Upsert by key (account ID, bill number): running an import again changes nothing it already did.
- Bad rows never stop an import and are never dropped silently: each goes to a reject file beside the
  input (`<name>.rejects.csv`) with its row number, a reason code (`layouts.REASONS`), one line of
  detail, and the row itself, so the file can be corrected and imported in its turn.
- Each batch is one transaction. A killed or interrupted import leaves whole batches behind, never half a
  batch; since every write is an upsert, running the same import again completes it.
- Fast: `INSERT … ON CONFLICT DO UPDATE` built by SQLAlchemy Core (the dialect's own `insert`), run in
  batches: multi-row pages on SQLite; on PostgreSQL the batch is COPYed to a temporary table and
  upserted from it in one statement.

An import is an administrator's shell job (DESIGN.md), like `wss demo`; it acts as whoever holds the
database URL, so there is no staff member to check rights for. It takes the engine rather than a session
because it commits once per batch.

Duplicate keys within one file: the first row is imported and each later one rejected (`duplicate-key`,
naming the first row), since an extract holding one bill twice is broken and nobody can say which copy is
right; the reject file shows both row numbers. Keeping that check costs memory of about 100 bytes per
row of the file (100 MB for 1,000,000 rows).

A bill's `state` (ISSUED, DISPUTED, REVISED) belongs to wss-tui, not to the billing system: importing a
bill again updates its figures and never its state.
"""

from __future__ import annotations

import csv
import io
import operator
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from pathlib import Path

from sqlalchemy import Date, Engine, any_, bindparam, column, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from .. import marks, tariff
from .. import text as text_rule
from ..errors import Invalid
from ..models import Account, Bill, Office
from .layouts import AREA_OF, LAYOUTS, SYSTEM_OF, Bad, Column, Layout

KINDS = ("accounts", "bills")
SYSTEMS = ("ccb", "mpower")
BATCH = 5_000
PAGE = 500  # rows per multi-row INSERT on SQLite: 500 x 20 columns stays under its 32,766 parameters
ACCOUNT_CACHE = 200_000  # accounts remembered between batches of a bills import (extracts group by account)
SQLITE_CACHE_KB = 256_000  # the importing connection's page cache (a cap): the bill indexes stay in memory
REJECT_COLUMNS = ("REJECT_ROW", "REJECT_REASON", "REJECT_DETAIL")
TABLES = {"accounts": Account.__table__, "bills": Bill.__table__}
NEVER_UPDATED = {"bills": {"bill_no", "state"}, "accounts": {"account_id"}}


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


def reject_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


def import_file(
    engine: Engine,
    path: Path | str,
    *,
    kind: str,
    system: str,
    batch_size: int = BATCH,
    progress: Callable[[Progress], None] | None = None,
) -> ImportSummary:
    """Import one extract; see the module's docstring for what is promised."""
    if kind not in KINDS:
        raise Invalid("kind", f"{kind!r}: import accounts or bills")
    if system not in SYSTEMS:
        raise Invalid("system", f"{system!r} is not known; use ccb or mpower")
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
        counted = _Counting(fh)
        run.state.bytes_total = os.fstat(fh.fileno()).st_size
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark; newline="" as csv wants.
        text = io.TextIOWrapper(io.BufferedReader(counted, 1 << 20), encoding="utf-8-sig", newline="")
        with _RejectFile(rejects) as out:
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


# --- reading the file ---------------------------------------------------------------------------------


class _Counting(io.RawIOBase):
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


class _RejectFile:
    """The reject file, created on the first rejected row only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = None
        self.writer = None
        self.header: list[str] = []

    def __enter__(self) -> _RejectFile:
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


# --- the import run -----------------------------------------------------------------------------------


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
        self.table = TABLES[self.kind]
        self.tariffs = frozenset(tariff.schedule())
        self.accounts: dict[str, str] = {}  # account_id -> area, for bills
        with engine.connect() as conn:
            self.subdivisions = dict(conn.execute(select(Office.code, Office.area).where(Office.level == "subdivision")).all())
        self.fields, self.upsert = self._upsert_statement()
        self.dates = [c.name for c in self.table.columns if isinstance(c.type, Date) and c.name in self.fields]
        key = self.table.c[layout.key]
        fetch = [key, self.table.c.account_id] if self.kind == "bills" else [key]
        self.existing = select(*fetch).where(self._among(key))
        self.account_areas = select(Account.account_id, Account.area).where(self._among(Account.account_id))
        self.in_sql: dict[tuple[int, int], str] = {}
        self.iso: dict[date, str] = {}

    def _upsert_statement(self) -> tuple[list[str], str]:
        """`INSERT … ON CONFLICT (key) DO UPDATE`, built by SQLAlchemy Core for this database's dialect
        and compiled once, with positional parameters, to the driver's SQL: one statement for a page of
        PAGE rows (multi-row VALUES, SQLite only), and the one-row statement for executemany.

        Rows go to the driver through `exec_driver_sql` as tuples: Core's `conn.execute(stmt, rows)`
        builds and type-processes every row's parameters in Python again, which measured at three times
        the cost of the INSERTs themselves (bench/import_bills.py). The values are driver-ready already
        (`_params`). Returns the field order of a row and the one-row SQL."""
        dialect = self.engine.dialect
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect.name)
        if insert is None:
            raise Invalid("db", f"imports run on SQLite or PostgreSQL, not {dialect.name}")
        fields = [c.field for c in self.layout.columns]
        if self.kind == "accounts":
            fields += ["system", "area"] + (["payoff_balance_paise"] if "payoff_balance_paise" not in fields else [])
        else:
            fields.append("state")
        self.positional = type(dialect)(paramstyle="qmark" if self.sqlite else "format")

        def compiled(rows: int):
            stmt = insert(self.table).values([dict.fromkeys(fields) for _ in range(rows)])
            update = {f: stmt.excluded[f] for f in fields if f not in NEVER_UPDATED[self.kind]}
            return stmt.on_conflict_do_update(index_elements=[self.layout.key], set_=update).compile(dialect=self.positional)

        one = compiled(1)
        order = [name.removesuffix("_m0") for name in one.positiontup]
        if sorted(order) != sorted(fields):  # every column of the row is ours: no default slipped in
            raise AssertionError(f"upsert binds {order}, expected {fields}")
        if self.sqlite:
            # Multi-row pages: 45% less time than executemany of the one-row statement.
            self.page_sql = str(compiled(PAGE))
        else:
            # COPY the batch into a temporary table, then one INSERT … SELECT … ON CONFLICT from it.
            # psycopg writes COPY rows in C; the arrays of an unnest(…) statement it dumps in Python,
            # and that took a third of the import (bench/import_bills.py). ON COMMIT DELETE ROWS: each
            # batch's transaction leaves the table empty for the next.
            name = f"wss_import_{self.kind}"
            quoted = ", ".join(dialect.identifier_preparer.quote(f) for f in order)
            self.staging_sql = (
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ON COMMIT DELETE ROWS AS "
                f"SELECT {quoted} FROM {dialect.identifier_preparer.format_table(self.table)} WITH NO DATA"
            )
            self.copy_sql = f"COPY {name} ({quoted}) FROM STDIN"
            staging = table(name, *(column(f) for f in order))
            stmt = insert(self.table).from_select(order, select(*(staging.c[f] for f in order)))
            update = {f: stmt.excluded[f] for f in order if f not in NEVER_UPDATED[self.kind]}
            self.from_staging_sql = str(stmt.on_conflict_do_update(index_elements=[self.layout.key], set_=update).compile(dialect=dialect))
        return order, str(one)

    # -- reading ------------------------------------------------------------------------------------

    def go(self, text, lines: _Counting, out: _RejectFile) -> None:
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

    def _go(self, reader, lines: _Counting, out: _RejectFile) -> None:
        header = next(reader, None)
        if header is None:
            raise Invalid("file", "the file is empty; an extract starts with its header row")
        out.header = header
        self.plan = self._plan(header)
        width = len(header)
        rows: list[int] = []
        raws: list[list[str]] = []
        rejected: list[tuple[int, Bad, list[str]]] = []
        for row, fields in enumerate(reader, start=2):
            if len(fields) == width:
                rows.append(row)
                raws.append(fields)
            elif any(f.strip() for f in fields):  # a blank line (often the last) is not a row
                rejected.append((row, Bad("bad-row", f"{len(fields)} fields where the header has {width}"), fields))
            if len(raws) + len(rejected) >= self.batch_size:
                self._commit(rows, raws, rejected, lines, out)
                rows, raws, rejected = [], [], []
        self._commit(rows, raws, rejected, lines, out)

    def _plan(self, header: list[str]) -> list[tuple[int, Column]]:
        where: dict[str, int] = {}
        for i, name in enumerate(header):
            name = name.strip().upper()
            if name in where:
                raise Invalid("file", f"column {name} appears twice in the header")
            where[name] = i
        missing = [c.header for c in self.layout.columns if c.header not in where]
        if missing:
            label = {"ccb": "CC&B", "mpower": "mPower"}[self.layout.system]
            raise Invalid(
                "file",
                f"no column {', '.join(missing)} in the header: not a {label} {self.kind} extract? "
                "See docs/import-formats.md, or give the right --system",
            )
        return [(where[c.header], c) for c in self.layout.columns]

    def _read(self, rows: list[int], raws: list[list[str]], rejected: list) -> tuple[list[int], dict[str, list], list[list[str]]]:
        """The batch as columns of store values, with its good rows' numbers and raw fields."""
        if not raws:
            return [], {}, []
        try:
            return rows, self._read_columns(raws), raws
        except Bad:
            pass
        kept_rows, kept_raws, values = [], [], []
        for row, fields in zip(rows, raws):
            try:
                values.append(self._read_row(fields))
            except Bad as bad:
                rejected.append((row, bad, fields))
                continue
            kept_rows.append(row)
            kept_raws.append(fields)
        return kept_rows, {f: [v[f] for v in values] for f in self.fields}, kept_raws

    def _read_columns(self, raws: list[list[str]]) -> dict[str, list]:
        """The fast path: every column of the batch at once; Bad if any row has anything wrong."""
        transposed = list(zip(*raws))
        stripped = {i: list(map(str.strip, transposed[i])) for i, _ in self.plan}
        if any(text_rule.has_refused("".join(values)) for values in stripped.values()):
            raise Bad("control-character", "")
        columns = {col.field: col.read_all(stripped[i]) for i, col in self.plan}
        n = len(raws)
        if self.kind == "bills":
            if any(map(operator.lt, columns["period_to"], columns["period_from"])) or any(map(operator.lt, columns["due_date"], columns["bill_date"])):
                raise Bad("bad-date", "")
            columns["state"] = ["ISSUED"] * n
            return columns
        areas = list(map(self.subdivisions.get, columns["subdivision_code"]))
        if set(areas) != {AREA_OF[self.layout.system]}:
            raise Bad("unknown-subdivision", "")
        if any(f"{category}-{area}" not in self.tariffs for category, area in set(zip(columns["tariff_category"], areas))):
            raise Bad("unknown-tariff", "")
        columns["system"] = [SYSTEM_OF[self.layout.system]] * n
        columns["area"] = areas
        columns.setdefault("payoff_balance_paise", columns["current_balance_paise"])
        return columns

    def _read_row(self, fields: list[str]) -> dict:
        """The slow path, for a batch holding a bad row: one row, with the exact reason it is bad."""
        values: dict = {"state": "ISSUED"} if self.kind == "bills" else {}
        for i, col in self.plan:
            raw = fields[i].strip()
            refused = text_rule.first_refused(raw)  # no imported field has lines: each shows on one
            if refused:
                # Not the value itself: it is in the reject file's row, and would act on this terminal.
                raise Bad("control-character", f"{col.header} has the control character {refused}; correct it in the extract")
            try:
                if raw:
                    values[col.field] = col.read.one(raw)
                elif col.required:
                    raise Bad("missing-value", "is empty")
                else:
                    values[col.field] = col.default
            except Bad as bad:
                shown = f" {raw!r}" if raw else ""
                raise Bad(bad.reason, f"{col.header}{shown} {bad.detail}") from None
        if self.kind == "accounts":
            self._check_account(values)
        else:
            self._check_bill(values)
        return values

    # -- the checks across fields -------------------------------------------------------------------

    def _check_account(self, v: dict) -> None:
        system = self.layout.system
        code = v["subdivision_code"]
        area = self.subdivisions.get(code, "")
        if code not in self.subdivisions:
            raise Bad("unknown-subdivision", f"sub-division code {code!r} is not a sub-division in data/offices.toml")
        if area != AREA_OF[system]:
            other = "mPower (rural)" if area == "RURAL" else "CC&B (urban)"
            raise Bad("wrong-system", f"sub-division {code} is billed in {other}, not in this extract's system")
        if f"{v['tariff_category']}-{area}" not in self.tariffs:
            raise Bad("unknown-tariff", f"tariff category {v['tariff_category']} has no rates for {area.lower()} areas in data/tariff.toml")
        v["system"] = SYSTEM_OF[system]
        v["area"] = area
        v.setdefault("payoff_balance_paise", v["current_balance_paise"])

    def _check_bill(self, v: dict) -> None:
        if v["period_to"] < v["period_from"]:
            raise Bad("bad-date", f"the billing period ends ({v['period_to']}) before it starts ({v['period_from']})")
        if v["due_date"] < v["bill_date"]:
            raise Bad("bad-date", f"due date {v['due_date']} is before the bill date {v['bill_date']}")

    # -- one batch, one transaction ---------------------------------------------------------------

    def _commit(self, rows: list[int], raws: list[list[str]], rejected: list, lines: _Counting, out: _RejectFile) -> None:
        rows, columns, raws = self._read(rows, raws, rejected)
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
                updated = len(existing.keys() & set(keys))
                inserted = len(keys) - updated
                if keys:
                    self._upsert(conn, self._params(columns))
        out.write(rejected)
        s = self.state
        s.rows += inserted + updated + len(rejected)
        s.inserted += inserted
        s.updated += updated
        s.rejected += len(rejected)
        s.bytes_read = lines.bytes
        for _, bad, _ in rejected:
            self.reasons[bad.reason] = self.reasons.get(bad.reason, 0) + 1
        if self.progress is not None:
            self.progress(s)

    def _existing(self, conn, keys: list[str]) -> dict:
        """Keys of the batch already in the store (for bills: with the account holding each)."""
        found = self._select_in(conn, self.existing, keys)
        return dict(found) if self.kind == "bills" else dict.fromkeys(key for key, in found)

    def _check_accounts(self, conn, columns: dict[str, list], drop: dict[int, Bad]) -> None:
        """Each bill's account must be in the store, and have rates for the bill's tariff category."""
        accounts = columns["account_id"]
        wanted = set(accounts) - self.accounts.keys()
        if wanted:
            if len(self.accounts) > ACCOUNT_CACHE:
                self.accounts.clear()
            self.accounts.update(self._select_in(conn, self.account_areas, list(wanted)))
        pairs = set(zip(accounts, columns["tariff_category"]))
        if all(f"{category}-{self.accounts.get(account)}" in self.tariffs for account, category in pairs):
            return
        for i, (account, category) in enumerate(zip(accounts, columns["tariff_category"])):
            area = self.accounts.get(account)
            if area is None:
                drop[i] = Bad("unknown-account", f"account {account} is not in the store; import the accounts extract first")
            elif f"{category}-{area}" not in self.tariffs:
                drop[i] = Bad("unknown-tariff", f"tariff category {category} has no rates for {area.lower()} areas in data/tariff.toml")

    def _check_duplicates(self, rows: list[int], keys: list[str], drop: dict[int, Bad]) -> None:
        """A key met before in this file (in an earlier batch or earlier in this one) is a duplicate."""
        numbers = [int(key) * 16 + len(key) for key in keys]
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

    def _upsert(self, conn, rows: list[tuple]) -> None:
        if not self.sqlite:
            conn.exec_driver_sql(self.staging_sql)
            with conn.connection.driver_connection.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            conn.exec_driver_sql(self.from_staging_sql)
            return
        whole = len(rows) - len(rows) % PAGE
        for start in range(0, whole, PAGE):
            conn.exec_driver_sql(self.page_sql, tuple(chain.from_iterable(rows[start : start + PAGE])))
        if whole < len(rows):
            conn.exec_driver_sql(self.upsert, rows[whole:])

    def _params(self, columns: dict[str, list]) -> list[tuple]:
        if self.sqlite:
            # SQLAlchemy keeps SQLite dates as ISO text; psycopg takes date objects as they are.
            iso = self.iso
            for f in self.dates:
                try:
                    columns[f] = list(map(iso.__getitem__, columns[f]))
                except KeyError:
                    iso.update((d, d.isoformat()) for d in set(columns[f]) if len(iso) < 100_000)
                    columns[f] = [iso.get(d) or d.isoformat() for d in columns[f]]
        return list(zip(*(columns[f] for f in self.fields)))

    def _among(self, key):
        """`key` is one of the "values": an IN list on SQLite, `= ANY(array)` on PostgreSQL, whose
        driver would otherwise parse a statement of thousands of placeholders on every batch."""
        if self.sqlite:
            return key.in_(bindparam("values", expanding=True))
        return key == any_(bindparam("values", type_=ARRAY(key.type)))

    def _select_in(self, conn, stmt, values: list[str]) -> list:
        """Rows of `stmt` (a select `_among` the "values") for these values. The SQL for a list of each
        length is rendered once: SQLAlchemy would render thousands of bind names again for every batch,
        which cost as much as reading all the rows."""
        cache_key = (id(stmt), len(values) if self.sqlite else 0)
        sql = self.in_sql.get(cache_key)
        if sql is None:
            compiled = stmt.params(values=values).compile(dialect=self.positional, compile_kwargs={"render_postcompile": True})
            sql = self.in_sql[cache_key] = str(compiled)
        return conn.exec_driver_sql(sql, tuple(values) if self.sqlite else (values,)).all()

