"""Writing an import's batches: the upsert compiled once for the database's dialect and run through
the driver (multi-row pages on SQLite, COPY into a staging table on PostgreSQL), and the lookups of a
batch's keys (`select_in`), rendered once per list length."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import chain

from sqlalchemy import Date, Engine, any_, bindparam, case, column, literal_column, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

from ..codes import BillState
from ..errors import Invalid
from ..models import Account, Bill
from .layouts import Layout

TEMP_BUFFERS = "64MB"  # PostgreSQL: a batch's staging table in memory (see _size_temp_buffers)
PAGE = 500  # rows per multi-row INSERT on SQLite: 500 x 20 columns stays under its 32,766 parameters
TABLES = {"accounts": Account.__table__, "bills": Bill.__table__}
NEVER_UPDATED = {"bills": {"bill_no", "state"}, "accounts": {"account_id"}}
ISSUED = BillState.ISSUED


class Writer:
    def __init__(self, engine: Engine, layout: Layout) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.layout = layout
        self.kind = layout.kind
        self.table = TABLES[self.kind]
        self.fields, self.one_row_sql = self._statements()
        self.dates = [c.name for c in self.table.columns if isinstance(c.type, Date) and c.name in self.fields]
        self.in_sql: dict[tuple[int, int], str] = {}
        self.iso: dict[date, str] = {}

    def _statements(self) -> tuple[list[str], str]:
        """`INSERT … ON CONFLICT (key) DO UPDATE`, built by SQLAlchemy Core for this database's dialect
        and compiled once, with positional parameters, to the driver's SQL: one statement for a page of
        PAGE rows (multi-row VALUES, SQLite only), and the one-row statement for executemany.

        Rows go to the driver through `exec_driver_sql` as tuples: Core's `conn.execute(stmt, rows)`
        builds and type-processes every row's parameters in Python again, which measured at three times
        the cost of the INSERTs themselves (bench/import_bills.py). The values are driver-ready already
        (`rows`). Returns the field order of a row and the one-row SQL."""
        dialect = self.engine.dialect
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect.name)
        if insert is None:
            raise Invalid("db", f"imports run on SQLite or PostgreSQL, not {dialect.name}")
        fields = [c.field for c in self.layout.columns]
        if self.kind == "accounts":
            fields += ["system", "area"] + (["payoff_balance_paise"] if "payoff_balance_paise" not in fields else [])
        elif "state" not in fields:
            fields.append("state")
        self.positional = type(dialect)(paramstyle="qmark" if self.sqlite else "format")

        def compiled(rows: int):
            stmt = insert(self.table).values([dict.fromkeys(fields) for _ in range(rows)])
            update = self._update(stmt, fields)
            return stmt.on_conflict_do_update(index_elements=[self.layout.key], set_=update).compile(dialect=self.positional)

        one = compiled(1)
        order = [name.removesuffix("_m0") for name in one.positiontup]
        if sorted(order) != sorted(fields):  # every column of the row is ours: no default slipped in
            raise AssertionError(f"upsert binds {order}, expected {fields}")
        if self.sqlite:
            # Multi-row pages: 45% less time than executemany of the one-row statement. The page is the
            # one-row statement with its VALUES group repeated (compiling PAGE rows through Core took 0.6 s).
            one_sql = str(one)
            group = "(" + ", ".join("?" * len(order)) + ")"
            if one_sql.count(group) != 1 or one_sql.count("?") != len(order):
                raise AssertionError(f"cannot page the upsert {one_sql}")
            self.page_sql = one_sql.replace(group, ", ".join([group] * PAGE))
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
            self.staged_sql = f"SELECT to_regclass('pg_temp.{name}')"
            staging = table(name, *(column(f) for f in order))
            stmt = insert(self.table).from_select(order, select(*(staging.c[f] for f in order)))
            update = self._update(stmt, order)
            self.from_staging_sql = str(stmt.on_conflict_do_update(index_elements=[self.layout.key], set_=update).compile(dialect=dialect))
        return order, str(one)

    def _update(self, stmt, fields: list[str]) -> dict:
        """What a row already held takes from the extract: every field but the key, and a bill's state
        only while it is ISSUED (the extract may say it is held or paid since; what wss-tui made of a
        bill — disputed, held by an officer, revised — no extract undoes)."""
        update = {f: stmt.excluded[f] for f in fields if f not in NEVER_UPDATED[self.kind]}
        if self.kind == "bills":
            state = self.table.c.state
            # A literal, not a parameter: the compiled statement's parameters are the row's values alone.
            update["state"] = case((state == literal_column(f"'{ISSUED}'"), stmt.excluded.state), else_=state)
        return update

    def upsert(self, conn, rows: list[tuple]) -> None:
        if not self.sqlite:
            if conn.exec_driver_sql(self.staged_sql).scalar() is None:
                self._size_temp_buffers(conn)
            conn.exec_driver_sql(self.staging_sql)
            with conn.connection.driver_connection.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                copy.write("\n".join(rows) + "\n")  # the lines of `rows`
            conn.exec_driver_sql(self.from_staging_sql)
            return
        whole = len(rows) - len(rows) % PAGE
        for start in range(0, whole, PAGE):
            conn.exec_driver_sql(self.page_sql, tuple(chain.from_iterable(rows[start : start + PAGE])))
        if whole < len(rows):
            conn.exec_driver_sql(self.one_row_sql, rows[whole:])

    def _size_temp_buffers(self, conn) -> None:
        """Room for a whole batch in the session's buffers for temporary tables: at the default 8 MB a
        batch of 50,000 bills (12 MB) spilled to disk, and its COPY took 40% longer. PostgreSQL takes
        the setting only before the session's first temporary table; a session that has used one keeps
        its size (the savepoint keeps the batch's transaction alive)."""
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f"SET temp_buffers = '{TEMP_BUFFERS}'")
        except DBAPIError:
            pass

    def rows(self, columns: dict[str, list]) -> list:
        """The batch as the driver takes it: on SQLite a tuple of values per row, its dates as ISO text
        (as SQLAlchemy keeps them); on PostgreSQL a line of COPY text per row, made column by column at C
        speed (psycopg's `write_row` formatted each value in turn: a third of the batch's COPY)."""
        values = [self._iso(columns[f]) if f in self.dates else columns[f] for f in self.fields]
        if self.sqlite:
            return list(zip(*values))
        return list(map("\t".join, zip(*map(_copy_text, values))))

    def _iso(self, dates: Sequence[date]) -> list[str]:
        iso = self.iso
        try:
            return list(map(iso.__getitem__, dates))
        except KeyError:
            iso.update((d, d.isoformat()) for d in set(dates) if len(iso) < 100_000)
            return [iso.get(d) or d.isoformat() for d in dates]

    def among(self, key):
        """`key` is one of the "values": an IN list on SQLite, `= ANY(array)` on PostgreSQL, whose
        driver would otherwise parse a statement of thousands of placeholders on every batch."""
        if self.sqlite:
            return key.in_(bindparam("values", expanding=True))
        return key == any_(bindparam("values", type_=ARRAY(key.type)))

    def select_in(self, conn, stmt, values: list[str]) -> list:
        """Rows of `stmt` (a select `among` the "values") for these values. The SQL for a list of each
        length is rendered once: SQLAlchemy would render thousands of bind names again for every batch,
        which cost as much as reading all the rows."""
        cache_key = (id(stmt), len(values) if self.sqlite else 0)
        sql = self.in_sql.get(cache_key)
        if sql is None:
            compiled = stmt.params(values=values).compile(dialect=self.positional, compile_kwargs={"render_postcompile": True})
            sql = self.in_sql[cache_key] = str(compiled)
        if self.sqlite:
            return conn.exec_driver_sql(sql, tuple(values)).all()
        # Keys are digits (fields.Digits): the array goes as one text literal, where psycopg would dump a
        # list of 50,000 strings element by element in Python (0.3 s a batch).
        literal = "{" + ",".join(values) + "}"
        return conn.exec_driver_sql(sql, (literal if literal[1:-1].replace(",", "").isdigit() else list(values),)).all()


_ESCAPED = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(values: Sequence) -> list[str]:
    """A column as COPY's text format spells it: str() of each value (dates arrive as ISO text), the
    backslash, tab, newline and carriage return escaped, and None as \\N."""
    texts = list(map(str, values))
    joined = "".join(texts)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        texts = [t.translate(_ESCAPED) for t in texts]
    if None in values:
        texts = ["\\N" if v is None else t for v, t in zip(values, texts)]
    return texts
