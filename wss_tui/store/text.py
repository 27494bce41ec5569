"""Text from people and files: refused at the door when it could act on a terminal, and shown with any
such character already stored made visible instead of emitted.

A log entry, a reason or an imported name is read later in a clerk's terminal. An ESC there starts an
escape sequence (retitle the window, write the clipboard with OSC 52, draw a hyperlink with OSC 8); a
bidirectional override makes "Rs 1,000" read as something else; a lone surrogate is what Python makes
of bytes that are not UTF-8 (a command-line argument such as $'\\xff'). None of them belongs in a
complaint, so every text field entering the store goes through `check()`; text stored before this rule
(or written by another program) goes through `visible()` wherever it is shown.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import Invalid

# Explicit embeddings, overrides and isolates, and the marks; ZWJ/ZWNJ stay allowed (Devanagari needs them).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # controls, lone surrogates, line/paragraph separators


def _class(*ranges: tuple[int, int]) -> str:
    return "".join(re.escape(chr(lo)) + ("-" + re.escape(chr(hi)) if hi > lo else "") for lo, hi in ranges)


# The same rule as `is_refused`, as one pattern, to judge a whole column of an import at C speed
# (tests/test_text_rule.py holds the two to agreeing on every code point).
_REFUSED_RANGES = ((0x00, 0x09), (0x0B, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029), (0xD800, 0xDFFF))
_BIDI_CLASS = "".join(re.escape(ch) for ch in sorted(BIDI_CONTROLS))
_REFUSED_MULTILINE = re.compile("[" + _class(*_REFUSED_RANGES) + _BIDI_CLASS + "]")
_REFUSED_LINE = re.compile("[" + _class(*_REFUSED_RANGES, (0x0A, 0x0A)) + _BIDI_CLASS + "]")


def has_refused(value: str, *, multiline: bool = False) -> bool:
    """True when `value` holds a character `check` would refuse: one scan, no Python loop."""
    return (_REFUSED_MULTILINE if multiline else _REFUSED_LINE).search(value) is not None


def is_refused(ch: str, *, multiline: bool = False) -> bool:
    """True for a character no typed or imported text may hold (a newline only where lines are allowed)."""
    if ch == "\n":
        return not multiline
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in _REFUSED_CATEGORIES


def describe(ch: str) -> str:
    """How an error line names a refused character: `U+001B (ESC)`, `U+202E (RIGHT-TO-LEFT OVERRIDE)`."""
    code = ord(ch)
    if unicodedata.category(ch) == "Cs":
        return f"a byte that is not UTF-8 (U+{code:04X})"
    name = _C0_NAMES.get(code) or unicodedata.name(ch, "")
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def check(field: str, value: str | None, *, multiline: bool = False) -> str:
    """`value` unchanged, or Invalid naming `field` and the first character that is not allowed.

    Length and emptiness are the caller's rules; this one only says what may never be stored."""
    if not value:
        return value or ""
    for position, ch in enumerate(value, start=1):
        if is_refused(ch, multiline=multiline):
            if ch == "\n":
                where = "a line break"
            elif unicodedata.category(ch) == "Cs":
                where = describe(ch)
            else:
                where = f"the control character {describe(ch)}"
            raise Invalid(field, f"has {where} at character {position}; type plain text without it")
    return value


def typed(field: str, value: str | None, *, maximum: int, minimum: int = 0, too_short: str = "",
          too_long: str = "keep {name} to {maximum} characters; it has {length}", name: str = "it",
          one_spaced: bool = False) -> str:
    """What a person typed for `field` (a reason, a note, a remark): stripped, `minimum` to `maximum`
    characters, plain text. `too_short` and `too_long` say what to do, their {minimum}, {maximum},
    {length} and {name} filled in; `name` is what the text is called. `one_spaced`: runs of spaces
    made one first (a reason that goes into many log lines)."""
    value = check(field, (value or "").strip())  # what may never be stored is named first, whatever its length
    if one_spaced:
        value = " ".join(value.split())
    words = dict(minimum=minimum, maximum=maximum, length=len(value), name=name)
    if len(value) < minimum:
        raise Invalid(field, too_short.format(**words))
    if len(value) > maximum:
        raise Invalid(field, too_long.format(**words))
    return value


def first_refused(value: str | None, *, multiline: bool = False) -> str | None:
    """The first refused character of `value` described, or None (an importer's reject reason)."""
    for ch in value or "":
        if is_refused(ch, multiline=multiline):
            return describe(ch)
    return None


def visible(value: object, *, multiline: bool = True) -> str:
    """`value` as text that is safe to put on a terminal: each refused character replaced by a mark.

    C0 controls become their Unicode control pictures (ESC shows as ␛, BEL as ␇), DEL as ␡, anything
    else refused as U+FFFD. Newlines stay where `multiline`, else show as ␊."""
    text = "" if value is None else str(value)
    if not any(is_refused(ch, multiline=multiline) for ch in text):
        return text  # the common case costs one scan and no copy
    return "".join(_mark(ch) if is_refused(ch, multiline=multiline) else ch for ch in text)


def _mark(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


_C0_NAMES = {
    0x00: "NUL", 0x07: "BEL", 0x08: "BACKSPACE", 0x09: "TAB", 0x0A: "LINE FEED", 0x0D: "CARRIAGE RETURN",
    0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC",
}
