"""The hostile corpus: text a hostile or careless user, file or script can hand the app.

Every entry point (the CLI, `wss import`, the TUI's dialogs) must refuse what holds a control character
and store the rest literally; every screen and command that shows stored text must show it as typed
(markup not interpreted, no action run) with no escape byte reaching the terminal.
"""

from __future__ import annotations

# Markup that Rich / Textual would interpret if a str reached them: a click that runs App actions,
# a hyperlink, styles.
MARKUP = [
    "[@click=app.screenshot('wss.db','.')]see note[/]",
    "[@click=app.quit]close[/]",
    "[@click=screen.take]take[/]",
    "[link=https://evil.example/]refund here[/link]",
    "[bold red]URGENT[/bold red] [reverse]x[/]",
    "[/]",
    "[",
]

# Terminal control: each must be refused where text enters and never reach an output.
CONTROLS = [
    "title\x1b]0;owned\x07",  # OSC 0: retitle the terminal
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]52;c;cm0gLXJmIH4=\x07clip",  # OSC 52: write the clipboard
    "\x1b[31mred\x1b[0m",  # SGR
    "bell\x07",
    "nul\x00byte",
    "back\x08\x08space",
    "csi\x9b31m",  # C1 CSI
    "Rs \u202e00.001\u202c",  # bidi override
    "del\x7f",
]

# Plain text that must pass and show as typed.
PLAIN = [
    "मीटर रीडिंग ४५१२ है; बिल में ५३१० लिखा है",  # Devanagari, with Devanagari digits
    "क्‍ष ज़्‍ज",  # ZWJ inside Devanagari conjuncts
    "O'Brien & Sons <b>not html</b> 100% ₹2,202.99",
    "x" * 10_000,
]

# Bytes that are not UTF-8, as Python hands them from argv (surrogateescape).
NOT_UTF8 = [b"\xff\xfe reason".decode("utf-8", "surrogateescape")]

# What must never appear in anything shown: ESC, BEL, NUL, C1 CSI/OSC, bidi override.
FORBIDDEN_OUTPUT = ["\x1b", "\x07", "\x00", "\x9b", "\x9d", "\u202e"]


def assert_no_control(output: str) -> None:
    """No byte of the corpus's terminal control reaches `output` (a capture of a screen or command)."""
    for ch in FORBIDDEN_OUTPUT:
        assert ch not in output, f"{ch!r} reached the output: {output[max(0, output.find(ch) - 40):output.find(ch) + 40]!r}"
