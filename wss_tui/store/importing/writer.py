"""Writing an import's batches: the upsert compiled once for the database's dialect and run through
the driver (multi-row pages on SQLite, COPY into a staging table on PostgreSQL), and the lookups of a
batch's keys (`select_in`), rendered once per list length."""

from __future__ import annotations

from datetime import date
from itertools import chain

from sqlalchemy import Date, Engine, any_, bindparam, case, column, literal_column, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from ..codes import BillState
from ..errors import Invalid
from ..models import Account, Bill
from .layouts import Layout

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
            conn.exec_driver_sql(self.one_row_sql, rows[whole:])

    def rows(self, columns: dict[str, list]) -> list[tuple]:
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
