"""Label/value pairs laid out like CC&B's entry pages: two pairs a row, long values on a row of their own.

One widget that draws every pair itself, rather than a Label per label and per value: the To Do Entry
has ~40 of them, and composing, styling and laying out that many widgets was most of the time between
Enter on a row and the page on the terminal. The lines are what the Labels drew: a 14-cell muted
label, then the value wrapped to its column, a cell between the two pairs of a row.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget

from wss_tui.store.text import visible

# (field id, label, whole row?)
Spec = list[tuple[str, str, bool]]

LABEL_WIDTH = 14
GAP = 1  # after the value of a pair that shares its row


def spec_rows(spec: Spec) -> list[list[tuple[str, str, bool]]]:
    """The spec as rows: two pairs a row, a whole-row pair alone."""
    rows: list[list[tuple[str, str, bool]]] = []
    row: list[tuple[str, str, bool]] = []
    for item in spec:
        if item[2]:
            if row:
                rows.append(row)
                row = []
            rows.append([item])
        else:
            row.append(item)
            if len(row) == 2:
                rows.append(row)
                row = []
    if row:
        rows.append(row)
    return rows


class _Fields(Visual):
    """The grid's lines at a given width: each cell rendered and padded as a Label of that width is."""

    def __init__(self, grid: FieldGrid) -> None:
        self.grid = grid

    def _cells(self, width: int) -> list[list[tuple[Content, int, int]]]:
        """Per row: (content, width it wraps to, width it takes with the gap after it) of each cell."""
        rows = []
        for row in self.grid.rows:
            values = len(row)
            room = max(width - values * LABEL_WIDTH - (0 if row[0][2] else values * GAP), values)
            cells = []
            for n, (field_id, label, whole) in enumerate(row):
                value_width = room // values if n < values - 1 else room - (room // values) * (values - 1)
                cells.append((Content.styled(label, ".field-grid--label"), LABEL_WIDTH, LABEL_WIDTH))
                cells.append((self.grid.shown(field_id), value_width, value_width + (0 if whole else GAP)))
            rows.append(cells)
        return rows

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        pad = (style + Style(reverse=False)).rich_style  # what a widget pads its lines with
        strips: list[Strip] = []
        for cells in self._cells(width):
            rendered = [[strip.extend_cell_length(taken, pad) for strip in content.render_strips(wraps, None, style, options)]
                        for content, wraps, taken in cells]
            for y in range(max(len(lines) for lines in rendered)):
                strips.append(Strip.join(lines[y] if y < len(lines) else Strip.blank(taken, pad)
                                         for lines, (_, _, taken) in zip(rendered, cells)))
        return strips[:height] if height is not None else strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return sum(max(content.get_height(rules, wraps) for content, wraps, _ in cells) for cells in self._cells(width))


class FieldGrid(Widget):
    DEFAULT_CSS = """
    FieldGrid { height: auto; padding: 0 1; background: $boost; }
    FieldGrid > .field-grid--label { color: $text-muted; }
    FieldGrid > .field-grid--bold { text-style: bold; }
    """
    COMPONENT_CLASSES = {"field-grid--label", "field-grid--bold"}

    def __init__(self, spec: Spec, *, prefix: str, bold: Iterable[str] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.prefix = prefix  # a field is named "<prefix>-<field id>" (as tests and help text call it)
        self.rows = spec_rows(spec)
        self.bold = frozenset(bold)
        self.values: dict[str, Content] = {}
        self._visual = _Fields(self)

    def shown(self, field_id: str) -> Content:
        value = self.values.get(field_id, Content(""))
        return value.stylize(".field-grid--bold") if field_id in self.bold else value

    def value_of(self, name: str) -> Content | None:
        """The value shown for the field named `<prefix>-<field id>`; None: no such field here."""
        field_id = name.removeprefix(f"{self.prefix}-")
        if field_id == name or all(field_id != item[0] for item in self.spec):
            return None
        return self.values.get(field_id, Content(""))

    def render(self) -> Visual:
        return self._visual

    def set_values(self, values: dict[str, str | Content]) -> None:
        """A `str` is data, shown literally; a `Content` is the screen's own styled text."""
        for field_id, text in values.items():
            self.values[field_id] = text if isinstance(text, Content) else Content(visible(text))
        self._visual = _Fields(self)
        self.refresh(layout=True)
