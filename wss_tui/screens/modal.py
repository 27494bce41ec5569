"""What every dialog shares (confirmations, forms, the key list, the lock): its own footer.

A ModalScreen has no footer of its own, so the screen underneath kept showing its keys (`t Take`,
`f Forward` …) while a dialog was open, keys that do nothing then. Each dialog here draws a KeyFooter
of its own over that one, listing the keys that work now: the dialog's, in its BINDINGS order.

Dialogs define `compose_dialog` (the box); `compose` adds the footer, once for all of them.
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.screen import ModalScreen

from wss_tui.widgets.key_footer import KeyFooter

R = TypeVar("R")


class DialogScreen(ModalScreen[R]):
    CSS_PATH = "dialogs.tcss"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # A dialog that composed itself would lose the footer and show the keys underneath again.
        assert "compose" not in cls.__dict__, f"{cls.__name__}: define compose_dialog, not compose"

    def compose(self) -> ComposeResult:
        yield from self.compose_dialog()
        yield KeyFooter()

    def compose_dialog(self) -> ComposeResult:
        yield from ()
