"""wss-tui: bill-correction complaints of the UP discoms, worked in the terminal."""

__version__ = "0.1.0"
