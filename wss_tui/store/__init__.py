"""The domain: tables, sessions, every rule and every query.

Nothing here imports Textual, Rich or Typer (tests/test_layers.py holds us to it), so the CLI and the
TUI call the same functions and cannot disagree.
"""
