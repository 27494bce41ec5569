"""The one way text from data reaches a screen or the CLI's Rich output: as `rich.text.Text`, never
parsed as markup (a `[@click=…]` in a log entry would otherwise run an App action when clicked), with
any terminal control character shown as a visible mark (store/text.py)."""

from __future__ import annotations

from rich.text import Text

from .store.text import visible


def plain(value: object, style: str = "", *, multiline: bool = True, justify=None, no_wrap: bool | None = None) -> Text:
    """`value` (anything; None is empty) as literal text in `style`."""
    return Text(visible(value, multiline=multiline), style=style, justify=justify, no_wrap=no_wrap)
