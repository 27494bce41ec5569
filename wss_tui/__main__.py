"""`python -m wss_tui`: the same as the `wss` command."""

from wss_tui.cli import main

main()
