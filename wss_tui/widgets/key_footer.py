"""The footer of every screen: the screen's keys in the order its BINDINGS give, whole or not at all.

At 80 columns not every key fits on one line. Textual's Footer cuts the last one in half (`v Revision
n`); this one shows each key entirely or leaves it out, so the order of a screen's BINDINGS decides what
a clerk sees first, and `?` (always first) lists the rest.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def key_width(key: FooterKey) -> int:
    """Cells a compact footer key takes: `k Description`, then its one-cell margin."""
    width = cell_len(key.key_display)
    if key.description:
        width += 1 + cell_len(key.description)
    return width + 1


class KeyFooter(Footer):
    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, show_command_palette=False, **kwargs)

    def compose(self):
        yield from super().compose()
        self.call_after_refresh(self.fit)

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        room = self.size.width + 1  # the last key's margin may fall off the edge
        used = 0
        fits = True
        for key in self.query(FooterKey):
            used += key_width(key)
            fits = fits and used <= room  # in order: a later, shorter key never jumps the queue
            key.display = fits
