"""The key that lists every other key: F1 always, `?` whenever it is not being typed.

`?` is typed, not taken, in a password field (a password may start with it) and in a field that
already holds text (a reason may end in a question); in an empty field nobody means it as text (no
account, ID, date or reading starts with `?`), so there, as everywhere else, it opens the key list.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input, TextArea

HELP_BINDING = Binding(
    "f1", "app.help", "Help", key_display="?", priority=True,
    tooltip="This list (also F1, which works while typing)",
)


def typing_into(widget) -> bool:
    """Whether a `?` pressed now belongs to the text of the focused field."""
    if isinstance(widget, Input):
        return widget.password or bool(widget.value)
    if isinstance(widget, TextArea):
        return bool(widget.text)
    return False


def help_wanted(app) -> bool:
    from textual.command import CommandPalette

    return not isinstance(app.screen, CommandPalette) and not typing_into(app.focused)
