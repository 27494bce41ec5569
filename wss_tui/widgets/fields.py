"""Label/value pairs laid out like CC&B's entry pages: two pairs a row, long values on a row of their own."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label

from wss_tui.plain import plain

# (field id, label, whole row?)
Spec = list[tuple[str, str, bool]]


class FieldGrid(Vertical):
    DEFAULT_CSS = """
    FieldGrid { height: auto; padding: 0 1; background: $boost; }
    FieldGrid .field-row { height: auto; }
    FieldGrid .field-label { width: 14; color: $text-muted; }
    FieldGrid .field-value { width: 1fr; height: auto; margin-right: 1; }
    FieldGrid .field-value.-whole { margin-right: 0; }
    """

    def __init__(self, spec: Spec, *, prefix: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.prefix = prefix

    def compose(self) -> ComposeResult:
        row: list[tuple[str, str, bool]] = []
        for item in self.spec:
            if item[2]:
                if row:
                    yield self._row(row)
                    row = []
                yield self._row([item])
            else:
                row.append(item)
                if len(row) == 2:
                    yield self._row(row)
                    row = []
        if row:
            yield self._row(row)

    def _row(self, items: list[tuple[str, str, bool]]) -> Horizontal:
        widgets = []
        for field_id, label, whole in items:
            widgets.append(Label(label, classes="field-label"))
            widgets.append(Label("", id=f"{self.prefix}-{field_id}", markup=False,
                                 classes="field-value" + (" -whole" if whole else "")))
        return Horizontal(*widgets, classes="field-row")

    def set_values(self, values: dict[str, str | Content]) -> None:
        """A `str` is data, shown literally; a `Content` is the screen's own styled text."""
        for field_id, text in values.items():
            self.query_one(f"#{self.prefix}-{field_id}", Label).update(text if isinstance(text, Content) else plain(text))
