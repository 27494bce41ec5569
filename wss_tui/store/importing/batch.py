"""Reading a batch of an extract's rows into the store's values, and rejecting the bad rows with the
exact reason each is bad.

A batch is read column by column first (`Column.read_all`, at C speed where every value has the common
shape); only a batch holding a bad value is read again row by row, to reject exactly its bad rows. The
checks across fields (sub-division, system, tariff, dates in order) are made here too; those that need
the store (the bill's account, keys already held) are the run's (bills.py).
"""

from __future__ import annotations

import operator
from operator import itemgetter

from .. import text as text_rule
from ..codes import Area
from ..errors import Invalid
from .fields import Bad
from .layouts import AREA_OF, SYSTEM_OF, Layout


class BatchReader:
    def __init__(self, layout: Layout, fields: list[str], subdivisions: dict[str, str], tariffs: frozenset[str]) -> None:
        self.layout = layout
        self.kind = layout.kind
        self.fields = fields  # the order of the upsert's values
        self.subdivisions = subdivisions  # code -> area
        self.tariffs = tariffs
        self.columns: list = []  # (index in the row, Column), once the header is read
        self.absent: list = []  # the layout's columns the header leaves out (Column.may_be_absent)

    def plan(self, header: list[str]) -> None:
        where: dict[str, int] = {}
        for i, name in enumerate(header):
            name = name.strip().upper()
            if name in where:
                raise Invalid("file", f"column {name} appears twice in the header")
            where[name] = i
        missing = [c.header for c in self.layout.columns if c.header not in where and not c.may_be_absent]
        if missing:
            label = {"ccb": "CC&B", "mpower": "mPower"}[self.layout.system]
            raise Invalid(
                "file",
                f"no column {', '.join(missing)} in the header: not a {label} {self.kind} extract? "
                "See docs/import-formats.md, or give the right --system",
            )
        self.columns = [(where[c.header], c) for c in self.layout.columns if c.header in where]
        self.absent = [c for c in self.layout.columns if c.header not in where]  # each row takes its default

    def read(self, rows: list[int], raws: list[list[str]], rejected: list) -> tuple[list[int], dict[str, list], list[list[str]]]:
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
        # Only the layout's columns, each taken out of the rows at C speed (zip(*raws) made them all).
        columns = {col.field: col.read_all(_stripped(list(map(itemgetter(i), raws)))) for i, col in self.columns}
        n = len(raws)
        if self.kind == "bills":
            if any(map(operator.lt, columns["period_to"], columns["period_from"])) or any(map(operator.lt, columns["due_date"], columns["bill_date"])):
                raise Bad("bad-date", "")
            for col in self.absent:
                columns[col.field] = [col.default] * n
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
        values: dict = {col.field: col.default for col in self.absent}
        for i, col in self.columns:
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
            other = "mPower (rural)" if area == Area.RURAL else "CC&B (urban)"
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


def _stripped(values: list[str]) -> list[str]:
    """A column's values stripped of spaces, Bad if one holds a refused character. Most columns hold
    neither (IDs, figures, dates): one `isprintable` scan of the column shows it (control, format and
    separator characters other than the space are not printable), and the values are taken as they are."""
    joined = "".join(values)
    if " " not in joined and joined.isprintable():
        return values
    stripped = list(map(str.strip, values))
    if text_rule.has_refused("".join(stripped)):
        raise Bad("control-character", "")
    return stripped
