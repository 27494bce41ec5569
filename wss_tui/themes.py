"""The names `wss tui --theme` takes: ours, and the themes Textual ships (its 8.2 set, which
tests/test_cli_current.py keeps equal to textual.theme.BUILTIN_THEMES). Listed here rather than read
from Textual so that `wss` starts, and shows its help, without importing Textual."""

from __future__ import annotations

from enum import StrEnum


class ThemeName(StrEnum):
    DEFAULT = "default"
    HIGH_CONTRAST = "high-contrast"
    TEXTUAL_DARK = "textual-dark"
    TEXTUAL_LIGHT = "textual-light"
    NORD = "nord"
    GRUVBOX = "gruvbox"
    CATPPUCCIN_MOCHA = "catppuccin-mocha"
    DRACULA = "dracula"
    TOKYO_NIGHT = "tokyo-night"
    MONOKAI = "monokai"
    FLEXOKI = "flexoki"
    CATPPUCCIN_LATTE = "catppuccin-latte"
    CATPPUCCIN_FRAPPE = "catppuccin-frappe"
    CATPPUCCIN_MACCHIATO = "catppuccin-macchiato"
    SOLARIZED_LIGHT = "solarized-light"
    SOLARIZED_DARK = "solarized-dark"
    ROSE_PINE = "rose-pine"
    ROSE_PINE_MOON = "rose-pine-moon"
    ROSE_PINE_DAWN = "rose-pine-dawn"
    ATOM_ONE_DARK = "atom-one-dark"
    ATOM_ONE_LIGHT = "atom-one-light"
    ANSI_DARK = "ansi-dark"
    ANSI_LIGHT = "ansi-light"


OURS = (ThemeName.DEFAULT, ThemeName.HIGH_CONTRAST)  # app.THEME_ALIASES maps them to registered themes
